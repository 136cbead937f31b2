"""Offline capacity leases (issue 10 item 6): the one home of the lease rules, shared by the hub and the station.

A box office, while it reaches the hub, leases a block of seats per limited ticket definition; offline it sells
only within its lease, so several offline box offices can never oversell together.

Hub side (table capacity_leases, one row per station and definition):
- The organiser sets a block size per definition or per event (`set_block`, table lease_blocks); a definition
  without one is not leased.
- `acquire` tops a station's lease up to the block: it gets min(block − held, free) more, where
  free = quantity − sold − active holds − the other stations' unexpired unused leases (never below 0). A station
  holds at most one lease per definition (idempotent: asking again at a full lease changes nothing but the
  expiry, `ttl` from now).
- `consume`: a sale the station uploads counts against its own lease first (seats −= min(sold, seats)), so
  sold + leased never counts a seat twice.
- `release` hands the unused seats back to the pool (till close-out, on demand); an expired lease counts as 0.
- `pool_leased` is what core.quote subtracts from what is left for anyone else.

Station side (table held_leases, what the hub answered at the last sync): `offline_left` = the lease's seats
minus the tickets this station sold since and has not yet uploaded (order.create rows not sent), 0 once it
expired. core.quote uses it as the station's quantity rule for a leased definition.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core.definitions import definition_counts
from core.errors import InvalidArgument
from core.events import get_event
from core.models import CapacityLease, HeldLease, LeaseBlock, Order, OutboxEntry, Ticket, TicketDefinition
from core.status import OutboxKind, sold_clause
from core.timeutil import parse_rfc3339, require_aware, to_rfc3339

DEFAULT_BLOCK = 10     # the block `set_block` suggests (CLI default)
MAX_BLOCK = 1000
LEASE_TTL = timedelta(hours=8)  # a lease not topped up for this long returns to the pool


@dataclass(frozen=True)
class LeaseCounts:
    """One definition's dashboard on the hub: `sold`, `leased` (unused, unexpired, all stations) and `left`
    (neither sold, held nor leased; None = unlimited)."""

    sold: int
    leased: int
    left: int | None


# -- organiser ----------------------------------------------------------------------------------------------
def set_block(session: Session, scope_id: str, block: int | None) -> LeaseBlock | None:
    """Set the lease block of a definition (or of every definition of an event when `scope_id` is an event
    id) to `block` seats (1..MAX_BLOCK); None or 0 removes it (not leased). Raises NotFound, InvalidArgument."""
    defn = session.get(TicketDefinition, scope_id)
    event_id = defn.event_id if defn is not None else _event_id(session, scope_id)
    row = session.get(LeaseBlock, scope_id)
    if not block:
        if row is not None:
            session.delete(row)
        return None
    if isinstance(block, bool) or not isinstance(block, int) or not 0 < block <= MAX_BLOCK:
        raise InvalidArgument(f"lease block must be a whole number 1..{MAX_BLOCK}", field="leaseBlock")
    if row is None:
        row = LeaseBlock(scope_id=scope_id, event_id=event_id, block=block)
        session.add(row)
    row.block = block
    return row


def _event_id(session: Session, event_id: str) -> str:
    return get_event(session, event_id).id


def blocks(session: Session, event_id: str) -> dict[str, int]:
    """{definition_id: block} of the event's limited definitions that are leased (own row, else the event's)."""
    rows = dict(session.execute(select(LeaseBlock.scope_id, LeaseBlock.block)
                                .where(LeaseBlock.event_id == event_id)).all())
    defs = session.scalars(select(TicketDefinition).where(TicketDefinition.event_id == event_id,
                                                          TicketDefinition.quantity.is_not(None)))
    out = {}
    for d in defs:
        block = rows.get(d.id, rows.get(event_id))
        if block:
            out[d.id] = block
    return out


# -- hub ----------------------------------------------------------------------------------------------------
def pool_leased(session: Session, event_id: str, now: datetime, *, except_station: str | None = None) -> dict[str, int]:
    """{definition_id: unused unexpired leased seats} of the event on the hub (optionally without one station)."""
    q = (select(CapacityLease.definition_id, func.sum(CapacityLease.seats))
         .where(CapacityLease.event_id == event_id, CapacityLease.expires > require_aware(now, "now"))
         .group_by(CapacityLease.definition_id))
    if except_station is not None:
        q = q.where(CapacityLease.station != except_station)
    return {d: int(n or 0) for d, n in session.execute(q).all()}


def dashboard(session: Session, event_id: str, now: datetime) -> dict[str, LeaseCounts]:
    """{definition_id: LeaseCounts} for every definition of the event (hub book; all 0 leased on a station)."""
    counts = definition_counts(session, event_id, now)
    leased = pool_leased(session, event_id, now)
    return {d: LeaseCounts(sold=c.sold, leased=leased.get(d, 0),
                           left=None if c.available is None else max(0, c.available - leased.get(d, 0)))
            for d, c in counts.items()}


def _own(session: Session, station: str, definition_id: str) -> CapacityLease | None:
    return session.scalar(select(CapacityLease).where(CapacityLease.station == station,
                                                      CapacityLease.definition_id == definition_id))


def acquire(session: Session, event_id: str, station: str, now: datetime, *,
            ttl: timedelta = LEASE_TTL) -> list[CapacityLease]:
    """Top up `station`'s lease of every leased definition of the event (see the module docstring) in the
    caller's transaction; returns the station's lease rows (seats may be 0 when nothing is left)."""
    now = require_aware(now, "now")
    counts = definition_counts(session, event_id, now)
    others = pool_leased(session, event_id, now, except_station=station)
    out = []
    for def_id, block in blocks(session, event_id).items():
        row = _own(session, station, def_id)
        if row is None:
            row = CapacityLease(id=str(uuid.uuid4()), event_id=event_id, definition_id=def_id, station=station,
                                seats=0, expires=now, updated=now)
            session.add(row)
        held = row.seats if row.expires > now else 0
        free = max(0, (counts[def_id].available or 0) - others.get(def_id, 0) - held)
        row.seats = held + max(0, min(block - held, free))
        row.expires, row.updated = now + ttl, now
        out.append(row)
    session.flush()
    return out


def consume(session: Session, station: str, lines: dict[str, int], now: datetime) -> dict[str, int]:
    """Count a sale of `lines` {definition_id: tickets} uploaded by `station` against its leases; returns
    {definition_id: seats taken from the lease}. Definitions without an unexpired lease are untouched."""
    taken = {}
    for def_id, n in lines.items():
        row = _own(session, station, def_id)
        if row is not None and row.expires > now and row.seats > 0 and n > 0:
            taken[def_id] = min(n, row.seats)
            row.seats -= taken[def_id]
            row.updated = now
    return taken


def release(session: Session, event_id: str, station: str, now: datetime,
            definition_ids: list[str] | None = None) -> int:
    """Hand `station`'s unused leased seats of the event (or of `definition_ids`) back to the pool; returns
    how many seats went back (expired leases count 0)."""
    q = select(CapacityLease).where(CapacityLease.event_id == event_id, CapacityLease.station == station)
    if definition_ids:
        q = q.where(CapacityLease.definition_id.in_(definition_ids))
    back = 0
    for row in session.scalars(q):
        back += row.seats if row.expires > now else 0
        row.seats, row.expires, row.updated = 0, now, now
    return back


def lease_json(row: CapacityLease, block: int, counts: LeaseCounts) -> dict:
    """The hub's answer for one lease: {leaseId, definitionId, seats, block, expires, sold, leased, left}."""
    return {"leaseId": row.id, "definitionId": row.definition_id, "seats": row.seats, "block": block,
            "expires": to_rfc3339(row.expires), "sold": counts.sold, "leased": counts.leased, "left": counts.left}


