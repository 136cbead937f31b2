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

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Callable

from core import checkin, provisional, roles, sales
from core.changes import Changes
from core.checkin import ScanResult, Verdict
from core.checkin_merge import ENTRY, EXIT, REFUSED, UNDO, append, current_check_in, local_row, ticket_rows
from core.checkin_store import SessionSink
from core.codes import has_ticket_shape, normalise_typed, parse_payload
from core.entrances import EntranceView, admitted_ids
from core.errors import NotFound
from core.models import Order, Ticket
from core.money import Money
from core.events import zone_of
from core.tickets import resolve_typed
from core.timeutil import shown, utcnow


@dataclass(frozen=True)
class Door:
    """The inputs every door step takes. `event_ids` the events admitted here (the first one is where an
    unknown ticket is admitted provisionally); `entrance` the station's entrance (core.entrances.EntranceView:
    its admitted definitions, id and direction), or a bare set of admitted definition ids, or None (every
    definition); `exit_mode` the door's "Exit mode" toggle (scans record exits, issue 9 item 8);
    `clock_offset_s` server − device in seconds, from the last sync (sync.door.clock_offset);
    `snapshot_at` when the ticket list was last pulled (sync.door.last_ticket_sync): a refusal resting on
    older data is flagged stale (core.checkin.explain)."""

    event_ids: tuple[str, ...]
    station: str
    operator: str = ""
    entrance: EntranceView | frozenset[str] | None = None
    clock_offset_s: float = 0.0
    snapshot_at: datetime | None = None  # the last successful pull of the ticket list (None = never synced)
    exit_mode: bool = False

    @property
    def direction(self) -> str:
        """EXIT at an exit entrance or in exit mode, else ENTRY."""
        at_exit = isinstance(self.entrance, EntranceView) and self.entrance.is_exit
        return EXIT if self.exit_mode or at_exit else ENTRY

    @property
    def entrance_id(self) -> str | None:
        """The id stored on this door's check-in rows (None: no entrance chosen)."""
        return self.entrance.id if isinstance(self.entrance, EntranceView) else None

    def admitted_definitions(self) -> set[str] | None:
        """The definition ids admitted here (core.entrances.admitted_ids; None = all)."""
        if isinstance(self.entrance, EntranceView):
            found = admitted_ids(self.entrance)
            return None if found is None else set(found)
        return None if self.entrance is None else set(self.entrance)

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
    time (default device_now()); the stored corrected time is now + door.clock_offset_s. A typed code
    (MANUAL) is normalised first (core.codes.normalise_typed). UNPAID and CANCELED results carry their
    details (amounts, when and by whom, stale: core.checkin.explain), read after the commit."""
    if method == "MANUAL":
        payload = normalise_typed(payload)
    result = checkin.scan_and_commit(ledger, payload, before_commit=before_commit, **_scan_kw(door, method, now))
    if result.verdict in (Verdict.UNPAID, Verdict.CANCELED):
        with ledger.uow() as uow:
            result = checkin.explain(uow.session, result, door.snapshot_at)
    return result


def _scan_kw(door: Door, method: str, now: datetime | None) -> dict:
    return dict(event_ids=list(door.event_ids), station=door.station, operator=door.operator, method=method,
                entrance_definition_ids=door.admitted_definitions(), now=now or device_now(),
                clock_offset_s=door.clock_offset_s, entrance_id=door.entrance_id, direction=door.direction)


@dataclass(frozen=True)
class PaidEntry:
    """The outcome of pay_and_admit: `result` the door's verdict (OK when paid and admitted); `paid` the
    order total taken (None when no money was taken); `change` cash to hand back (None for card / none);
    `changes` what was committed (core.changes.Changes; empty when nothing was stored)."""

    result: ScanResult
    paid: Money | None = None
    change: Money | None = None
    changes: Changes = field(default_factory=Changes)


def pay_and_admit(ledger, door: Door, payload: str, *, payment: str, tendered: Money | None = None,
                  method: str = "SCAN", now: datetime | None = None) -> PaidEntry:
    """Take payment for the whole order of an UNPAID ticket and admit it, in ONE committed transaction
    (issue 9 item 1): core.sales.pay_and_complete (payment "cash" with `tendered` ≥ total, or "card"; the
    order → PAID, outbox "order.confirm") then core.checkin.scan (CHECK_IN row + outbox). Committed only
    when the re-scan is OK: a ticket refused for another reason after payment (e.g. WRONG_ENTRANCE) stores
    nothing and returns that verdict. A ticket that is not UNPAID is scanned as usual (an OK is stored; no
    money taken). Raises what pay_and_complete raises (InvalidArgument for a short tender,
    OrderActionNotAvailable) — nothing is stored then."""
    if method == "MANUAL":
        payload = normalise_typed(payload)
    kw = _scan_kw(door, method, now)
    with ledger.uow() as uow:
        session = uow.session
        first = checkin.scan(session, payload, **kw)
        if first.verdict is not Verdict.UNPAID:
            uow.commit()
            admitted = Changes(checkins=frozenset({first.ticket_number}), outbox=True) if first.admitted \
                else Changes()
            return PaidEntry(first, changes=admitted)
        sale = sales.pay_and_complete(session, first.event_id, first.order_number, payment=payment,
                                      tendered=tendered, station=door.station, now=kw["now"])
        result = checkin.scan(session, payload, **kw)
        if not result.admitted:
            return PaidEntry(result)
        uow.commit()
    changes = uow.changes | Changes(checkins=frozenset({result.ticket_number}), outbox=True)
    paid = None if sale.total.is_zero else sale.total
    return PaidEntry(replace(result, message=f"Paid {sale.total} ({payment}) and admitted"), paid, sale.change,
                     changes)


@dataclass(frozen=True)
class AdmittedGuest:
    """Who an undo would un-admit: `checked_in` False when the ticket is not checked in (`refused` True when an
    admission of it was refused at sync); the guest's name ("" when unknown, e.g. admitted provisionally) and
    the check-in in force (aware UTC, station)."""

    ticket_number: str
    checked_in: bool
    guest_name: str = ""
    checked_in_at: datetime | None = None
    station: str = ""
    refused: bool = False


def admitted_guest(ledger, ticket_number: str) -> AdmittedGuest:
    """Read who `ticket_number`'s check-in in force admitted (core.checkin_merge's one rule), for the undo
    confirmation (issue 9 item 4). Reads only."""
    tn = ticket_number.strip().upper()
    with ledger.uow() as uow:
        rows = ticket_rows(uow.session, tn)
        current = current_check_in(rows)
        ticket = uow.session.get(Ticket, tn)
        name = ""
        if ticket is not None:
            name = f"{ticket.guest_first_name or ''} {ticket.guest_last_name or ''}".strip() or \
                f"{ticket.order.first_name or ''} {ticket.order.last_name or ''}".strip()
        if current is None:
            return AdmittedGuest(tn, False, name, refused=any(r.status == REFUSED for r in rows))
        return AdmittedGuest(tn, True, name, current.corrected_time, current.station)


def admit_provisionally(ledger, door: Door, payload: str, *, now: datetime | None = None) -> ScanResult:
    """Admit a ticket missing from the local list at door.event_id (core.provisional, WR-13 b), committed.
    Offer it only after the server was asked (sync.door.resolve_unknown). Raises FailedPrecondition
    (TICKET_KNOWN) when the ticket is in the local list."""
    with ledger.uow() as uow:
        result = provisional.admit_provisionally(
            uow.session, payload, event_id=door.event_id, station=door.station, operator=door.operator,
            now=now or device_now(), clock_offset_s=door.clock_offset_s, entrance_id=door.entrance_id)
        uow.commit()
    return result


def undo(ledger, door: Door, ticket_number: str, *, now: datetime | None = None) -> UndoResult:
    """Undo the check-in in force of `ticket_number` at `door`: an UNDO row (a tombstone, never a deletion)
    and its outbox row "checkin.delete" through the one writer, committed; corrected time = now +
    door.clock_offset_s. `ticket_number` may be typed as at `scan --code` (resolve_typed). Works for a ticket
    admitted provisionally (not in the local list: its event is that of its check-in rows). Only this
    station's admission is undone: when the check-in in force was made at another station (this station's
    scan became its duplicate at sync, BC-14) nothing is stored (undone False, the message says where and
    names `tickets undo-check-in`, which signs a guest out from any station). Nothing is stored when it is not checked in (undone False) — e.g. its admission
    was refused by the centre (core.checkin_refused: nothing is queued the hub would refuse again). Raises NotFound
    when the ticket is neither known nor checked in at one of door.event_ids."""
    with ledger.uow() as uow:
        session = uow.session
        tn = resolve_typed(session, ticket_number)
        rows = ticket_rows(session, tn)
        ticket = session.get(Ticket, tn)
        event_id = ticket.event_id if ticket is not None else next((r.event_id for r in rows), None)
        if event_id is None or event_id.lower() not in {e.lower() for e in door.event_ids}:
            raise NotFound(f"ticket {tn} not found at this door", code="TICKET_NOT_FOUND")
        if current_check_in(rows) is None:
            refused = any(r.status == REFUSED for r in rows)  # core.checkin_refused: counted nowhere, no undo
            return UndoResult(tn, False, message=f"Ticket {tn} is not checked in" + (
                " (its admission was refused at sync: see the review queue)" if refused else ""))
        in_force = current_check_in(rows)
        if in_force.station and door.station and in_force.station != door.station:
            when = shown(in_force.corrected_time, zone_of(session, event_id))
            return UndoResult(tn, False, message=(
                f"Ticket {tn} was admitted at {in_force.station} {when} (a scan here was a duplicate): the guest"
                " is in by that admission, so nothing is undone here. To sign the guest out anyway: tessera"
                " tickets undo-check-in"))
        values = local_row(tn, event_id, UNDO, station=door.station, operator=door.operator, method="MANUAL",
                           now=now or device_now(), clock_offset_s=door.clock_offset_s)
        append(SessionSink(session), rows, values)
        uow.commit()
    return UndoResult(tn, True, values["corrected_time"], f"Ticket {tn} is no longer checked in")


# ---- whole-order check-in (issue 9 item 10) ---------------------------------------------------------------
@dataclass(frozen=True)
class GroupTicket:
    """One ticket of an order as the door's group panel lists it: guest name ("" when unknown), definition
    name, `checked_in` by core.checkin_merge's one rule, `void` when the ticket is canceled or archived."""

    ticket_number: str
    guest_name: str
    definition_name: str
    checked_in: bool
    void: bool = False


