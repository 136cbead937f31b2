"""Hub calls of offline capacity leases (issue 10 item 6; docs/HUB_EXTENSIONS.md "Capacity leases"; routes
declared in sync.hub.routes). Every rule is core.leases: this module only reads the request and shapes the
answer. A door key gets 403 (the routes need orders.upload); a lease with nothing left is answered with
seats 0, never refused, so a box office always learns what it may sell offline."""
from __future__ import annotations

from core import leases
from core.errors import InvalidArgument
from core.models import CapacityLease
from sync.hub.params import require_str
from sync.hub.runner import Call

EXTENSION = "capacity-leases"  # advertised in discovery (sync.hub.identity.HUB_EXTENSIONS)


def _answer(c: Call, event_id: str, rows: list[CapacityLease]) -> list[dict]:
    board = leases.dashboard(c.session, event_id, c.now)
    block = leases.blocks(c.session, event_id)
    return [leases.lease_json(r, block.get(r.definition_id, 0), board[r.definition_id]) for r in rows
            if r.definition_id in board]


def acquire_call(c: Call) -> dict:
    """POST /tessera/v1/leases {eventId} → {leases: [lease_json…]}: the caller's leases, topped up."""
    event_id = require_str(c.body.get("eventId"), "eventId")
    c.lock("event:" + event_id)
    rows = leases.acquire(c.session, event_id, c.station.name, c.now)
    return {"leases": _answer(c, event_id, rows)}


def release_call(c: Call) -> dict:
    """POST /tessera/v1/leases/release {eventId, definitionIds?} → {released: seats handed back}."""
    event_id = require_str(c.body.get("eventId"), "eventId")
    ids = c.body.get("definitionIds") or None
    if ids is not None and (not isinstance(ids, list) or not all(isinstance(i, str) for i in ids)):
        raise InvalidArgument("definitionIds must be a list of definition ids", field="definitionIds")
    c.lock("event:" + event_id)
    return {"released": leases.release(c.session, event_id, c.station.name, c.now, ids)}


def block_call(c: Call) -> dict:
    """PUT /tessera/v1/leases/block {eventId, definitionId?, block} → {scopeId, block}: the organiser's block
    size of one definition, or of the event when definitionId is absent (0 or null = not leased)."""
    event_id = require_str(c.body.get("eventId"), "eventId")
    scope = c.body.get("definitionId") or event_id
    block = c.body.get("block")
    if block is not None and (isinstance(block, bool) or not isinstance(block, int)):
        raise InvalidArgument("block must be a whole number", field="block")
    row = leases.set_block(c.session, str(scope), block)
    return {"scopeId": scope, "block": row.block if row is not None else 0}


def dashboard_call(c: Call) -> dict:
    """GET /tessera/v1/leases?eventId → {definitions: [{definitionId, sold, leased, left, block}]}."""
    event_id = require_str(c.query.one("eventId"), "eventId")
    block = leases.blocks(c.session, event_id)
    return {"definitions": [{"definitionId": d, "sold": n.sold, "leased": n.leased, "left": n.left,
                             "block": block.get(d, 0)}
                            for d, n in sorted(leases.dashboard(c.session, event_id, c.now).items())]}
