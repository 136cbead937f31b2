"""Push of event.create: an event made at this station goes up first (its definitions, orders and check-ins
need it there)."""
from __future__ import annotations

from core import outbox
from sync.errors import ApiError, ForeignAnswer
from sync.handler import Item, Outcome, PushContext, SingleRowHandler


def _create(ctx: PushContext, item: Item) -> Outcome:
    """event.create → the hub's Events route. Already on the server (409) counts as done. A station whose role
    may not create events (403), or a plain contract server without the call (404/405), gets the row rejected
    with that reason — kept and shown, never blocking the check-ins behind it."""
    try:
        ctx.api.create_event(item.payload.get("event") or {}, idempotency_key=item.idempotency_key)
    except ApiError as exc:
        if isinstance(exc, ForeignAnswer):  # not the server's refusal: retried (issue 8 item 10)
            raise
        if exc.status == 409:
            return Outcome(done=[item.id], notes={item.id: "the event exists on the server already"})
        if exc.status in (403, 404, 405):
            return Outcome(rejected={item.id: f"the server did not take the event ({exc}); create it "
                                              "there, then sync again"})
        raise
    return Outcome(done=[item.id])


HANDLER = SingleRowHandler({outbox.EVENT_CREATE: _create})  # outbox kind event.create
