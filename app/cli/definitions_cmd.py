"""`tessera definitions create|list|get|update|delete|change-currency` (API.md §4, TicketDefinitionManagement).

`delete` asks for confirmation (saying how many tickets were sold, as the GUI's dialog does) or takes
`--yes`; without a terminal to ask on (scripts, --json) it refuses unless --yes is given (issue 10)."""
from __future__ import annotations

import argparse
import sys

from app import config
from app.cli.common import add_event_option, add_paging, ledger_of, local_time, pick_event, transaction
from app.cli.output import CliError, emit, money_text, pairs, table, warn
from core import contract, leases, roles
from core.definitions import (SALE_ENDED, SALE_SCHEDULED, SALE_STARTED, STATE_CONDS, create_definition,
                              definition_counts, delete_definitions, get_definition, list_definitions,
                              update_definition)
from core.entry_rules import describe
from core.events import change_currency, get_event
from core.status import DESCRIPTION_MAX, LIMIT_PER_CHECKOUT_MAX, NAME_MAX, POLICY_MAX
from core.timeutil import to_rfc3339, utcnow

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
    p.add_argument("--entry-rule", choices=["once", "daily", "multi"], type=str.lower,
                   help="how often a ticket admits: once (default), daily (once per event-local day), "
                        "multi (--max-entries entries in all)")
    p.add_argument("--max-entries", type=int, metavar="N", help="entries of a multi rule (implies --entry-rule multi)")


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
    add_event_option(u, "the definition's own; given, it must match")
    _data_options(u, create=False)
    u.add_argument("--lease-block", type=int, metavar="N",
                   help="seats a box office may lease for offline sale (0 = not leased; sent to the hub when "
                        f"this station is connected to one; suggested {leases.DEFAULT_BLOCK})")
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
    if args.entry_rule is not None or args.max_entries is not None:  # checked by core.entry_rules
        data["entryRule"] = {"kind": (args.entry_rule or "multi").upper(), "maxEntries": args.max_entries}
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
                  ("entry rule", describe((d.get("entryRule") or {}).get("kind"),
                                          (d.get("entryRule") or {}).get("maxEntries"))),
                  ("description", d.get("description")), ("policy", d.get("policy"))])


def cmd_create(args) -> int:
    with transaction(args, roles.EDIT_DEFINITIONS) as session:
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
        leased: dict[str, int] = {}
        for ev_id in {d.event_id for d in page.items}:
            leased.update(leases.leased_counts(session, ev_id, utcnow()))
        items = [dict(contract.definition_to_api(d, counts.get(d.id)), leased=leased.get(d.id, 0))
                 for d in page.items]
        body = {"metaData": {"count": len(items), "offset": page.offset, "total": page.total},
                "definitions": items}
    emit(args, body, lambda: table(
        ["ID", "NAME", "PRICE", "QUANTITY", "SOLD", "LEASED", "UNSOLD", "SALE"],
        [[d["id"], d["name"], money_text(d.get("price")),
          (d.get("dashboard") or {}).get("quantity") or "unlimited",
          (d.get("dashboard") or {}).get("ticketsSold"), d["leased"], (d.get("dashboard") or {}).get("unsold"),
          d.get("saleStatus")] for d in items], empty="No ticket definitions."))
    return 0


def cmd_get(args) -> int:
    with transaction(args) as session:
        body = _api(session, get_definition(session, args.definition_id))
    emit(args, {"definition": body}, lambda: _detail(body))
    return 0


def cmd_update(args) -> int:
    with transaction(args, roles.EDIT_DEFINITIONS) as session:
        defn = get_definition(session, args.definition_id)
        if args.event and args.event != defn.event_id:  # accepted like every other command's (fresh-user trial)
            raise CliError(f"ticket definition {defn.id} belongs to event {defn.event_id}, not {args.event}")
        ev = get_event(session, defn.event_id)
        data = _data(args, ev.currency, ev.time_zone)
        if not data and args.lease_block is None:
            raise CliError("nothing to update: give at least one option such as --price or --quantity")
        if data:
            defn = update_definition(session, defn.id, data, _fields(data))
        if args.lease_block is not None:
            leases.set_block(session, defn.id, args.lease_block)
        body = _api(session, defn)
    if args.lease_block is not None:
        body["leaseBlock"] = args.lease_block
        _send_block(args, defn.event_id, defn.id, args.lease_block)
    emit(args, {"definition": body}, lambda: "Updated ticket definition\n" + _detail(body))
    return 0


def _send_block(args, event_id: str, definition_id: str, block: int) -> None:
    """Give the hub the new lease block when this ledger is connected to one (a warning when it cannot)."""
    from sync import leases as station_leases
    from sync.connection import NotConnected, station_engine
    from sync.errors import SyncError

    with ledger_of(args) as ledger:
        try:
            engine = station_engine(ledger, clock_warn_s=float(config.get("clock_warn_s")))
        except NotConnected:
            return
        try:
            station_leases.set_block(engine.api, event_id, block, definition_id)
        except SyncError as exc:
            warn(f"warning: lease block set in this ledger only; the hub did not take it: {exc.message}")
        finally:
            engine.api.http.close()


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
    with transaction(args, roles.EDIT_DEFINITIONS) as session:
        ev = pick_event(session, args.event)
        if not args.all and not args.definition_ids:
            raise CliError("give definition ids to delete, or --all")
        _confirm_delete(args, session, ev.id)
        delete_definitions(session, ev.id, args.definition_ids or None, all=args.all)
    emit(args, {}, "Deleted." if args.all else f"Deleted {len(args.definition_ids)} ticket definition(s).")
    return 0


def cmd_change_currency(args) -> int:
    with transaction(args, roles.EDIT_DEFINITIONS) as session:
        ev = pick_event(session, args.event)
        change_currency(session, ev.id, args.currency)
    emit(args, {}, f"Event {ev.id} now sells in {ev.currency}.")
    return 0
