"""The review queue in the Sync tab (issue 8 item 7): what the syncs found that needs a person — double admissions,
admissions of orders canceled before the scan, removed check-ins, provisional outcomes, oversells, stale answers
ignored, payments to refund (core.review) — each listed once until someone acknowledges it ("Acknowledge" the
selected item, "Acknowledge all"). Acknowledged items are kept with who and when (`tessera sync review --all`)."""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from app import formatting
from app.models.base import RowRole, RowTableModel, ts
from app.tasks import error_message, mutation_op, query_op, run_in_background
from app.widgets.table_view import make_table
from core.review import ReviewRow, acknowledge, acknowledge_all, list_open


class ReviewTableModel(RowTableModel):
    """Rows: core.review.ReviewRow. Columns: what, about (order/ticket/definition), when it happened, message."""

    HEADERS = ("What", "About", "When", "What happened")
    COL_WHAT, COL_ABOUT, COL_WHEN, COL_MESSAGE = range(4)

    def __init__(self, time_zone: Callable[[], str], parent=None):
        super().__init__(parent)
        self._tz = time_zone

    def display(self, row: ReviewRow, column: int) -> str:
        if column == self.COL_WHEN:
            return formatting.when(row.happened or row.raised, row.time_zone if row.event_id else self._tz())
        return (row.title, row.entity, "", row.message)[column]

    def sort_key(self, row: ReviewRow, column: int):
        return ts(row.happened or row.raised) if column == self.COL_WHEN else self.display(row, column)

    def tooltip(self, row, column):
        return row.message if column == self.COL_MESSAGE else None


class ReviewList(QGroupBox):
    """The review queue over `ledger`; `who()` names who acknowledges (operator, else station). `loaded()` after
    the list was (re)filled; `acknowledged(int)` after items were acknowledged (how many)."""

    loaded = Signal()
    acknowledged = Signal(int)

    def __init__(self, ledger, time_zone: Callable[[], str], who: Callable[[], str], parent=None):
        super().__init__("To review (found by sync; kept until acknowledged)", parent)
        self.ledger, self._who = ledger, who
        self._busy = self._dirty = False
        self.model = ReviewTableModel(time_zone, self)
        self.view, self.proxy = make_table(self.model, self)
        self.ack_button, self.ack_all_button = QPushButton("Acknowledge"), QPushButton("Acknowledge all")
        self.ack_button.clicked.connect(self.acknowledge_selected)
        self.ack_all_button.clicked.connect(self.acknowledge_all)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        row = QHBoxLayout()
        row.addWidget(self.message, 1)
        row.addWidget(self.ack_button)
        row.addWidget(self.ack_all_button)
        layout.addLayout(row)
        self._update_buttons()

    def refresh(self) -> None:
        """Reload the open items in the background (at most one query in flight)."""
        if self._busy:
            self._dirty = True
            return
        self._busy = True
        run_in_background(query_op(self.ledger, list_open), self._on_loaded, self._on_failed, parent=self)

    def _on_loaded(self, rows: list[ReviewRow]) -> None:
        self._busy = False
        if rows != self.model.rows():
            self.model.set_rows(rows)
        self.setTitle(f"To review ({len(rows)}; found by sync, kept until acknowledged)" if rows else
                      "To review (nothing)")
        self._update_buttons()
        self.loaded.emit()
        if self._dirty:
            self._dirty = False
            self.refresh()

    def _on_failed(self, exc: BaseException) -> None:
        self._busy = False
        self._update_buttons()
        self.message.setText(f"Review list unavailable: {error_message(exc)}")

    def selected(self) -> ReviewRow | None:
        rows = self.view.selectionModel().selectedRows()
        return rows[0].data(RowRole) if rows else None

    def _update_buttons(self, *_args) -> None:
        self.ack_button.setEnabled(self.selected() is not None)
        self.ack_all_button.setEnabled(bool(self.model.rows()))

    def acknowledge_selected(self) -> bool:
        """Acknowledge the selected item (kept with who and when). False when nothing is selected."""
        row = self.selected()
        if row is None:
            return False
        self.ack_button.setEnabled(False)
        run_in_background(mutation_op(self.ledger, acknowledge, [row.id], by=self._who()),
                          lambda ids: self._on_acked(len(ids)), self._on_failed, parent=self)
        return True

    def acknowledge_all(self) -> None:
        """Acknowledge every open item."""
        self.ack_all_button.setEnabled(False)
        run_in_background(mutation_op(self.ledger, acknowledge_all, by=self._who()), self._on_acked,
                          self._on_failed, parent=self)

    def _on_acked(self, count: int) -> None:
        self.message.setText(f"{count} item(s) acknowledged by {self._who() or 'this station'}.")
        self.acknowledged.emit(count)
        self.refresh()
