"""The close-out report of a till session (issue 10 item 3): per currency the float, cash and card taken,
voids, expected cash, counted cash and the difference — as a `CloseOut` value, CSV text and a one-page PDF.

Amounts are core.till.CurrencyTotals (Money); the CSV writes them as decimal strings in major units with the
ISO-4217 code in its own column (never floats); times are shown in the event's time zone (case BC-11).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from core.events import get_event
from core.pdf_text import draw, register_fonts
from core.till import CurrencyTotals, get_till, till_totals
from core.timeutil import shown

CSV_FIELDS = ("currency", "float", "cash", "card", "voided_cash", "voided_card", "expected_cash", "counted_cash",
              "difference", "orders")


@dataclass(frozen=True)
class CloseOut:
    """A till session's close-out: who, where, when (aware UTC; `closed` None while open) and the totals."""

    till_id: str
    event_title: str
    time_zone: str
    station: str
    operator: str
    opened: datetime
    closed: datetime | None
    totals: tuple[CurrencyTotals, ...]


def closeout(session, till_id: str, *, now: datetime | None = None) -> CloseOut:
    """The close-out of till session `till_id` (an open one shows its running totals). Raises NotFound."""
    till = get_till(session, till_id)
    event = get_event(session, till.event_id)
    return CloseOut(till_id=till.id, event_title=event.title, time_zone=event.time_zone, station=till.station,
                    operator=till.operator, opened=till.opened, closed=till.closed,
                    totals=tuple(till_totals(session, till, now=now)))


def _amount(m) -> str:
    return "" if m is None else str(m.amount)


def closeout_csv(report: CloseOut) -> str:
    """CSV text: a header row (CSV_FIELDS) and one row per currency; decimal amounts in major units."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_FIELDS)
    for t in report.totals:
        w.writerow([t.currency, _amount(t.float_), _amount(t.cash), _amount(t.card), _amount(t.voided_cash),
                    _amount(t.voided_card), _amount(t.expected), _amount(t.counted), _amount(t.difference),
                    t.orders])
    return buf.getvalue()


def _when(report: CloseOut, value: datetime | None) -> str:
    return "still open" if value is None else shown(value, report.time_zone)


def closeout_pdf(report: CloseOut, *, locale: str = "en_US") -> bytes:
    """The close-out as a one-page A4 PDF (embedded fonts, per-script fallback of core.pdf)."""
    register_fonts()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1, invariant=1, initialFontName="Tessera-Sans")
    c.setTitle(f"Till close-out {report.station}")
    c.setCreator("Tessera")
    x, y = 20 * mm, A4[1] - 25 * mm
    draw(c, x, y, f"Till close-out — {report.event_title}", True, 16, "#000000")
    for label, value in (("Station", report.station), ("Operator", report.operator or "—"),
                         ("Opened", _when(report, report.opened)), ("Closed", _when(report, report.closed))):
        y -= 7 * mm
        draw(c, x, y, label, True, 10, "#333333")
        draw(c, x + 30 * mm, y, value, False, 10, "#000000")
    for t in report.totals:
        y -= 12 * mm
        draw(c, x, y, t.currency, True, 12, "#000000")
        for label, value, bold in _lines(t, locale):
            y -= 6 * mm
            draw(c, x + 5 * mm, y, label, bold, 10, "#000000")
            draw(c, x + 95 * mm, y, value, bold, 10, "#000000", "right")
    c.showPage()
    c.save()
    return buf.getvalue()


def _lines(t: CurrencyTotals, locale: str) -> list[tuple[str, str, bool]]:
    def fmt(m):
        return "—" if m is None else m.format(locale)

    return [("Float", fmt(t.float_), False), ("Cash taken", fmt(t.cash), False), ("Card taken", fmt(t.card), False),
            ("Voided (cash back)", fmt(t.voided_cash), False), ("Voided (card back)", fmt(t.voided_card), False),
            ("Expected cash", fmt(t.expected), True), ("Counted cash", fmt(t.counted), True),
            ("Difference", fmt(t.difference), True), ("Orders", str(t.orders), False)]
