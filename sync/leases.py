"""The station side of offline capacity leases (issue 10 item 6; rules in core.leases, hub calls in
sync.hub.routes_leases, docs/HUB_EXTENSIONS.md "Capacity leases").

A sync step: after push (so the hub has counted this station's sales against its lease) and before pull, a box
office asks the hub to top its leases up and stores the answer (core.leases.store_held); core.quote then sells
offline only within them. `release` hands the unused seats back (till close-out, on demand). A refusal of the
hub (403 for a door key, any hub error) never blocks the sync: it is a warning of the run."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from core import leases
from core.db import Ledger
from core.errors import InvalidArgument
from core.models import HeldLease
from sync.client import Discovery, TicketingApi
from sync.errors import ApiError

logger = logging.getLogger(__name__)

EXTENSION = "capacity-leases"
LEASES, RELEASE, BLOCK = "/tessera/v1/leases", "/tessera/v1/leases/release", "/tessera/v1/leases/block"
ROLES = ("box-office", "organiser")  # stations that sell; a door station never leases


@dataclass
class LeaseResult:
    """One lease step: `held` {definition_id: seats} now held per event id, and `warnings`."""

    held: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def applies(discovery: Discovery | None) -> bool:
    """True when the hub offers leases and this station's key sells (box office or organiser)."""
    return discovery is not None and discovery.has(EXTENSION) and (discovery.role or "") in ROLES


def top_up(ledger: Ledger, api: TicketingApi, event_ids: list[str], now: datetime) -> LeaseResult:
    """Ask the hub for this station's leases of each event and store them (one transaction per event).
    Hub refusals and malformed answers become warnings (the held leases stay as they were); NetworkError
    and run bounds propagate (the run stops as for any other call)."""
    result = LeaseResult()
    for event_id in event_ids:
        try:
            body = api.request("POST", LEASES, body={"eventId": event_id})
            items = body.get("leases") if isinstance(body.get("leases"), list) else []
            with ledger.uow() as uow:
                rows = leases.store_held(uow.session, event_id, items, now)
                uow.commit()
        except (ApiError, InvalidArgument) as exc:
            msg = getattr(exc, "message", str(exc))
            result.warnings.append(f"capacity leases of event {event_id} not renewed: {msg}")
            logger.warning("lease top-up of %s refused: %s", event_id, msg)
            continue
        result.held[event_id] = {r.definition_id: r.seats for r in rows}
    return result


def release(ledger: Ledger, api: TicketingApi, event_id: str, definition_ids: list[str] | None = None) -> int:
    """Hand this station's unused leased seats of the event (or of `definition_ids`) back to the hub and drop
    the held leases; returns the seats the hub took back. Raises SyncError (offline, refused): the held
    leases are kept then (they expire on the hub by themselves)."""
    body = {"eventId": event_id} | ({"definitionIds": list(definition_ids)} if definition_ids else {})
    answer = api.request("POST", RELEASE, body=body)
    with ledger.uow() as uow:
        for row in leases.held(uow.session, event_id):
            if not definition_ids or row.definition_id in definition_ids:
                uow.session.delete(row)
        uow.commit()
    return int(answer.get("released") or 0)


def set_block(api: TicketingApi, event_id: str, block: int | None, definition_id: str | None = None) -> int:
    """The organiser's lease block size on the hub for one definition (or the whole event); returns the block
    now set (0 = not leased). Raises SyncError."""
    body = {"eventId": event_id, "block": block} | ({"definitionId": definition_id} if definition_id else {})
    return int(api.request("PUT", BLOCK, body=body).get("block") or 0)


def held_rows(ledger: Ledger, event_id: str, now: datetime) -> list[dict]:
    """What this station holds for the event: [{definitionId, leaseId, seats, unsent, sellable, expires,
    synced, poolLeased, poolLeft}] (sellable = core.leases.offline_left)."""
    with ledger.uow() as uow:
        rows: list[HeldLease] = leases.held(uow.session, event_id)
        unsent = leases.unsent_sold(uow.session, event_id)
        left = leases.offline_left(uow.session, event_id, now)
        return [{"definitionId": r.definition_id, "leaseId": r.lease_id, "seats": r.seats,
                 "unsent": unsent.get(r.definition_id, 0), "sellable": left.get(r.definition_id, 0),
                 "expires": r.expires, "synced": r.synced, "poolLeased": r.pool_leased, "poolLeft": r.pool_left}
                for r in rows]
