"""EventsTableModel over core.events.EventSummary rows (no window), plus pytest-qt's qtmodeltester."""
from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import Qt

from app.models.base import SortRole
from app.models.events_model import COL_CURRENCY, COL_START, COL_TITLE, EventsTableModel
from core.events import EventSummary

ROWS = [EventSummary("e1", "Gala", "Europe/Berlin", datetime(2030, 6, 1, 18, 0, tzinfo=timezone.utc), None,
                     "EUR", "TICKETS", "Locked: orders exist and their amounts were taken in EUR."),
        EventSummary("e2", "Draft", "UTC", None, None, "CHF", "RSVP", None)]


def test_cells_current_mark_and_lock_reason(qapp):
    model = EventsTableModel()
    model.set_rows(ROWS)
    model.set_current("e1")
    assert model.index(0, COL_TITLE).data() == "▶ Gala" and model.index(1, COL_TITLE).data() == "Draft"
    assert model.index(0, COL_START).data() == "2030-06-01 20:00"  # Berlin wall time
    assert model.index(0, COL_CURRENCY).data() == "EUR (locked)"
    assert "orders exist" in model.index(0, COL_CURRENCY).data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(1, COL_CURRENCY).data(Qt.ItemDataRole.ToolTipRole) is None
    assert model.index(1, COL_START).data(SortRole) < model.index(0, COL_START).data(SortRole)


def test_qtmodeltester(qtmodeltester):
    model = EventsTableModel()
    model.set_rows(ROWS)
    qtmodeltester.check(model)
