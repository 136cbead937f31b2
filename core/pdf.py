"""Ticket PDFs: one A6-landscape page per ticket with a scannable QR (checkInUrl), embedded TrueType fonts.

Rules: the QR sits on a white box that always gives a quiet zone of ≥ 4 modules on every side, whatever
the template background, with a module of ≥ 0.4 mm (case BC-05); error correction M. Text is drawn in
embedded TrueType fonts from resources/fonts (DejaVu Sans for Latin/Greek/Cyrillic, Droid Sans Fallback for
CJK); each run of characters uses the first font that has its glyphs, so mixed names render. Dates are
shown in the event's time zone (case BC-11); prices are Money formatted by babel, never floats.
Rendering is Qt-free and runs in a background task (STYLE.md §4).
"""
from __future__ import annotations

import io
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import qrcode
from qrcode.exceptions import DataOverflowError
from babel.dates import format_skeleton, format_time
from PIL import Image
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A6, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.codes import check_in_url
from core.errors import FailedPrecondition, InvalidArgument, NotFound
from core.models import Event, Order, TicketDefinition
from core.money import Money
from core.timeutil import local

FONTS_DIR = Path(__file__).resolve().parent.parent / "resources" / "fonts"
FONT_FILES = {"Tessera-Sans": "DejaVuSans.ttf", "Tessera-Sans-Bold": "DejaVuSans-Bold.ttf",
              "Tessera-CJK": "DroidSansFallback.ttf"}
PAGE = landscape(A6)  # 148 × 105 mm
QUIET_MODULES = 4  # BC-05: ≥ 4 modules of white around the symbol
MIN_MODULE = 0.4 * mm  # BC-05: module floor on paper
QR_SIDE = 46 * mm  # preferred side of the white QR box
MARGIN = 7 * mm
HEADER_H = 17 * mm
POLICY_MAX_LINES = 12
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0002fa1f]")

_lock = threading.Lock()
_cmaps: dict[str, dict] = {}


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


def register_fonts(fonts_dir: Path | None = None) -> list[str]:
    """Register the bundled TrueType fonts with reportlab (once per process; thread-safe).

    Returns the registered font names. Raises FileNotFoundError when a font file is missing."""
    with _lock:
        if not _cmaps:
            base = Path(fonts_dir or FONTS_DIR)
            for name, file in FONT_FILES.items():
                font = TTFont(name, str(base / file))
                pdfmetrics.registerFont(font)
                _cmaps[name] = font.face.charToGlyph
    return list(FONT_FILES)


def _runs(text: str, bold: bool) -> list[tuple[str, str]]:
    """Split `text` into (font name, substring) runs: each char goes to the first font having its glyph
    (DejaVu, then the CJK font); whitespace and unknown chars stay in the current run."""
    register_fonts()
    primary = "Tessera-Sans-Bold" if bold else "Tessera-Sans"
    runs: list[tuple[str, str]] = []
    for ch in text:
        if ch.isspace() or ord(ch) in _cmaps[primary]:
            font = primary if not runs or not ch.isspace() else runs[-1][0]
        elif ord(ch) in _cmaps["Tessera-CJK"]:
            font = "Tessera-CJK"
        else:
            font = primary
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + ch)
        else:
            runs.append((font, ch))
    return runs


def font_for(text: str, bold: bool = False) -> str:
    """The single font that has every glyph of `text` (DejaVu first, then CJK); the primary if none does."""
    register_fonts()
    primary = "Tessera-Sans-Bold" if bold else "Tessera-Sans"
    for name in (primary, "Tessera-CJK"):
        if all(ch.isspace() or ord(ch) in _cmaps[name] for ch in text):
            return name
    return primary


@lru_cache(maxsize=8192)
def _width(text: str, bold: bool, size: float) -> float:
    """Width in points of `text` drawn with per-run font fallback."""
    return sum(pdfmetrics.stringWidth(s, f, size) for f, s in _runs(text, bold))


