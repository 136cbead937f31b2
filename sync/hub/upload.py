"""Storing a box-office order uploaded by a station (docs/HUB_EXTENSIONS.md "Box-office order upload").

The sale already happened at the till, so the hub stores it with the station's own order and ticket
numbers **even over capacity** (money was taken) and reports each definition it oversells (case BC-26 b).
The same orderNumber uploaded again returns the stored order unchanged (idempotent, BC-15).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.changes import note
from core.codes import is_ticket_number
from core.definitions import definition_counts
from core.errors import AlreadyExists, InvalidArgument
from core.events import get_event
from core.models import Order, Payment, Ticket, TicketDefinition
from core.money import Money
from core.timeutil import parse_rfc3339

MAX_TICKETS = 979


def _money(obj, field: str, currency: str) -> Money:
    if not isinstance(obj, dict):
        raise InvalidArgument(f"{field} must be Money {{value, currency}}", field=field)
    money = Money.from_api(obj, currency)
    if money is None:
        raise InvalidArgument(f"{field} needs a value", field=field)
    if money.currency != currency:
        raise InvalidArgument(f"{field} is in {money.currency}, the event sells in {currency}", field=field)
    return money


def _text(value, field: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidArgument(f"{field} must be text of ≤{limit} characters", field=field)
    return value.strip()


def _form(order: dict) -> list[dict]:
    form = order.get("checkoutForm") or {}
    values = form.get("inputValues") if isinstance(form, dict) else form
    if values is None:
        return []
    if not isinstance(values, list) or not all(isinstance(v, dict) and v.get("inputName") for v in values):
        raise InvalidArgument("checkoutForm.inputValues must be a list of {inputName, value}", field="checkoutForm")
    return [{"inputName": str(v["inputName"]), "value": str(v.get("value") or ""),
             **({"values": [str(x) for x in v["values"]]} if v.get("values") else {})} for v in values]


def _ticket(raw, order: Order, currency: str, when: datetime) -> Ticket:
    if not isinstance(raw, dict):
        raise InvalidArgument("every ticket must be an object", field="tickets")
    number = str(raw.get("ticketNumber") or "").strip().upper()
    if not is_ticket_number(number):
        raise InvalidArgument(f"not a ticket number: {raw.get('ticketNumber')!r}", field="tickets.ticketNumber")
    def_id = str(raw.get("ticketDefinitionId") or "").strip()
    if not def_id or len(def_id) > 36:
        raise InvalidArgument(f"ticket {number} needs a ticketDefinitionId", field="tickets.ticketDefinitionId")
    guest = raw.get("guestDetails") if isinstance(raw.get("guestDetails"), dict) else {}
    price = _money(raw.get("price") or {"value": "0", "currency": currency}, "tickets.price", currency)
    form = guest.get("form", {}).get("inputValues", []) if isinstance(guest.get("form"), dict) else []
    return Ticket(ticket_number=number, order_number=order.order_number, event_id=order.event_id,
                  definition_id=def_id, name=_text(raw.get("name"), "tickets.name", 200), price_minor=price.minor,
                  currency=currency, guest_first_name=_text(guest.get("firstName") or order.first_name, "guest", 200),
                  guest_last_name=_text(guest.get("lastName") or order.last_name, "guest", 200),
                  guest_email=_text(guest.get("email") or order.email, "guest", 320),
                  guest_form=form if isinstance(form, list) else [], archived=bool(raw.get("archived")),
                  canceled=bool(raw.get("canceled")), created=when)


def _payment(raw, order: Order, currency: str, station: str, now: datetime) -> Payment:
    if not isinstance(raw, dict):
        raise InvalidArgument("every payment must be an object", field="payments")
    method = _text(raw.get("method"), "payments.method", 16) or "cash"
    amount = _money(raw.get("amount"), "payments.amount", currency)
    tendered = _money(raw["tendered"], "payments.tendered", currency) if raw.get("tendered") else None
    change = _money(raw["change"], "payments.change", currency) if raw.get("change") else None
    return Payment(order_number=order.order_number, method=method, amount_minor=amount.minor, currency=currency,
                   tendered_minor=tendered.minor if tendered else None, change_minor=change.minor if change else None,
                   station=_text(raw.get("station"), "payments.station", 64) or station,
                   created=parse_rfc3339(raw.get("created"), "payments.created") or now)


def _build(session: Session, event_id: str, data: dict, station: str, now: datetime) -> Order:
    ev = get_event(session, event_id)
    number = str(data.get("orderNumber") or "").strip().upper()
    status = _text(data.get("status"), "status", 32).upper()
    if not status or status == "NA_ORDER_STATUS":
        raise InvalidArgument("the uploaded order needs its status (fieldset DETAILS)", field="status")
    when = parse_rfc3339(data.get("created"), "created") or now
    total = _money(data.get("totalPrice") or {"value": "0", "currency": ev.currency}, "totalPrice", ev.currency)
    order = Order(order_number=number, event_id=ev.id, status=status,
                  first_name=_text(data.get("firstName"), "firstName", 200),
                  last_name=_text(data.get("lastName"), "lastName", 200), email=_text(data.get("email"), "email", 320),
                  checkout_form=_form(data), method=_text(data.get("method"), "method", 32),
                  total_minor=total.minor, currency=ev.currency, archived=bool(data.get("archived")),
                  channel=_text(data.get("channel"), "channel", 16) or "OFFLINE_POS",
                  station=_text(data.get("station"), "station", 64) or station, created=when, updated=now)
    raw_tickets = data.get("tickets") or []
    if not isinstance(raw_tickets, list) or not 1 <= len(raw_tickets) <= MAX_TICKETS:
        raise InvalidArgument(f"the order needs 1..{MAX_TICKETS} tickets (fieldset TICKETS)", field="tickets")
    tickets = [_ticket(t, order, ev.currency, when) for t in raw_tickets]
    numbers = [t.ticket_number for t in tickets]
    if len(set(numbers)) != len(numbers):
        raise InvalidArgument("duplicate ticket numbers in the order", field="tickets.ticketNumber")
    taken = list(session.scalars(select(Ticket.ticket_number).where(Ticket.ticket_number.in_(numbers))))
    if taken:
        raise AlreadyExists(f"ticket numbers already belong to another order: {sorted(taken)}",
                            code="TICKET_NUMBER_TAKEN")
    payments = data.get("payments") or []
    if not isinstance(payments, list):
        raise InvalidArgument("payments must be a list", field="payments")
    rows = [_payment(p, order, ev.currency, station, now) for p in payments]
    session.add(order)
    session.add_all(tickets)
    session.add_all(rows)
    ev.currency_locked = True
    session.flush()
    note(session, events=[ev.id], orders=[number], tickets=numbers, payments=[number] if rows else [])
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
