"""Headcount — "inside now", entries, exits and the most inside at once, per event and per entrance (issue 9
items 7–8; DESIGN.md "Entrance": inside now = entries − exits). THE one place these figures are defined; the
door's counter, `tessera entrances inside` and the reports all read `headcount`.

Over the ACCEPTED rows of each ticket, in walk order (corrected time, id — core.checkin_merge: a duplicate scan
or a row the centre refused is no movement), each row is classed by the next accepted row of its ticket:

    an ENTRY followed by nothing      → an entry that stands, and the guest is INSIDE now (the "checked in"
                                        rule: the latest accepted row is an entry)
    an ENTRY followed by an UNDO      → no entry (the admission was taken back)
    an ENTRY followed by an EXIT      → an entry that stands (the EXIT is an exit)
    an ENTRY followed by an ENTRY     → an entry that stands, and an UNSEEN exit at the next entry's time (a
                                        DAILY / MULTI re-entry while still counted inside: the guest left
                                        without an exit scan)
    an EXIT                           → an exit;   an UNDO → nothing (it removed its entry)

Every ACCEPTED EXIT / UNDO directly follows an ENTRY (the walk accepts them only while an entry is in force),
so for each ticket and in total  inside == entries − exits  with exits = exit rows + unseen exits
(tests/core/test_headcount_identity.py walks random sequences). The peak ("Max inside") is the largest running
count over those movements ordered by corrected time (exits before entries at the same instant).

The numbers are exact for the rows this ledger holds: on the hub, and on a station right after a sync they are
the venue's; on a station that cannot reach its hub they are an estimate from what it has seen (its own scans
plus what the last sync brought) — `Headcount.estimate`, shown "estimate — offline". Reads only.

Two forms of the one classification, tested equal (as core.checkin_merge's two "checked in" forms):
`movements_query` / `counts_by_walk` class each row with a window over the log (SQLite ≥ 3.25, PostgreSQL; the
peak and core.report_times use it), `counts` gets the same numbers from aggregates (the door's counter: about
the cost of the "checked in" query, ~2–3× less than the window at 100,000 check-ins).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from core.checkin_merge import ACCEPTED, CHECK_IN, ENTRY, EXIT, UNDO, checked_in_rows_query
from core.models import CheckIn, Event

ESTIMATE_LABEL = "estimate — offline"
IN, ENTERED, UNDONE, EXITED, UNSEEN = "in", "entered", "undone", "exited", "unseen"  # movement classes


@dataclass(frozen=True)
class Headcount:
    """People inside one event now. `inside` tickets whose latest accepted row is an entry; `by_entrance`
    {entrance id or None (no entrance chosen): inside who came in there}; `entries` {entrance id or None:
    entries that stand (accepted, not undone)}; `exits` {entrance id or None: accepted exit rows};
    `unseen_exits` stays ended by a re-entry without an exit scan (DAILY / MULTI); `max_inside` the event's
    capacity alarm (None = none); `peak` the most inside at once from the log and `peak_at` when (aware UTC;
    None when nobody has entered); `estimate` True when the station is offline (the count is what it has seen)."""

    event_id: str
    inside: int
    by_entrance: dict = field(default_factory=dict)
    entries: dict = field(default_factory=dict)
    exits: dict = field(default_factory=dict)
    max_inside: int | None = None
    estimate: bool = False
    unseen_exits: int = 0
    peak: int = 0
    peak_at: datetime | None = None

    @property
    def total_entries(self) -> int:
        """Entries that stand, every entrance."""
        return sum(self.entries.values())

    @property
    def total_exits(self) -> int:
        """Exit rows, every entrance, plus unseen exits: inside == total_entries − total_exits."""
        return sum(self.exits.values()) + self.unseen_exits

    @property
    def over_capacity(self) -> bool:
        """True when more people are inside than the event's max inside (the door's alarm)."""
        return self.max_inside is not None and self.inside > self.max_inside

    def label(self) -> str:
        """"Inside now: 12 / 300" (+ " (estimate — offline)" when offline)."""
        cap = f" / {self.max_inside}" if self.max_inside is not None else ""
        tail = f" ({ESTIMATE_LABEL})" if self.estimate else ""
        return f"Inside now: {self.inside}{cap}{tail}"


def movements_query(event_id: str):
    """SELECT (entrance_id, at, movement, next_at, ticket_number) over the accepted rows of `event_id`:
    `movement` one of IN, ENTERED, UNDONE, EXITED, UNSEEN (module docstring; UNDO rows are left out), `at` the
    row's corrected time, `next_at` the corrected time of the ticket's next accepted row (None for IN)."""
    direction = func.coalesce(CheckIn.direction, ENTRY)
    way = case((CheckIn.kind == UNDO, UNDO), (direction == EXIT, EXIT), else_=ENTRY)
    order = (CheckIn.corrected_time, CheckIn.id)
    walked = (select(CheckIn.entrance_id, CheckIn.ticket_number, CheckIn.corrected_time.label("at"),
                     way.label("way"),
                     func.lead(way).over(partition_by=CheckIn.ticket_number, order_by=order).label("next_way"),
                     func.lead(CheckIn.corrected_time).over(partition_by=CheckIn.ticket_number,
                                                            order_by=order).label("next_at"))
              .where(CheckIn.event_id == event_id, CheckIn.status == ACCEPTED,
                     CheckIn.kind.in_((CHECK_IN, UNDO)))
              .subquery())
    movement = case((walked.c.way == EXIT, EXITED), (walked.c.next_way.is_(None), IN),
                    (walked.c.next_way == UNDO, UNDONE), (walked.c.next_way == ENTRY, UNSEEN), else_=ENTERED)
    return (select(walked.c.entrance_id, walked.c.at, movement.label("movement"), walked.c.next_at,
                   walked.c.ticket_number)
            .where(walked.c.way != UNDO))


def counts_by_walk(session: Session, event_id: str) -> tuple[dict, dict, dict, int]:
    """(by_entrance inside, entries, exits, unseen exits) of `event_id` as movements_query classes each row —
    the reference form of `counts` (tests pin them equal); one GROUP BY over the window query."""
    moves = movements_query(event_id).subquery()
    inside: dict = {}
    entries: dict = {}
    exits: dict = {}
    unseen = 0
    q = select(moves.c.entrance_id, moves.c.movement, func.count()).group_by(moves.c.entrance_id, moves.c.movement)
    for entrance, movement, n in session.execute(q):
        if movement == EXITED:
            exits[entrance] = exits.get(entrance, 0) + n
        elif movement != UNDONE:
            entries[entrance] = entries.get(entrance, 0) + n
            if movement == IN:
                inside[entrance] = n
            elif movement == UNSEEN:
                unseen += n
    return inside, entries, exits, unseen


def _add(into: dict, key, n: int) -> None:
    into[key] = into.get(key, 0) + n


def counts(session: Session, event_id: str) -> tuple[dict, dict, dict, int]:
    """(by_entrance inside, entries, exits, unseen exits) of `event_id`, the fast form of counts_by_walk for the
    door's counter (no window over the whole log; ~the cost of the "checked in" query): inside = the "checked
    in" rows (core.checkin_merge.checked_in_rows_query) by entrance; entries = accepted ENTRY rows minus those an
    accepted UNDO took back — the accepted row just before an accepted UNDO of its ticket, which the walk makes
    the entry in force — by that entry's entrance; exits = accepted EXIT rows; unseen = entries − exits − inside
    (each ENTRY accepted while another was in force ended that stay: the only other way a stay ends)."""
    inside: dict = {}
    sub = checked_in_rows_query(None).where(CheckIn.event_id == event_id).subquery()
    for entrance, n in session.execute(select(sub.c.entrance_id, func.count()).group_by(sub.c.entrance_id)):
        inside[entrance] = n
    entries: dict = {}
    exits: dict = {}
    direction = func.coalesce(CheckIn.direction, ENTRY)
    q = (select(CheckIn.entrance_id, direction, func.count())
         .where(CheckIn.event_id == event_id, CheckIn.kind == CHECK_IN, CheckIn.status == ACCEPTED)
         .group_by(CheckIn.entrance_id, direction))
    for entrance, way, n in session.execute(q):
        _add(exits if way == EXIT else entries, entrance, n)
    for entrance, n in session.execute(_undone_entries(event_id)):
        _add(entries, entrance, -n)
    entries = {k: n for k, n in entries.items() if n}
    unseen = sum(entries.values()) - sum(exits.values()) - sum(inside.values())
    return inside, entries, exits, unseen


def _undone_entries(event_id: str):
    """SELECT (entrance id, n): the entries taken back by the event's accepted UNDO rows, by the entrance of the
    accepted row just before each UNDO (walk order; uses ix_checkins_ticket_id)."""
    undo, before = aliased(CheckIn), aliased(CheckIn)
    earlier = or_(before.corrected_time < undo.corrected_time,
                  and_(before.corrected_time == undo.corrected_time, before.id < undo.id))
    entrance = (select(before.entrance_id).where(before.ticket_number == undo.ticket_number,
                                                 before.status == ACCEPTED, earlier)
                .order_by(before.corrected_time.desc(), before.id.desc()).limit(1).scalar_subquery())
    taken = (select(entrance.label("entrance_id"))
             .where(undo.event_id == event_id, undo.kind == UNDO, undo.status == ACCEPTED).subquery())
    return select(taken.c.entrance_id, func.count()).group_by(taken.c.entrance_id)


def peak(session: Session, event_id: str) -> tuple[int, datetime | None]:
    """(the most people inside `event_id` at once, the first corrected time it was reached; (0, None) when
    nobody entered): the running sum of +1 per entry that stands and −1 per exit / unseen exit, ordered by
    corrected time with exits first at one instant."""
    moves = movements_query(event_id).cte("moves").prefix_with("MATERIALIZED")  # one window pass, read 3 times
    steps = union_all(
        select(moves.c.at, literal(1).label("delta")).where(moves.c.movement.in_((IN, ENTERED, UNSEEN))),
        select(moves.c.at, literal(-1).label("delta")).where(moves.c.movement == EXITED),
        select(moves.c.next_at.label("at"), literal(-1).label("delta")).where(moves.c.movement == UNSEEN),
    ).subquery()
    running = select(steps.c.at, func.sum(steps.c.delta).over(order_by=(steps.c.at, steps.c.delta))
                     .label("n")).subquery()
    top = session.execute(select(running.c.n, running.c.at).where(running.c.n > 0)
                          .order_by(running.c.n.desc(), running.c.at).limit(1)).first()
    return (int(top[0]), top[1]) if top is not None else (0, None)


def headcount(session: Session, event_id: str, *, online: bool = True, with_peak: bool = False) -> Headcount:
    """The Headcount of `event_id` from this ledger's log; `online` False marks it an estimate (a station that
    cannot reach its hub); `with_peak` also computes the peak (reports, `entrances inside`; the door's counter
    does not need it). An unknown event counts 0 with no capacity."""
    by_entrance, entries, exits, unseen = counts(session, event_id)
    top, top_at = peak(session, event_id) if with_peak else (0, None)
    event = session.get(Event, event_id)
    return Headcount(event_id, sum(by_entrance.values()), by_entrance, entries, exits,
                     event.max_inside if event is not None else None, estimate=not online, unseen_exits=unseen,
                     peak=top, peak_at=top_at)

