"""A faster till (issue 10, item 2): a sale by keyboard only (Enter in "Tendered" sells), the payment
choice reset after each sale, the large change due, quick-tender buttons, optional walk-in names (the
station setting), searching unpaid orders, and a definition in another currency picked without an
exception and refused with the reason on screen (pytest-qt, offscreen)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from app.tabs.box_office_tab import BoxOfficeTab
from core.models import Order, TicketDefinition
from core.money import Money


def _tab(qtbot, ctx):
    tab = BoxOfficeTab(ctx)
    qtbot.addWidget(tab)
    tab.show()
    tab.set_event(ctx.event)
    qtbot.waitUntil(lambda: tab.picker.rowCount() == 2, timeout=5000)
    return tab


@pytest.fixture
def box(qtbot, ctx):
    return _tab(qtbot, ctx)


def test_sale_by_keyboard_only_enter_in_tendered_sells(qtbot, box, ctx, event_data):
    spin = box.picker.spin_for(event_data.standing_id)
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    qtbot.keyClicks(box.first_name, "Jon")
    qtbot.keyClicks(box.last_name, "Doe")
    qtbot.keyClicks(box.tendered, "60")
    assert box.change_label.text() == "€10.00"
    with qtbot.waitSignal(box.sold, timeout=5000) as blocker:
        qtbot.keyClick(box.tendered, Qt.Key.Key_Return)
    done = blocker.args[0]
    assert (done.status, done.change, done.tickets) == ("PAID", Money.of("10.00", "EUR"), 2)
    assert box.change_label.text() == "€10.00", "the change due stays readable after the sale"
    assert "28pt" in box.change_label.styleSheet()
    with ctx.ledger.uow() as uow:
        assert uow.session.get(Order, done.order_number).first_name == "Jon"


def test_enter_with_an_incomplete_sale_does_nothing(qtbot, box, ctx, event_data):
    box.picker.set_quantity(event_data.standing_id, 1)
    box.tendered.setText("10")  # short
    qtbot.keyClick(box.tendered, Qt.Key.Key_Return)
    qtbot.wait(100)
    with ctx.ledger.uow() as uow:
        assert uow.session.query(Order).count() == 2


def test_payment_choice_resets_to_cash_after_each_sale(qtbot, box, event_data):
    box.picker.set_quantity(event_data.balcony_id, 1)
    box.first_name.setText("Mira")
    box.last_name.setText("Castell")
    box.unpaid.setChecked(True)
    with qtbot.waitSignal(box.sold, timeout=5000) as blocker:
        box.sell_button.click()
    assert blocker.args[0].status == "OFFLINE_PENDING"
    assert box.cash.isChecked() and box.payment() == "cash"
    assert box.picker.lines() == {} and box.first_name.text() == ""


def test_quick_tender_buttons_fill_tendered(qtbot, box, event_data):
    assert box.quick_buttons == []
    box.picker.set_quantity(event_data.standing_id, 1)  # 25.00
    texts = [b.text() for b in box.quick_buttons]
    assert texts == ["Exact €25.00", "€30.00", "€40.00", "€50.00"]
    box.quick_buttons[0].click()
    assert box.tendered.text() == "25.00" and box.change_label.text() == "€0.00"
    box.quick_buttons[3].click()
    assert box.change_label.text() == "€25.00"
    box.card.setChecked(True)
    assert box.quick_buttons == [], "no cash, no quick tenders"


def test_walk_in_names_optional_when_the_setting_says_so(qtbot, ctx, event_data, monkeypatch):
    monkeypatch.setenv("TESSERA_WALK_IN_NAMES_REQUIRED", "false")
    box = _tab(qtbot, ctx)
    assert not box.names_required
    box.picker.set_quantity(event_data.standing_id, 1)
    box.card.setChecked(True)
    assert box.sell_button.isEnabled() and box.hint.text() == ""
    with qtbot.waitSignal(box.sold, timeout=5000) as blocker:
        box.sell_button.click()
    with ctx.ledger.uow() as uow:
        order = uow.session.get(Order, blocker.args[0].order_number)
        assert (order.first_name, order.last_name, order.status) == ("", "", "PAID")


def test_names_required_by_default(qtbot, box, event_data):
    assert box.names_required
    box.picker.set_quantity(event_data.standing_id, 1)
    box.card.setChecked(True)
    assert not box.sell_button.isEnabled() and "name" in box.hint.text()


def test_search_in_unpaid_orders(qtbot, box, event_data):
    qtbot.waitUntil(lambda: box.unpaid_proxy.rowCount() == 1, timeout=5000)
    qtbot.keyClicks(box.unpaid_search, "castell")
    assert box.unpaid_proxy.rowCount() == 1
    box.unpaid_search.setText(event_data.unpaid_order)
    assert box.unpaid_proxy.rowCount() == 1
    box.unpaid_search.setText("nobody")
    assert box.unpaid_proxy.rowCount() == 0


def test_mismatched_currency_definition_flagged_and_refused_without_exception(qtbot, ledger, ctx, event_data):
    """Balcony synced from the server in USD while the event sells in EUR: flagged (⚠, ISO codes), may be
    chosen without an exception, and the sale is refused with core.quote's reason; a mixed cart too."""
    with ledger.uow() as uow:
        uow.session.get(TicketDefinition, event_data.balcony_id).currency = "USD"
        uow.commit()
    box = _tab(qtbot, ctx)
    assert box.picker.mismatched() == [event_data.balcony_id]
    row = [box.picker.item(r, 0).text() for r in range(2)].index("⚠ Balcony")
    assert "USD" in box.picker.item(row, 1).text() and "EUR" in box.picker.item(row, 0).toolTip()
    assert "EUR" in box.picker.item(1 - row, 1).text(), "amounts show the ISO code when two currencies are in play"
    box.first_name.setText("Ana")
    box.last_name.setText("Moreira")
    box.card.setChecked(True)
    assert box.picker.set_quantity(event_data.balcony_id, 1) == 1
    assert not box.sell_button.isEnabled() and "USD" in box.hint.text() and "EUR" in box.hint.text()
    assert box.total_label.text() == "Total —"
    box.picker.set_quantity(event_data.standing_id, 1)
    assert not box.sell_button.isEnabled() and "mix currencies" in box.hint.text()
    box.picker.set_quantity(event_data.balcony_id, 0)
    assert box.sell_button.isEnabled() and box.total_label.text() == "Total 25.00 EUR"


