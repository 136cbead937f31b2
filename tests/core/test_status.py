"""core.status: every order status's class, the ticket-level class, "sold" in Python and SQL, outbox kinds and
the field limits (which the ledger's columns must match)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from core import status as st
from core.models import Event, Order, Ticket, TicketDefinition
from core.status import StatusClass, classify_order, classify_ticket, is_sold, sold_clause

NOW = datetime(2026, 3, 7, 19, 0, tzinfo=timezone.utc)
S, U, V, X = StatusClass.SETTLED, StatusClass.UNPAID, StatusClass.VOID, StatusClass.UNKNOWN
EXPECTED = {"PAID": S, "FREE": S, "INITIATED": U, "PENDING": U, "OFFLINE_PENDING": U, "CANCELED": V,
            "DECLINED": V, "NA_ORDER_STATUS": X, "AUTHORIZED": X, "VOIDED": X, "paid": X, "": X}


@pytest.mark.parametrize("status, cls", EXPECTED.items())
def test_classify_order_every_status(status, cls):
    assert classify_order(status) is cls
    assert st.is_admitted(cls) == (cls is S)
    assert st.is_confirmable(status) == (cls is U)


def test_none_is_unknown_and_the_contract_statuses_are_exactly_the_three_sets():
    assert classify_order(None) is X
    assert set(st.ORDER_STATUSES) == st.SETTLED | st.UNPAID | st.VOID
    assert not (st.SETTLED & st.UNPAID or st.SETTLED & st.VOID or st.UNPAID & st.VOID)
    assert len(st.ORDER_STATUSES) == 7 and st.ORDER_STATUSES[:3] == ("INITIATED", "PENDING", "OFFLINE_PENDING")


@pytest.mark.parametrize("status", EXPECTED)
@pytest.mark.parametrize("flag", ["ticket_canceled", "ticket_archived", "order_archived"])
def test_classify_ticket_flags_make_it_void_before_payment(status, flag):
    assert classify_ticket(status) is EXPECTED[status]
    assert classify_ticket(status, **{flag: True}) is V


@pytest.mark.parametrize("status, cls", EXPECTED.items())
def test_is_sold_every_status(status, cls):
    assert is_sold(status, ticket_canceled=False) == (cls is not V)
    assert is_sold(status, ticket_canceled=True) is False


def test_sold_clause_agrees_with_is_sold_on_a_ledger(session):
    """The SQL form and the Python form of "sold" pick the same tickets, for every status (known or not)."""
    ev = Event(id="ev-1", title="Gala", time_zone="UTC", currency="EUR", registration_type="TICKETS",
               currency_locked=True, created=NOW, updated=NOW)
    d = TicketDefinition(id="d-1", event_id=ev.id, name="Adult", price_minor=100, currency="EUR", created=NOW,
                         updated=NOW)
    session.add_all([ev, d])
    for n, status in enumerate(EXPECTED):
        number = f"O-{n:04d}"
        session.add(Order(order_number=number, event_id=ev.id, status=status, first_name="A", last_name="B",
                          email="", checkout_form=[], total_minor=200, currency="EUR", channel="ONLINE",
                          created=NOW, updated=NOW))
        for i, canceled in enumerate((False, True)):
            session.add(Ticket(ticket_number=f"{number}{21 + i:03d}", order_number=number, event_id=ev.id,
                               definition_id=d.id, name="Adult", price_minor=100, currency="EUR",
                               canceled=canceled, created=NOW))
    session.flush()
    rows = session.execute(select(Ticket.ticket_number, Order.status, Ticket.canceled)
                           .join(Order, Ticket.order_number == Order.order_number)).all()
    in_python = {r.ticket_number for r in rows if is_sold(r.status, r.canceled)}
    in_sql = set(session.scalars(select(Ticket.ticket_number).join(Order, Ticket.order_number == Order.order_number)
                                 .where(sold_clause(Order.status, Ticket.canceled))))
    assert in_sql == in_python and len(in_python) == sum(c is not V for c in EXPECTED.values())


def test_outbox_kinds():
    assert st.OutboxKind.CHECKIN_CREATE in st.OUTBOX_KINDS and len(st.OUTBOX_KINDS) == 13
    assert st.CHECKIN_KINDS == ("checkin.create", "checkin.delete")
    assert all(k in st.OUTBOX_KINDS for k in st.DEFINITION_KINDS)


def test_limits_match_the_ledger_columns():
    cols = TicketDefinition.__table__.c
    assert (cols.name.type.length, cols.description.type.length, cols.policy.type.length) == (
        st.NAME_MAX, st.DESCRIPTION_MAX, st.POLICY_MAX) == (30, 500, 1000)
    assert Event.__table__.c.title.type.length == st.TITLE_MAX
    assert Order.__table__.c.first_name.type.length == st.PERSON_NAME_MAX == Ticket.__table__.c.name.type.length
    assert Order.__table__.c.status.type.length == st.STATUS_MAX
    assert st.MAX_TICKETS_PER_ORDER == 979 and st.LIMIT_PER_CHECKOUT_MAX == st.UNLIMITED_PER_CHECKOUT == 20
