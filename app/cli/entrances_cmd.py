"""`tessera entrances add|list|edit|delete|capacity|inside` (issue 9 items 7–8): an event's entrances (check-in
lists: a name, the ticket definitions admitted there — default all —, entry or exit) over core.entrances, the
event's capacity alarm, and the headcount of people inside now (core.headcount). Entrances made here go to the
hub at the next sync (outbox entrance.upsert / entrance.delete). A door scans at one with
`tessera scan --entrance NAME`."""
from __future__ import annotations

from sqlalchemy import select

from app.cli.common import add_event_option, pick_event, transaction
from app.cli.output import emit, pairs, table
from core.entrances import (ENTRY, EXIT, EntranceView, create_entrance, delete_entrance, find_entrance,
                            list_entrances, set_max_inside, update_entrance)
from core.headcount import headcount
from core.models import TicketDefinition
from core.timeutil import shown, to_rfc3339


def register(subparsers, parent) -> None:
    """Add `entrances` with its sub-commands to the CLI."""
    p = subparsers.add_parser("entrances", parents=[parent], help="entrances (check-in lists), exits, headcount")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    a = sub.add_parser("add", parents=[parent], help="add an entrance")
    add_event_option(a)
    a.add_argument("name", metavar="NAME")
    a.add_argument("--admit", action="append", metavar="DEFINITION_ID",
                   help="admit only these ticket definitions (repeatable; default: every definition)")
    a.add_argument("--exit", action="store_true", help="an exit: scans there record people leaving")
    a.set_defaults(func=cmd_add)

    ls = sub.add_parser("list", parents=[parent], help="list the event's entrances")
    add_event_option(ls)
    ls.set_defaults(func=cmd_list)

    e = sub.add_parser("edit", parents=[parent], help="change an entrance (by name or id)")
    add_event_option(e)
    e.add_argument("entrance", metavar="NAME_OR_ID")
    e.add_argument("--name", help="new name")
    which = e.add_mutually_exclusive_group()
    which.add_argument("--admit", action="append", metavar="DEFINITION_ID", help="admit only these (repeatable)")
    which.add_argument("--admit-all", action="store_true", help="admit every definition")
    way = e.add_mutually_exclusive_group()
    way.add_argument("--exit", dest="direction", action="store_const", const=EXIT, help="make it an exit")
    way.add_argument("--entry", dest="direction", action="store_const", const=ENTRY, help="make it an entry")
    e.set_defaults(func=cmd_edit)

    d = sub.add_parser("delete", parents=[parent], help="delete an entrance (by name or id)")
    add_event_option(d)
    d.add_argument("entrance", metavar="NAME_OR_ID")
    d.set_defaults(func=cmd_delete)

    c = sub.add_parser("capacity", parents=[parent], help="set the most people inside at once (the door's alarm)")
    add_event_option(c)
    c.add_argument("max_inside", metavar="N", help="a whole number, or 'none' for no alarm")
    c.set_defaults(func=cmd_capacity)

    i = sub.add_parser("inside", parents=[parent], help="people inside now, per entrance")
    add_event_option(i)
    i.set_defaults(func=cmd_inside)


def _names(session, event_id: str) -> dict[str, str]:
    q = select(TicketDefinition.id, TicketDefinition.name).where(TicketDefinition.event_id == event_id)
    return {i: name for i, name in session.execute(q)}


def _row(e: EntranceView, names: dict[str, str]) -> list:
    admits = ", ".join(sorted(names.get(i, i) for i in e.definition_ids)) or "all"
    return [e.name, e.direction, admits, e.id]


def _show(args, e: EntranceView, names: dict[str, str]) -> None:
    emit(args, {"entrance": e.to_api()}, lambda: pairs(zip(("name", "direction", "admits", "id"), _row(e, names))))


def cmd_add(args) -> None:
    with transaction(args) as s:
        ev = pick_event(s, args.event)
        made = create_entrance(s, ev.id, args.name, args.admit, EXIT if args.exit else ENTRY)
        _show(args, made, _names(s, ev.id))


def cmd_list(args) -> None:
    with transaction(args) as s:
        ev = pick_event(s, args.event)
        found, names = list_entrances(s, ev.id), _names(s, ev.id)
        emit(args, {"entrances": [e.to_api() for e in found]},
             lambda: table(["NAME", "DIRECTION", "ADMITS", "ID"], [_row(e, names) for e in found],
                           empty="(no entrances: every door admits every ticket)"))


def cmd_edit(args) -> None:
    with transaction(args) as s:
        ev = pick_event(s, args.event)
        e = find_entrance(s, [ev.id], args.entrance)
        ids = [] if args.admit_all else args.admit
        changed = update_entrance(s, e.id, name=args.name, definition_ids=ids, direction=args.direction)
        _show(args, changed, _names(s, ev.id))


def cmd_delete(args) -> None:
    with transaction(args) as s:
        ev = pick_event(s, args.event)
        e = find_entrance(s, [ev.id], args.entrance)
        delete_entrance(s, e.id)
        emit(args, {"deleted": e.id}, f"deleted entrance {e.name}")


def cmd_capacity(args) -> None:
    value = None if args.max_inside.strip().lower() == "none" else _whole(args.max_inside)
    with transaction(args) as s:
        ev = pick_event(s, args.event)
        set_max_inside(s, ev.id, value)
        emit(args, {"eventId": ev.id, "maxInside": value},
             f"capacity alarm: {f'more than {value} inside' if value is not None else 'none'} "
             "(this station's setting)")


def _whole(text: str):
    try:
        return int(text)
    except ValueError:
        return text  # set_max_inside refuses it with InvalidArgument


def cmd_inside(args) -> None:
    with transaction(args) as s:
        ev = pick_event(s, args.event)
        hc = headcount(s, ev.id, with_peak=True)
        names = {e.id: e.name for e in list_entrances(s, ev.id)}
        zone = ev.time_zone
    keys = sorted(set(hc.by_entrance) | set(hc.entries) | set(hc.exits), key=lambda k: str(k or ""))
    rows = [[names.get(k, k or "(no entrance)"), hc.by_entrance.get(k, 0), hc.entries.get(k, 0),
             hc.exits.get(k, 0)] for k in keys]
    if hc.unseen_exits:
        rows.append(["(left unseen: re-entered)", 0, 0, hc.unseen_exits])
    peak_at = hc.peak_at
    data = {"eventId": ev.id, "inside": hc.inside, "maxInside": hc.max_inside, "overCapacity": hc.over_capacity,
            "byEntrance": {str(k or ""): n for k, n in hc.by_entrance.items()}, "entries": hc.total_entries,
            "exits": hc.total_exits, "peakInside": hc.peak, "peakAt": to_rfc3339(peak_at) if peak_at else None}
    peak = f"Max inside: {hc.peak}" + (f" at {shown(peak_at, zone)}" if peak_at else "")
    emit(args, data, lambda: hc.label() + ("  — OVER CAPACITY" if hc.over_capacity else "") + "\n"
         + f"Entries: {hc.total_entries}   Exits: {hc.total_exits}   {peak}\n"
         + table(["ENTRANCE", "INSIDE (CAME IN HERE)", "ENTRIES", "EXITS"], rows))
