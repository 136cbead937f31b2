"""Receipts from the Box office (issue 10 item 4), through the real tab offscreen: after a sale the Receipt
button prints on the configured ESC/POS printer (a file printer here, decoded back), or saves a PDF when no
printer is set; with `receipt_auto` a receipt prints by itself after each sale."""
from __future__ import annotations

from PySide6.QtWidgets import QFileDialog

from core.receipt import build_receipt, receipt_lines
from tests.app.escpos_decode import decode_escpos
from tests.app.test_box_office_fast import _tab


def _sell(qtbot, box, event_data):
    box.picker.set_quantity(event_data.standing_id, 2)
    box.first_name.setText("Jon")
    box.last_name.setText("Doe")
    box.tendered.setText("60")
    with qtbot.waitSignal(box.sold, timeout=5000) as blocker:
        box.sell_button.click()
    return blocker.args[0]


def _lines(ctx, number, width=48):
    with ctx.ledger.uow() as uow:
        return receipt_lines(build_receipt(uow.session, number), width=width)


def test_receipt_button_prints_on_the_configured_printer(qtbot, ctx, event_data, tmp_path, monkeypatch):
    out = tmp_path / "lp0"
    monkeypatch.setenv("TESSERA_RECEIPT_PRINTER", f"file:{out}")
    box = _tab(qtbot, ctx)
    assert not box.receipt_button.isEnabled()
    done = _sell(qtbot, box, event_data)
    assert not out.exists(), "no receipt without asking (receipt_auto is off)"
    with qtbot.waitSignal(box.receipts.printed, timeout=5000):
        box.receipt_button.click()
    printed = decode_escpos(out.read_bytes())
    assert printed == _lines(ctx, done.order_number)
    assert any(line.startswith("Change") and line.endswith("€10.00") for line in printed)


def test_receipt_auto_prints_after_each_sale(qtbot, ctx, event_data, tmp_path, monkeypatch):
    out = tmp_path / "lp0"
    monkeypatch.setenv("TESSERA_RECEIPT_PRINTER", f"file:{out}")
    monkeypatch.setenv("TESSERA_RECEIPT_AUTO", "1")
    box = _tab(qtbot, ctx)
    with qtbot.waitSignal(box.receipts.printed, timeout=5000):
        done = _sell(qtbot, box, event_data)
    assert decode_escpos(out.read_bytes())[1:3] == _lines(ctx, done.order_number)[1:3]


def test_without_a_printer_the_receipt_is_saved_as_pdf(qtbot, ctx, event_data, tmp_path, monkeypatch):
    monkeypatch.delenv("TESSERA_RECEIPT_PRINTER", raising=False)
    target = tmp_path / "receipt.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "PDF files (*.pdf)"))
    box = _tab(qtbot, ctx)
    _sell(qtbot, box, event_data)
    with qtbot.waitSignal(box.receipts.saved, timeout=5000):
        box.receipt_button.click()
    assert target.read_bytes().startswith(b"%PDF")


def test_an_unreachable_printer_shows_a_clear_error_and_keeps_the_sale(qtbot, ctx, event_data, monkeypatch):
    from app import tasks

    shown = []
    monkeypatch.setenv("TESSERA_RECEIPT_PRINTER", "network:127.0.0.1:1")
    monkeypatch.setattr(tasks, "_error_presenter", lambda exc, parent: shown.append(tasks.error_message(exc)))
    box = _tab(qtbot, ctx)
    done = _sell(qtbot, box, event_data)
    box.receipt_button.click()
    qtbot.waitUntil(lambda: bool(shown), timeout=8000)
    assert "not reachable" in shown[0]
    assert _lines(ctx, done.order_number)[0] == "RECEIPT"
