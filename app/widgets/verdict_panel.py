"""The door's verdict panel, readable from 2 m at any size (issue 9 item 3).

It shows exactly the ScanResult that was stored (core.checkin): the headline, the guest name, the ticket
type, the order and ticket numbers (never wrapped mid-code), the amount to collect for UNPAID, when and
where for a duplicate, and why for a refusal. Each verdict class has its own colour, icon AND shape, so
staff who cannot tell red from green still can (ok: circle ✓, warn: triangle !, stale: diamond ?, pay:
square €, error: octagon ✕, invalid: dashed square ?). The text grows with the panel (resizeEvent), and the
panel returns to "Ready" `ready_after_s` seconds after the last verdict (`restart_ready_timer`)."""
from __future__ import annotations

import html

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from app import formatting

OK_CLASS, WARN_CLASS, ERROR_CLASS, IDLE_CLASS = "ok", "warn", "error", "idle"
STALE_CLASS, PAY_CLASS, INVALID_CLASS = "stale", "pay", "invalid"
COLORS = {OK_CLASS: ("#1b7f3b", "#ffffff"), WARN_CLASS: ("#f0a500", "#1a1a1a"),
          STALE_CLASS: ("#d9a400", "#1a1a1a"), PAY_CLASS: ("#1f4e9c", "#ffffff"),
          ERROR_CLASS: ("#b3261e", "#ffffff"), INVALID_CLASS: ("#4a4a4a", "#ffffff"),
          IDLE_CLASS: ("#e6e6e6", "#333333")}
# (shape, glyph) per class: the shape tells the class apart without colour.
ICONS = {OK_CLASS: ("circle", "✓"), WARN_CLASS: ("triangle", "!"), STALE_CLASS: ("diamond", "?"),
         PAY_CLASS: ("square", "€"), ERROR_CLASS: ("octagon", "✕"), INVALID_CLASS: ("dashed", "?"),
         IDLE_CLASS: ("none", "")}
# The sound of each class: three distinct sounds (app.sound.KINDS); amber classes warn, refusals err.
SOUNDS = {OK_CLASS: "ok", WARN_CLASS: "warn", STALE_CLASS: "warn", PAY_CLASS: "error", ERROR_CLASS: "error",
          INVALID_CLASS: "error", IDLE_CLASS: "warn"}
HEADLINES = {
    "OK": "OK — WELCOME", "ALREADY_CHECKED_IN": "ALREADY CHECKED IN", "UNPAID": "NOT PAID",
    "CANCELED": "CANCELED", "WRONG_EVENT": "WRONG EVENT", "WRONG_ENTRANCE": "WRONG ENTRANCE",
    "UNKNOWN": "UNKNOWN TICKET", "INVALID": "NOT A TICKET CODE",
}
STALE_HEADLINES = {"UNPAID": "CANNOT CONFIRM PAYMENT", "CANCELED": "CHECK WITH A SUPERVISOR"}
READY_HEADLINE = "Ready to scan"
# Text size as a fraction of the panel's height (headline, guest, details, extra), capped by its width.
_SCALE = {"headline": 0.13, "guest": 0.085, "details": 0.055, "extra": 0.065}


def verdict_class(verdict) -> str:
    """The colour/icon class of a verdict: ok (OK), warn (ALREADY_CHECKED_IN), pay (UNPAID), invalid
    (INVALID: not a ticket code), error (every other refusal). See result_class for stale results."""
    value = getattr(verdict, "value", verdict)
    return {"OK": OK_CLASS, "ALREADY_CHECKED_IN": WARN_CLASS, "UNPAID": PAY_CLASS,
            "INVALID": INVALID_CLASS}.get(value, ERROR_CLASS)


def result_class(result) -> str:
    """The class of a ScanResult: stale (amber, "cannot confirm") when it rests on an old snapshot
    (ScanResult.stale, core.checkin.explain), else verdict_class."""
    return STALE_CLASS if getattr(result, "stale", False) else verdict_class(result.verdict)


def nowrap(text: str) -> str:
    """`text` as rich text that is never broken across lines (ticket and order numbers)."""
    return f"<span style='white-space:nowrap'>{html.escape(text, quote=False)}</span>"


