"""Check-in rows the centre refused (h7-count item 1; DESIGN.md §Sync "refusals never block").

A row made at this station — a provisional admission of a ticket the hub does not know, a check-in of a ticket
of another event — may be refused by the hub or a plain server. Once that refusal is applied here the row is
not part of the venue's log: it keeps status REFUSED (core.checkin_merge skips it in the walk, so it is no
entry, nobody is inside on it, and an UNDO made after it has nothing to undo), and every station then counts the
same (core.headcount). Since nothing is in force on it, the door offers no undo for it, so no change goes up
that the hub must refuse again. The row itself is kept (append-only log, audit) and the review queue says what
happened (sync.push_checkins). When the operator retries it (`tessera sync retry`) and the centre accepts it,
`reinstate` puts it back into the walk.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from core.changes import note
from core.checkin_merge import ACCEPTED, REFUSED, MergeResult, find_by_nonce, recompute


def refuse(session: Session, nonce: str) -> MergeResult | None:
    """Mark the local row of `nonce` REFUSED and re-walk its ticket in the caller's transaction (no commit);
    notes the ticket's check-ins as changed. Returns the ticket's MergeResult, or None when no such row is
    stored or it is refused already."""
    row = find_by_nonce(session, nonce)
    if row is None or row.status == REFUSED:
        return None
    row.status = REFUSED
    merged = recompute(session, row.ticket_number)
    note(session, checkins=[row.ticket_number])
    return merged


def reinstate(session: Session, nonce: str) -> MergeResult | None:
    """The centre accepted the row of `nonce` after all (a retried refusal): back into the walk (its status is
    re-derived with the ticket's other rows), in the caller's transaction. Returns the ticket's MergeResult,
    or None when no such row is stored or it is not REFUSED."""
    row = find_by_nonce(session, nonce)
    if row is None or row.status != REFUSED:
        return None
    row.status = ACCEPTED
    merged = recompute(session, row.ticket_number)
    note(session, checkins=[row.ticket_number])
    return merged
