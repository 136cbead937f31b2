"""`tessera definitions create|list|get|update|delete|change-currency` (API.md §4, TicketDefinitionManagement).

`delete` asks for confirmation (saying how many tickets were sold, as the GUI's dialog does) or takes
`--yes`; without a terminal to ask on (scripts, --json) it refuses unless --yes is given (issue 10)."""
from __future__ import annotations

import argparse
import sys

from app.cli.common import add_event_option, add_paging, local_time, pick_event, transaction
from app.cli.output import CliError, emit, money_text, pairs, table
from core import contract
from core.definitions import (SALE_ENDED, SALE_SCHEDULED, SALE_STARTED, STATE_CONDS, create_definition,
                              definition_counts, delete_definitions, get_definition, list_definitions,
                              update_definition)
from core.events import change_currency, get_event
from core.status import DESCRIPTION_MAX, LIMIT_PER_CHECKOUT_MAX, NAME_MAX, POLICY_MAX
from core.timeutil import to_rfc3339

STATES = list(STATE_CONDS)
SALE_STATUSES = [SALE_SCHEDULED, SALE_STARTED, SALE_ENDED]


def _data_options(p: argparse.ArgumentParser, create: bool) -> None:
    p.add_argument("--name", required=create, help=f"up to {NAME_MAX} characters")
    p.add_argument("--price", help="decimal amount in the event's currency, e.g. 25.00 (default 0 = free)")
    qty = p.add_mutually_exclusive_group()
    qty.add_argument("--quantity", type=int, help="number of tickets (limited)")
    qty.add_argument("--unlimited", action="store_true", default=None, help="no quantity limit")
    p.add_argument("--limit-per-checkout", type=int,
                   help=f"0..{LIMIT_PER_CHECKOUT_MAX} per order ({LIMIT_PER_CHECKOUT_MAX} = no limit)")
    p.add_argument("--description", help=f"up to {DESCRIPTION_MAX} characters")
    p.add_argument("--policy", help=f"up to {POLICY_MAX} characters, printed on the ticket")
    p.add_argument("--order-index", type=int, help="sort position")
    vis = p.add_mutually_exclusive_group()
    vis.add_argument("--hidden", action="store_true", default=None, help="hide from online sale")
    vis.add_argument("--visible", dest="hidden", action="store_false", help="show in online sale")
    p.add_argument("--sale-start", help="local date-time the sale opens, e.g. '2025-10-01 10:00'")
    p.add_argument("--sale-end", help="local date-time the sale closes")


def register(subparsers, parent) -> None:
    """Add `definitions` with its sub-commands to the CLI."""
    p = subparsers.add_parser("definitions", parents=[parent], help="ticket definitions (types and prices)")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    c = sub.add_parser("create", parents=[parent], help="create a ticket definition")
    add_event_option(c)
    _data_options(c, create=True)
    c.set_defaults(func=cmd_create)

    ls = sub.add_parser("list", parents=[parent], help="list ticket definitions with their counts")
    ls.add_argument("--event", metavar="ID", help="event id (default: every event)")
    ls.add_argument("--state", action="append", choices=STATES, type=str.upper, help="filter (repeatable)")
    ls.add_argument("--sale-status", action="append", choices=SALE_STATUSES, help="filter (repeatable)")
    add_paging(ls)
    ls.set_defaults(func=cmd_list)

    g = sub.add_parser("get", parents=[parent], help="show one ticket definition")
    g.add_argument("definition_id", metavar="ID")
    g.set_defaults(func=cmd_get)

    u = sub.add_parser("update", parents=[parent], help="change the given fields of a ticket definition")
    u.add_argument("definition_id", metavar="ID")
    _data_options(u, create=False)
    u.set_defaults(func=cmd_update)

    d = sub.add_parser("delete", parents=[parent], help="delete ticket definitions (sold tickets stay)")
    add_event_option(d)
    d.add_argument("definition_ids", metavar="ID", nargs="*")
    d.add_argument("--all", action="store_true", help="delete every definition of the event")
    d.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    d.set_defaults(func=cmd_delete)

    cc = sub.add_parser("change-currency", parents=[parent],
                        help="change the event's currency (refused once an order exists)")
    add_event_option(cc)
    cc.add_argument("currency", metavar="CURRENCY", help="ISO-4217 code")
    cc.set_defaults(func=cmd_change_currency)


def _data(args, currency: str, tz_name: str) -> dict:
    """TicketDefinitionData holding only the options that were given."""
    data: dict = {}
    for key, attr in (("name", "name"), ("description", "description"), ("policy", "policy"),
                      ("limitPerCheckout", "limit_per_checkout"), ("orderIndex", "order_index"),
                      ("hidden", "hidden")):
        if getattr(args, attr) is not None:
            data[key] = getattr(args, attr)
    if args.price is not None:
        data["price"] = {"value": args.price, "currency": currency}
    if args.quantity is not None:
        data.update(limited=True, quantity=args.quantity)
    elif args.unlimited:
        data.update(limited=False, quantity=None)
    period = {k: to_rfc3339(local_time(v, tz_name, f"salePeriod.{k}"))
              for k, v in (("startDate", args.sale_start), ("endDate", args.sale_end)) if v}
    if period:
        data["salePeriod"] = period
    return data


