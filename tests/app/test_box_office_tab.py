"""The Box office tab: cash sale with change due, PDF that decodes back to its tickets, unpaid sales,
completing an OFFLINE_PENDING order, limits per checkout, printing (pytest-qt, modal dialogs patched)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtWidgets import QFileDialog

from app.dialogs.payment_dialog import PaymentDialog
from app.printing import TicketOutput
from app.tabs.box_office_tab import BoxOfficeTab
from core.codes import check_in_url
from core.decode import QrDecoder
from core.models import Order, Payment
from core.money import Money
from core.pdf import rasterize_pdf


@pytest.fixture
def box(qtbot, ctx):
    tab = BoxOfficeTab(ctx)
    qtbot.addWidget(tab)
    tab.show()
    tab.set_event(ctx.event)
    qtbot.waitUntil(lambda: tab.picker.rowCount() == 2, timeout=5000)
    return tab


def _fill(box, first="Jürgen", last="Müller", email="j@example.org"):
    box.first_name.setText(first)
    box.last_name.setText(last)
    box.email.setText(email)


def test_wr15_cash_sale_with_change_due_creates_paid_order_whose_pdf_decodes(qtbot, box, ctx, event_data,
                                                                             tmp_path, monkeypatch):
    """WR-15: 2 × Standing at 25.00 paid with 60.00 cash → change due 10.00 (Decimal), order PAID; the saved
    PDF's pages decode back to exactly its tickets' check-in URLs."""
    assert box.picker.set_quantity(event_data.standing_id, 2) == 2
    _fill(box)
    box.cash.setChecked(True)
    assert not box.sell_button.isEnabled(), "cash needs the amount tendered"
    box.tendered.setText("60")
    assert box.change_label.text() == "€10.00" and box.sell_button.isEnabled()
    with qtbot.waitSignal(box.sold, timeout=5000) as blocker:
        box.sell_button.click()
    done = blocker.args[0]
    assert done.status == "PAID" and done.change == Money.of("10.00", "EUR") and done.total.amount == Decimal("50.00")
    assert done.order_number in box.result_label.text() and "change due €10.00" in box.result_label.text()
    with ctx.ledger.uow() as uow:
        order = uow.session.get(Order, done.order_number)
        numbers = [t.ticket_number for t in order.tickets]
        payment = uow.session.query(Payment).filter_by(order_number=done.order_number).one()
        assert (order.status, order.channel, order.station) == ("PAID", "OFFLINE_POS", "Door A")
        assert (payment.tendered_minor, payment.change_minor) == (6000, 1000)
    target = tmp_path / "sale.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "PDF files (*.pdf)"))
    with qtbot.waitSignal(box.output.saved, timeout=20000):
        box.save_button.click()
    decoder = QrDecoder()
    decoded = [code for page in rasterize_pdf(target.read_bytes(), dpi=150) for code in decoder.decode(
        __import__("numpy").array(page.convert("L")))]
    assert sorted(decoded) == sorted(check_in_url(n, event_data.event_id) for n in numbers)
    qtbot.waitUntil(lambda: "cash €100.00" in box.till_label.text(), timeout=5000)  # 50.00 + 50.00 earlier


def test_leave_unpaid_creates_offline_pending_listed_as_unpaid(qtbot, box, event_data):
    box.picker.set_quantity(event_data.balcony_id, 1)
    _fill(box, "Mira", "Castell", "")
    box.unpaid.setChecked(True)
    assert box.sell_button.isEnabled() and not box.tendered.isEnabled()
    with qtbot.waitSignal(box.sold, timeout=5000) as blocker:
        box.sell_button.click()
    assert blocker.args[0].status == "OFFLINE_PENDING" and blocker.args[0].change is None
    qtbot.waitUntil(lambda: box.select_unpaid(blocker.args[0].order_number), timeout=5000)


def test_wr03_complete_offline_pending_order_takes_cash_once(qtbot, box, ctx, event_data, monkeypatch):
    """WR-03/WR-02: the unpaid OFFLINE_PENDING order is completed with cash (change shown) and becomes PAID;
    the till records the money once."""
    qtbot.waitUntil(lambda: box.select_unpaid(event_data.unpaid_order), timeout=5000)
    asked = []

    def ask(total, order_number, parent=None, card_note=None):
        asked.append((total, order_number))
        return "cash", Money.of("50.00", "EUR")

    monkeypatch.setattr(PaymentDialog, "ask", staticmethod(ask))
    with qtbot.waitSignal(box.sold, timeout=5000) as blocker:
        box.complete_button.click()
    done = blocker.args[0]
    assert asked == [(Money.of("39.50", "EUR"), event_data.unpaid_order)]
    assert done.status == "PAID" and done.change == Money.of("10.50", "EUR")
    with ctx.ledger.uow() as uow:
        assert uow.session.get(Order, event_data.unpaid_order).status == "PAID"
        assert uow.session.query(Payment).filter_by(order_number=event_data.unpaid_order).count() == 1
    qtbot.waitUntil(lambda: not box.select_unpaid(event_data.unpaid_order), timeout=5000)
    assert box.print_button.isEnabled(), "tickets may not have been e-mailed: printing is offered"


def test_limit_per_checkout_and_quantity_left_cap_the_quantity(qtbot, box, event_data):
    """WR-04 / BC-26: Balcony allows 4 per order; Standing 98 left after the 2 sold."""
    assert box.picker.set_quantity(event_data.balcony_id, 9) == 4
    assert box.picker.spin_for(event_data.standing_id).maximum() == 98
    assert box.picker.total() == Money.of("158.00", "EUR")


def test_refused_sale_shows_the_reason_and_stores_nothing(qtbot, box, ctx, event_data):
    """A sale the core refuses (here: the quantity changed since the screen loaded) shows a clear message."""
    from core.definitions import update_definition

    box.picker.set_quantity(event_data.balcony_id, 3)
    _fill(box)
    box.card.setChecked(True)
    with ctx.ledger.uow() as uow:
        update_definition(uow.session, event_data.balcony_id, {"quantity": 2, "limited": True},
                          ["quantity", "limited"])
        uow.commit()
    box.sell_button.click()
    qtbot.waitUntil(lambda: "Not sold" in box.result_label.text(), timeout=5000)
    assert "only 1 left" in box.result_label.text()
    with ctx.ledger.uow() as uow:
        assert uow.session.query(Order).count() == 2


def test_wr04_per_order_limit_refusal_names_the_limit(qtbot, box, ctx, event_data):
    """Fresh-user trial: a sale over the per-order limit (lowered since the screen loaded) said the tickets ran out;
    it now names the per-order limit and gives it (core PerOrderLimitExceeded), and stores nothing."""
    from core.definitions import update_definition

    box.picker.set_quantity(event_data.balcony_id, 4)
    _fill(box)
    box.card.setChecked(True)
    with ctx.ledger.uow() as uow:
        update_definition(uow.session, event_data.balcony_id, {"limitPerCheckout": 2}, ["limitPerCheckout"])
        uow.commit()
    box.sell_button.click()
    qtbot.waitUntil(lambda: "Not sold" in box.result_label.text(), timeout=5000)
    assert "over the per-order limit of 2 (4 requested)" in box.result_label.text()
    assert "left" not in box.result_label.text()
    with ctx.ledger.uow() as uow:
        assert uow.session.query(Order).count() == 2


def test_print_paints_one_page_per_ticket(qtbot, box, event_data, tmp_path, monkeypatch):
    from PySide6.QtPrintSupport import QPrinter

    box.picker.set_quantity(event_data.standing_id, 3)
    _fill(box)
    box.card.setChecked(True)
    with qtbot.waitSignal(box.sold, timeout=5000):
        box.sell_button.click()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    monkeypatch.setattr(TicketOutput, "choose_printer", lambda self: printer)
    with qtbot.waitSignal(box.output.printed, timeout=30000) as blocker:
        box.print_button.click()
    assert blocker.args == [3]
    assert len(rasterize_pdf((tmp_path / "printed.pdf").read_bytes(), dpi=20)) == 3


def test_payment_dialog_change_and_short_cash(qtbot):
    dialog = PaymentDialog(Money.of("45.00", "EUR"), "Q9-OFFL")
    qtbot.addWidget(dialog)
    ok = dialog.buttons.buttons()[0]
    dialog.tendered.setText("40")
    assert dialog.change.text() == "not enough" and not ok.isEnabled()
    dialog.tendered.setText("50,00")
    assert dialog.change.text() == "€5.00" and ok.isEnabled()
    assert dialog.payment() == ("cash", Money.of("50.00", "EUR"))
    dialog.card.setChecked(True)
    assert dialog.payment() == ("card", None) and ok.isEnabled()


def test_card_is_recorded_while_offline(qtbot, box, ctx, event_data):
    """Issue 10 (replacing WR-15 a's disabled Card): offline, Card stays selectable and says it only records
    what the card terminal took; the sale is stored PAID by card; the payment dialog shows the same note;
    back online the plain "Card" returns."""
    box.set_card_available(False)
    assert box.card.isEnabled() and "offline" in box.card.text()
    box.card.setChecked(True)
    assert box.payment() == "card"
    dialog = PaymentDialog(Money.of("45.00", "EUR"), "Q9-OFFL", card_note=box.card_note)
    qtbot.addWidget(dialog)
    assert dialog.card.isEnabled() and "offline" in dialog.card.text()
    box.picker.set_quantity(event_data.standing_id, 1)
    _fill(box)
    with qtbot.waitSignal(box.sold, timeout=5000) as blocker:
        box.sell_button.click()
    with ctx.ledger.uow() as uow:
        assert uow.session.query(Payment).filter_by(order_number=blocker.args[0].order_number).one().method == "card"
    box.set_card_available(True)
    assert box.card.text() == "Card" and box.card_note is None
