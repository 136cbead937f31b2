"""Ticket PDFs: one A6-landscape page per ticket with a scannable QR (checkInUrl), embedded TrueType fonts.

Rules: the QR sits on a white box that always gives a quiet zone of ≥ 4 modules on every side, whatever
the template background, with a module of ≥ 0.4 mm (case BC-05); error correction M. Text is drawn by
core.pdf_text in embedded TrueType fonts from resources/fonts (DejaVu, Droid Sans Fallback for CJK, Noto for
Arabic/Hebrew/Thai/Devanagari, shaped by HarfBuzz and ordered right-to-left where needed); a character no
font has raises MissingGlyph (InvalidArgument, code MISSING_GLYPH) instead of printing a box. Dates are
shown in the event's time zone (case BC-11); prices are Money formatted by babel for the
event's currency (Money.format: the currency's home locale when the given one only knows its ISO code).
Rendering is Qt-free and runs in a background task (STYLE.md §4).
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import qrcode
from qrcode.exceptions import DataOverflowError
from babel.dates import format_skeleton, format_time
from PIL import Image
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A6, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.codes import check_in_url
from core.errors import FailedPrecondition, InvalidArgument, NotFound
from core.models import Event, Order, TicketDefinition
from core.money import Money
from core.pdf_text import (FONT_FILES, FONTS_DIR, MissingGlyph, draw, fit, font_for, glyph_ids,  # noqa: F401
                           register_fonts, wrap)
from core.timeutil import local

PAGE = landscape(A6)  # 148 × 105 mm
QUIET_MODULES = 4  # BC-05: ≥ 4 modules of white around the symbol
MIN_MODULE = 0.4 * mm  # BC-05: module floor on paper
QR_SIDE = 46 * mm  # preferred side of the white QR box
MARGIN = 7 * mm
HEADER_H = 17 * mm
POLICY_MAX_LINES = 12


@dataclass(frozen=True)
class TicketView:
    """Everything printed on one ticket, as display text (built inside the session by build_views).

    `event_start`: the start in the event's zone, formatted ("Sat, 7 Mar 2026 · 20:00 CET"; "" if unknown);
    `time_zone`: the event's IANA zone; `price`: babel-formatted Money ("€12.50") or "Free";
    `qr_payload`: the checkInUrl `https://www.wixevents.com/check-in/{ticketNumber},{eventId}` (API.md §5)."""

    event_title: str
    event_start: str
    time_zone: str
    definition_name: str
    guest_name: str
    price: str
    order_number: str
    ticket_number: str
    policy: str
    qr_payload: str
    venue: str = ""


@dataclass(frozen=True)
class TicketTheme:
    """Template colours (hex). A dark `background` is allowed: the QR keeps its own white box (BC-05)."""

    background: str = "#FFFFFF"
    header: str = "#1F3A5F"
    header_text: str = "#FFFFFF"
    text: str = "#111111"
    muted: str = "#555555"


@lru_cache(maxsize=1024)  # a reprint or preview of the same order skips the mask search (~5 ms per code)
def qr_matrix(payload: str) -> tuple[tuple[bool, ...], ...]:
    """The QR modules (True = dark) of `payload`: UTF-8 bytes, error correction M, no border.
    InvalidArgument when the payload does not fit a QR code."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, box_size=1)
    qr.add_data(payload.encode("utf-8"))
    try:
        qr.make(fit=True)
    except (DataOverflowError, ValueError):  # qrcode 8 raises ValueError("Invalid version") on overflow
        raise InvalidArgument(f"QR payload too long ({len(payload)} chars)", field="qr_payload") from None
    return tuple(tuple(row) for row in qr.get_matrix())


def draw_qr(c: Canvas, payload: str, right: float, top: float, max_side: float) -> tuple[float, float]:
    """Draw the white quiet-zone box and the QR with its top-right corner at (right, top).
    Returns (box side, module size) in points. InvalidArgument when the module would be < 0.4 mm."""
    matrix = qr_matrix(payload)
    n = len(matrix)
    pad = 1 * mm  # extra white beyond the 4 quiet modules, against rounding at print/raster time
    side = min(max(QR_SIDE, (n + 2 * QUIET_MODULES) * MIN_MODULE + 2 * pad), max_side)
    module = (side - 2 * pad) / (n + 2 * QUIET_MODULES)
    if module < MIN_MODULE:
        raise InvalidArgument(f"QR payload too long for a ticket ({len(payload)} chars)", field="qr_payload")
    scale = 4  # pixels per module in the embedded image, so viewers that smooth images keep sharp edges
    grey = np.where(np.asarray(matrix, dtype=bool), 0, 255).astype(np.uint8)
    img = Image.fromarray(grey, "L").resize((n * scale, n * scale), Image.Resampling.NEAREST)
    x0, y0 = right - side, top - side
    c.setFillColor(HexColor("#FFFFFF"))
    c.rect(x0, y0, side, side, stroke=0, fill=1)
    q = pad + QUIET_MODULES * module
    c.drawImage(ImageReader(img), x0 + q, y0 + q, n * module, n * module)
    return side, module


