"""Push: send pending outbox rows in order (DESIGN.md §Sync, STYLE.md §5). Per row: 200 → sent and the server's
answer applied in one transaction; a refusal in the server's own error shape (400/404/409/428, and 403 for a
call the key may not make) → rejected, kept with the reason, and never stops the rest: only the rows that
depend on it wait (sync.push_gate, issue 8 item 1). Network error, 5xx, 429, 401, a bad answer or an answer
not in the server's error shape → still pending, attempts+1, the run stops (back-off); a Bound (time limit,
answer size) stops it and leaves the rows as they were. Rows are never deleted. Before sending, an update
superseded by a newer one of the same fields is folded into it (core.outbox.fold_superseded, item 2).
Each kind's handler comes from sync.registry; row states change only through core.outbox's transitions."""
from __future__ import annotations

import logging
from typing import Callable

from core import outbox
from core.db import Ledger
from sync.client import Discovery, TicketingApi
from sync.errors import (ApiError, Bound, Canceled, Forbidden, ForeignAnswer, MalformedData, SyncError,
                         refusal_of)
from sync.handler import Item, Outcome, PushResult, is_set
from sync.push_gate import Gate, waiting_reason
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
        self.gate = Gate()

    def pending(self) -> list[Item]:
        """Pending rows in outbox order (id), at most MAX_ROWS_PER_RUN, after folding superseded updates."""
        with self.ledger.uow() as uow:
            folded = outbox.fold_superseded(uow.session)
            uow.commit()
            for old, new in folded:
                logger.info("outbox %s folded into %s", old, new)
            return [_item(r) for r in outbox.pending_rows(uow.session, MAX_ROWS_PER_RUN)]

    def _gate(self) -> Gate:
        """A gate holding the dependants of every row refused in an earlier run and not yet retried."""
        gate = Gate()
        with self.ledger.uow() as uow:
            for row in outbox.rows_in_state(uow.session, outbox.REJECTED):
                gate.block(_item(row), waiting_reason(_item(row), row.last_error or "refused"))
        return gate

    def run(self) -> PushResult:
        """Push every pending row (bounded); returns the PushResult (never raises for a row's failure)."""
        items = self.pending()
        self.local_only = local_only_orders(items, self.discovery.has("orders-upload"))
        self.gate = self._gate()
        i = 0
        while i < len(items):
            if is_set(self.cancel):
                self.result.stopped = Canceled("sync canceled")
                break
            item = items[i]
            if self._held(item):
                i += 1
                continue
            handler = handler_for(item.kind)
            if item.kind in self.gate.forbidden:
                batch = [item]
                call = lambda it=item: Outcome(rejected={it.id: self.gate.forbidden[it.kind]})  # noqa: E731
            elif handler is None:
                batch = [item]
                call = lambda it=item: Outcome(rejected={it.id: f"unknown outbox kind {it.kind!r}"})  # noqa: E731
            else:
                batch = self._free_prefix(handler.batch(items, i, self))
                call = lambda h=handler, b=batch: h.handle(self, b)  # noqa: E731
            i += len(batch)
            self.progress(f"uploading {i}/{len(items)}: {item.kind} {item.entity_key}")
            if not self._attempt(batch, call):
                break
        return self.result

    def _free_prefix(self, batch: list[Item]) -> list[Item]:
        """The rows of a handler's batch up to the first that must wait (at least the first row)."""
        for n, item in enumerate(batch[1:], start=1):
            if self.gate.waits(item) is not None or item.kind in self.gate.forbidden:
                return batch[:n]
        return batch

    def _held(self, item: Item) -> bool:
        """True when `item` waits for a refused row: it stays pending with the reason (issue 8 item 1)."""
        reason = self.gate.waits(item)
        if reason is None:
            return False
        self.gate.block(item, reason)
        with self.ledger.uow() as uow:
            outbox.hold(uow.session, item.id, reason)
            uow.commit()
        self.result.waiting.append({"id": item.id, "kind": item.kind, "entity": item.entity_key, "reason": reason})
        return True

    def _attempt(self, batch: list[Item], call: Callable[[], Outcome]) -> bool:
        """Run one handler call; returns False when the run must stop (transient failure)."""
        try:
            outcome = call()
        except ForeignAnswer as exc:
            return self._fail(batch, exc)
        except Forbidden as exc:
            reason = (f"this station's key may not do this ({exc.message}); connect with a key whose role allows "
                      "it, then `tessera sync retry --all`")
            self.gate.forbid(batch[0].kind, reason)
            self.result.refused.append(refusal_of(exc, "push"))
            self._finish(Outcome(rejected={it.id: reason for it in batch}), batch)
            return True
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
        if not isinstance(exc, Bound):  # a bound of the run is not the rows' failure: they stay as they were
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
            for row_id, error in outcome.unconfirmed.items():
                outbox.mark_failed(s, row_id, error)
                self.result.warnings.append(f"{by_id[row_id].kind} {by_id[row_id].entity_key}: {error}")
            for row_id, error in outcome.rejected.items():
                outbox.mark_rejected(s, row_id, error)
                item = by_id[row_id]
                logger.warning("outbox %s (%s %s, key %s) rejected: %s", row_id, item.kind, item.entity_key,
                               item.idempotency_key, error)
                self.result.rejected.append({"id": row_id, "kind": item.kind, "entity": item.entity_key,
                                             "error": error})
                self.gate.block(item, waiting_reason(item, error))
                on_rejected = getattr(handler_for(item.kind), "on_rejected", None)
                if on_rejected is not None:  # the handler's own consequence of a refusal (check-ins: count nowhere)
                    on_rejected(s, item, error)
            s.flush()
            if outcome.apply is not None:
                outcome.apply(s)
            uow.commit()
        self.result.sent += len(outcome.done)


def _item(row) -> Item:
    """The snapshot of an outbox row."""
    return Item(row.id, row.kind, row.event_id, row.entity_key, dict(row.payload or {}), row.idempotency_key,
                row.attempts)