@dataclass(frozen=True)
class GroupAdmission:
    """The outcome of admit_group: one ScanResult per ticket asked for, in the order asked; `changes` what
    was committed (core.changes.Changes; empty when nothing was admitted)."""

    results: tuple[ScanResult, ...]
    changes: Changes = field(default_factory=Changes)

    @property
    def admitted(self) -> tuple[ScanResult, ...]:
        return tuple(r for r in self.results if r.admitted)


def order_group(ledger, door: Door, order_number: str) -> list[GroupTicket]:
    """The tickets of `order_number` in ticket-number order, for the group panel; [] when the order is unknown
    or not of one of door.event_ids. Reads only."""
    with ledger.uow() as uow:
        session = uow.session
        order = session.get(Order, order_number)
        if order is None or order.event_id.lower() not in {e.lower() for e in door.event_ids}:
            return []
        buyer = f"{order.first_name or ''} {order.last_name or ''}".strip()
        return [GroupTicket(t.ticket_number,
                            f"{t.guest_first_name or ''} {t.guest_last_name or ''}".strip() or buyer, t.name or "",
                            current_check_in(ticket_rows(session, t.ticket_number)) is not None,
                            bool(t.canceled or t.archived))
                for t in sorted(order.tickets, key=lambda t: t.ticket_number)]


