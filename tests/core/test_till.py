"""core/till.py and core/till_report.py: a till session from float to close-out, voids, and the refusals
(issue 10 item 3)."""
import csv
import io
from datetime import timedelta

import pypdfium2 as pdfium
import pytest

from core.errors import FailedPrecondition, InvalidArgument
from core.models import Order, TillVoid
from core.money import Money
from core.sales import pay_and_complete, sell
from core.status import is_sold
from core.events import create_event
from core.till import (cash_outside_till, close_till, current_till, list_tills, open_till, till_totals,
                       void_sale)
from core.till_report import CSV_FIELDS, closeout, closeout_csv, closeout_pdf
from tests.core.test_sales import BUYER, NOW, eur, make_def, make_event, sales_outbox


@pytest.fixture
def ev(session):
    return make_event(session)


def _sell(session, ev, defn, qty, payment="cash", tendered="100.00", minutes=1, station="till-1"):
    return sell(session, ev.id, {defn.id: qty}, BUYER, payment=payment,
                tendered=eur(tendered) if payment == "cash" else None, station=station,
                now=NOW + timedelta(minutes=minutes)).order


def _by_cur(session, till, cur="EUR"):
    return {t.currency: t for t in till_totals(session, till, now=NOW + timedelta(hours=1))}[cur]


def test_float_to_close_out_with_a_counted_difference(session, ev):
    defn = make_def(session, ev, "12.50")
    _sell(session, ev, defn, 1, minutes=-5)  # before the till opened: not in it
    till = open_till(session, ev.id, station="till-1", operator="Ana", floats=[eur("100.00")], now=NOW)
    _sell(session, ev, defn, 2, minutes=1)                     # cash 25.00
    _sell(session, ev, defn, 1, payment="card", minutes=2)     # card 12.50
    _sell(session, ev, defn, 4, station="till-2", minutes=3)   # another till: not in it
    unpaid = _sell(session, ev, defn, 2, payment="unpaid", minutes=4)
    pay_and_complete(session, ev.id, unpaid.order_number, payment="cash", tendered=eur("30.00"), station="till-1",
                     now=NOW + timedelta(minutes=5))           # cash 25.00, paid later
    t = _by_cur(session, till)
    assert (t.float_, t.cash, t.card, t.expected, t.orders) == (eur("100.00"), eur("50.00"), eur("12.50"),
                                                                eur("150.00"), 3)
    closed = close_till(session, ev.id, station="till-1", counted=[eur("148.00")], now=NOW + timedelta(hours=1))
    assert (closed.counted, closed.expected) == ({"EUR": 14800}, {"EUR": 15000})
    t = _by_cur(session, closed)
    assert (t.counted, t.difference) == (eur("148.00"), eur("-2.00"))
    assert current_till(session, ev.id, "till-1") is None
    report = closeout(session, till.id)
    rows = list(csv.DictReader(io.StringIO(closeout_csv(report))))
    assert tuple(rows[0]) == CSV_FIELDS
    assert rows == [{"currency": "EUR", "float": "100.00", "cash": "50.00", "card": "12.50", "voided_cash": "0.00",
                     "voided_card": "0.00", "expected_cash": "150.00", "counted_cash": "148.00",
                     "difference": "-2.00", "orders": "3"}]
    doc = pdfium.PdfDocument(closeout_pdf(report))
    text = doc[0].get_textpage().get_text_range()
    doc.close()
    for want in ("Till close-out", "Ana", "till-1", "Expected cash", "€150.00", "€148.00", "-€2.00"):
        assert want in text, want


def test_void_cancels_the_sale_and_hands_the_cash_back(session, ev):
    defn = make_def(session, ev, "12.50", quantity=10, limited=True)
    till = open_till(session, ev.id, station="till-1", operator="Ana", floats=[eur("50.00")], now=NOW)
    order = _sell(session, ev, defn, 2)
    voids = void_sale(session, ev.id, order.order_number, station="till-1", now=NOW + timedelta(minutes=9))
    assert [(v.method, v.amount_minor) for v in voids] == [("cash", 2500)]
    assert session.get(Order, order.order_number).status == "CANCELED"
    assert not any(is_sold(order.status, t.canceled) for t in order.tickets)  # seats back on sale
    assert [r.payload["orderNumber"] for r in sales_outbox(session, "order.cancel")] == [order.order_number]
    t = _by_cur(session, till)
    assert (t.cash, t.voided_cash, t.expected) == (eur("25.00"), eur("25.00"), eur("50.00"))
    with pytest.raises(FailedPrecondition, match="already canceled"):
        void_sale(session, ev.id, order.order_number, station="till-1", now=NOW + timedelta(minutes=10))