class VerdictIcon(QWidget):
    """The class's shape with its glyph, painted (no font needed for the shape)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.shape, self.glyph, self.color = "none", "", QColor("#ffffff")
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_class(self, css_class: str, fg: str) -> None:
        self.shape, self.glyph = ICONS[css_class]
        self.color = QColor(fg)
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        if self.shape == "none":
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(self.width(), self.height()) - 6
        box = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        pen = QPen(self.color, max(3.0, side / 14))
        if self.shape == "dashed":
            pen.setStyle(Qt.PenStyle.DashLine)
        p.setPen(pen)
        if self.shape == "circle":
            p.drawEllipse(box)
        else:
            p.drawPolygon(_outline(self.shape, box))
        font = QFont()
        font.setPixelSize(max(8, int(side * 0.5)))
        font.setBold(True)
        p.setFont(font)
        glyph_box = box.adjusted(0, side * 0.12, 0, 0) if self.shape == "triangle" else box
        p.drawText(glyph_box, Qt.AlignmentFlag.AlignCenter, self.glyph)
        p.end()


def _outline(shape: str, r: QRectF) -> QPolygonF:
    c, w, h = r.center(), r.width(), r.height()
    if shape == "triangle":
        pts = [(c.x(), r.top()), (r.right(), r.bottom()), (r.left(), r.bottom())]
    elif shape == "diamond":
        pts = [(c.x(), r.top()), (r.right(), c.y()), (c.x(), r.bottom()), (r.left(), c.y())]
    elif shape == "octagon":
        k = 0.29
        pts = [(r.left() + k * w, r.top()), (r.right() - k * w, r.top()), (r.right(), r.top() + k * h),
               (r.right(), r.bottom() - k * h), (r.right() - k * w, r.bottom()), (r.left() + k * w, r.bottom()),
               (r.left(), r.bottom() - k * h), (r.left(), r.top() + k * h)]
    else:  # square, dashed
        pts = [(r.left(), r.top()), (r.right(), r.top()), (r.right(), r.bottom()), (r.left(), r.bottom())]
    return QPolygonF([QPointF(x, y) for x, y in pts])


def _label(rich: bool = False) -> QLabel:
    label = QLabel()
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


class VerdictPanel(QFrame):
    """Big coloured panel. `show_result(result, time_zone)` displays a ScanResult; `show_message` a neutral
    note (e.g. after an undo); `show_warning` an amber note; `css_class` and `headline.text()` tell tests
    what is shown. `went_ready` is emitted when the panel returns to "Ready" by itself."""

    went_ready = Signal()

    def __init__(self, parent=None, *, ready_after_s: float = 0.0):
        super().__init__(parent)
        self.setObjectName("verdictPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumHeight(200)
        self.icon = VerdictIcon()
        self.headline, self.guest = _label(), _label()
        self.details, self.extra = _label(rich=True), _label()
        for w, bold in ((self.headline, True), (self.guest, True), (self.details, False), (self.extra, True)):
            font = w.font()
            font.setBold(bold)
            w.setFont(font)
        top = QHBoxLayout()
        top.addStretch(1)
        top.addWidget(self.icon)
        top.addWidget(self.headline, 8)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addLayout(top)
        for w in (self.guest, self.details, self.extra):
            layout.addWidget(w)
        layout.addStretch(1)
        self.css_class = IDLE_CLASS
        self.verdict: str | None = None
        self.ready_after_s = ready_after_s
        self._ready_timer = QTimer(self)
        self._ready_timer.setSingleShot(True)
        self._ready_timer.timeout.connect(self._on_ready_timeout)
        self.show_message(READY_HEADLINE, "Camera, scanner or typed code")
        self._rescale()

    # ---- size -------------------------------------------------------------------------------------------
    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        """Text sizes in pixels from the panel's size: readable from 2 m on a laptop, huge full screen."""
        unit = max(120.0, min(float(self.height()), self.width() * 0.6))
        for name, share in _SCALE.items():
            label = getattr(self, name)
            font = label.font()
            font.setPixelSize(max(11, int(unit * share)))
            label.setFont(font)
        side = max(24, int(unit * _SCALE["headline"] * 1.5))
        self.icon.setFixedSize(side, side)

    def text_pixel_size(self) -> int:
        """The headline's text size in pixels (it grows with the panel)."""
        return self.headline.font().pixelSize()

    # ---- content ----------------------------------------------------------------------------------------
    def _paint(self, css_class: str) -> None:
        self.css_class = css_class
        bg, fg = COLORS[css_class]
        self.icon.set_class(css_class, fg)
        self.setStyleSheet(f"#verdictPanel {{ background: {bg}; border-radius: 12px; }}"
                           f" #verdictPanel QLabel {{ color: {fg}; background: transparent; }}")

    def show_message(self, headline: str, details: str = "") -> None:
        """A neutral grey panel with a headline and a line of text."""
        self._ready_timer.stop()
        self.verdict = None
        self._paint(IDLE_CLASS)
        self.headline.setText(headline)
        self.guest.setText("")
        self.details.setText(html.escape(details, quote=False))
        self.extra.setText("")

    def show_error(self, headline: str, details: str = "") -> None:
        """A red panel for a failure that is not a verdict (e.g. the ledger could not be written)."""
        self.show_message(headline, details)
        self._paint(ERROR_CLASS)

    def show_warning(self, headline: str, details: str, extra: str = "") -> None:
        """An amber panel for a note that is not a stored verdict (e.g. "not in local list")."""
        self.show_message(headline, details)
        self.extra.setText(extra)
        self._paint(WARN_CLASS)

    def show_result(self, result, time_zone: str) -> str:
        """Show a core.checkin.ScanResult; times in the event's zone `time_zone`. Returns the class shown
        and (re)starts the return-to-Ready timer."""
        value = getattr(result.verdict, "value", str(result.verdict))
        self.verdict = value
        css = result_class(result)
        self._paint(css)
        headline = STALE_HEADLINES.get(value) if css == STALE_CLASS else None
        self.headline.setText(headline or HEADLINES.get(value, value))
        self.guest.setText(result.guest_name or "")
        parts = [html.escape(result.definition_name or "", quote=False),
                 nowrap(f"Order {result.order_number}") if result.order_number else "",
                 nowrap(f"Ticket {result.ticket_number}") if result.ticket_number else ""]
        self.details.setText(" · ".join(p for p in parts if p))
        self.extra.setText(self._extra_text(value, result, time_zone))
        self.restart_ready_timer()
        return css

    def sound_of(self, css_class: str) -> str:
        """The sound (app.sound kind) of a class."""
        return SOUNDS[css_class]

    @staticmethod
    def _extra_text(value: str, result, time_zone: str) -> str:
        if getattr(result, "stale", False):
            return result.message
        if value == "ALREADY_CHECKED_IN":
            when = formatting.clock(result.checked_in_at, time_zone)
            where = f" at {result.checked_in_station}" if result.checked_in_station else ""
            return f"Checked in {when} (event time){where}"
        if value == "UNPAID" and result.amount_due is not None:
            total = getattr(result, "order_total", None)
            price = getattr(result, "ticket_price", None)
            order = f" (this ticket {formatting.money(price)})" if price is not None and total != price else ""
            return f"To collect: {formatting.money(result.amount_due)}{order}"
        if value == "OK":
            return ""
        return result.message or ""

    # ---- back to Ready ----------------------------------------------------------------------------------
    def restart_ready_timer(self) -> None:
        """Return to "Ready" ready_after_s seconds from now (0 = stay); called on each verdict and each time
        the camera still sees the code."""
        if self.ready_after_s > 0 and self.verdict is not None:
            self._ready_timer.start(int(self.ready_after_s * 1000))

    def hold(self) -> None:
        """Keep the verdict shown (e.g. while payment is taken for it)."""
        self._ready_timer.stop()

    def _on_ready_timeout(self) -> None:
        self.show_message(READY_HEADLINE, "Camera, scanner or typed code")
        self.went_ready.emit()
