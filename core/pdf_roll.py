"""PDFs for an 80 mm thermal roll (issue 10 item 4): the receipt, and the tickets in a roll layout.

A roll page is 80 mm wide (72 mm printable, 4 mm margins) and as long as its content. Text is drawn with the
ticket PDF's own fonts and per-script fallback (core.pdf), the QR with its BC-05 quiet zone and 0.4 mm module
floor (core.pdf), so a roll ticket scans exactly like an A6 one. Rendering is Qt-free.
"""
from __future__ import annotations

import io

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from core.errors import FailedPrecondition, InvalidArgument
from core.pdf import TicketView, draw_qr, build_views
from core.pdf_text import draw, fit, register_fonts, width, wrap
from core.receipt import Receipt, receipt_rows

ROLL_WIDTH = 80 * mm
ROLL_MARGIN = 4 * mm
ROLL_TEXT = ROLL_WIDTH - 2 * ROLL_MARGIN  # 72 mm printable
QR_ROLL_SIDE = 50 * mm
ROW_SIZES = {"title": 13.0, "strong": 9.5, "": 8.5, "rule": 8.5}
BLACK = "#000000"


def _row_height(style: str) -> float:
    return ROW_SIZES[style] * 1.45


def render_receipt_pdf(receipt: Receipt, *, locale: str = "en_US") -> bytes:
    """The receipt (core.receipt.receipt_rows, the rows the ESC/POS printer prints) as a one-page PDF on an
    80 mm roll; the page height fits the rows."""
    register_fonts()
    rows = receipt_rows(receipt, locale=locale)
    height = 2 * ROLL_MARGIN + sum(_row_height(r.style) for r in rows)
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(ROLL_WIDTH, height), pageCompression=1, invariant=1, initialFontName="Tessera-Sans")
    c.setTitle(f"Receipt {receipt.order_number}")
    c.setCreator("Tessera")
    y = height - ROLL_MARGIN
    for row in rows:
        size = ROW_SIZES[row.style]
        y -= _row_height(row.style)
        if row.style == "rule":
            c.setDash(1, 2)
            c.line(ROLL_MARGIN, y + size * 0.4, ROLL_WIDTH - ROLL_MARGIN, y + size * 0.4)
            c.setDash()
            continue
        bold = row.style in ("title", "strong")
        if row.style == "title":
            text, fitted = fit(row.left, True, ROLL_TEXT, size, 8)
            draw(c, ROLL_WIDTH / 2, y, text, True, fitted, BLACK, "center")
            continue
        if row.right:
            draw(c, ROLL_WIDTH - ROLL_MARGIN, y, row.right, bold, size, BLACK, "right")
        room = ROLL_TEXT - (width(row.right, bold, size) + 2 * mm if row.right else 0)
        text, fitted = fit(row.left, bold, room, size, 6)
        draw(c, ROLL_MARGIN, y, text, bold, fitted, BLACK)
    c.showPage()
    c.save()
    return buf.getvalue()


def _ticket_rows(v: TicketView) -> list[tuple[str, bool, float]]:
    return [(v.event_title, True, 13), (v.event_start, True, 10), (v.venue, False, 8), (v.definition_name, True, 12),
            (v.guest_name, True, 12), (v.price, False, 10), (f"Order {v.order_number}", False, 8),
            (f"Ticket {v.ticket_number}", False, 8)]


def _ticket_page(c: Canvas, v: TicketView, height: float) -> None:
    y = height - ROLL_MARGIN
    for text, bold, size in _ticket_rows(v):
        if not text:
            continue
        y -= size * 1.4
        line, fitted = fit(text, bold, ROLL_TEXT, size, 6)
        draw(c, ROLL_WIDTH / 2, y, line, bold, fitted, BLACK, "center")
    y -= 3 * mm
    side, _ = draw_qr(c, v.qr_payload, ROLL_WIDTH / 2 + QR_ROLL_SIDE / 2, y, QR_ROLL_SIDE)
    y -= side + 2 * mm
    for line in wrap(v.policy, False, 6.5, ROLL_TEXT, 8):
        y -= 6.5 * 1.3
        draw(c, ROLL_MARGIN, y, line, False, 6.5, BLACK)


def _ticket_height(v: TicketView) -> float:
    text = sum(size * 1.4 for t, _, size in _ticket_rows(v) if t)
    policy = len(wrap(v.policy, False, 6.5, ROLL_TEXT, 8)) * 6.5 * 1.3
    return 2 * ROLL_MARGIN + text + 3 * mm + QR_ROLL_SIDE + 2 * mm + policy


def render_tickets_roll_pdf(views: list[TicketView]) -> bytes:
    """Tickets on an 80 mm roll: one page per ticket (the printer cuts between pages), title, start, name,
    price, numbers, then the QR (same payload and quiet-zone rules as the A6 ticket) and the policy.

    Raises InvalidArgument for an empty list or a QR payload too long for the roll."""
    if not views:
        raise InvalidArgument("no tickets to render")
    register_fonts()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(ROLL_WIDTH, 100 * mm), pageCompression=1, invariant=1, initialFontName="Tessera-Sans")
    c.setTitle(f"Tickets {views[0].order_number}")
    c.setCreator("Tessera")
    for v in views:
        height = _ticket_height(v)
        c.setPageSize((ROLL_WIDTH, height))
        _ticket_page(c, v, height)
        c.showPage()
    c.save()
    return buf.getvalue()


def render_order_roll_pdf(session, order_number: str, *, locale: str = "en_US") -> bytes:
    """The order's tickets on an 80 mm roll (core.pdf.build_views: non-canceled tickets). NotFound for an
    unknown order; FailedPrecondition when it has no printable ticket."""
    views = build_views(session, order_number, locale=locale)
    if not views:
        raise FailedPrecondition(f"order {order_number} has no printable tickets")
    return render_tickets_roll_pdf(views)
