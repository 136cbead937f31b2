"""Receipts from the GUI (issue 10 item 4): print an order's receipt on the station's ESC/POS printer (the
`receipt_printer` setting, app/receipt_printer.py) or, with none set, save it as an 80 mm roll PDF
(core/pdf_roll.py). Building and sending run in the background; errors are shown as clear messages and lose
nothing (the sale is stored before any receipt is made)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from app import config
from app.receipt_printer import print_receipt
from app.tasks import present_error, run_in_background
from core.receipt import build_receipt


def receipt_of(ledger, order_number: str):
    """Worker-thread body: the order's core.receipt.Receipt, in its own session."""
    with ledger.uow() as uow:
        return build_receipt(uow.session, order_number)


class ReceiptOutput(QObject):
    """`issue(order_number)` prints the receipt (printer set) or asks where to save its PDF (none set).
    Signals `printed(order_number)` and `saved(path)`."""

    printed = Signal(str)
    saved = Signal(str)

    def __init__(self, ctx, parent: QWidget):
        super().__init__(parent)
        self.ctx = ctx
        self._parent = parent

    @property
    def printer(self) -> str:
        """The configured printer spec ('' = none: receipts are saved as PDF)."""
        return str(config.get("receipt_printer") or "")

    def issue(self, order_number: str, directory: str | None = None) -> None:
        """Print the receipt of `order_number`, or save it as PDF when no printer is configured."""
        if self.printer:
            self.print(order_number)
        else:
            self.save(order_number, directory)

    def print(self, order_number: str) -> None:
        """Send the receipt to the configured printer in the background."""
        ledger, spec, locale = self.ctx.ledger, self.printer, config.get("locale")

        def job():
            print_receipt(spec, receipt_of(ledger, order_number), locale=locale)
            return order_number

        run_in_background(job, self.printed.emit, lambda exc: present_error(exc, self._parent, "Print receipt"),
                          parent=self._parent)

    def save(self, order_number: str, directory: str | None = None) -> None:
        """Ask where to save, then write the receipt PDF (80 mm roll) there."""
        from core.pdf_roll import render_receipt_pdf

        suggested = str(Path(directory or Path.home()) / f"receipt-{order_number}.pdf")
        path, _filter = QFileDialog.getSaveFileName(self._parent, "Save receipt", suggested, "PDF files (*.pdf)")
        if not path:
            return
        ledger, locale = self.ctx.ledger, config.get("locale")

        def job():
            Path(path).write_bytes(render_receipt_pdf(receipt_of(ledger, order_number), locale=locale))
            return path

        run_in_background(job, self.saved.emit, lambda exc: present_error(exc, self._parent, "Save receipt"),
                          parent=self._parent)
