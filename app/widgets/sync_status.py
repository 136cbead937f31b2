"""The status bar's sync indicator: a coloured dot and 'online — last sync 20:41 — 0 changes waiting', fed by
SyncController.state_changed; the tooltip lists the age of each resource (WR-13) and the last error."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from app import formatting
from sync.outcome import OK, REFUSED, SERVER_ERROR, SKIPPED

GREEN, AMBER, RED, GREY = "#1b7f3b", "#f0a500", "#b3261e", "#888888"
RESOURCE_NAMES = {"tickets": "tickets", "orders": "orders", "definitions": "ticket definitions",
                  "events": "events", "checkins": "check-ins", "push": "upload"}


def status_colour(status) -> str:
    """Red for rejected changes, conflicts, a refusal or a server error (sync.outcome), grey when not
    connected, amber when offline, changes wait or the clock is off, green otherwise."""
    kind = getattr(getattr(status, "outcome", None), "kind", "")
    if status.rejected or status.conflicts or kind in (REFUSED, SERVER_ERROR):
        return RED
    if not status.connected:
        return GREY
    if not status.online or status.pending or status.clock_warning:
        return AMBER
    return GREEN


def outcome_line(status) -> str:
    """What the last run's class says, for a tooltip or the Sync tab ("refused by the server: GET
    /events/v1/orders (403, missing permission orders.read)"); "" when it was ok or there was none."""
    outcome = getattr(status, "outcome", None)
    if outcome is None or outcome.kind in (OK, SKIPPED):
        return ""
    return "Last sync — " + outcome.text()


def ages_text(last_success: dict, time_zone: str) -> list[str]:
    """['tickets: 20:41', 'orders: 20:41', …] in the event's zone, in a fixed resource order."""
    order = [r for r in RESOURCE_NAMES if r in last_success] + sorted(set(last_success) - set(RESOURCE_NAMES))
    return [f"{RESOURCE_NAMES.get(r, r)}: {formatting.clock(last_success[r], time_zone)}" for r in order]


class SyncStatusWidget(QWidget):
    """Dot + text for the status bar. `time_zone` returns the event's zone at display time; `clicked` fires on a
    mouse press (e.g. to open the Sync tab); `label.text()` is what tests read."""

    clicked = Signal()

    def __init__(self, time_zone: Callable[[], str] = lambda: "UTC", parent=None):
        super().__init__(parent)
        self._time_zone = time_zone
        self.dot = QLabel("●")
        self.label = QLabel("sync: starting…")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.dot)
        layout.addWidget(self.label)
        self.colour = GREY
        self._paint(GREY)

    def set_status(self, status) -> None:
        """Show a SyncStatus (app.sync_controller)."""
        tz = self._time_zone()
        self.label.setText(status.text(tz))
        self._paint(status_colour(status))
        lines = [f"Server: {status.server}" if status.server else "Not connected to a server"]
        ages = ages_text(status.last_success, tz)
        if ages:
            lines.append("Last successful sync — " + ", ".join(ages))
        if status.pending_checkins:
            lines.append(f"{status.pending_checkins} check-in(s) not yet uploaded")
        if status.clock_warning:
            lines.append(status.clock_warning)
        if outcome_line(status):
            lines.append(outcome_line(status))
        if status.error:
            lines.append(f"Last error: {status.error}")
        self.setToolTip("\n".join(lines))

    def _paint(self, colour: str) -> None:
        self.colour = colour
        self.dot.setStyleSheet(f"color: {colour}; font-size: 14pt;")

    def mousePressEvent(self, event) -> None:
        self.clicked.emit()
        super().mousePressEvent(event)
