"""Provisional admission of a ticket that is not in the local list while the station is offline (case WR-13 b).

A guest who bought online after the station's last pull has a valid code the ledger does not know yet. The
door must never show red "invalid" just because of a stale snapshot: staff may admit the guest provisionally.
That stores an ordinary CHECK_IN row (method PROVISIONAL) and its outbox row through the one writer
(core.checkin_merge.append), so the next sync checks it: the centre accepts it once it knows the ticket, or
rejects it ("unknown ticket"): the rejection is kept and shown in the Sync panel and the review queue, and the
row counts nowhere from then on (core.checkin_refused: no entry, nobody inside, nothing to undo). When the
ticket arrives by a later pull, an accepted row already makes it checked in. "Already admitted" uses the one rule
(checkin_merge.current_check_in), so a later UNDO (core.door.undo) lets the guest be admitted again.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core.checkin import ScanResult, Verdict
from core.checkin_merge import CHECK_IN, append, current_check_in, local_row, ticket_rows
from core.checkin_store import SessionSink
from core.codes import parse_payload
from core.errors import FailedPrecondition
from core.models import Ticket

PROVISIONAL = "PROVISIONAL"


def admit_provisionally(session: Session, payload: str, *, event_id: str, station: str, operator: str = "",
                        now: datetime | None = None, clock_offset_s: float = 0.0,
                        entrance_id: str | None = None) -> ScanResult:
    """Admit the unknown ticket of `payload` (checkInUrl, its last segment, or a bare ticket number) at the
    door of `event_id` (at `entrance_id`, None = none chosen, so the headcount counts it there), in the caller's
    transaction. Returns OK (stored: CHECK_IN row, method PROVISIONAL, corrected time = now + clock_offset_s
    seconds, BC-13), INVALID for an unreadable code, WRONG_EVENT for a code of another event,
    ALREADY_CHECKED_IN when it is checked in (provisionally) and not undone since (a row the centre refused
    counts nowhere: core.checkin_refused).
    Raises FailedPrecondition (TICKET_KNOWN) when the ticket is in the local list: scan it for its verdict."""
    parsed = parse_payload(payload) if isinstance(payload, str) else None
    if parsed is None:
        return ScanResult(Verdict.INVALID, str(payload or ""), message="Unreadable code")
    tn, event_id = parsed.ticket_number, event_id.lower()
    if parsed.event_id is not None and parsed.event_id != event_id:
        return ScanResult(Verdict.WRONG_EVENT, payload, tn, parsed.event_id, message="Ticket for another event")
    if session.get(Ticket, tn) is not None:
        raise FailedPrecondition(f"ticket {tn} is in the local list: scan it for its verdict", code="TICKET_KNOWN")
    session.flush()
    rows = ticket_rows(session, tn)
    earlier = current_check_in(rows)
    if earlier is not None:
        return ScanResult(Verdict.ALREADY_CHECKED_IN, payload, tn, event_id, checked_in_at=earlier.corrected_time,
                          checked_in_station=earlier.station, message="Already admitted provisionally")
    values = local_row(tn, event_id, CHECK_IN, station=station, operator=operator, method=PROVISIONAL, now=now,
                       clock_offset_s=clock_offset_s, entrance_id=entrance_id)
    append(SessionSink(session), rows, values)
    return ScanResult(Verdict.OK, payload, tn, event_id, checked_in_at=values["corrected_time"],
                      checked_in_station=station,
                      message="Admitted provisionally: not in the local list; checked at the next sync")
