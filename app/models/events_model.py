"""Table model of the ledger's events (core.events.EventSummary rows): title, zone, start/end in the event's
own zone, currency (with core's lock reason as the tooltip once locked)."""
from __future__ import annotations

from app import formatting
from app.models.base import GREY, RowTableModel, ts
from core.events import EventSummary

COL_TITLE, COL_START, COL_END, COL_ZONE, COL_CURRENCY, COL_REGISTRATION = range(6)


class EventsTableModel(RowTableModel):
    """Rows are core.events.EventSummary; `current_id` is the event the station works on (marked ▶)."""

    HEADERS = ("Event", "Start", "End", "Time zone", "Currency", "Registration")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.current_id: str | None = None

    def set_current(self, event_id: str | None) -> None:
        """Mark the event the station works on."""
        self.current_id = event_id
        self.set_rows(self.rows())

    def display(self, row: EventSummary, column: int) -> str:
        if column == COL_TITLE:
            return f"▶ {row.title}" if row.id == self.current_id else row.title
        if column in (COL_START, COL_END):
            return formatting.when(row.start if column == COL_START else row.end, row.time_zone)
        if column == COL_ZONE:
            return row.time_zone
        if column == COL_CURRENCY:
            return f"{row.currency} (locked)" if row.currency_locked else row.currency
        return row.registration_type

    def sort_key(self, row: EventSummary, column: int):
        if column in (COL_START, COL_END):
            return ts(row.start if column == COL_START else row.end)
        if column == COL_TITLE:
            return row.title.lower()
        return self.display(row, column).lower()

    def tooltip(self, row: EventSummary, column: int):
        return row.lock_reason if column == COL_CURRENCY else None

    def foreground(self, row: EventSummary, column: int):
        return GREY if column == COL_CURRENCY and row.currency_locked else None
