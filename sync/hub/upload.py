"""Storing a box-office order uploaded by a station (docs/HUB_EXTENSIONS.md "Box-office order upload"); the
upload is parsed by core.contract_parse.parse_upload.

The sale already happened at the till, so the hub stores it with the station's own order and ticket
numbers **even over capacity** (money was taken) and reports each definition it oversells (case BC-26 b).
The same orderNumber uploaded again returns the stored order unchanged (idempotent, BC-15).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.changes import note
from core.contract_parse import parse_upload
from core.definitions import definition_counts
from core.errors import AlreadyExists, InvalidArgument
from core.events import get_event
from core.models import Order, Payment, Ticket, TicketDefinition

def _build(session: Session, event_id: str, data: dict, station: str, now: datetime) -> Order:
    ev = get_event(session, event_id)
    sale = parse_upload(data, ev.id, ev.currency, station=station, now=now)
    numbers = [t["ticket_number"] for t in sale.tickets]
    taken = list(session.scalars(select(Ticket.ticket_number).where(Ticket.ticket_number.in_(numbers))))
    if taken:
        raise AlreadyExists(f"ticket numbers already belong to another order: {sorted(taken)}",
                            code="TICKET_NUMBER_TAKEN")
    order = Order(**sale.order)
    session.add(order)
    session.add_all(Ticket(**t) for t in sale.tickets)
    session.add_all(Payment(**p) for p in sale.payments)
    ev.currency_locked = True
    session.flush()
    number = order.order_number
    note(session, events=[ev.id], orders=[number], tickets=numbers, payments=[number] if sale.payments else [])
    return order


def store_order(session: Session, event_id: str, data: dict, *, station: str, now: datetime) -> tuple[Order, bool]:
    """Store the uploaded order `data` (order_to_api with DETAILS, TICKETS, FORM plus `payments`) in the
    caller's transaction; returns (order, created). An orderNumber already stored for this event returns the
    stored order (created False); for another event → AlreadyExists. Raises NotFound (event),
    InvalidArgument (shape, currency other than the event's), AlreadyExists (a ticket number taken)."""
    if not isinstance(data, dict):
        raise InvalidArgument("order is required", field="order")
    number = str(data.get("orderNumber") or "").strip().upper()
    if not number or len(number) > 36:
        raise InvalidArgument("order.orderNumber is required (≤36 characters)", field="orderNumber")
    if data.get("eventId") and data["eventId"] != event_id:
        raise InvalidArgument("order.eventId differs from eventId", field="eventId")
    existing = session.get(Order, number)
    if existing is not None:
        if existing.event_id != event_id:
            raise AlreadyExists(f"order {number} exists in another event", code="ORDER_NUMBER_TAKEN")
        return existing, False
    get_event(session, event_id)
    return _build(session, event_id, data, station, now), True


def oversold(session: Session, order: Order, now: datetime) -> list[dict]:
    """The definitions of `order` now sold beyond their quantity: [{definitionId, name, sold, quantity}]
    (case BC-26 b: the capacity report then shows e.g. 101/100)."""
    ids = sorted({t.definition_id for t in order.tickets})
    counts = definition_counts(session, order.event_id, now)
    out = []
    for defn in session.scalars(select(TicketDefinition).where(TicketDefinition.id.in_(ids))):
        c = counts.get(defn.id)
        if c is not None and defn.quantity is not None and c.available is not None and c.available < 0:
            out.append({"definitionId": defn.id, "name": defn.name, "sold": c.sold, "quantity": defn.quantity})
    return out