def _clean(text: str) -> str:
    """Drop control/format characters (a stray CR or zero-width char must not print as a box)."""
    return "".join(ch for ch in (text or "") if unicodedata.category(ch)[0] != "C").strip()


def _ellipsize(text: str, bold: bool, size: float, width: float) -> str:
    """`text`, shortened with '…' until it fits `width` points."""
    if _width(text, bold, size) <= width:
        return text
    while text and _width(text + "…", bold, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _fit(text: str, bold: bool, width: float, size: float, min_size: float) -> tuple[str, float]:
    """Shrink from `size` down to `min_size` (0.5 pt steps) to fit one line; then ellipsize."""
    text = _clean(text)
    while size > min_size and _width(text, bold, size) > width:
        size -= 0.5
    return _ellipsize(text, bold, size, width), size


def _units(paragraph: str) -> list[str]:
    """Breakable units: words, single whitespace runs, and single CJK characters (no spaces in CJK)."""
    return re.findall(r"\s+|" + _CJK.pattern + r"|[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+",
                      paragraph)


def wrap(text: str, bold: bool, size: float, width: float, max_lines: int) -> list[str]:
    """Greedy line wrap of `text` to `width` points, honouring newlines, breaking over-long words by
    character; at most `max_lines` lines, the last one ends with '…' when text was cut."""
    lines: list[str] = []
    for paragraph in (text or "").replace("\r\n", "\n").split("\n"):
        line, line_w = "", 0.0
        for unit in _units(_clean(paragraph)):
            if len(lines) > max_lines:
                break  # enough to know the text is cut
            unit_w = _width(unit, bold, size)  # TTF widths are additive (no kerning in reportlab)
            pieces = [(unit, unit_w)] if unit_w <= width else [(ch, _width(ch, bold, size)) for ch in unit]
            for piece, piece_w in pieces:
                if line_w + piece_w <= width:
                    line, line_w = line + piece, line_w + piece_w
                elif not piece.isspace():
                    lines.append(line.rstrip())
                    line, line_w = piece, piece_w
        if line.strip():
            lines.append(line.rstrip())
    lines = [ln for ln in lines if ln]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _ellipsize(lines[-1] + "…", bold, size, width)
    return lines


def _draw(c: Canvas, x: float, y: float, text: str, bold: bool, size: float, color: str,
          align: str = "left") -> None:
    """Draw `text` at baseline y with per-run font fallback; align left, centre or right of x."""
    if align != "left":
        w = _width(text, bold, size)
        x -= w if align == "right" else w / 2
    c.setFillColor(HexColor(color))
    for font, s in _runs(text, bold):
        c.setFont(font, size)
        c.drawString(x, y, s)
        x += pdfmetrics.stringWidth(s, font, size)


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


def _draw_qr(c: Canvas, payload: str, right: float, top: float, max_side: float) -> tuple[float, float]:
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
    title, size = _fit(v.event_title, True, w - 2 * MARGIN, 16, 9)
    _draw(c, MARGIN, h - HEADER_H / 2 - size * 0.35, title, True, size, theme.header_text)

    top = h - HEADER_H - 5 * mm
    side, _ = _draw_qr(c, v.qr_payload, w - MARGIN, top, h - HEADER_H - 2 * MARGIN - 4 * mm)
    num, nsize = _fit(v.ticket_number, False, side, 8, 5)
    _draw(c, w - MARGIN - side / 2, top - side - 4 * mm, num, False, nsize, theme.muted, "center")

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
        line, size = _fit(text, bold, col, big, small)
        if line:
            _draw(c, MARGIN, y, line, bold, size, color)
        y -= gap
    leading = 6.5 * 1.25
    lines_room = max(0, int((y - MARGIN) // leading) + 1)
    for line in wrap(v.policy, False, 6.5, col, min(POLICY_MAX_LINES, lines_room)):
        _draw(c, MARGIN, y, line, False, 6.5, theme.muted)
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
