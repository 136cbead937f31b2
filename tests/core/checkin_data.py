"""Test data for the check-in tests, made directly from core.models rows (no other services needed)."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from core.codes import check_in_url
from core.models import Event, Order, Ticket, TicketDefinition

T0 = datetime(2025, 6, 14, 10, 0, 0, tzinfo=timezone.utc)


def add_event(session, title="Gala", time_zone="Europe/Zurich", currency="EUR", event_id=None) -> Event:
    """An event with one definition 'Standing' (id = event.id[:8] + '-def…')."""
    ev = Event(id=event_id or str(uuid.uuid4()), title=title, time_zone=time_zone, currency=currency,
               registration_type="TICKETS", currency_locked=True, created=T0, updated=T0)
    session.add(ev)
    return ev


def add_definition(session, event: Event, name="Standing", price_minor=1500, definition_id=None) -> TicketDefinition:
    d = TicketDefinition(id=definition_id or str(uuid.uuid4()), event_id=event.id, name=name,
                         price_minor=price_minor, currency=event.currency, created=T0, updated=T0)
    session.add(d)
    return d


def add_order(session, event: Event, order_number: str, *, status="PAID", tickets=1, definition=None,
              first="Mira", last="Castell", email="mira@example.org", total_minor=None, archived=False,
              price_minor=1500, guest=None) -> Order:
    """An order with `tickets` tickets numbered order_number + 021, 022, … (guest = (first, last) or None)."""
    order = Order(order_number=order_number, event_id=event.id, status=status, first_name=first, last_name=last,
                  email=email, checkout_form=[], method="cash", currency=event.currency, archived=archived,
                  total_minor=price_minor * tickets if total_minor is None else total_minor,
                  channel="ONLINE", station="", created=T0, updated=T0)
    session.add(order)
    for i in range(tickets):
        g = guest or ("", "")
        session.add(Ticket(ticket_number=f"{order_number}{21 + i:03d}", order_number=order_number,
                           event_id=event.id, definition_id=definition.id if definition else "def-none",
                           name=definition.name if definition else "Standing", price_minor=price_minor,
                           currency=event.currency, guest_first_name=g[0], guest_last_name=g[1],
                           guest_email="", guest_form=[], archived=False, canceled=False, created=T0))
    return order


def url(ticket_number: str, event: Event) -> str:
    return check_in_url(ticket_number, event.id)