# -- station ------------------------------------------------------------------------------------------------
def store_held(session: Session, event_id: str, leases: list[dict], now: datetime) -> list[HeldLease]:
    """Replace this station's held leases of the event with the hub's answer (lease_json shapes). Raises
    InvalidArgument for a malformed entry (nothing is stored then: the caller's transaction rolls back)."""
    session.execute(delete(HeldLease).where(HeldLease.event_id == event_id))
    rows = []
    for item in leases:
        try:
            rows.append(HeldLease(definition_id=str(item["definitionId"]), event_id=event_id,
                                  lease_id=str(item["leaseId"]), seats=max(0, int(item["seats"])),
                                  block=int(item.get("block") or 0), expires=parse_rfc3339(item["expires"]),
                                  synced=now, pool_leased=int(item.get("leased") or 0),
                                  pool_left=None if item.get("left") is None else int(item["left"])))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidArgument(f"malformed lease in the hub's answer: {exc}", field="leases") from exc
    session.add_all(rows)
    session.flush()
    return rows


def held(session: Session, event_id: str) -> list[HeldLease]:
    """The leases this station holds for the event (by definition id)."""
    return list(session.scalars(select(HeldLease).where(HeldLease.event_id == event_id)
                                .order_by(HeldLease.definition_id)))


def unsent_sold(session: Session, event_id: str) -> dict[str, int]:
    """{definition_id: tickets} sold here whose order.create has not been accepted by the hub yet (pending or
    refused): the hub has not counted them against the lease."""
    q = (select(Ticket.definition_id, func.count())
         .join(Order, Ticket.order_number == Order.order_number)
         .join(OutboxEntry, (OutboxEntry.entity_key == Order.order_number)
               & (OutboxEntry.kind == OutboxKind.ORDER_CREATE))
         .where(Ticket.event_id == event_id, OutboxEntry.state != "sent",
                sold_clause(Order.status, Ticket.canceled))
         .group_by(Ticket.definition_id))
    return {d: int(n) for d, n in session.execute(q).all()}


def offline_left(session: Session, event_id: str, now: datetime) -> dict[str, int]:
    """{definition_id: seats this station may still sell under its lease} for each held lease (0 once it
    expired); definitions without a held lease are absent (the lease rule does not apply to them)."""
    rows = held(session, event_id)
    if not rows:
        return {}
    unsent = unsent_sold(session, event_id)
    return {r.definition_id: 0 if r.expires <= now else max(0, r.seats - unsent.get(r.definition_id, 0))
            for r in rows}


def leased_counts(session: Session, event_id: str, now: datetime) -> dict[str, int]:
    """{definition_id: unused leased seats} for a definitions table: the hub's book on the hub; on a station,
    the hub's total at the last sync for each definition this station holds a lease of."""
    out = dict(pool_leased(session, event_id, now))
    for row in held(session, event_id):
        out.setdefault(row.definition_id, row.pool_leased)
    return out


def consume_order(session: Session, station: str, order: Order, now: datetime) -> dict[str, int]:
    """consume() of an uploaded order's sold tickets (not canceled) per definition."""
    lines: dict[str, int] = {}
    for t in order.tickets:
        if not t.canceled:
            lines[t.definition_id] = lines.get(t.definition_id, 0) + 1
    return consume(session, station, lines, now)