def _fields(data: dict) -> list[str]:
    """The field mask of an update: the given keys (sale-period leaves one by one)."""
    out = [k for k in data if k != "salePeriod"]
    out += [f"salePeriod.{k}" for k in data.get("salePeriod", {})]
    return out


def _api(session, defn) -> dict:
    return contract.definition_to_api(defn, definition_counts(session, defn.event_id).get(defn.id))


def _detail(d: dict) -> str:
    dash = d.get("dashboard") or {}
    qty = dash.get("quantity")
    return pairs([("id", d.get("id")), ("name", d.get("name")), ("price", money_text(d.get("price"))),
                  ("quantity", "unlimited" if qty is None else qty), ("sold", dash.get("ticketsSold")),
                  ("reserved", dash.get("ticketsReserved")), ("unsold", dash.get("unsold")),
                  ("limit per checkout", d.get("limitPerCheckout")), ("sale status", d.get("saleStatus")),
                  ("hidden", "yes" if dash.get("hidden", d.get("hidden")) else "no"),
                  ("description", d.get("description")), ("policy", d.get("policy"))])


def cmd_create(args) -> int:
    with transaction(args) as session:
        ev = pick_event(session, args.event)
        data = _data(args, ev.currency, ev.time_zone)
        data.setdefault("price", {"value": "0", "currency": ev.currency})
        defn = create_definition(session, ev.id, data)
        body = _api(session, defn)
    emit(args, {"definition": body}, lambda: "Created ticket definition\n" + _detail(body))
    return 0


def cmd_list(args) -> int:
    with transaction(args) as session:
        event_ids = [get_event(session, args.event).id] if args.event else None
        page = list_definitions(session, event_ids, states=args.state, sale_statuses=args.sale_status,
                                offset=args.offset, limit=args.limit)
        counts = {}
        for ev_id in {d.event_id for d in page.items}:
            counts.update(definition_counts(session, ev_id))
        items = [contract.definition_to_api(d, counts.get(d.id)) for d in page.items]
        body = {"metaData": {"count": len(items), "offset": page.offset, "total": page.total},
                "definitions": items}
    emit(args, body, lambda: table(
        ["ID", "NAME", "PRICE", "QUANTITY", "SOLD", "UNSOLD", "SALE"],
        [[d["id"], d["name"], money_text(d.get("price")),
          (d.get("dashboard") or {}).get("quantity") or "unlimited",
          (d.get("dashboard") or {}).get("ticketsSold"), (d.get("dashboard") or {}).get("unsold"),
          d.get("saleStatus")] for d in items], empty="No ticket definitions."))
    return 0


def cmd_get(args) -> int:
    with transaction(args) as session:
        body = _api(session, get_definition(session, args.definition_id))
    emit(args, {"definition": body}, lambda: _detail(body))
    return 0


def cmd_update(args) -> int:
    with transaction(args) as session:
        defn = get_definition(session, args.definition_id)
        ev = get_event(session, defn.event_id)
        data = _data(args, ev.currency, ev.time_zone)
        if not data:
            raise CliError("nothing to update: give at least one option such as --price or --quantity")
        defn = update_definition(session, defn.id, data, _fields(data))
        body = _api(session, defn)
    emit(args, {"definition": body}, lambda: "Updated ticket definition\n" + _detail(body))
    return 0


def _confirm_delete(args, session, event_id: str) -> None:
    """Ask before deleting (the GUI confirms too), naming what goes and how many of it were sold; CliError
    when refused, or when there is no terminal to ask on and --yes is missing."""
    if args.yes:
        return
    counts = definition_counts(session, event_id)
    ids = list(counts) if args.all else [i for i in args.definition_ids if i in counts]
    sold = sum(counts[i].sold for i in ids)
    question = (f"Delete {len(ids)} ticket definition(s)? {sold} ticket(s) of them were sold; they stay valid. "
                "It can no longer be sold.")
    if getattr(args, "json", False) or not sys.stdin.isatty():
        raise CliError(f"{question} Add --yes to confirm.")
    answer = input(f"{question} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise CliError("not deleted")


def cmd_delete(args) -> int:
    with transaction(args) as session:
        ev = pick_event(session, args.event)
        if not args.all and not args.definition_ids:
            raise CliError("give definition ids to delete, or --all")
        _confirm_delete(args, session, ev.id)
        delete_definitions(session, ev.id, args.definition_ids or None, all=args.all)
    emit(args, {}, "Deleted." if args.all else f"Deleted {len(args.definition_ids)} ticket definition(s).")
    return 0


def cmd_change_currency(args) -> int:
    with transaction(args) as session:
        ev = pick_event(session, args.event)
        change_currency(session, ev.id, args.currency)
    emit(args, {}, f"Event {ev.id} now sells in {ev.currency}.")
    return 0
