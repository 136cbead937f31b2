"""The box-office ticket picker displays core.quote: its maxima are core's `most` (WR-04, BC-26), its total
the quote's; no rule of its own."""
from datetime import datetime, timedelta, timezone

from app.widgets.ticket_picker import TicketPicker
from core.money import Money
from core.quote import MAX_TICKETS, SaleSnapshot, Stock, quote

NOW = datetime(2026, 3, 7, 19, 0, tzinfo=timezone.utc)


def eur(text: str) -> Money:
    return Money.of(text, "EUR")


def stock(def_id, name, price, *, quantity=None, sold=0, lpc=20, start=None) -> Stock:
    left = None if quantity is None else max(0, quantity - sold)
    return Stock(def_id, name, price, quantity, sold, 0, None, left, lpc, start, None, False)


def snapshot() -> SaleSnapshot:
    return SaleSnapshot("ev", "EUR", NOW, (
        stock("d1", "Standing", eur("0.10"), quantity=100, sold=95),
        stock("d2", "Guest list", eur("0"), lpc=0),
        stock("d3", "Balcony", eur("39.50"), quantity=10, lpc=4),
        stock("d4", "Sold out", eur("25.00"), quantity=10, sold=10),
        stock("d5", "Late", eur("25.00"), start=NOW + timedelta(hours=1)),
    ))


def test_picker_maxima_are_cores(qtbot):
    picker = TicketPicker()
    qtbot.addWidget(picker)
    snap = snapshot()
    picker.set_snapshot(snap)
    most = quote(snap, {}, payment="card").most
    assert {d: picker.spin_for(d).maximum() for d in most} == most
    assert most == {"d1": 5, "d2": MAX_TICKETS, "d3": 4, "d4": 0, "d5": 0}, "979, not a GUI cap of 200"
    assert not picker.spin_for("d4").isEnabled() and picker.item(4, 2).text() == "not on sale"
    assert picker.item(1, 2).text() == "unlimited" and picker.item(2, 3).text() == "4"


def test_picker_lines_and_exact_total(qtbot):
    picker = TicketPicker()
    qtbot.addWidget(picker)
    with qtbot.waitSignal(picker.changed, timeout=1000):
        picker.set_snapshot(snapshot())
    assert picker.set_quantity("d1", 3) == 3
    assert picker.set_quantity("d3", 7) == 4
    assert picker.lines() == {"d1": 3, "d3": 4}
    assert picker.total() == eur("158.30"), "0.10 × 3 is exact in Decimal"
    assert picker.quote("cash", eur("200")).change == eur("41.70")
    picker.set_snapshot(snapshot())
    assert picker.lines() == {"d1": 3, "d3": 4}, "a reload keeps the chosen quantities"
    picker.clear_quantities()
    assert picker.lines() == {}