def test_void_refuses_a_sale_of_another_till_or_before_the_session(session, ev):
    defn = make_def(session, ev, "12.50")
    earlier = _sell(session, ev, defn, 1, minutes=-10)
    open_till(session, ev.id, station="till-1", now=NOW)
    elsewhere = _sell(session, ev, defn, 1, station="till-2")
    for order in (earlier, elsewhere):
        with pytest.raises(FailedPrecondition, match="supervisor") as err:
            void_sale(session, ev.id, order.order_number, station="till-1", now=NOW + timedelta(minutes=5))
        assert err.value.code == "NOT_IN_THIS_TILL"
    assert session.query(TillVoid).count() == 0


def test_an_unpaid_sale_of_the_session_is_voided_without_money(session, ev):
    defn = make_def(session, ev, "12.50")
    open_till(session, ev.id, station="till-1", now=NOW)
    order = _sell(session, ev, defn, 1, payment="unpaid")
    assert void_sale(session, ev.id, order.order_number, station="till-1", now=NOW + timedelta(minutes=2)) == []
    assert order.status == "CANCELED"


def test_one_open_till_per_station_and_the_refusals(session, ev):
    open_till(session, ev.id, station="till-1", floats=[eur("20.00")], now=NOW)
    with pytest.raises(FailedPrecondition) as err:
        open_till(session, ev.id, station="till-1", now=NOW)
    assert err.value.code == "TILL_ALREADY_OPEN"
    open_till(session, ev.id, station="till-2", now=NOW)  # another station may
    with pytest.raises(InvalidArgument, match="count the cash in EUR"):
        close_till(session, ev.id, station="till-1", now=NOW)
    with pytest.raises(InvalidArgument, match="never held USD"):
        close_till(session, ev.id, station="till-1", counted=[eur("20.00"), Money.of("1", "USD")], now=NOW)
    with pytest.raises(InvalidArgument, match="negative"):
        close_till(session, ev.id, station="till-1", counted=[eur("-1.00")], now=NOW)
    with pytest.raises(FailedPrecondition) as err:
        close_till(session, ev.id, station="till-9", counted=[eur("0")], now=NOW)
    assert err.value.code == "TILL_NOT_OPEN"
    with pytest.raises(InvalidArgument):
        open_till(session, ev.id, station=" ", now=NOW)
    assert len(list_tills(session, ev.id)) == 2


def test_several_currencies_each_counted(session, ev):
    usd = make_def(session, ev, "0.00", name="Free")
    till = open_till(session, ev.id, station="till-1", floats=[eur("10.00"), Money.of("20", "USD")], now=NOW)
    _sell(session, ev, usd, 1, payment="card")
    with pytest.raises(InvalidArgument, match="USD"):
        close_till(session, ev.id, station="till-1", counted=[eur("10.00")], now=NOW + timedelta(minutes=3))
    close_till(session, ev.id, station="till-1", counted=[eur("10.00"), Money.of("20", "USD")],
               now=NOW + timedelta(minutes=3))
    assert [(t.currency, t.difference) for t in till_totals(session, till)] == [
        ("EUR", eur("0.00")), ("USD", Money.of("0", "USD"))]


def test_cash_for_another_event_at_a_station_with_an_open_till_is_warned(session, ev):
    """Fresh-user trial: the till opened for the first event silently left out a cash sale for a second event
    at the same station (its close reported a correct drawer as +20 off). Tills are per event: the sale is
    warned, naming the fix; a till of its own event silences it."""
    open_till(session, ev.id, station="till-1", floats=[eur("200.00")], now=NOW)
    late = create_event(session, title="Late Show", time_zone="Europe/Berlin", currency="EUR")
    warning = cash_outside_till(session, late.id, "till-1")
    assert warning and "another event" in warning and f"--event {late.id}" in warning
    assert cash_outside_till(session, ev.id, "till-1") is None
    assert cash_outside_till(session, late.id, "till-2") is None  # another station: no till in use there
    open_till(session, late.id, station="till-1", floats=[eur("50.00")], now=NOW)
    assert cash_outside_till(session, late.id, "till-1") is None
