"""Push of entrance changes (hub extension `entrances`, docs/HUB_EXTENSIONS.md; issue 9 item 7): an entrance
made or edited at an organiser station goes up whole ("entrance.upsert": the last writer wins), a deleted one
as "entrance.delete"; the change feed brings the hub's version back (sync.appliers.EntranceApplier). A
server without the extension (a plain contract server) has no entrances: the row counts as done with that
note — the entrance stays at this station only, and never blocks what follows."""
from __future__ import annotations

from core import outbox
from sync.errors import NotFound
from sync.handler import Item, Outcome, PushContext, SingleRowHandler

PATH = "/tessera/v1/entrances"
LOCAL_ONLY = "kept at this station: the server has no entrances"


def _upsert(ctx: PushContext, item: Item) -> Outcome:
    """entrance.upsert → POST /tessera/v1/entrances {eventId, entrance} (the whole entrance)."""
    if not ctx.discovery.has("entrances"):
        return Outcome(done=[item.id], notes={item.id: LOCAL_ONLY})
    body = {"eventId": item.event_id, "entrance": dict(item.payload.get("entrance") or {})}
    ctx.api.request("POST", PATH, body=body, idempotency_key=item.idempotency_key)
    return Outcome(done=[item.id])  # the hub stores what was sent; the change feed brings it back anyway


def _delete(ctx: PushContext, item: Item) -> Outcome:
    """entrance.delete → DELETE /tessera/v1/entrances/{id}; already gone on the hub counts as done."""
    if not ctx.discovery.has("entrances"):
        return Outcome(done=[item.id], notes={item.id: LOCAL_ONLY})
    entrance_id = item.payload.get("entranceId") or item.entity_key
    try:
        ctx.api.request("DELETE", f"{PATH}/{entrance_id}", params=[("eventId", item.event_id)],
                        idempotency_key=item.idempotency_key)
    except NotFound:
        return Outcome(done=[item.id], notes={item.id: "already deleted on the server"})
    return Outcome(done=[item.id])


HANDLER = SingleRowHandler({outbox.ENTRANCE_UPSERT: _upsert, outbox.ENTRANCE_DELETE: _delete})
