"""The box office's payments: pay_and_complete() and till_summary() (INTERNAL_API.md core/sales.py)."""
from datetime import date, datetime, timedelta, timezone

import pytest

from core.errors import InvalidArgument, NotFound, OrderActionNotAvailable
from core.models import Payment
from core.orders import get_order
from core.sales import pay_and_complete, sell, till_summary
from tests.core.test_sales import BUYER, NOW, eur, make_def, make_event, preload, rows, sales_outbox


@pytest.fixture
def ev(session):
    return make_event(session)


def unpaid_order(session, ev, price="15.00", qty=3):
    defn = make_def(session, ev, price)
    return sell(session, ev.id, {defn.id: qty}, BUYER, payment="unpaid", now=NOW).order


def test_wr03_c_double_pay_and_complete_records_45_once(session, ev):
    """Case WR-03 (c): the Confirm button clicked twice takes 45.00 once and confirms once."""
    order = unpaid_order(session, ev)
    first = pay_and_complete(session, ev.id, order.order_number, payment="cash", tendered=eur("50.00"),
                             station="till-1", now=NOW + timedelta(minutes=5))
    assert (first.order.status, first.change, first.total, first.order.method) == (
        "PAID", eur("5.00"), eur("45.00"), "cash")
    second = pay_and_complete(session, ev.id, order.order_number, payment="cash", tendered=eur("50.00"),
                              station="till-1", now=NOW + timedelta(minutes=6))
    assert (second.order.status, second.change, second.total) == ("PAID", None, eur("45.00"))
    assert [(p.amount_minor, p.tendered_minor, p.change_minor) for p in rows(session, Payment)] == [(4500, 5000, 500)]
    assert [r.payload for r in sales_outbox(session, "order.confirm")] == [
        {"eventId": ev.id, "orderNumber": [order.order_number]}]
    assert till_summary(session, ev.id) == {"EUR": {"cash": eur("45.00"), "card": eur("0.00"), "orders": 1}}


def test_pay_by_card(session, ev):
    order = unpaid_order(session, ev)
    sale = pay_and_complete(session, ev.id, order.order_number, payment="card", station="till-2", now=NOW)
    assert (sale.order.status, sale.order.method, sale.change) == ("PAID", "card", None)
    [pay] = rows(session, Payment)
    assert (pay.method, pay.amount_minor, pay.tendered_minor, pay.station) == ("card", 4500, None, "till-2")


@pytest.mark.parametrize("status", ["PAID", "FREE"])
def test_pay_on_settled_order_records_nothing(session, ev, status):
    defn = make_def(session, ev)
    order = preload(session, ev, defn, 2, status=status)
    sale = pay_and_complete(session, ev.id, order.order_number, payment="card", now=NOW)
    assert sale.order.status == status and rows(session, Payment) == [] and sales_outbox(session, "order.confirm") == []


@pytest.mark.parametrize("status", ["CANCELED", "DECLINED", "VOIDED", "SOMETHING_NEW"])
def test_pay_on_refused_status_records_nothing(session, ev, status):
    defn = make_def(session, ev)
    order = preload(session, ev, defn, 2, status=status)
    with pytest.raises(OrderActionNotAvailable):
        pay_and_complete(session, ev.id, order.order_number, payment="card", now=NOW)
    assert get_order(session, order.order_number).status == status
    assert rows(session, Payment) == [] and sales_outbox(session, "order.confirm") == []


def test_pay_short_cash_or_bad_payment_records_nothing(session, ev):
    order = unpaid_order(session, ev)
    with pytest.raises(InvalidArgument):
        pay_and_complete(session, ev.id, order.order_number, payment="cash", tendered=eur("40.00"), now=NOW)
    with pytest.raises(InvalidArgument):
        pay_and_complete(session, ev.id, order.order_number, payment="unpaid", now=NOW)
    with pytest.raises(NotFound):
        pay_and_complete(session, ev.id, "NOPE-NOPE-NO", payment="card", now=NOW)
    assert get_order(session, order.order_number).status == "OFFLINE_PENDING" and rows(session, Payment) == []


@pytest.mark.parametrize("status", ["INITIATED", "PENDING"])
def test_pay_initiated_and_pending_orders(session, ev, status):
    defn = make_def(session, ev, "10.00")
    order = preload(session, ev, defn, 1, status=status)
    sale = pay_and_complete(session, ev.id, order.order_number, payment="cash", tendered=eur("10.00"), now=NOW)
    assert sale.order.status == "PAID" and sale.change == eur("0.00")


def test_till_summary_by_station_and_event_local_day(session, ev):
    """Per currency cash/card sums; `day` is the event's local date (Europe/Berlin, UTC+1 in March)."""
    defn = make_def(session, ev, "10.00")
    late = datetime(2026, 3, 7, 23, 30, tzinfo=timezone.utc)              # 8 March 00:30 in Berlin
    sell(session, ev.id, {defn.id: 1}, BUYER, payment="cash", tendered=eur("10.00"), station="A", now=NOW)
    sell(session, ev.id, {defn.id: 2}, BUYER, payment="card", station="B", now=NOW)
    sell(session, ev.id, {defn.id: 3}, BUYER, payment="card", station="A", now=late)
    sell(session, ev.id, {defn.id: 1}, BUYER, payment="unpaid", station="A", now=NOW)   # no money taken
    assert till_summary(session, ev.id) == {"EUR": {"cash": eur("10.00"), "card": eur("50.00"), "orders": 3}}
    assert till_summary(session, ev.id, station="A") == {"EUR": {"cash": eur("10.00"), "card": eur("30.00"),
                                                                 "orders": 2}}
    assert till_summary(session, ev.id, day=date(2026, 3, 7)) == {"EUR": {"cash": eur("10.00"),
                                                                          "card": eur("20.00"), "orders": 2}}
    assert till_summary(session, ev.id, station="A", day=date(2026, 3, 8))["EUR"]["card"] == eur("30.00")
    assert till_summary(session, ev.id, day=date(2026, 3, 9)) == {}
    with pytest.raises(NotFound):
        till_summary(session, "no-such-event")