def _page(c: Canvas, v: TicketView, theme: TicketTheme) -> None:
    """One ticket page."""
    w, h = PAGE
    c.setFillColor(HexColor(theme.background))
    c.rect(0, 0, w, h, stroke=0, fill=1)
    c.setFillColor(HexColor(theme.header))
    c.rect(0, h - HEADER_H, w, HEADER_H, stroke=0, fill=1)
    title, size = fit(v.event_title, True, w - 2 * MARGIN, 16, 9)
    draw(c, MARGIN, h - HEADER_H / 2 - size * 0.35, title, True, size, theme.header_text)

    top = h - HEADER_H - 5 * mm
    side, _ = draw_qr(c, v.qr_payload, w - MARGIN, top, h - HEADER_H - 2 * MARGIN - 4 * mm)
    num, nsize = fit(v.ticket_number, False, side, 8, 5)
    draw(c, w - MARGIN - side / 2, top - side - 4 * mm, num, False, nsize, theme.muted, "center")

    col = w - 2 * MARGIN - side - 5 * mm
    y = top - 4 * mm
    for text, bold, big, small, color, gap in (
        (v.event_start, True, 11, 7, theme.text, 5 * mm),
        (" · ".join(p for p in (v.venue, v.time_zone) if p), False, 7.5, 6, theme.muted, 7.5 * mm),
        (v.definition_name, True, 12, 8, theme.text, 7 * mm),
        (v.guest_name, True, 14, 8, theme.text, 6.5 * mm),
        (v.price, False, 11, 8, theme.text, 5.5 * mm),
        (f"Order {v.order_number}", False, 8, 6, theme.muted, 4 * mm),
        (f"Ticket {v.ticket_number}", False, 8, 5, theme.muted, 5 * mm),
    ):
        line, size = fit(text, bold, col, big, small)
        if line:
            draw(c, MARGIN, y, line, bold, size, color)
        y -= gap
    leading = 6.5 * 1.25
    lines_room = max(0, int((y - MARGIN) // leading) + 1)
    for line in wrap(v.policy, False, 6.5, col, min(POLICY_MAX_LINES, lines_room)):
        draw(c, MARGIN, y, line, False, 6.5, theme.muted)
        y -= leading


def render_tickets_pdf(views: list[TicketView], theme: TicketTheme | None = None) -> bytes:
    """PDF bytes with one A6-landscape page per view (BC-05 quiet zone, embedded TTF subsets).

    Raises InvalidArgument for an empty list or a QR payload too long for the ticket."""
    if not views:
        raise InvalidArgument("no tickets to render")
    register_fonts()
    theme = theme or TicketTheme()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=PAGE, pageCompression=1, invariant=1, initialFontName="Tessera-Sans")
    c.setTitle(f"Tickets {views[0].order_number}")
    c.setCreator("Tessera")
    for v in views:
        _page(c, v, theme)
        c.showPage()
    c.save()
    return buf.getvalue()


def _start_text(event: Event, locale: str) -> str:
    if event.start is None:
        return ""
    at = local(event.start, event.time_zone or "UTC")
    return (f"{format_skeleton('yMMMEd', at, locale=locale)} · "
            f"{format_time(at, 'short', locale=locale)} {at.tzname()}")


def build_views(session: Session, order_number: str, *, locale: str = "en_US",
                include_canceled: bool = False) -> list[TicketView]:
    """TicketViews of the order's tickets, in ticket-number order; canceled tickets are left out unless
    `include_canceled`. Guest name falls back to the buyer's. Raises NotFound for an unknown order."""
    order = session.get(Order, order_number)
    if order is None:
        raise NotFound(f"order {order_number} not found")
    event = session.get(Event, order.event_id)
    if event is None:
        raise NotFound(f"event {order.event_id} of order {order_number} not found")
    def_ids = {t.definition_id for t in order.tickets}
    defs = {d.id: d for d in session.scalars(select(TicketDefinition).where(TicketDefinition.id.in_(def_ids)))}
    buyer = f"{order.first_name} {order.last_name}".strip()
    start = _start_text(event, locale)
    views = []
    for t in order.tickets:
        if t.canceled and not include_canceled:
            continue
        defn = defs.get(t.definition_id)
        price = Money.from_minor(t.price_minor, t.currency)
        views.append(TicketView(
            event_title=event.title, event_start=start, time_zone=event.time_zone or "UTC",
            definition_name=t.name or (defn.name if defn else ""),
            guest_name=f"{t.guest_first_name} {t.guest_last_name}".strip() or buyer,
            price="Free" if price.is_zero else price.format(locale),
            order_number=order.order_number, ticket_number=t.ticket_number,
            policy=defn.policy if defn else "", qr_payload=check_in_url(t.ticket_number, t.event_id)))
    return views


def render_order_pdf(session: Session, order_number: str, *, locale: str = "en_US",
                     theme: TicketTheme | None = None) -> bytes:
    """The order's ticket PDF (one page per non-canceled ticket). NotFound for an unknown order;
    FailedPrecondition when it has no printable ticket."""
    views = build_views(session, order_number, locale=locale)
    if not views:
        raise FailedPrecondition(f"order {order_number} has no printable tickets")
    return render_tickets_pdf(views, theme)


def rasterize_pdf(pdf_bytes: bytes, dpi: int = 150, max_pages: int | None = None) -> list:
    """Render every page of `pdf_bytes` to an RGB PIL.Image at `dpi` (pypdfium2); for checks, previews and
    scanning an e-mailed ticket. ValueError when the PDF has more than `max_pages` pages."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf_bytes)
    try:
        if max_pages is not None and len(doc) > max_pages:
            raise ValueError(f"the PDF has {len(doc)} pages, at most {max_pages} are scanned")
        images = []
        for i in range(len(doc)):
            page = doc[i]
            try:
                images.append(page.render(scale=dpi / 72).to_pil().convert("RGB"))
            finally:
                page.close()
        return images
    finally:
        doc.close()
