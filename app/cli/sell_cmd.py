"""`tessera sell`: a box-office sale (core.sales.sell): definitions × quantity, buyer, cash/card/unpaid."""
from __future__ import annotations

from sqlalchemy import select

from app.cli.common import add_event_option, add_station_options, key_values, pick_event, station_of, transaction
from app.cli.output import CliError, emit, money_text, pairs, table, warn
from core import contract, roles
from core.models import TicketDefinition
from core.money import Money
from core.sales import sell
from core.till import cash_outside_till


def register(subparsers, parent) -> None:
    """Add `sell` to the CLI."""
    p = subparsers.add_parser(
        "sell", parents=[parent], help="sell tickets at the box office",
        description="Sell tickets: e.g. tessera sell --ticket Standing=2 --first-name Ana --last-name Moreira "
                    "--payment cash --tendered 60.00")
    add_event_option(p)
    p.add_argument("--ticket", action="append", required=True, metavar="DEFINITION=QTY",
                   help="ticket definition (id or exact name) and quantity; repeatable")
    p.add_argument("--first-name", required=True)
    p.add_argument("--last-name", required=True)
    p.add_argument("--email", default="")
    p.add_argument("--input", action="append", metavar="NAME=VALUE", help="other form input (repeatable)")
    p.add_argument("--payment", choices=["cash", "card", "unpaid"], default="card",
                   help="cash (needs --tendered), card, or unpaid (OFFLINE_PENDING); default card")
    p.add_argument("--tendered", help="cash handed over, e.g. 60.00")
    p.add_argument("--override", action="store_true",
                   help="supervisor override of quantity / per-checkout / sale-period limits (logged)")
    add_station_options(p)
    p.set_defaults(func=cmd_sell)


def resolve_lines(session, event_id: str, items: list[tuple[str, str]]) -> dict[str, int]:
    """{definition_id: quantity} from (id-or-name, quantity text) pairs; CliError for an unknown or ambiguous
    definition or a quantity that is not a positive integer."""
    defs = list(session.scalars(select(TicketDefinition).where(TicketDefinition.event_id == event_id)))
    lines: dict[str, int] = {}
    for key, qty_text in items:
        matches = [d for d in defs if d.id == key] or [d for d in defs if d.name.casefold() == key.casefold()]
        if len(matches) != 1:
            names = ", ".join(sorted(d.name for d in defs)) or "none"
            what = "ambiguous" if matches else "unknown"
            raise CliError(f"{what} ticket definition {key!r} (this event has: {names})")
        try:
            qty = int(qty_text)
        except ValueError:
            raise CliError(f"--ticket {key}={qty_text}: the quantity must be a whole number") from None
        if qty <= 0:
            raise CliError(f"--ticket {key}={qty_text}: the quantity must be at least 1")
        lines[matches[0].id] = lines.get(matches[0].id, 0) + qty
    return lines


def cmd_sell(args) -> int:
    if args.tendered and args.payment != "cash":
        raise CliError("--tendered goes with --payment cash")
    buyer = {"firstName": args.first_name, "lastName": args.last_name, "email": args.email}
    buyer.update(dict(key_values(args.input, "--input")))
    with transaction(args, roles.SELL) as session:
        ev = pick_event(session, args.event)
        lines = resolve_lines(session, ev.id, key_values(args.ticket, "--ticket"))
        tendered = Money.of(args.tendered, ev.currency) if args.tendered else None
        station = station_of(args, session)
        sale = sell(session, ev.id, lines, buyer, payment=args.payment, tendered=tendered,
                    station=station, override=args.override)
        till_note = cash_outside_till(session, ev.id, station) if args.payment == "cash" else None
        order = contract.order_to_api(sale.order, checked_in={})
        body = {"order": order, "total": sale.total.to_api(),
                "change": sale.change.to_api() if sale.change else None}

        def human() -> str:
            head = pairs([("order", order["orderNumber"]), ("status", order.get("status")),
                          ("total", str(sale.total)), ("change due", str(sale.change) if sale.change else None)])
            rows = [[t["ticketNumber"], t.get("name"), money_text(t.get("price"))] for t in order.get("tickets", [])]
            return "Sold\n" + head + "\n\n" + table(["TICKET", "TYPE", "PRICE"], rows)

    emit(args, body, human)
    if till_note:
        warn(f"warning: {till_note}")
    return 0
