"""Push: send pending outbox rows in order (DESIGN.md §Sync, STYLE.md §5). Per row: 200 → sent and the server's
answer applied in one transaction; 400/404/409/428 → rejected, kept with the error text; network error, 5xx, 429,
401/403 or a bad answer → still pending, attempts+1, the run stops (back-off). Rows are never deleted.
Each kind's handler comes from sync.registry; row states change only through core.outbox's transitions."""
from __future__ import annotations

import logging
from typing import Callable

from core import outbox
from core.db import Ledger
from sync.client import Discovery, TicketingApi
from sync.errors import ApiError, Canceled, MalformedData, SyncError
from sync.handler import Item, Outcome, PushResult, is_set
from sync.push_orders import local_only_orders
from sync.registry import handler_for

logger = logging.getLogger(__name__)

MAX_ROWS_PER_RUN = 5000  # bound of one run; the rest goes next run

__all__ = ["Item", "Outcome", "PushResult", "Pusher", "MAX_ROWS_PER_RUN"]


class Pusher:
    """One push run over `ledger` with `api`; `discovery` decides extension vs plain-contract routes.
    Satisfies sync.handler.PushContext for the handlers."""

    def __init__(self, ledger: Ledger, api: TicketingApi, discovery: Discovery, *, station: str = "",
                 progress: Callable[[str], None] | None = None, cancel=None):
        self.ledger, self.api, self.discovery, self.station = ledger, api, discovery, station
        self.progress = progress or (lambda _msg: None)
        self.cancel = cancel
        self.result = PushResult()
        self.local_only: set[str] = set()

    def pending(self) -> list[Item]:
        """Pending rows in outbox order (id), at most MAX_ROWS_PER_RUN."""
        with self.ledger.uow() as uow:
            return [Item(r.id, r.kind, r.event_id, r.entity_key, dict(r.payload or {}), r.idempotency_key,
                         r.attempts) for r in outbox.pending_rows(uow.session, MAX_ROWS_PER_RUN)]

    def run(self) -> PushResult:
        """Push every pending row (bounded); returns the PushResult (never raises for a row's failure)."""
        items = self.pending()
        self.local_only = local_only_orders(items, self.discovery.has("orders-upload"))
        i = 0
        while i < len(items):
            if is_set(self.cancel):
                self.result.stopped = Canceled("sync canceled")
                break
            item = items[i]
            handler = handler_for(item.kind)
            if handler is None:
                batch = [item]
                call = lambda it=item: Outcome(rejected={it.id: f"unknown outbox kind {it.kind!r}"})  # noqa: E731
            else:
                batch = handler.batch(items, i, self)
                call = lambda h=handler, b=batch: h.handle(self, b)  # noqa: E731
            i += len(batch)
            self.progress(f"uploading {i}/{len(items)}: {item.kind} {item.entity_key}")
            if not self._attempt(batch, call):
                break
        return self.result

    def _attempt(self, batch: list[Item], call: Callable[[], Outcome]) -> bool:
        """Run one handler call; returns False when the run must stop (transient failure)."""
        try:
            outcome = call()
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
                outbox.mark_failed(uow.session, item.id, exc.message)
            uow.commit()
        self.result.stopped = exc
        return False

    def _finish(self, outcome: Outcome, batch: list[Item]) -> None:
        """Mark rows sent/rejected and apply the server's answer in one transaction."""
        by_id = {it.id: it for it in batch}
        with self.ledger.uow() as uow:
            s = uow.session
            for row_id in outcome.done:
                outbox.mark_sent(s, row_id, outcome.notes.get(row_id, ""))
            for row_id, error in outcome.rejected.items():
                outbox.mark_rejected(s, row_id, error)
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
