"""The outbox: every local change the centre must learn of is queued here in the same transaction as the
change itself (DESIGN.md §Sync). The sync engine reads and marks rows; nothing here talks to a network.

Kinds (constants: core.status.OutboxKind) and payloads (JSON, the contract's field names):
- "event.create"       {eventId, event: {id, title, timeZone, currency, start, end}}   (hub Events route)
- "definition.create"  {eventId, definition: {...TicketDefinitionData}}
- "definition.update"  {eventId, definitionId, fields: [..], definition: {...}, base: {...fields before}}
- "definition.delete"  {eventId, definitionId}
- "event.change_currency" {eventId, currency}
- "order.create"       {eventId, order: {...Order with tickets, payments}}      (box-office sale upload)
- "order.update"       {eventId, orderNumber, fields: [..], checkoutForm?, archived?}
- "order.confirm"      {eventId, orderNumber: [..]}
- "checkin.create"     {eventId, ticketNumber, nonce, deviceTime, correctedTime, station, operator, method}
- "checkin.delete"     {eventId, ticketNumber, nonce, deviceTime, correctedTime, station, operator}
"""
from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.changes import note, note_outbox_kind, writes_outbox
from core.models import OutboxEntry
from core.timeutil import utcnow

PENDING, SENT, REJECTED = "pending", "sent", "rejected"


def enqueue(session: Session, kind: str, event_id: str, entity_key: str, payload: dict,
            idempotency_key: str | None = None) -> OutboxEntry | None:
    """Add an outbox row to `session` (the caller's transaction) and note the change (core.changes).
    The idempotency key is a uuid4 made here once and never regenerated (case BC-15). On a session whose
    unit of work writes no outbox (the hub) only the note is taken and None is returned."""
    note_outbox_kind(session, kind, entity_key)
    if not writes_outbox(session):
        return None
    note(session, outbox=True)
    row = OutboxEntry(kind=kind, event_id=event_id, entity_key=entity_key, payload=payload,
                      idempotency_key=idempotency_key or str(uuid.uuid4()), created=utcnow(),
                      attempts=0, state=PENDING, last_error="")
    session.add(row)
    return row


def pending_count(session: Session, event_id: str | None = None) -> int:
    """Number of changes not yet accepted by the centre (pending only; rejected ones are counted apart)."""
    q = select(func.count()).select_from(OutboxEntry).where(OutboxEntry.state == PENDING)
    if event_id:
        q = q.where(OutboxEntry.event_id == event_id)
    return session.scalar(q) or 0


def has_pending(session: Session, entity_key: str) -> bool:
    """True when `entity_key` (order number, definition id, ticket number) has a pending local change:
    a pull must not overwrite it (DESIGN.md §Sync, conflicts)."""
    q = select(OutboxEntry.id).where(OutboxEntry.entity_key == entity_key, OutboxEntry.state == PENDING).limit(1)
    return session.scalar(q) is not None
