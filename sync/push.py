"""Push: send pending outbox rows in order (DESIGN.md §Sync, STYLE.md §5). Per row: 200 → sent and the server's
answer applied in one transaction; 400/404/409/428 → rejected, kept with the error text; network error, 5xx, 429,
401/403 or a bad answer → still pending, attempts+1, the run stops (back-off). Rows are never deleted.
Kind handlers: check-ins in sync/push_checkins.py, ticket definitions in sync/push_definitions.py."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import select

from core.db import Ledger
from core.models import OutboxEntry
from core.outbox import PENDING, REJECTED, SENT
from core.timeutil import utcnow
from sync.apply import order_from_api
from sync.client import Discovery, TicketingApi
from sync.errors import ApiError, Canceled, MalformedData, SyncError

logger = logging.getLogger(__name__)

CHECKIN_KINDS = ("checkin.create", "checkin.delete")
SETTLED = ("PAID", "FREE")
MAX_ROWS_PER_RUN = 5000  # bound of one run; the rest goes next run


@dataclass(frozen=True)
class Item:
    """A snapshot of one outbox row (ORM objects never leave their session)."""

    id: int
    kind: str
    event_id: str
    entity_key: str
    payload: dict
    idempotency_key: str
    attempts: int


@dataclass
class PushResult:
    """What one push did: counts, the rows kept local-only (plain server, WR-15), oversold definitions
    (BC-26), duplicate check-ins (BC-14), stored conflicts, the rejected rows, and the error that stopped it."""

    sent: int = 0
    rejected: list[dict] = field(default_factory=list)
    local_only: list[str] = field(default_factory=list)
    oversold: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stopped: SyncError | None = None


@dataclass
class Outcome:
    """A handler's verdict for its rows: `done` ids sent; `rejected` {id: error}; `skipped` ids left pending
    untouched (local-only); `apply` a callback run in the transaction that marks the rows."""

    done: list[int] = field(default_factory=list)
    rejected: dict[int, str] = field(default_factory=dict)
    skipped: list[int] = field(default_factory=list)
    apply: Callable | None = None
    notes: dict[int, str] = field(default_factory=dict)


class Pusher:
    """One push run over `ledger` with `api`; `discovery` decides extension vs plain-contract routes."""

    def __init__(self, ledger: Ledger, api: TicketingApi, discovery: Discovery, *, station: str = "",
                 progress: Callable[[str], None] | None = None, cancel=None):
        self.ledger, self.api, self.discovery, self.station = ledger, api, discovery, station
        self.progress = progress or (lambda _msg: None)
        self.cancel = cancel
        self.result = PushResult()

    # -- the loop ------------------------------------------------------------------------------------------
    def pending(self) -> list[Item]:
        """Pending rows in outbox order (id), at most MAX_ROWS_PER_RUN."""
        with self.ledger.uow() as uow:
            rows = uow.session.scalars(select(OutboxEntry).where(OutboxEntry.state == PENDING)
                                       .order_by(OutboxEntry.id).limit(MAX_ROWS_PER_RUN))
            return [Item(r.id, r.kind, r.event_id, r.entity_key, dict(r.payload or {}), r.idempotency_key,
                         r.attempts) for r in rows]

    def run(self) -> PushResult:
        """Push every pending row (bounded); returns the PushResult (never raises for a row's failure)."""
        from sync.push_checkins import checkin_batch, handle_checkins
        from sync.push_definitions import handle_definition

        items = self.pending()
        local_only = self._local_only_orders(items)
        i = 0
        while i < len(items):
            if self.cancel is not None and _is_set(self.cancel):
                self.result.stopped = Canceled("sync canceled")
                break
            item = items[i]
            if item.kind in CHECKIN_KINDS:
                batch = checkin_batch(items, i, self.discovery)
                handler = lambda b=batch: handle_checkins(self, b, local_only)  # noqa: E731
            else:
                batch = [item]
                handler = lambda it=item: self.handle_one(it, local_only, handle_definition)  # noqa: E731
            i += len(batch)
            self.progress(f"uploading {i}/{len(items)}: {item.kind} {item.entity_key}")
            if not self._attempt(batch, handler):
                break
        return self.result

    def _attempt(self, batch: list[Item], handler: Callable[[], Outcome]) -> bool:
        """Run one handler; returns False when the run must stop (transient failure)."""
        try:
            outcome = handler()
        except ApiError as exc:
            if exc.rejects:
                self._finish(Outcome(rejected={it.id: exc.message for it in batch}), batch)
                return True
            return self._fail(batch, exc)
        except (SyncError, MalformedData) as exc:
            return self._fail(batch, exc)
        self._finish(outcome, batch)
        return True

    def _fail(self, batch: list[Item], exc: SyncError) -> bool:
        logger.warning("push stopped at outbox %s (%s, key %s): %s", batch[0].id, batch[0].kind,
                       batch[0].idempotency_key, exc.message)
        with self.ledger.uow() as uow:
            for item in batch:
                row = uow.session.get(OutboxEntry, item.id)
                row.attempts += 1
                row.last_error = exc.message[:2000]
            uow.commit()
        self.result.stopped = exc
        return False

    def _finish(self, outcome: Outcome, batch: list[Item]) -> None:
        """Mark rows sent/rejected and apply the server's answer in one transaction."""
        now = utcnow()
        by_id = {it.id: it for it in batch}
        with self.ledger.uow() as uow:
            s = uow.session
            for row_id in outcome.done:
                row = s.get(OutboxEntry, row_id)
                row.state, row.sent_at, row.attempts = SENT, now, row.attempts + 1
                row.last_error = outcome.notes.get(row_id, "")
            for row_id, error in outcome.rejected.items():
                row = s.get(OutboxEntry, row_id)
                row.state, row.attempts, row.last_error = REJECTED, row.attempts + 1, error[:2000]
                item = by_id[row_id]
                logger.warning("outbox %s (%s %s, key %s) rejected: %s", row_id, item.kind, item.entity_key,
                               item.idempotency_key, error)
                self.result.rejected.append({"id": row_id, "kind": item.kind, "entity": item.entity_key,
                                             "error": error})
            s.flush()
            if outcome.apply is not None:
                outcome.apply(s)
            uow.commit()
        self.result.sent += len(outcome.done)

    def _local_only_orders(self, items: list[Item]) -> set[str]:
        """Order numbers of box-office sales a plain server cannot take (no order-creation call, WR-15)."""
        if self.discovery.has("orders-upload"):
            return set()
        return {it.entity_key for it in items if it.kind == "order.create"}

    # -- single-row kinds -----------------------------------------------------------------------------------
    def handle_one(self, item: Item, local_only: set[str], handle_definition) -> Outcome:
        """Dispatch one non-check-in row to its contract call or extension."""
        if item.kind.startswith("order.") and item.entity_key in local_only:
            if item.kind == "order.create":
                self.result.local_only.append(item.entity_key)
            return Outcome(skipped=[item.id])
        if item.kind == "event.create":
            return self._event_create(item)
        if item.kind == "order.create":
            return self._order_create(item)
        if item.kind == "order.update":
            return self._order_update(item)
        if item.kind == "order.confirm":
            return self._order_confirm(item)
        if item.kind.startswith("definition.") or item.kind == "event.change_currency":
            return handle_definition(self, item)
        return Outcome(rejected={item.id: f"unknown outbox kind {item.kind!r}"})

    def _event_create(self, item: Item) -> Outcome:
        """An event made at this station goes up first (its definitions, orders and check-ins need it there).
        Already on the server (409) counts as done. A station whose role may not create events (403), or a
        plain contract server without the call (404), gets the row rejected with that reason — kept and shown,
        never blocking the check-ins behind it."""
        try:
            self.api.create_event(item.payload.get("event") or {}, idempotency_key=item.idempotency_key)
        except ApiError as exc:
            if exc.status == 409:
                return Outcome(done=[item.id], notes={item.id: "the event exists on the server already"})
            if exc.status in (403, 404, 405):
                return Outcome(rejected={item.id: f"the server did not take the event ({exc}); create it "
                                                  "there, then sync again"})
            raise
        return Outcome(done=[item.id])

    def _order_create(self, item: Item) -> Outcome:
        """Box-office sale upload (extension `orders-upload`); the hub keeps it even over capacity (BC-26)."""
        answer = self.api.upload_order(item.event_id, item.payload.get("order") or {},
                                       idempotency_key=item.idempotency_key)
        oversold = [o for o in answer.get("oversold") or [] if isinstance(o, dict)]
        for entry in oversold:
            entry = {**entry, "orderNumber": item.entity_key}
            self.result.oversold.append(entry)
            self.result.warnings.append(
                f"oversold: {entry.get('name') or entry.get('definitionId')} "
                f"{entry.get('sold')}/{entry.get('quantity')} (order {item.entity_key})")
        return Outcome(done=[item.id], apply=lambda s: order_from_api(s, answer["order"], item.event_id))

    def _order_update(self, item: Item) -> Outcome:
        """UpdateOrder (checkoutForm and/or archived, API.md §2.5)."""
        p = item.payload
        fields = p.get("fields") or []
        fields = fields.split(",") if isinstance(fields, str) else list(fields)
        order = self.api.update_order(item.event_id, p.get("orderNumber") or item.entity_key, fields,
                                      checkout_form=p.get("checkoutForm"), archived=p.get("archived"),
                                      idempotency_key=item.idempotency_key)
        return Outcome(done=[item.id], apply=lambda s: order_from_api(s, order, item.event_id))

    def _order_confirm(self, item: Item) -> Outcome:
        """ConfirmOrder, checking state first: GET the order and confirm only if not PAID/FREE (WR-03 b)."""
        numbers = item.payload.get("orderNumber") or [item.entity_key]
        numbers = [numbers] if isinstance(numbers, str) else list(numbers)
        answers, todo = [], []
        for number in numbers:
            current = self.api.get_order(item.event_id, number)
            (answers if current.get("status") in SETTLED else todo).append(current)
        if todo:
            answers += self.api.confirm_orders(item.event_id, [o["orderNumber"] for o in todo],
                                               idempotency_key=item.idempotency_key)
        note = "" if todo else "already settled on the server; not confirmed again"

        def apply(s):
            for order in answers:
                order_from_api(s, order, item.event_id)
        return Outcome(done=[item.id], apply=apply, notes={item.id: note})


def _is_set(cancel) -> bool:
    """A cancel token: threading.Event-like (`is_set()`), or an object with a truthy `cancelled`."""
    if hasattr(cancel, "is_set"):
        return bool(cancel.is_set())
    return bool(getattr(cancel, "cancelled", False))


def rejected_entries(session, event_id: str | None = None) -> list[dict]:
    """Rejected outbox rows for display (kept for audit, DESIGN.md §Sync): id, kind, entity, error, created."""
    q = select(OutboxEntry).where(OutboxEntry.state == REJECTED).order_by(OutboxEntry.id)
    if event_id:
        q = q.where(OutboxEntry.event_id == event_id)
    return [{"id": r.id, "kind": r.kind, "entity": r.entity_key, "error": r.last_error, "created": r.created}
            for r in session.scalars(q)]


DISMISSED = "dismissed"


class NotFoundLocal(LookupError):
    """The outbox row asked for does not exist or is not in the state the action needs."""


def _rejected(session, entry_id: int) -> OutboxEntry:
    row = session.get(OutboxEntry, entry_id)
    if row is None or row.state != REJECTED:
        raise NotFoundLocal(f"outbox row {entry_id} is not a rejected change")
    return row


def retry_rejected(session, entry_id: int) -> None:
    """Put a rejected change back in the queue (same idempotency key) after the operator fixed the cause;
    the next run sends it again. Raises NotFoundLocal for a row that is not rejected. Caller commits."""
    row = _rejected(session, entry_id)
    row.state = PENDING
    row.last_error = f"retry requested after: {row.last_error}"[:2000]


def dismiss_rejected(session, entry_id: int) -> None:
    """Hide a rejected change from the Sync panel: the row is kept with state 'dismissed' for audit, never
    deleted (DESIGN.md §Sync: never drop a row). Raises NotFoundLocal for a row that is not rejected."""
    _rejected(session, entry_id).state = DISMISSED
