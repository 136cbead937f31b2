"""The door's sync side, one for the GUI and `tessera scan`: the clock offset the door corrects its times by
(BC-13), and the unknown-ticket path (WR-13): a well-formed code missing from the local list is looked up on
the server (GetTicket/GetOrder, merged into the ledger by SyncEngine.fetch_ticket); found → scan it again;
unknown to the server too → refused; server not reachable (or not connected, or failing) → only then may the
door admit it provisionally (core.door.admit_provisionally).

`resolve_unknown` runs that path synchronously (the CLI); the GUI runs `lookup` on a worker thread
(app.sync_controller) and acts on `next_step` of its outcome (app.sync_wiring.UnknownTicketHelper).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Callable

import httpx
from sqlalchemy.orm import Session

from core import door as core_door
from core.checkin import ScanResult, Verdict
from core.timeutil import local
from sync import clock, connection, state
from sync.connection import NotConnected
from sync.engine import SyncEngine
from sync.errors import MalformedData, NetworkError, SyncError
from sync.station import load_config

logger = logging.getLogger(__name__)

FOUND, NOT_FOUND, OFFLINE, NOT_CONNECTED, FAILED = "found", "not_found", "offline", "not_connected", "failed"
RESCAN, REFUSE, OFFER_PROVISIONAL = "rescan", "refuse", "offer_provisional"
LOOKUP_TIMEOUT_S = 5.0  # a door lookup gives up quickly (connect: 3 s): the guest is waiting (WR-13)


@dataclass(frozen=True)
class LookupOutcome:
    """The answer of `lookup`: `status` FOUND / NOT_FOUND / OFFLINE / NOT_CONNECTED / FAILED, the server's
    ticket JSON when found, an error text, and `last_sync` (when the local ticket list was last pulled)."""

    status: str
    ticket_number: str
    ticket: dict | None = None
    error: str | None = None
    last_sync: datetime | None = None


@dataclass(frozen=True)
class DoorClock:
    """The offset a door passes to core.door (server − device, seconds; 0.0 when never measured), whether it
    was measured, and a warning for the operator (offset over sync.clock's threshold, or never measured on a
    connected station) or None."""

    offset_s: float
    measured: bool
    warning: str | None


def clock_offset(session: Session, warn_s: float) -> DoorClock:
    """The last offset measured by sync (sync.clock.load — what the GUI's status shows) for the door;
    `warn_s` the operator's threshold in seconds (the setting clock_warn_s)."""
    stored = clock.load(session, warn_s)
    measured = stored.measured_at is not None
    warning = stored.warning
    if not measured and load_config(session) is not None:
        warning = "The clock offset to the server is not measured yet (no sync so far): check-in times are " \
                  "not corrected. Run `tessera sync` first."
    return DoorClock(stored.offset_s if measured else 0.0, measured, warning)


def last_ticket_sync(session: Session) -> datetime | None:
    """When the local ticket list was last pulled (aware UTC), or None."""
    return state.last_success(session).get("tickets")


def wants_lookup(result: ScanResult, event_id: str | None) -> bool:
    """True for a result the server should be asked about: UNKNOWN with a ticket number and no order (the
    ticket is not in the local list), at a door working on an event."""
    return (result.verdict is Verdict.UNKNOWN and bool(result.ticket_number) and not result.order_number
            and event_id is not None)


def lookup(get_engine: Callable[[], SyncEngine], event_id: str, ticket_number: str,
           last_sync: datetime | None = None) -> LookupOutcome:
    """Ask the server for `ticket_number` of `event_id` through the engine `get_engine()` returns (it may
    raise NotConnected); a found ticket (and its order) is merged into the ledger. Sync failures become the
    outcome's status (NetworkError → OFFLINE, NotConnected → NOT_CONNECTED, other SyncError → FAILED);
    anything else propagates. Blocking: call it off the GUI thread."""
    try:
        ticket = get_engine().fetch_ticket(event_id, ticket_number)
    except NotConnected as exc:
        return LookupOutcome(NOT_CONNECTED, ticket_number, None, exc.message, last_sync)
    except NetworkError as exc:
        return LookupOutcome(OFFLINE, ticket_number, None, exc.message, last_sync)
    except (SyncError, MalformedData) as exc:  # a malformed answer is a failed lookup too
        logger.info("lookup of %s failed: %s", ticket_number, exc.message)
        return LookupOutcome(FAILED, ticket_number, None, exc.message, last_sync)
    return LookupOutcome(FOUND if ticket else NOT_FOUND, ticket_number, ticket, None, last_sync)


def next_step(outcome: LookupOutcome) -> str:
    """What the door does after a lookup: RESCAN (found: merged, scan again for its verdict), REFUSE (the
    server does not know it either), OFFER_PROVISIONAL (the server could not be asked: WR-13 b)."""
    if outcome.status == FOUND:
        return RESCAN
    if outcome.status == NOT_FOUND:
        return REFUSE
    return OFFER_PROVISIONAL


def station_engine(ledger, *, clock_warn_s: float, timeout_s: float = LOOKUP_TIMEOUT_S) -> SyncEngine:
    """A SyncEngine on the station's saved connection whose HTTP client gives up after `timeout_s` seconds
    (connect: at most 3 s): a guest is waiting. Raises NotConnected. The caller closes `engine.api.http`."""
    return connection.station_engine(ledger, clock_warn_s=clock_warn_s,
                                     timeout=httpx.Timeout(timeout_s, connect=min(3.0, timeout_s)))


def offline_message(when: str) -> str:
    """'Not in local list (last sync 19:55), check the purchase e-mail or admit provisionally'; `when` the
    last ticket pull as the front end shows it (event time, or "never")."""
    return f"Not in local list (last sync {when}), check the purchase e-mail or admit provisionally"


def resolve_unknown(ledger, door: core_door.Door, result: ScanResult, get_engine: Callable[[], SyncEngine], *,
                    provisional: bool = False, method: str = "SCAN", time_zone: str = "UTC") -> ScanResult:
    """The unknown-ticket path after `result` (a scan at `door`): not UNKNOWN-and-missing → `result` as is.
    Else ask the server (`lookup`): found → the re-scan's result; unknown to the server → UNKNOWN "not known
    to the server either"; server not reachable → admitted provisionally when `provisional` (WR-13 b), else
    UNKNOWN with the amber "not in local list" text (last sync in `time_zone`)."""
    if not wants_lookup(result, door.event_id):
        return result
    with ledger.uow() as uow:
        last_sync = last_ticket_sync(uow.session)
    outcome = lookup(get_engine, door.event_id, result.ticket_number, last_sync)
    step = next_step(outcome)
    if step == RESCAN:
        return core_door.scan(ledger, door, result.payload, method=method)
    if step == REFUSE:
        return replace(result, message=f"Ticket {result.ticket_number} is not known to the server either")
    if provisional:
        return core_door.admit_provisionally(ledger, door, result.payload)
    when = f"{local(last_sync, time_zone or 'UTC'):%H:%M}" if last_sync else "never"
    return replace(result, message=offline_message(when))