def admit_group(ledger, door: Door, order_number: str, ticket_numbers: list[str], *, method: str = "MANUAL",
                now: datetime | None = None) -> GroupAdmission:
    """Check in the chosen tickets of one order at `door` in ONE committed transaction, each as its own
    check-in (core.checkin.scan: its own verdict by the door's one rule — UNPAID, CANCELED, WRONG_ENTRANCE,
    ALREADY_CHECKED_IN are refused and store nothing; each OK appends a CHECK_IN row + outbox row through
    core.checkin_merge.append). A ticket number not of `order_number` is UNKNOWN ("not in order …"). `now`
    device time (default device_now()); stored time = now + door.clock_offset_s."""
    kw = _scan_kw(door, method, now)
    results = []
    with ledger.uow() as uow:
        session = uow.session
        for raw in ticket_numbers:
            tn = raw.strip().upper()
            ticket = session.get(Ticket, tn)
            if ticket is None or ticket.order_number != order_number:
                results.append(ScanResult(Verdict.UNKNOWN, raw, tn, message=f"Not in order {order_number}"))
                continue
            results.append(checkin.scan(session, tn, **kw))
        uow.commit()
    admitted = frozenset(r.ticket_number for r in results if r.admitted)
    return GroupAdmission(tuple(results), Changes(checkins=admitted, outbox=True) if admitted else Changes())


# ---- what the door may offer (issue 9 items 1–2) --------------------------------------------------------------
def may_take_payment(role: str | None, enabled: bool = True) -> bool:
    """True when the door may offer "Take payment & admit": the setting is on and the station's hub role may
    write orders (box-office, organiser), or it has no hub role (a plain server or never connected: the
    central API decides on upload). The role rule is core.roles' (TAKE_PAYMENT)."""
    return bool(enabled) and roles.may(role, roles.TAKE_PAYMENT)


def provisional_refusal(payload: str, event_id: str | None, last_sync: datetime | None,
                        enabled: bool = True) -> str | None:
    """Why provisional entry is NOT offered for `payload` at `event_id`, or None when it may be (WR-13 b,
    issue 9 item 2): the supervisor turned it off; the station never synced (nothing says the code could be
    real); the code does not have the shape of a ticket of this event (core.codes.has_ticket_shape; typed
    codes are normalised first)."""
    if not enabled:
        return "Provisional entry is turned off at this station"
    if last_sync is None:
        return "Provisional entry needs at least one sync: this station has never synced"
    if not has_ticket_shape(parse_payload(normalise_typed(payload)), event_id):
        return "Not the shape of a ticket of this event: no provisional entry"
    return None
