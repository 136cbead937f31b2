"""Printing and saving an order's tickets: the PDF is rendered (core.pdf) and rasterised off the GUI thread,
then saved to a file or painted page by page onto a QPrinter (QtPrintSupport)."""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QRectF, Signal
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

from app import config
from app.tasks import present_error, run_in_background

logger = logging.getLogger(__name__)

PRINT_DPI = 300


def render_pdf(ledger, order_number: str, layout: str | None = None) -> bytes:
    """Worker-thread body: the order's tickets PDF in its own session — one A6 page per ticket, or one 80 mm
    roll page per ticket when `layout` (default: the `ticket_layout` setting) is "roll80"."""
    from core.pdf import render_order_pdf
    from core.pdf_roll import render_order_roll_pdf

    render = render_order_roll_pdf if (layout or config.get("ticket_layout")) == "roll80" else render_order_pdf
    with ledger.uow() as uow:
        return render(uow.session, order_number)


def pdf_to_images(pdf_bytes: bytes, dpi: int = PRINT_DPI) -> list[QImage]:
    """Worker-thread body: every page of `pdf_bytes` as an RGB QImage at `dpi` (pypdfium2 via core.pdf)."""
    from core.pdf import rasterize_pdf

    out = []
    for page in rasterize_pdf(pdf_bytes, dpi=dpi):
        rgb = page.convert("RGB")
        data = rgb.tobytes()
        out.append(QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888).copy())
    return out


def paint_pages(printer, images: list[QImage]) -> int:
    """Paint `images` onto `printer` (or any QPagedPaintDevice), one per page, scaled to fit; returns pages."""
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("the printer could not be started")
    try:
        for i, image in enumerate(images):
            if i:
                printer.newPage()
            area = QRectF(painter.viewport())
            scale = min(area.width() / image.width(), area.height() / image.height())
            w, h = image.width() * scale, image.height() * scale
            painter.drawImage(QRectF(area.x() + (area.width() - w) / 2, area.y(), w, h), image)
    finally:
        painter.end()
    return len(images)


class TicketOutput(QObject):
    """Print or save the tickets of an order for the operator. Signals `saved(path)`, `printed(pages)`.

    The file dialog and the print dialog are the only modal steps; rendering and rasterising run in the
    background, errors are shown as clear messages."""

    saved = Signal(str)
    printed = Signal(int)

    def __init__(self, ctx, parent: QWidget):
        super().__init__(parent)
        self.ctx = ctx
        self._parent = parent

    def save(self, order_number: str, directory: str | None = None) -> None:
        """Ask where to save, then write the order's PDF there."""
        suggested = str(Path(directory or Path.home()) / f"tickets-{order_number}.pdf")
        path, _filter = QFileDialog.getSaveFileName(self._parent, "Save tickets", suggested, "PDF files (*.pdf)")
        if not path:
            return
        ledger = self.ctx.ledger

        def job():
            data = render_pdf(ledger, order_number)
            Path(path).write_bytes(data)
            return path

        run_in_background(job, self.saved.emit, lambda exc: present_error(exc, self._parent, "Save tickets"),
                          parent=self._parent)

    def print(self, order_number: str) -> None:
        """Choose a printer, then print one page per ticket."""
        printer = self.choose_printer()
        if printer is None:
            return
        ledger = self.ctx.ledger

        def job():
            return pdf_to_images(render_pdf(ledger, order_number), PRINT_DPI)

        def done(images):
            try:
                self.printed.emit(paint_pages(printer, images))
            except Exception as exc:
                present_error(exc, self._parent, "Print tickets")

        run_in_background(job, done, lambda exc: present_error(exc, self._parent, "Print tickets"),
                          parent=self._parent)

    def choose_printer(self):
        """The QPrintDialog; returns the configured QPrinter or None when cancelled."""
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self._parent)
        dialog.setWindowTitle("Print tickets")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return printer
