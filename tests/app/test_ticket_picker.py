"""The box-office ticket picker: quantities capped by what is left and the limit per checkout (WR-04)."""
import dataclasses

from app.widgets.ticket_picker import MAX_UNLIMITED, TicketPicker, max_quantity
from core.money import Money
from tests.app.rows import definitions


def test_max_quantity_rules():
    standing, guest, late = definitions()
    assert max_quantity(standing) == 0, "sold out"
    assert max_quantity(guest) == MAX_UNLIMITED, "unlimited; 20 = no per-order limit"
    assert max_quantity(late) == 0, "not on sale yet"
    assert max_quantity(dataclasses.replace(late, sale_status="SALE_STARTED")) == 4
    assert max_quantity(dataclasses.replace(standing, available=-1)) == 0, "oversold (BC-26)"


def test_picker_lines_and_exact_total(qtbot):
    picker = TicketPicker()
    qtbot.addWidget(picker)
    rows = [dataclasses.replace(r, sale_status="SALE_STARTED", available=5 if r.quantity else None,
                                price=Money.of("0.10", "EUR") if r.id == "d1" else r.price) for r in definitions()]
    with qtbot.waitSignal(picker.changed, timeout=1000):
        picker.set_definitions(rows, "EUR")
    assert picker.set_quantity("d1", 3) == 3
    assert picker.set_quantity("d3", 7) == 4
    assert picker.lines() == {"d1": 3, "d3": 4}
    assert picker.total() == Money.of("158.30", "EUR"), "0.10 × 3 is exact in Decimal"
    picker.set_definitions(rows, "EUR")
    assert picker.lines() == {"d1": 3, "d3": 4}, "a reload keeps the chosen quantities"
    picker.clear_quantities()
    assert picker.lines() == {}
