"""Headcount — "inside now" and per-entrance counts (issue 9 items 7–8; DESIGN.md "Entrance": inside now =
entries − exits).

A guest is inside when their ticket's check-in in force is an ENTRY (core.checkin_merge: the one "checked in"
rule, which an EXIT or an UNDO ends), so "inside now" per event is the number of such tickets and, per
entrance, the number that came in there (the entrance of the accepted ENTRY in force). Entries and exits per
entrance count the ACCEPTED rows of each direction (a duplicate scan is no entry).

The numbers are exact for the rows this ledger holds: on the hub, and on a station right after a sync they are
the venue's; on a station that cannot reach its hub they are an estimate from what it has seen (its own scans
plus what the last sync brought) — `Headcount.estimate`, shown "estimate — offline". Reads only.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.checkin_merge import ACCEPTED, CHECK_IN, ENTRY, EXIT, checked_in_rows_query
from core.models import CheckIn, Event

ESTIMATE_LABEL = "estimate — offline"


@dataclass(frozen=True)
class Headcount:
    """People inside one event now. `inside` tickets whose check-in in force is an entry; `by_entrance`
    {entrance id or None (no entrance chosen): inside who came in there}; `entries` / `exits` {entrance id or
    None: accepted rows of that direction}; `max_inside` the event's capacity alarm (None = none);
    `estimate` True when the station is offline (the count is what it has seen)."""

    event_id: str
    inside: int
    by_entrance: dict = field(default_factory=dict)
    entries: dict = field(default_factory=dict)
    exits: dict = field(default_factory=dict)
    max_inside: int | None = None
    estimate: bool = False

    @property
    def over_capacity(self) -> bool:
        """True when more people are inside than the event's max inside (the door's alarm)."""
        return self.max_inside is not None and self.inside > self.max_inside

    def label(self) -> str:
        """"Inside now: 12 / 300" (+ " (estimate — offline)" when offline)."""
        cap = f" / {self.max_inside}" if self.max_inside is not None else ""
        tail = f" ({ESTIMATE_LABEL})" if self.estimate else ""
        return f"Inside now: {self.inside}{cap}{tail}"


def inside_by_entrance(session: Session, event_id: str) -> dict:
    """{entrance id or None: tickets of `event_id` inside now who came in at that entrance}."""
    sub = checked_in_rows_query(None).where(CheckIn.event_id == event_id).subquery()
    q = select(sub.c.entrance_id, func.count()).group_by(sub.c.entrance_id)
    return {entrance: n for entrance, n in session.execute(q)}


def movements(session: Session, event_id: str) -> tuple[dict, dict]:
    """({entrance id or None: accepted entries}, {entrance id or None: accepted exits}) of `event_id`."""
    direction = func.coalesce(CheckIn.direction, ENTRY)
    q = (select(CheckIn.entrance_id, direction, func.count())
         .where(CheckIn.event_id == event_id, CheckIn.kind == CHECK_IN, CheckIn.status == ACCEPTED)
         .group_by(CheckIn.entrance_id, direction))
    entries: dict = {}
    exits: dict = {}
    for entrance, way, n in session.execute(q):
        (exits if way == EXIT else entries)[entrance] = n
    return entries, exits


def headcount(session: Session, event_id: str, *, online: bool = True) -> Headcount:
    """The Headcount of `event_id` from this ledger's log; `online` False marks it an estimate (a station that
    cannot reach its hub). An unknown event counts 0 with no capacity."""
    by_entrance = inside_by_entrance(session, event_id)
    entries, exits = movements(session, event_id)
    event = session.get(Event, event_id)
    return Headcount(event_id, sum(by_entrance.values()), by_entrance, entries, exits,
                     event.max_inside if event is not None else None, estimate=not online)
