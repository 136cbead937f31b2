"""A till session in the Box office, through the real tab offscreen (issue 10 item 3): open with a float typed
in the dialog, sell for cash, void the selected sale, close with a counted amount that is short — the
dialog shows the difference as it is typed — and save the close-out as CSV."""
from __future__ import annotations

import csv

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from app.dialogs.till_dialog import TillAmountsDialog
from core.models import Order, TillSession
from tests.app.test_box_office_fast import _tab


def _fill_dialog(qtbot, text: str, seen: list) -> None:
    """When the till dialog opens, type `text` into its first field, remember the differences, press OK."""
    def act():
        dialog = next((w for w in QApplication.topLevelWidgets()
                       if isinstance(w, TillAmountsDialog) and w.isVisible()), None)
        if dialog is None:
            QTimer.singleShot(50, act)
            return
        edit = next(iter(dialog.edits.values()))
        edit.setText(text)
        seen.append({cur: label.text() for cur, label in dialog.differences.items()})
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    QTimer.singleShot(50, act)


def _sell(qtbot, box, event_data, qty=2):
    box.picker.set_quantity(event_data.standing_id, qty)
    box.first_name.setText("Jon")
    box.last_name.setText("Doe")
    box.tendered.setText("100")
    with qtbot.waitSignal(box.sold, timeout=5000) as blocker:
        box.sell_button.click()
    return blocker.args[0]


def _select_sale(qtbot, box, number):
    def find():
        for r in range(box.sales_view.model().rowCount()):
            if box.sales_view.model().index(r, 1).data() == number:
                box.sales_view.selectRow(r)
                return True
        return False
    qtbot.waitUntil(find, timeout=5000)


def test_till_from_float_to_close_out_with_a_counted_difference(qtbot, ctx, event_data, tmp_path, monkeypatch):
    box = _tab(qtbot, ctx)
    panel = box.till_panel
    qtbot.waitUntil(lambda: panel.open_button.isEnabled(), timeout=5000)
    assert not panel.close_button.isEnabled() and "No till open" in panel.status.text()
    _fill_dialog(qtbot, "100", [])
    panel.open_button.click()
    qtbot.waitUntil(lambda: panel.close_button.isEnabled(), timeout=5000)
    assert "expected cash €100.00" in panel.status.text()

    kept = _sell(qtbot, box, event_data)            # 2 × €25.00 cash
    voided = _sell(qtbot, box, event_data, qty=1)   # €25.00, voided below
    qtbot.waitUntil(lambda: "expected cash €175.00" in panel.status.text(), timeout=5000)
    _select_sale(qtbot, box, voided.order_number)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    panel.void_button.click()
    qtbot.waitUntil(lambda: "expected cash €150.00" in panel.status.text(), timeout=5000)
    with ctx.ledger.uow() as uow:
        assert uow.session.get(Order, voided.order_number).status == "CANCELED"
        assert uow.session.get(Order, kept.order_number).status == "PAID"

    seen: list = []
    _fill_dialog(qtbot, "148.00", seen)
    with qtbot.waitSignal(panel.closed, timeout=5000) as blocker:
        panel.close_button.click()
    assert seen == [{"EUR": "short €2.00"}]
    with ctx.ledger.uow() as uow:
        till = uow.session.get(TillSession, blocker.args[0])
        assert (till.counted, till.expected) == ({"EUR": 14800}, {"EUR": 15000})
    qtbot.waitUntil(lambda: panel.open_button.isEnabled(), timeout=5000)
    out = tmp_path / "close-out.csv"
    with qtbot.waitSignal(panel.report_saved, timeout=5000):
        panel.on_report(str(out))
    [row] = list(csv.DictReader(out.open()))
    assert (row["expected_cash"], row["counted_cash"], row["difference"], row["voided_cash"]) == (
        "150.00", "148.00", "-2.00", "25.00")


def test_dialog_refuses_what_is_not_an_amount(qtbot):
    from core.money import Money

    dialog = TillAmountsDialog("Close", ["EUR"], expected={"EUR": Money.of("10", "EUR")})
    qtbot.addWidget(dialog)
    dialog.edits["EUR"].setText("ten")
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    dialog.edits["EUR"].setText("10,00")
    assert dialog.differences["EUR"].text() == "balanced"
    dialog.edits["EUR"].setText("12")
    assert dialog.differences["EUR"].text() == "over €2.00"