def test_payment_dialog_quick_tenders_and_enter_accepts(qtbot):
    from PySide6.QtWidgets import QDialogButtonBox

    from app.dialogs.payment_dialog import PaymentDialog

    dialog = PaymentDialog(Money.of("39.50", "EUR"), "Q9-OFFL")
    qtbot.addWidget(dialog)
    assert [b.text() for b in dialog.quick_buttons] == ["Exact €39.50", "€40.00", "€50.00", "€100.00"]
    dialog.quick_buttons[2].click()
    assert dialog.tendered.text() == "50.00" and dialog.change.text() == "€10.50"
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isDefault()
    dialog.show()
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        qtbot.keyClick(dialog.tendered, Qt.Key.Key_Return)
    assert dialog.payment() == ("cash", Money.of("50.00", "EUR"))


def test_quick_tender_buttons_never_become_windows_over_the_payment_form(qtbot, box, event_data):
    """Found in the README screenshot (X11): a quick-tender button left outside the layout became a 640×480
    child covering the whole payment form. The buttons live in their own row widget, inside the form."""
    for quantity in (1, 2, 3, 0, 2):
        box.picker.set_quantity(event_data.standing_id, quantity)
        qtbot.wait(10)
    box.tendered.setText("100")
    qtbot.wait(50)
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QPushButton)]
    form = box.sell_button.parentWidget()
    strays = [b for b in form.findChildren(QPushButton) if b.isVisible() and b.width() > form.width() // 2
              and b is not box.sell_button]
    assert strays == [] and all(b.parentWidget() is box.quick_box for b in box.quick_buttons)
