"""The door use case (DESIGN.md "The door verdict"), one for the GUI door tab and `tessera scan`: scan, admit
provisionally, undo. Each takes the station's `Door` — the events it admits, the station and operator, the
entrance (the ticket definitions admitted there, None = all) and the clock offset measured by sync (server −
device, seconds; BC-13: every stored time is corrected by it) — and runs in its own committed transaction.

The verdict rules live in core.checkin, the "checked in" rule and the one check-in writer in
core.checkin_merge; this module only fixes what the two front ends pass and how each step is committed. The
unknown-ticket path (ask the server, pull, re-scan, only then offer provisional admission) is
sync.door.resolve_unknown, which calls back into this module.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from core import checkin, provisional
from core.checkin import ScanResult
from core.checkin_merge import UNDO, append, current_check_in, local_row, ticket_rows
from core.checkin_store import SessionSink
from core.errors import NotFound
from core.models import Ticket
from core.timeutil import utcnow


@dataclass(frozen=True)
class Door:
    """The inputs every door step takes. `event_ids` the events admitted here (the first one is where an
    unknown ticket is admitted provisionally); `entrance` the admitted definition ids (None = every
    definition); `clock_offset_s` server − device in seconds, from the last sync (sync.door.clock_offset)."""

    event_ids: tuple[str, ...]
    station: str
    operator: str = ""
    entrance: frozenset[str] | None = None
    clock_offset_s: float = 0.0

    @property
    def event_id(self) -> str:
        """The door's (first) event."""
        return self.event_ids[0]


@dataclass(frozen=True)
class UndoResult:
    """The outcome of undo: `undone` False when the ticket was not checked in (nothing stored); `undone_at`
    the UNDO row's corrected time (aware UTC)."""

    ticket_number: str
    undone: bool
    undone_at: datetime | None = None
    message: str = ""


def device_now() -> datetime:
    """This station's device clock (aware UTC); tests replace it to play a station whose clock is wrong."""
    return utcnow()


def scan(ledger, door: Door, payload: str, *, method: str = "SCAN", now: datetime | None = None,
         before_commit: Callable[[ScanResult], Any] | None = None) -> ScanResult:
    """The verdict for `payload` at `door`, computed and (for OK) stored in one committed transaction
    (core.checkin.scan_and_commit; `ledger` a core.db.Ledger). `method` SCAN or MANUAL; `now` the device
    time (default device_now()); the stored corrected time is now + door.clock_offset_s."""
    return checkin.scan_and_commit(
        ledger, payload, event_ids=list(door.event_ids), station=door.station, operator=door.operator,
        method=method, entrance_definition_ids=None if door.entrance is None else set(door.entrance),
        now=now or device_now(), clock_offset_s=door.clock_offset_s, before_commit=before_commit)


def admit_provisionally(ledger, door: Door, payload: str, *, now: datetime | None = None) -> ScanResult:
    """Admit a ticket missing from the local list at door.event_id (core.provisional, WR-13 b), committed.
    Offer it only after the server was asked (sync.door.resolve_unknown). Raises FailedPrecondition
    (TICKET_KNOWN) when the ticket is in the local list."""
    with ledger.uow() as uow:
        result = provisional.admit_provisionally(
            uow.session, payload, event_id=door.event_id, station=door.station, operator=door.operator,
            now=now or device_now(), clock_offset_s=door.clock_offset_s)
        uow.commit()
    return result


def undo(ledger, door: Door, ticket_number: str, *, now: datetime | None = None) -> UndoResult:
    """Undo the check-in in force of `ticket_number` at `door`: an UNDO row (a tombstone, never a deletion)
    and its outbox row "checkin.delete" through the one writer, committed; corrected time = now +
    door.clock_offset_s. Works for a ticket admitted provisionally (not in the local list: its event is
    that of its check-in rows). Nothing is stored when it is not checked in (undone False). Raises NotFound
    when the ticket is neither known nor checked in at one of door.event_ids."""
    tn = ticket_number.strip().upper()
    with ledger.uow() as uow:
        session = uow.session
        rows = ticket_rows(session, tn)
        ticket = session.get(Ticket, tn)
        event_id = ticket.event_id if ticket is not None else next((r.event_id for r in rows), None)
        if event_id is None or event_id.lower() not in {e.lower() for e in door.event_ids}:
            raise NotFound(f"ticket {tn} not found at this door", code="TICKET_NOT_FOUND")
        if current_check_in(rows) is None:
            return UndoResult(tn, False, message=f"Ticket {tn} is not checked in")
        values = local_row(tn, event_id, UNDO, station=door.station, operator=door.operator, method="MANUAL",
                           now=now or device_now(), clock_offset_s=door.clock_offset_s)
        append(SessionSink(session), rows, values)
        uow.commit()
    return UndoResult(tn, True, values["corrected_time"], f"Ticket {tn} is no longer checked in")
