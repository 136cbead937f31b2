"""The door's verdict panel, readable from 2 m: green OK, amber ALREADY_CHECKED_IN, red for the rest.

It shows exactly the ScanResult that was stored (core.checkin): the headline, the guest name, the ticket
type, the order number, the amount to collect for UNPAID, and for a duplicate when (event time) and where."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout

from app import formatting

OK_CLASS, WARN_CLASS, ERROR_CLASS, IDLE_CLASS = "ok", "warn", "error", "idle"
COLORS = {OK_CLASS: ("#1b7f3b", "#ffffff"), WARN_CLASS: ("#f0a500", "#1a1a1a"),
          ERROR_CLASS: ("#b3261e", "#ffffff"), IDLE_CLASS: ("#e6e6e6", "#333333")}
HEADLINES = {
    "OK": "OK — WELCOME", "ALREADY_CHECKED_IN": "ALREADY CHECKED IN", "UNPAID": "NOT PAID",
    "CANCELED": "CANCELED", "WRONG_EVENT": "WRONG EVENT", "WRONG_ENTRANCE": "WRONG ENTRANCE",
    "UNKNOWN": "UNKNOWN TICKET", "INVALID": "UNREADABLE CODE",
}


def verdict_class(verdict) -> str:
    """The colour/sound class of a verdict: ok (OK), warn (ALREADY_CHECKED_IN), error (everything else)."""
    value = getattr(verdict, "value", verdict)
    if value == "OK":
        return OK_CLASS
    if value == "ALREADY_CHECKED_IN":
        return WARN_CLASS
    return ERROR_CLASS


def _label(point_size: int, bold: bool = False) -> QLabel:
    label = QLabel()
    font = QFont()
    font.setPointSize(point_size)
    font.setBold(bold)
    label.setFont(font)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class VerdictPanel(QFrame):
    """Big coloured panel. `show_result(result, time_zone)` displays a ScanResult; `show_message` a neutral
    note (e.g. after an undo); `css_class` and `headline.text()` tell tests what is shown."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("verdictPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumHeight(260)
        self.headline = _label(40, bold=True)
        self.guest = _label(26, bold=True)
        self.details = _label(18)
        self.extra = _label(20, bold=True)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for w in (self.headline, self.guest, self.details, self.extra):
            layout.addWidget(w)
        layout.addStretch(1)
        self.css_class = IDLE_CLASS
        self.verdict: str | None = None
        self.show_message("Ready to scan", "Camera, scanner or typed code")

    def _paint(self, css_class: str) -> None:
        self.css_class = css_class
        bg, fg = COLORS[css_class]
        self.setStyleSheet(f"#verdictPanel {{ background: {bg}; border-radius: 12px; }}"
                           f" #verdictPanel QLabel {{ color: {fg}; background: transparent; }}")

    def show_message(self, headline: str, details: str = "") -> None:
        """A neutral grey panel with a headline and a line of text."""
        self.verdict = None
        self._paint(IDLE_CLASS)
        self.headline.setText(headline)
        self.guest.setText("")
        self.details.setText(details)
        self.extra.setText("")

    def show_error(self, headline: str, details: str = "") -> None:
        """A red panel for a failure that is not a verdict (e.g. the ledger could not be written)."""
        self.show_message(headline, details)
        self._paint(ERROR_CLASS)

    def show_result(self, result, time_zone: str) -> str:
        """Show a core.checkin.ScanResult; times in the event's zone `time_zone`. Returns the class shown."""
        value = getattr(result.verdict, "value", str(result.verdict))
        self.verdict = value
        css = verdict_class(value)
        self._paint(css)
        self.headline.setText(HEADLINES.get(value, value))
        self.guest.setText(result.guest_name or "")
        parts = [p for p in (result.definition_name,
                             f"Order {result.order_number}" if result.order_number else "",
                             f"Ticket {result.ticket_number}" if result.ticket_number else "") if p]
        self.details.setText("  ·  ".join(parts))
        self.extra.setText(self._extra_text(value, result, time_zone))
        return css

    @staticmethod
    def _extra_text(value: str, result, time_zone: str) -> str:
        if value == "ALREADY_CHECKED_IN":
            when = formatting.clock(result.checked_in_at, time_zone)
            where = f" at {result.checked_in_station}" if result.checked_in_station else ""
            return f"Checked in {when} (event time){where}"
        if value == "UNPAID" and result.amount_due is not None:
            return f"To collect: {formatting.money(result.amount_due)}"
        if value == "OK":
            return ""
        return result.message or ""
