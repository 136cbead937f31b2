"""`tessera events create|list|get|update`: events with title, IANA time zone, start/end and currency (the
currency only while no order exists: core.events, the same functions the GUI's Events tab calls)."""
from __future__ import annotations

import uuid

from app.cli.common import local_time, transaction
from app.cli.output import emit, pairs, table
from core import contract, roles
from core.codes import is_guid
from core.errors import InvalidArgument
from core.events import create_event, currency_lock_reason, get_event, list_events, update_event
from core.timeutil import shown


def register(subparsers, parent) -> None:
    """Add `events` with its sub-commands to the CLI."""
    p = subparsers.add_parser("events", parents=[parent], help="create, list and get events")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    c = sub.add_parser("create", parents=[parent], help="create an event")
    c.add_argument("--title", required=True)
    c.add_argument("--time-zone", required=True, help="IANA zone, e.g. Europe/Berlin")
    c.add_argument("--currency", required=True, help="ISO-4217 code, e.g. EUR")
    c.add_argument("--start", help="local start in the event's zone, e.g. '2025-10-26 20:00'")
    c.add_argument("--end", help="local end in the event's zone")
    c.add_argument("--id", dest="event_id", help="event id (default: a new GUID)")
    c.set_defaults(func=cmd_create)

    ls = sub.add_parser("list", parents=[parent], help="list the events in the ledger")
    ls.set_defaults(func=cmd_list)

    u = sub.add_parser("update", parents=[parent], help="change the given fields of an event")
    u.add_argument("event_id", metavar="ID")
    u.add_argument("--title")
    u.add_argument("--time-zone", help="IANA zone; the stored start/end instants do not move")
    u.add_argument("--start", help="local start in the event's (new) zone")
    u.add_argument("--end", help="local end in the event's (new) zone")
    u.add_argument("--currency", help="ISO-4217 code; refused once an order exists (prices are not converted)")
    u.set_defaults(func=cmd_update)

    g = sub.add_parser("get", parents=[parent], help="show one event")
    g.add_argument("event_id", metavar="ID")
    g.set_defaults(func=cmd_get)


def _when(ev, value) -> str:
    return shown(value, ev.time_zone)


def _detail(ev, lock_reason: str | None = None) -> str:
    return pairs([("id", ev.id), ("title", ev.title), ("time zone", ev.time_zone),
                  ("start", _when(ev, ev.start)), ("end", _when(ev, ev.end)), ("currency", ev.currency),
                  ("registration", ev.registration_type),
                  ("currency locked", lock_reason or ("yes" if ev.currency_locked else "no"))])


def cmd_create(args) -> int:
    if args.event_id is not None and not is_guid(args.event_id):  # ticket QR codes carry it (API.md §1.6, §5)
        raise InvalidArgument(f"--id must be a GUID such as {uuid.uuid4()}, not {args.event_id!r}", field="id")
    with transaction(args, roles.EDIT_EVENTS) as session:
        ev = create_event(session, title=args.title, time_zone=args.time_zone, currency=args.currency,
                          start=local_time(args.start, args.time_zone, "start"),
                          end=local_time(args.end, args.time_zone, "end"), event_id=args.event_id)
        body = {"event": contract.event_to_api(ev)}
    emit(args, body, lambda: "Created event\n" + _detail(ev))
    return 0


def cmd_list(args) -> int:
    with transaction(args) as session:
        events = list_events(session)
        body = {"events": [contract.event_to_api(ev) for ev in events]}
    emit(args, body, lambda: table(["ID", "TITLE", "START", "ZONE", "CURRENCY"],
                                   [[ev.id, ev.title, _when(ev, ev.start), ev.time_zone, ev.currency]
                                    for ev in events], empty="No events yet (try `tessera demo`)."))
    return 0


def cmd_get(args) -> int:
    with transaction(args) as session:
        ev = get_event(session, args.event_id)
        reason = currency_lock_reason(session, ev)
        body = {"event": contract.event_to_api(ev)}
    emit(args, body, lambda: _detail(ev, reason))
    return 0


def cmd_update(args) -> int:
    with transaction(args, roles.EDIT_EVENTS) as session:
        ev = get_event(session, args.event_id)
        zone_name = args.time_zone or ev.time_zone
        ev = update_event(session, ev.id, title=args.title, time_zone=args.time_zone,
                          start=local_time(args.start, zone_name, "start"),
                          end=local_time(args.end, zone_name, "end"), currency=args.currency)
        reason = currency_lock_reason(session, ev)
        body = {"event": contract.event_to_api(ev)}
    emit(args, body, lambda: "Updated event\n" + _detail(ev, reason))
    return 0
