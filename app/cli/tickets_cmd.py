"""`tessera tickets list|get|check-in|undo-check-in` (API.md §3, TicketManagement; manual door actions)."""
from __future__ import annotations

from app.cli.common import (add_event_option, add_paging, add_station_options, operator_of, station_of,
                            transaction)
from sqlalchemy import select

from app.cli.output import emit, emit_page, money_text, pairs, table
from core import contract, roles
from core.events import get_event
from core.models import Event
from core.status import ORDER_STATUSES
from core.textsearch_page import DEFAULT_CAP
from core.tickets import (STATE_GROUPS, check_in, checked_in_map, delete_check_in, get_ticket, list_tickets,
                          resolve_typed)
from core.timeutil import parse_rfc3339, shown

STATES = [s for s in STATE_GROUPS if s != "MEMBER"]  # stations have no members


def register(subparsers, parent) -> None:
    """Add `tickets` with its sub-commands to the CLI."""
    p = subparsers.add_parser("tickets", parents=[parent], help="list and show tickets, check in by hand")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    ls = sub.add_parser("list", parents=[parent], help="list tickets")
    ls.add_argument("--event", metavar="ID", help="event id (default: every event)")
    ls.add_argument("--state", action="append", choices=STATES, type=str.upper, help="filter (repeatable)")
    ls.add_argument("--order-status", action="append", choices=ORDER_STATUSES, metavar="STATUS",
                    help="order status filter (repeatable): " + ", ".join(ORDER_STATUSES))
    ls.add_argument("--order", action="append", metavar="ORDER_NUMBER", help="only these orders (repeatable)")
    ls.add_argument("--definition", action="append", metavar="ID", help="only these definitions (repeatable)")
    ls.add_argument("--search", help="guest/buyer name, e-mail, order or ticket number (or its last 4); a word "
                    "of 1-2 characters matches the start of a name or number. The table counts at most "
                    f"{DEFAULT_CAP:,} matches ('more than {DEFAULT_CAP:,}'); --json counts every match")
    add_paging(ls)
    ls.set_defaults(func=cmd_list)

    g = sub.add_parser("get", parents=[parent], help="show one ticket")
    g.add_argument("ticket_number", metavar="TICKET_NUMBER")
    g.add_argument("--event", metavar="ID", help="refuse a ticket of another event")
    g.set_defaults(func=cmd_get)

    for name, func, text in (("check-in", cmd_check_in, "check tickets in by hand (no verdict rules)"),
                             ("undo-check-in", cmd_undo, "undo check-ins (an UNDO row; the log is kept)")):
        c = sub.add_parser(name, parents=[parent], help=text)
        c.add_argument("ticket_numbers", metavar="TICKET_NUMBER", nargs="+")
        add_event_option(c, "the ticket's event")
        add_station_options(c)
        c.set_defaults(func=func)


def _api(session, tickets) -> list[dict]:
    checked = checked_in_map(session, [t.ticket_number for t in tickets])
    return [contract.ticket_to_api(t, checked.get(t.ticket_number)) for t in tickets]


def _zones(session, tickets) -> dict[str, str]:
    """{ticket number: its event's IANA zone} for ORM tickets (check-in times are shown there, case BC-11)."""
    ids = {t.event_id for t in tickets}
    by_event = {ev.id: ev.time_zone for ev in session.scalars(select(Event).where(Event.id.in_(ids)))} if ids else {}
    return {t.ticket_number: by_event.get(t.event_id, "UTC") for t in tickets}


def _checked_in_text(t: dict, zones: dict[str, str], none: str = "") -> str:
    """The check-in time in the event's zone ('2026-03-07 20:41 CET'), `none` when not checked in."""
    created = parse_rfc3339((t.get("checkIn") or {}).get("created"))
    if created is None:
        return none
    return shown(created, zones.get(t["ticketNumber"], "UTC"))


def _rows(tickets: list[dict], zones: dict[str, str]) -> list[list]:
    return [[t["ticketNumber"], t.get("name"), money_text(t.get("price")), t.get("orderStatus"),
             t.get("guestFullName") or t.get("orderFullName"), _checked_in_text(t, zones)] for t in tickets]


HEADERS = ["TICKET", "TYPE", "PRICE", "ORDER STATUS", "GUEST", "CHECKED IN"]


def cmd_list(args) -> int:
    with transaction(args) as session:
        event_ids = [get_event(session, args.event).id] if args.event else None
        page = list_tickets(session, event_ids, order_numbers=args.order, definition_ids=args.definition,
                            states=args.state, order_statuses=args.order_status, search=args.search,
                            offset=args.offset, limit=args.limit, count_cap=None if args.json else DEFAULT_CAP)
        tickets = _api(session, page.items)
        zones = _zones(session, page.items)
    emit_page(args, page, "tickets", tickets, HEADERS, _rows(tickets, zones), empty="No tickets.")
    return 0


def cmd_get(args) -> int:
    with transaction(args) as session:
        ticket = get_ticket(session, args.ticket_number.strip().upper(), args.event)
        t, zones = _api(session, [ticket])[0], _zones(session, [ticket])
    emit(args, {"ticket": t}, lambda: pairs([
        ("ticket", t["ticketNumber"]), ("order", t.get("orderNumber")), ("type", t.get("name")),
        ("price", money_text(t.get("price"))), ("order status", t.get("orderStatus")),
        ("guest", t.get("guestFullName") or t.get("orderFullName")),
        ("checked in", _checked_in_text(t, zones, "no")), ("QR", t.get("checkInUrl"))]))
    return 0


def _change(args, action) -> int:
    with transaction(args, roles.CHECK_IN) as session:
        numbers = [resolve_typed(session, n) for n in args.ticket_numbers]  # typed as at `scan --code`
        event_id = args.event or get_ticket(session, numbers[0]).event_id
        tickets = action(session, event_id, numbers, station=station_of(args, session), operator=operator_of(args))
        body = _api(session, tickets)
        zones = _zones(session, tickets)
    emit(args, {"tickets": body}, lambda: table(HEADERS, _rows(body, zones)))
    return 0


def cmd_check_in(args) -> int:
    return _change(args, check_in)


def cmd_undo(args) -> int:
    return _change(args, delete_check_in)
