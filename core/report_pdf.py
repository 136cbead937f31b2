"""Report tables as a printable PDF (issue 10 item 5): the door list (the alphabetical guest list for when
everything fails), the incident report and any other table, through core.pdf_text (the bundled fonts, one per
script, HarfBuzz shaping, right-to-left runs), so names in every script print.

A4, portrait up to 5 columns, landscape beyond; a title, "printed at" in the event's zone, then the rows
one line each (a long cell shrinks to 6.5 pt, then ends with "…"), the header repeated on every page and
"page n" at the foot. A character no bundled font has (an emoji) prints as "?" rather than failing the list.
"""
from __future__ import annotations

import io
from datetime import datetime
from typing import Iterable

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from core.pdf_text import MissingGlyph, clean, draw, fit, register_fonts, width
from core.report_table import INT, MONEY, ReportTable, text_of
from core.timeutil import shown, utcnow

MARGIN = 14 * mm
ROW_H = 6.2 * mm
SIZE, MIN_SIZE = 9.0, 6.5


def _safe_draw(c: Canvas, x: float, y: float, text: str, bold: bool, size: float, color: str = "#000000",
               align: str = "left") -> None:
    """core.pdf_text.draw, with any character no bundled font has replaced by "?" (at most 20 tries)."""
    for _ in range(20):
        try:
            draw(c, x, y, text, bold, size, color, align)
            return
        except MissingGlyph as exc:
            text = text.replace(exc.char, "?")
    draw(c, x, y, "?", bold, size, color, align)


def _text(text: str) -> str:
    """`text` cleaned (core.pdf_text.clean), each character no bundled font has replaced by "?"."""
    text = clean(text)
    for _ in range(50):
        try:
            width(text, True, SIZE)
            width(text, False, SIZE)
            return text
        except MissingGlyph as exc:
            text = text.replace(exc.char, "?")
    return "".join(ch if ord(ch) < 0x2E80 else "?" for ch in text)


def _widths(table: ReportTable, cells: list[list[str]], room: float) -> list[float]:
    """Column widths (points) summing to `room`: each column's natural width (header and the first 300
    rows), capped at 45% of the page, scaled to fit."""
    natural = []
    for j, col in enumerate(table.columns):
        sample = [col.name] + [row[j] for row in cells[:300]]
        natural.append(min(max(width(s, False, SIZE) for s in sample) + 8, room * 0.45))
    total = sum(natural) or 1.0
    return [w * room / total for w in natural]


def _page_start(c: Canvas, table: ReportTable, page: int, printed: str, size) -> float:
    top = size[1] - MARGIN
    _safe_draw(c, MARGIN, top, _text(table.title), True, 14)
    _safe_draw(c, size[0] - MARGIN, top, f"printed {printed} · page {page}", False, 8, "#555555", "right")
    return top - 10 * mm


def _header(c: Canvas, table: ReportTable, widths: list[float], y: float, size) -> float:
    x = MARGIN
    for col, w in zip(table.columns, widths):
        line, s = fit(col.name, True, w - 4, SIZE, MIN_SIZE)
        right = col.kind in (INT, MONEY)
        _safe_draw(c, x + w - 2 if right else x + 2, y, line, True, s, "#000000", "right" if right else "left")
        x += w
    c.setLineWidth(0.8)
    c.line(MARGIN, y - 2, size[0] - MARGIN, y - 2)
    return y - ROW_H


def tables_pdf(tables: Iterable[ReportTable], *, locale: str = "en_US", now: datetime | None = None) -> bytes:
    """The `tables` as one PDF (each table starts a new page), cells as text_of shows them. `now` (aware;
    default utcnow) is the "printed" time shown in the first table's zone."""
    register_fonts()
    tables = list(tables)
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1, invariant=1, initialFontName="Tessera-Sans")
    c.setTitle(tables[0].title if tables else "Report")
    c.setCreator("Tessera")
    when = now or utcnow()
    for table in tables or [ReportTable("Report", (), ())]:
        _table(c, table, locale, shown(when, table.time_zone))
    c.save()
    return buf.getvalue()


def _table(c: Canvas, table: ReportTable, locale: str, printed: str) -> None:
    size = landscape(A4) if len(table.columns) > 5 else A4
    c.setPageSize(size)
    room = size[0] - 2 * MARGIN
    cells = [[_text(text_of(table, v, col.kind, locale)) for v, col in zip(row, table.columns)]
             for row in table.rows]
    widths = _widths(table, cells, room)
    page = 1
    y = _header(c, table, widths, _page_start(c, table, page, printed, size), size)
    if not cells:
        _safe_draw(c, MARGIN, y, "(nothing to show)", False, SIZE, "#555555")
    for i, row in enumerate(cells):
        if y < MARGIN + ROW_H:
            c.showPage()
            c.setPageSize(size)
            page += 1
            y = _header(c, table, widths, _page_start(c, table, page, printed, size), size)
        x = MARGIN
        for text, col, w in zip(row, table.columns, widths):
            line, s = fit(text, False, w - 4, SIZE, MIN_SIZE)
            right = col.kind in (INT, MONEY)
            _safe_draw(c, x + w - 2 if right else x + 2, y, line, False, s, "#000000", "right" if right else "left")
            x += w
        c.setLineWidth(0.2)
        c.setStrokeColorRGB(0.75, 0.75, 0.75)
        c.line(MARGIN, y - 2, size[0] - MARGIN, y - 2)
        c.setStrokeColorRGB(0, 0, 0)
        y -= ROW_H
    c.showPage()
