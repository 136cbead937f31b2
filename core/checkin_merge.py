"""The check-in merge rule shared by the hub and the stations (docs/HUB_EXTENSIONS.md, DESIGN.md §Sync).

The check-in log is a union of rows deduplicated by nonce (BC-15). Per ticket the rows are walked in
(corrected_time, id) order (BC-13: corrected time, never a skewed device clock) and each gets a status:

    CHECK_IN while not checked in → ACCEPTED  (the ticket is now checked in)
    CHECK_IN while checked in     → DUPLICATE (kept, flagged; its winner is the accepted CHECK_IN in force)
    UNDO     while checked in     → ACCEPTED  (a tombstone: the ticket is no longer checked in)
    UNDO     while not checked in → DUPLICATE (nothing to undo)
    EXIT     while checked in     → ACCEPTED  (the guest left: not inside, may enter again — issue 9 item 8)
    EXIT     while not checked in → DUPLICATE (kept: nothing to leave from, as far as these rows say)
    a row the centre REFUSED keeps that status and is skipped: it counts nowhere (core.checkin_refused)

(EXIT = a CHECK_IN row whose `direction` is EXIT; every other row is an ENTRY, so a log without exits
behaves exactly as before.) "Checked in" therefore means "an entry in force": the latest ACCEPTED row is an
ENTRY CHECK_IN. The ticket definition's entry rule (core.entry_rules, issue 9 item 9) widens the first line:
DAILY also accepts an entry while checked in since an earlier event-local day; MULTI accepts an entry while
fewer than N entries are counted (every accepted entry counts, re-entry after an exit included; an UNDO gives
one back), in force or not. The walk stores the statuses, so the "checked in" forms below need no rule;
`entry_check` asks the walk whether a new entry would be accepted (the door verdict, the hub's CheckIn).

So the earliest corrected check-in wins and later ones are kept as duplicates (BC-14). ACCEPTED rows alternate
CHECK_IN, UNDO, CHECK_IN… in that order, so "checked in" = the latest ACCEPTED row (by corrected_time, id)
is a CHECK_IN (DESIGN.md "CheckIn log"). This module holds that rule once, in two forms tested against each
other (tests/core/test_checked_in_rule.py): `current_check_in` over loaded rows (Python) and
`latest_accepted_id` (SQL, used by core.tickets.checked_in_map / is_checked_in_expr).

It also holds THE check-in writer, `append`: every row that enters a log — a door scan (core.checkin, raw
cursor), a manual check-in or undo (core.tickets), a provisional admission (core.provisional) and a row merged
from a sync pull/push or received by the hub (`record_row`) — is walked, inserted and (for local rows) queued
in the outbox by it, through a sink of core.checkin_store (raw DB-API cursor or ORM session).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from core.checkin_store import LogSink, SessionSink, rule_for
from core.entry_rules import DAILY, MULTI, ONCE_RULE, EntryRule
from core.errors import InvalidArgument
from core.models import CheckIn, Ticket
from core.outbox import PENDING
from core.timeutil import parse_rfc3339, require_aware, to_rfc3339, utcnow

CHECK_IN, UNDO = "CHECK_IN", "UNDO"
ACCEPTED, DUPLICATE, REFUSED = "ACCEPTED", "DUPLICATE", "REFUSED"  # REFUSED: by the centre (core.checkin_refused)
KINDS = (CHECK_IN, UNDO)
ENTRY, EXIT = "ENTRY", "EXIT"  # direction of a CHECK_IN row (issue 9 item 8); UNDO rows keep ENTRY
DIRECTIONS = (ENTRY, EXIT)


def is_exit(row) -> bool:
    """True for an EXIT row (a CHECK_IN made at an exit or in exit mode); rows without a direction are entries."""
    return (getattr(row, "direction", None) or ENTRY) == EXIT


@dataclass
class MergeResult:
    """The outcome of walking one ticket's rows.

    `rows` in walk order; `current` the accepted CHECK_IN in force at the end (None = not checked in);
    `winners` maps the nonce of each DUPLICATE CHECK_IN to the accepted CHECK_IN it duplicates (for
    "also admitted at A 10:00:01", BC-14); `changed` the rows whose stored status this walk changed."""

    ticket_number: str
    rows: list[CheckIn]
    current: CheckIn | None
    winners: dict[str, CheckIn] = field(default_factory=dict)
    changed: list[CheckIn] = field(default_factory=list)

    @property
    def checked_in(self) -> bool:
        return self.current is not None

    def winner_of(self, row: CheckIn) -> CheckIn | None:
        """The accepted check-in that `row` (a DUPLICATE CHECK_IN) lost to, else None."""
        return self.winners.get(row.nonce)


def sort_key(row: CheckIn) -> tuple[datetime, int]:
    """Walk order: corrected time, then insertion id (rows not yet flushed sort last)."""
    return (row.corrected_time, row.id if row.id is not None else 1 << 62)


class _Fold:
    """The walk's state over one ticket's rows in sort_key order under `rule` (see the module docstring):
    the entry in force (`current`), the accepted entries counted so far (`used`, MULTI) and the latest
    accepted entry (`last_entry`: a MULTI duplicate's winner when no entry is in force)."""

    def __init__(self, rule: EntryRule):
        self.rule, self.current, self.used, self.last_entry = rule, None, 0, None

    def step(self, row) -> tuple[str, Any]:
        """The status of `row` (ACCEPTED / DUPLICATE) and, for a DUPLICATE entry, the row it lost to."""
        if row.kind == CHECK_IN and not is_exit(row):
            if not self._admits(row):
                return DUPLICATE, self.current or self.last_entry
            self.current = self.last_entry = row
            self.used += 1
            return ACCEPTED, None
        if self.current is None:  # an UNDO or an EXIT with no entry in force: nothing to end
            return DUPLICATE, None
        if row.kind == UNDO:  # an undone entry gives its MULTI entry back
            self.used -= 1
        self.current = None
        return ACCEPTED, None

    def _admits(self, row) -> bool:
        rule = self.rule
        if rule.kind == MULTI:
            return self.used < (rule.max_entries or 1)
        if self.current is None:
            return True
        return rule.kind == DAILY and rule.day(row.corrected_time) != rule.day(self.current.corrected_time)


def walk(ticket_number: str, rows: list[CheckIn], rule: EntryRule = ONCE_RULE) -> MergeResult:
    """Apply the merge rule under the ticket's entry `rule` (core.entry_rules; ONCE by default) to `rows`
    (one ticket's rows, any order; REFUSED rows are skipped and keep that status) in memory: sets each row's
    `status` and returns the MergeResult. Pure apart from the status attributes; flushes nothing."""
    ordered = sorted(rows, key=sort_key)
    fold = _Fold(rule)
    result = MergeResult(ticket_number, ordered, None)
    for row in ordered:
        if row.status == REFUSED:  # never part of the log in force; keeps its status
            continue
        status, winner = fold.step(row)
        if winner is not None:
            result.winners[row.nonce] = winner
        if row.status != status:
            row.status = status
            result.changed.append(row)
    result.current = fold.current
    return result


@dataclass(frozen=True)
class EntryCheck:
    """Would an entry at `at` be admitted (the walk's answer for it)? `current` the entry in force before it,
    `winner` the accepted entry it would duplicate, `used` MULTI's entries counted before it, `rule` the rule."""

    allowed: bool
    current: Any
    winner: Any
    used: int
    rule: EntryRule


@dataclass
class _Probe:
    """A would-be ENTRY CHECK_IN row (sorts after stored rows of the same corrected time)."""

    corrected_time: datetime
    kind: str = CHECK_IN
    direction: str = ENTRY
    id: int | None = None
    station: str = ""


def entry_check(rows: Iterable, rule: EntryRule, at: datetime) -> EntryCheck:
    """THE admission decision (the door verdict, core.tickets.check_in — the hub's CheckIn): walk one
    ticket's `rows` (CheckIn or LogRow; stored statuses ignored but REFUSED) under `rule`, then ask whether an ENTRY
    CHECK_IN at corrected time `at` (aware) would be accepted after the latest of them — the ticket's state
    now decides, as before (a scan stamped before a later UNDO is still admitted, BC-13). Pure."""
    fold = _Fold(rule)
    for row in sorted((r for r in rows if r.status != REFUSED), key=sort_key):
        fold.step(row)
    current, used = fold.current, fold.used
    status, winner = fold.step(_Probe(require_aware(at, "at")))
    return EntryCheck(status == ACCEPTED, current, winner, used, rule)


def entry_check_for(session: Session, ticket_number: str, rows: Iterable, *, now: datetime | None = None,
                    device_time: datetime | None = None, clock_offset_s: float = 0.0,
                    rule: EntryRule | None = None) -> EntryCheck:
    """entry_check under the ticket's stored rule (checkin_store.rule_for, or `rule` when the caller read it
    already) at the corrected time local_row would stamp with the same arguments (manual check-in, the hub's
    CheckIn)."""
    device = require_aware(device_time or now or utcnow(), "deviceTime")
    at = device + timedelta(seconds=float(clock_offset_s or 0.0))
    return entry_check(rows, rule if rule is not None else rule_for(session, ticket_number), at)


# ---- "checked in": the one rule, Python form and SQL form ------------------------------------------------
def current_check_in(rows: Iterable) -> Any | None:
    """Python form of the rule: over one ticket's rows (CheckIn or checkin_store.LogRow, stored statuses),
    the latest ACCEPTED row by sort_key if it is a CHECK_IN, else None (not checked in)."""
    latest = None
    for row in rows:
        if row.status == ACCEPTED and (latest is None or sort_key(row) > sort_key(latest)):
            latest = row
    return latest if latest is not None and latest.kind == CHECK_IN and not is_exit(latest) else None


def _latest_accepted(column_of, ticket_number_column):
    """Correlated scalar subquery: `column_of(row)` of the latest ACCEPTED row (by corrected_time, then id —
    the order of sort_key) of the ticket in `ticket_number_column`; NULL when it has none."""
    inner = aliased(CheckIn)
    return (select(column_of(inner)).where(inner.ticket_number == ticket_number_column, inner.status == ACCEPTED)
            .order_by(inner.corrected_time.desc(), inner.id.desc()).limit(1).scalar_subquery())


def latest_accepted_id(ticket_number_column):
    """SQL form of the rule's core: the id of the latest ACCEPTED row of the ticket in `ticket_number_column`
    (e.g. Ticket.ticket_number or CheckIn.ticket_number of the outer query), correlated; NULL when none.
    "Checked in" = that row is a CHECK_IN (checked_in_rows_query, is_checked_in_sql)."""
    return _latest_accepted(lambda row: row.id, ticket_number_column)


def checked_in_rows_query(ticket_numbers: list[str] | None):
    """SELECT of the CheckIn rows that make their ticket checked in (one per checked-in ticket), optionally
    for `ticket_numbers` only (the caller chunks long lists)."""
    q = select(CheckIn).where(CheckIn.kind == CHECK_IN, CheckIn.status == ACCEPTED,
                              func.coalesce(CheckIn.direction, ENTRY) != EXIT,
                              CheckIn.id == latest_accepted_id(CheckIn.ticket_number))
    if ticket_numbers is not None:
        q = q.where(CheckIn.ticket_number.in_(ticket_numbers))
    return q


def is_checked_in_sql(ticket_number_column):
    """SQL boolean (never NULL): the ticket in `ticket_number_column` is checked in — the kind of its latest
    ACCEPTED row (same subquery as latest_accepted_id) is an ENTRY CHECK_IN (not an UNDO, not an EXIT)."""
    state = _latest_accepted(lambda row: row.kind + ":" + func.coalesce(row.direction, ENTRY), ticket_number_column)
    return func.coalesce(state, UNDO) == f"{CHECK_IN}:{ENTRY}"


# ---- the one writer --------------------------------------------------------------------------------------
def append(sink: LogSink, rows: list, values: dict, *, queue: bool = True,
           rule: EntryRule | None = None) -> tuple[Any, MergeResult]:
    """THE check-in writer: add the row of `values` (core.models.CheckIn column names, e.g. from local_row or
    values_from_api) to its ticket's log whose stored rows are `rows` (that ticket's rows, loaded by the
    caller; the new row is appended to the list). Walks the merge rule (statuses of the new row and of
    existing rows it sorts before, BC-13), stores the changed statuses and the row through `sink`, and —
    with `queue` (a row made at this station) — its outbox row "checkin.create"/"checkin.delete" with the
    nonce as idempotency key, in the sink's transaction. The walk applies the ticket's entry `rule`
    (default: the sink's entry_rule for the ticket). Returns (the new row, the MergeResult)."""
    new = sink.new_row(values)
    rule = rule or sink.entry_rule(values["ticket_number"])
    merged = walk(values["ticket_number"], [*rows, new], rule)
    for row in merged.changed:
        if row is not new:
            sink.store_status(row)
    sink.add_row(new, values)
    if queue:
        sink.insert_outbox({
            "kind": outbox_kind(values["kind"], values.get("direction")), "event_id": values["event_id"],
            "entity_key": values["ticket_number"], "payload": outbox_payload(values),
            "idempotency_key": values["nonce"], "created": utcnow(), "attempts": 0, "state": PENDING,
            "last_error": "", "sent_at": None})
    rows.append(new)
    return new, merged


def ticket_rows(session: Session, ticket_number: str) -> list[CheckIn]:
    """All check-in rows of one ticket (uses the ix_checkins_ticket_id index), in id order."""
    q = select(CheckIn).where(CheckIn.ticket_number == ticket_number).order_by(CheckIn.id)
    return list(session.scalars(q))


def recompute(session: Session, ticket_number: str) -> MergeResult:
    """Re-walk every row of `ticket_number` and store any changed statuses in the caller's session
    (no commit). Use after a row with an earlier corrected time arrived late (BC-13, BC-14)."""
    session.flush()
    return walk(ticket_number, ticket_rows(session, ticket_number), rule_for(session, ticket_number))


def find_by_nonce(session: Session, nonce: str) -> CheckIn | None:
    """The stored row with `nonce`, or None (the pending session state is flushed first)."""
    session.flush()
    return session.scalar(select(CheckIn).where(CheckIn.nonce == nonce))


def _time(value, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return require_aware(value, name)
    return parse_rfc3339(value, name)


def values_from_api(row: dict, *, event_id: str | None = None, server_time: datetime | None = None) -> dict:
    """Column values (core.models.CheckIn names) of a check-in row dict (HUB_EXTENSIONS.md: nonce, ticketNumber, kind,
    deviceTime, correctedTime, station, operator, method; optional eventId, serverTime, entranceId, direction
    ENTRY/EXIT — default ENTRY). Times are RFC 3339
    strings or aware datetimes; correctedTime defaults to deviceTime. InvalidArgument on a missing nonce,
    ticket number, time, or an unknown kind or direction."""
    nonce = str(row.get("nonce") or "").strip()
    ticket_number = str(row.get("ticketNumber") or "").strip()
    if not nonce or len(nonce) > 64:
        raise InvalidArgument("check-in row needs a nonce (≤64 chars)", field="nonce")
    if not ticket_number:
        raise InvalidArgument("check-in row needs a ticketNumber", field="ticketNumber")
    kind = str(row.get("kind") or CHECK_IN).upper()
    if kind not in KINDS:
        raise InvalidArgument(f"unknown check-in kind {kind!r}", field="kind")
    direction = str(row.get("direction") or ENTRY).upper()
    if direction not in DIRECTIONS:
        raise InvalidArgument(f"unknown check-in direction {direction!r}", field="direction")
    device = _time(row.get("deviceTime"), "deviceTime")
    corrected = _time(row.get("correctedTime"), "correctedTime") or device
    if corrected is None:
        raise InvalidArgument("check-in row needs deviceTime or correctedTime", field="correctedTime")
    return dict(ticket_number=ticket_number, event_id=event_id or row.get("eventId") or "", kind=kind,
                status=ACCEPTED, device_time=device or corrected, corrected_time=corrected,
                server_time=server_time or _time(row.get("serverTime"), "serverTime"),
                station=str(row.get("station") or "")[:64], operator=str(row.get("operator") or "")[:64],
                method=str(row.get("method") or "SYNC")[:16], nonce=nonce,
                entrance_id=str(row.get("entranceId") or "")[:36] or None, direction=direction)


def row_from_api(row: dict, *, event_id: str | None = None, server_time: datetime | None = None) -> CheckIn:
    """An unsaved CheckIn of values_from_api (same arguments and errors); not walked, not stored."""
    return CheckIn(**values_from_api(row, event_id=event_id, server_time=server_time))


def record_row(session: Session, row: dict, server_time: datetime | None = None, *,
               event_id: str | None = None) -> CheckIn:
    """Merge one check-in row into the log (no commit): insert it if its nonce is new, then recompute the
    ticket's statuses; if the nonce exists already return the stored row untouched (BC-15).

    `event_id` defaults to the row's eventId, else the ticket's event. The returned row's `status` is its
    merged status; `merge_for(session, row)` gives the winner for a duplicate (BC-14)."""
    existing = find_by_nonce(session, str(row.get("nonce") or "").strip())
    if existing is not None:
        return existing
    values = values_from_api(row, event_id=event_id, server_time=server_time)
    tn = values["ticket_number"]
    if not values["event_id"]:
        values["event_id"] = session.scalar(select(Ticket.event_id).where(Ticket.ticket_number == tn)) or ""
    new, _ = append(SessionSink(session), ticket_rows(session, tn), values, queue=False)
    session.flush()  # the caller may look the row up by id
    return new


def merge_for(session: Session, row: CheckIn) -> MergeResult:
    """The merge state of `row`'s ticket (recomputed), e.g. to report a duplicate's winner."""
    return recompute(session, row.ticket_number)


def row_to_api(row: CheckIn) -> dict:
    """A check-in row as the hub/outbox JSON (HUB_EXTENSIONS.md), camelCase, times RFC 3339; entranceId and
    direction only when set / EXIT."""
    return {"eventId": row.event_id, "ticketNumber": row.ticket_number, "nonce": row.nonce, "kind": row.kind,
            "deviceTime": to_rfc3339(row.device_time), "correctedTime": to_rfc3339(row.corrected_time),
            "station": row.station, "operator": row.operator, "method": row.method,
            "status": row.status, "serverTime": to_rfc3339(row.server_time), **_place(row.entrance_id, row.direction)}


def _place(entrance_id: str | None, direction: str | None) -> dict:
    """The optional fields of a row's JSON: entranceId when set, direction when EXIT (absent = ENTRY), so
    rows of stations without entrances look as before."""
    out: dict = {"entranceId": entrance_id} if entrance_id else {}
    if (direction or ENTRY) != ENTRY:
        out["direction"] = direction
    return out


def winner_to_api(row: CheckIn | None) -> dict | None:
    """The `winner` object of a DUPLICATE result: {station, correctedTime, nonce, entranceId when set}."""
    if row is None:
        return None
    return {"station": row.station, "correctedTime": to_rfc3339(row.corrected_time), "nonce": row.nonce,
            **_place(row.entrance_id, None)}


def local_row(ticket_number: str, event_id: str, kind: str, *, station: str = "", operator: str = "",
              method: str = "SCAN", now: datetime | None = None, nonce: str | None = None,
              device_time: datetime | None = None, clock_offset_s: float = 0.0, entrance_id: str | None = None,
              direction: str = ENTRY) -> dict:
    """Column values (core.models.CheckIn names) of a row made at this station: device_time = `device_time`
    or `now` or the clock (aware UTC), corrected_time = device_time + clock_offset_s seconds (BC-13),
    nonce = `nonce` or a fresh uuid4 (BC-15), status ACCEPTED until walked; `entrance_id` the station's
    entrance (None = none chosen), `direction` ENTRY or EXIT (issue 9 items 7–8)."""
    device = require_aware(device_time or now or utcnow(), "deviceTime")
    return {"ticket_number": ticket_number, "event_id": event_id, "kind": kind, "status": ACCEPTED,
            "device_time": device, "corrected_time": device + timedelta(seconds=float(clock_offset_s or 0.0)),
            "server_time": None, "station": station, "operator": operator, "method": method,
            "nonce": nonce or str(uuid.uuid4()), "entrance_id": entrance_id, "direction": direction}


def outbox_payload(values: dict) -> dict:
    """The outbox payload of a local row ("checkin.create"/"checkin.delete", core.outbox): camelCase JSON."""
    return {"eventId": values["event_id"], "ticketNumber": values["ticket_number"], "nonce": values["nonce"],
            "kind": values["kind"], "deviceTime": to_rfc3339(values["device_time"]),
            "correctedTime": to_rfc3339(values["corrected_time"]), "station": values["station"],
            "operator": values["operator"], "method": values["method"],
            **_place(values.get("entrance_id"), values.get("direction"))}


def outbox_kind(kind: str, direction: str | None = None) -> str:
    """Outbox kind of a local row: an ENTRY CHECK_IN → "checkin.create"; UNDO and EXIT → "checkin.delete"
    (both end the stay in force: a plain server, which knows no exits, gets DeleteCheckIn; the hub's
    checkin-rows extension gets the row itself with its direction)."""
    return "checkin.create" if kind == CHECK_IN and (direction or ENTRY) == ENTRY else "checkin.delete"
