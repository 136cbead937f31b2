"""The check-in merge rule shared by the hub and the stations (docs/HUB_EXTENSIONS.md, DESIGN.md §Sync).

The check-in log is a union of rows deduplicated by nonce (BC-15). Per ticket the rows are walked in
(corrected_time, id) order (BC-13: corrected time, never a skewed device clock) and each gets a status:

    CHECK_IN while not checked in → ACCEPTED  (the ticket is now checked in)
    CHECK_IN while checked in     → DUPLICATE (kept, flagged; its winner is the accepted CHECK_IN in force)
    UNDO     while checked in     → ACCEPTED  (a tombstone: the ticket is no longer checked in)
    UNDO     while not checked in → DUPLICATE (nothing to undo)

So the earliest corrected check-in wins and later ones are kept as duplicates (BC-14). ACCEPTED rows alternate
CHECK_IN, UNDO, CHECK_IN… in that order, so "checked in" = the latest ACCEPTED row (by corrected_time, id)
is a CHECK_IN — the definition core.tickets.checked_in_map uses.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import InvalidArgument
from core.models import CheckIn, Ticket
from core.timeutil import parse_rfc3339, require_aware, to_rfc3339, utcnow

CHECK_IN, UNDO = "CHECK_IN", "UNDO"
ACCEPTED, DUPLICATE = "ACCEPTED", "DUPLICATE"
KINDS = (CHECK_IN, UNDO)


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


def walk(ticket_number: str, rows: list[CheckIn]) -> MergeResult:
    """Apply the merge rule to `rows` (one ticket's rows, any order) in memory: sets each row's `status`
    and returns the MergeResult. Pure apart from the status attributes; flushes nothing."""
    ordered = sorted(rows, key=sort_key)
    current: CheckIn | None = None
    result = MergeResult(ticket_number, ordered, None)
    for row in ordered:
        if row.kind == CHECK_IN:
            status = DUPLICATE if current is not None else ACCEPTED
            if current is not None:
                result.winners[row.nonce] = current
            else:
                current = row
        else:
            status = ACCEPTED if current is not None else DUPLICATE
            current = None
        if row.status != status:
            row.status = status
            result.changed.append(row)
    result.current = current
    return result


def ticket_rows(session: Session, ticket_number: str) -> list[CheckIn]:
    """All check-in rows of one ticket (uses the ix_checkins_ticket_id index), in id order."""
    q = select(CheckIn).where(CheckIn.ticket_number == ticket_number).order_by(CheckIn.id)
    return list(session.scalars(q))


def recompute(session: Session, ticket_number: str) -> MergeResult:
    """Re-walk every row of `ticket_number` and store any changed statuses in the caller's session
    (no commit). Use after a row with an earlier corrected time arrived late (BC-13, BC-14)."""
    session.flush()
    return walk(ticket_number, ticket_rows(session, ticket_number))


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


def row_from_api(row: dict, *, event_id: str | None = None, server_time: datetime | None = None) -> CheckIn:
    """Build an unsaved CheckIn from a check-in row dict (HUB_EXTENSIONS.md: nonce, ticketNumber, kind,
    deviceTime, correctedTime, station, operator, method; optional eventId, serverTime). Times are RFC 3339
    strings or aware datetimes; correctedTime defaults to deviceTime. InvalidArgument on a missing nonce,
    ticket number, time, or an unknown kind."""
    nonce = str(row.get("nonce") or "").strip()
    ticket_number = str(row.get("ticketNumber") or "").strip()
    if not nonce or len(nonce) > 64:
        raise InvalidArgument("check-in row needs a nonce (≤64 chars)", field="nonce")
    if not ticket_number:
        raise InvalidArgument("check-in row needs a ticketNumber", field="ticketNumber")
    kind = str(row.get("kind") or CHECK_IN).upper()
    if kind not in KINDS:
        raise InvalidArgument(f"unknown check-in kind {kind!r}", field="kind")
    device = _time(row.get("deviceTime"), "deviceTime")
    corrected = _time(row.get("correctedTime"), "correctedTime") or device
    if corrected is None:
        raise InvalidArgument("check-in row needs deviceTime or correctedTime", field="correctedTime")
    return CheckIn(ticket_number=ticket_number, event_id=event_id or row.get("eventId") or "", kind=kind,
                   status=ACCEPTED, device_time=device or corrected, corrected_time=corrected,
                   server_time=server_time or _time(row.get("serverTime"), "serverTime"),
                   station=str(row.get("station") or "")[:64], operator=str(row.get("operator") or "")[:64],
                   method=str(row.get("method") or "SYNC")[:16], nonce=nonce)


def record_row(session: Session, row: dict, server_time: datetime | None = None, *,
               event_id: str | None = None) -> CheckIn:
    """Merge one check-in row into the log (no commit): insert it if its nonce is new, then recompute the
    ticket's statuses; if the nonce exists already return the stored row untouched (BC-15).

    `event_id` defaults to the row's eventId, else the ticket's event. The returned row's `status` is its
    merged status; `merge_for(session, row)` gives the winner for a duplicate (BC-14)."""
    existing = find_by_nonce(session, str(row.get("nonce") or "").strip())
    if existing is not None:
        return existing
    new = row_from_api(row, event_id=event_id, server_time=server_time)
    if not new.event_id:
        new.event_id = session.scalar(select(Ticket.event_id).where(Ticket.ticket_number == new.ticket_number)) or ""
    session.add(new)
    recompute(session, new.ticket_number)
    return new


def merge_for(session: Session, row: CheckIn) -> MergeResult:
    """The merge state of `row`'s ticket (recomputed), e.g. to report a duplicate's winner."""
    return recompute(session, row.ticket_number)


def row_to_api(row: CheckIn) -> dict:
    """A check-in row as the hub/outbox JSON (HUB_EXTENSIONS.md), camelCase, times RFC 3339."""
    return {"eventId": row.event_id, "ticketNumber": row.ticket_number, "nonce": row.nonce, "kind": row.kind,
            "deviceTime": to_rfc3339(row.device_time), "correctedTime": to_rfc3339(row.corrected_time),
            "station": row.station, "operator": row.operator, "method": row.method,
            "status": row.status, "serverTime": to_rfc3339(row.server_time)}


def winner_to_api(row: CheckIn | None) -> dict | None:
    """The `winner` object of a DUPLICATE result: {station, correctedTime, nonce} (HUB_EXTENSIONS.md)."""
    if row is None:
        return None
    return {"station": row.station, "correctedTime": to_rfc3339(row.corrected_time), "nonce": row.nonce}


def local_row(ticket_number: str, event_id: str, kind: str, *, station: str = "", operator: str = "",
              method: str = "SCAN", now: datetime | None = None, nonce: str | None = None,
              device_time: datetime | None = None, clock_offset_s: float = 0.0) -> dict:
    """Column values (core.models.CheckIn names) of a row made at this station: device_time = `device_time`
    or `now` or the clock (aware UTC), corrected_time = device_time + clock_offset_s seconds (BC-13),
    nonce = `nonce` or a fresh uuid4 (BC-15), status ACCEPTED until walked."""
    device = require_aware(device_time or now or utcnow(), "deviceTime")
    return {"ticket_number": ticket_number, "event_id": event_id, "kind": kind, "status": ACCEPTED,
            "device_time": device, "corrected_time": device + timedelta(seconds=float(clock_offset_s or 0.0)),
            "server_time": None, "station": station, "operator": operator, "method": method,
            "nonce": nonce or str(uuid.uuid4())}


def outbox_payload(values: dict) -> dict:
    """The outbox payload of a local row ("checkin.create"/"checkin.delete", core.outbox): camelCase JSON."""
    return {"eventId": values["event_id"], "ticketNumber": values["ticket_number"], "nonce": values["nonce"],
            "kind": values["kind"], "deviceTime": to_rfc3339(values["device_time"]),
            "correctedTime": to_rfc3339(values["corrected_time"]), "station": values["station"],
            "operator": values["operator"], "method": values["method"]}


def outbox_kind(kind: str) -> str:
    """Outbox kind of a local row: CHECK_IN → "checkin.create", UNDO → "checkin.delete"."""
    return "checkin.create" if kind == CHECK_IN else "checkin.delete"
