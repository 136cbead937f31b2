"""core/receipt.py: the receipt of a sale, a later payment, a free, an unpaid and a canceled order (issue 10
item 4), laid out for 48/42/32-column rolls."""
from datetime import timedelta

import pytest

from core.errors import NotFound
from core.orders import cancel_order
from core.receipt import build_receipt, clip, display_width, receipt_lines, receipt_rows, two_columns
from core.sales import pay_and_complete, sell
from tests.core.test_sales import BUYER, NOW, eur, make_def, make_event


@pytest.fixture
def ev(session):
    return make_event(session)


def test_cash_sale_receipt_has_lines_total_tendered_and_change(session, ev):
    adult, child = make_def(session, ev, "12.50", name="Adult"), make_def(session, ev, "5.00", name="Child")
    sale = sell(session, ev.id, {adult.id: 2, child.id: 1}, BUYER, payment="cash", tendered=eur("40.00"),
                station="till-1", now=NOW)
    r = build_receipt(session, sale.order.order_number)
    assert (r.kind, r.total, r.tendered, r.change, r.method, r.station) == (
        "SALE", eur("30.00"), eur("40.00"), eur("10.00"), "Cash", "till-1")
    assert [(line.description, line.quantity, line.total) for line in r.lines] == [
        ("Adult", 2, eur("25.00")), ("Child", 1, eur("5.00"))]
    text = receipt_lines(r, width=48)
    assert text[0] == "RECEIPT"
    assert all(display_width(line) <= 48 for line in text)
    assert "2 x Adult" in text[text.index(next(t for t in text if t.startswith("2 x Adult")))]
    assert any(t.startswith("TOTAL") and t.endswith("€30.00") for t in text)
    assert any(t.startswith("Change") and t.endswith("€10.00") for t in text)
    # the date is the event's local time (Berlin, UTC+1 in March), never UTC (case BC-11)
    assert any(t.startswith("Date") and t.endswith("2026-03-07 20:00 CET") for t in text)


def test_payment_later_is_a_payment_receipt(session, ev):
    defn = make_def(session, ev, "15.00")
    order = sell(session, ev.id, {defn.id: 1}, BUYER, payment="unpaid", now=NOW).order
    assert build_receipt(session, order.order_number).kind == "UNPAID"
    assert "Not paid" in " ".join(receipt_lines(build_receipt(session, order.order_number)))
    pay_and_complete(session, ev.id, order.order_number, payment="card", station="till-2",
                     now=NOW + timedelta(minutes=5))
    r = build_receipt(session, order.order_number)
    assert (r.kind, r.method, r.tendered, r.change, r.station) == ("PAYMENT", "Card", None, None, "till-2")
    assert r.issued == NOW + timedelta(minutes=5)


def test_free_and_canceled_orders(session, ev):
    free = make_def(session, ev, "0.00", name="Guest list")
    order = sell(session, ev.id, {free.id: 2}, BUYER, payment="cash", tendered=eur("0.00"), now=NOW).order
    assert build_receipt(session, order.order_number).kind == "FREE"
    paid = make_def(session, ev, "9.00")
    other = sell(session, ev.id, {paid.id: 1}, BUYER, payment="card", now=NOW).order
    cancel_order(session, ev.id, other.order_number, now=NOW + timedelta(hours=1))
    r = build_receipt(session, other.order_number)
    assert r.kind == "VOID"
    assert receipt_lines(r)[0].startswith("VOID")


def test_unknown_order_is_not_found(session, ev):
    with pytest.raises(NotFound):
        build_receipt(session, "NOPE-0000")


@pytest.mark.parametrize("width", [48, 42, 32])
def test_long_and_wide_names_never_push_the_amount_off_the_line(session, ev, width):
    defn = make_def(session, ev, "1234.50", name="VIP Backstage Pass Long")
    buyer = dict(BUYER, firstName="김민준김민준김민준김민준", lastName="Ølstad-Wærenskjold")
    sale = sell(session, ev.id, {defn.id: 3}, buyer, payment="card", now=NOW)
    lines = receipt_lines(build_receipt(session, sale.order.order_number), width=width)
    assert all(display_width(line) <= width for line in lines), lines
    assert any(line.endswith("€3,703.50") for line in lines)


def test_layout_helpers():
    assert display_width("김a") == 3
    assert clip("abcdef", 4) == "abc…"
    assert two_columns("Total", "€5.00", 12) == "Total  €5.00"
    assert two_columns("A very long left text", "€5.00", 12) == "A ver… €5.00"
    assert two_columns("Name", "Ølstad-Wærenskjold", 16) == "Name Ølstad-Wær…"


def test_rows_are_what_every_output_draws(session, ev):
    defn = make_def(session, ev, "12.50")
    sale = sell(session, ev.id, {defn.id: 1}, BUYER, payment="card", now=NOW)
    r = build_receipt(session, sale.order.order_number)
    rows = receipt_rows(r, locale="de_DE")
    assert rows[0].style == "title"
    assert any(row.right == "12,50\xa0€" for row in rows)  # babel, the station's locale
