"""Reports over time (issue 10 item 5): arrivals per 15 minutes per entrance and check-ins per day, both in
the EVENT's time zone (case BC-11: a station's OS zone never decides a bucket).

An arrival is an entry that stands and an exit an exit row, as core.headcount.movements_query classes them (a
duplicate scan, an undone or a refused admission is no arrival; an UNDO is no row of either), at its corrected
time (BC-13), at the entrance it was made at
(None = no entrance chosen: "No entrance"). These are movements through the doors, so a guest who leaves and
comes back arrives twice; "inside now" is core.headcount's.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from core.checkin_merge import ENTRY, EXIT
from core.entrances import list_entrances
from core.errors import InvalidArgument
from core.events import get_event
from core.headcount import EXITED, UNDONE, movements_query
from core.report_table import DATE, DATETIME, INT, Column, ReportTable
from core.timeutil import local, require_aware

NO_ENTRANCE = "No entrance"
MAX_BUCKETS = 2000  # ~3 weeks of 15-minute buckets: a longer span is a data error, not a report


def _moves(session: Session, event_id: str):
    """(entrance id, ENTRY / EXIT, corrected time, ticket number) of the event's entries that stand and exit
    rows (core.headcount.movements_query), by corrected time."""
    moves = movements_query(event_id).subquery()
    way = case((moves.c.movement == EXITED, EXIT), else_=ENTRY)
    q = (select(moves.c.entrance_id, way, moves.c.at, moves.c.ticket_number)
         .where(moves.c.movement != UNDONE).order_by(moves.c.at))
    return session.execute(q).all()


def bucket_start(when: datetime, tz_name: str, minutes: int) -> datetime:
    """The start (aware UTC) of the `minutes`-long event-local bucket holding `when`: local wall time floored
    to a multiple of `minutes` within its hour/day (15 → :00, :15, :30, :45)."""
    t = local(require_aware(when), tz_name)
    of_day = (t.hour * 60 + t.minute) // minutes * minutes
    floored = t.replace(hour=of_day // 60, minute=of_day % 60, second=0, microsecond=0)
    return floored.astimezone(timezone.utc)


def entrance_names(session: Session, event_id: str) -> dict:
    """{entrance id: name} of the event's entrances."""
    return {e.id: e.name for e in list_entrances(session, event_id)}


def arrivals(session: Session, event_id: str, *, minutes: int = 15) -> ReportTable:
    """Arrivals per `minutes` (1..1440, default 15) per entrance, from the first to the last bucket with an
    arrival (empty buckets in between shown as 0, so a chart's time axis is even).

    Columns: "From" (datetime, the bucket's start), one int column per entrance that saw an arrival (by
    name; "No entrance" last), "Total". Raises NotFound (unknown event), InvalidArgument (bad `minutes`)."""
    if not 1 <= int(minutes) <= 1440:
        raise InvalidArgument("minutes must be 1..1440", field="minutes")
    event = get_event(session, event_id)
    tz = event.time_zone
    names = entrance_names(session, event.id)
    counts: dict[tuple[datetime, str | None], int] = {}
    seen: set[str | None] = set()
    for entrance, way, when, _ticket in _moves(session, event.id):
        if way == EXIT:
            continue
        key = (bucket_start(when, tz, minutes), entrance)
        counts[key] = counts.get(key, 0) + 1
        seen.add(entrance)
    order = sorted((e for e in seen if e is not None), key=lambda e: (names.get(e, e).casefold(), e))
    if None in seen:
        order.append(None)
    columns = (Column("From", DATETIME), *(Column(entrance_label(names, e), INT) for e in order),
               Column("Total", INT))
    rows = []
    for start in _buckets(sorted({k[0] for k in counts}), tz, minutes):
        per = [counts.get((start, e), 0) for e in order]
        rows.append((start, *per, sum(per)))
    return ReportTable(f"Arrivals per {minutes} minutes — {event.title}", columns, tuple(rows), tz, "arrivals")


def _buckets(starts: list[datetime], tz: str, minutes: int) -> list[datetime]:
    """Every bucket start from the first to the last of `starts` (aware UTC), one step apart."""
    if not starts:
        return []
    out, t = [], starts[0]
    while t <= starts[-1]:
        out.append(t)
        if len(out) > MAX_BUCKETS:
            raise InvalidArgument(f"arrivals span more than {MAX_BUCKETS} buckets: choose longer buckets",
                                  field="minutes")
        nxt = bucket_start(t + timedelta(minutes=minutes), tz, minutes)
        t = nxt if nxt > t else bucket_start(t + timedelta(minutes=2 * minutes), tz, minutes)
    return out


def checkins_per_day(session: Session, event_id: str) -> ReportTable:
    """Check-ins per event-local day: columns "Day" (date), "Entries" (entries that stand), "Exits" (exit
    rows), "Guests" (distinct tickets that entered that day). Days without a movement are left out.
    Raises NotFound for an unknown event."""
    event = get_event(session, event_id)
    tz = event.time_zone
    days: dict = {}
    for _entrance, way, when, ticket in _moves(session, event.id):
        day = local(when, tz).date()
        entries, exits, guests = days.setdefault(day, [0, 0, set()])
        if way == EXIT:
            days[day][1] = exits + 1
        else:
            days[day][0] = entries + 1
            guests.add(ticket)
    rows = tuple((day, e, x, len(g)) for day, (e, x, g) in sorted(days.items()))
    columns = (Column("Day", DATE), Column("Entries", INT), Column("Exits", INT), Column("Guests", INT))
    return ReportTable(f"Check-ins per day — {event.title}", columns, rows, tz, "days")


def entrance_label(names: dict, entrance_id: str | None) -> str:
    """The name shown for `entrance_id` ("No entrance" for None; the id of a deleted entrance)."""
    return NO_ENTRANCE if entrance_id is None else names.get(entrance_id, entrance_id)

