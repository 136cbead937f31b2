"""The GUI's read queries return plain row DTOs built inside the session."""
from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from app import queries
from core.sales import pay_and_complete
from core.money import Money


def test_event_and_definition_rows(session, event_data):
    info = queries.load_event(session, None)
    assert (info.title, info.currency, info.currency_locked) == ("Door Test", "EUR", True)
    rows = queries.definition_rows(session, event_data.event_id)
    assert [(r.name, r.sold, r.available) for r in rows] == [("Standing", 2, 98), ("Balcony", 1, 9)]
    with pytest.raises(FrozenInstanceError):
        rows[0].sold = 3


def test_ticket_and_order_rows(session, event_data):
    last4 = event_data.paid_tickets[0][-4:]
    loaded = queries.ticket_rows(session, event_data.event_id, search=last4)
    found = {r.ticket_number: r for r in loaded.rows}
    assert event_data.paid_tickets[0] in found and all(last4 in n for n in found)  # WR-11: last 4 characters
    assert event_data.paid_tickets[1] not in found and loaded.total == len(found)
    assert found[event_data.paid_tickets[0]].guest_name == "Ana Moreira"
    assert not found[event_data.paid_tickets[0]].checked_in
    orders = queries.order_rows(session, event_data.event_id, statuses=["OFFLINE_PENDING"])
    assert [o.order_number for o in orders.rows] == [event_data.unpaid_order]
    order, tickets = queries.order_detail(session, event_data.event_id, event_data.paid_order)
    assert order.tickets == 2 and len(tickets) == 2 and order.total == Money.of("50.00", "EUR")
    limited = queries.ticket_rows(session, event_data.event_id, max_rows=2)
    assert (len(limited.rows), limited.total) == (2, 3)


def test_sales_and_till_of_today(session, event_data):
    pay_and_complete(session, event_data.event_id, event_data.unpaid_order, payment="card")
    session.commit()
    sales = queries.sale_rows(session, event_data.event_id)
    assert {(s.method, s.amount) for s in sales} == {("cash", Money.of("50.00", "EUR")),
                                                     ("card", Money.of("39.50", "EUR"))}
    till = queries.till(session, event_data.event_id)
    assert till["EUR"]["cash"] == Money.of("50.00", "EUR") and till["EUR"]["orders"] == 2
    stats = queries.stats(session, event_data.event_id)
    assert (stats["sold"], stats["checkedIn"]) == (3, 0)
