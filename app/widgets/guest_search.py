"""Door search for guests without a readable code: name, e-mail, order or ticket number (incl. its last 4
characters), offline, over the local ledger (case WR-11). The chosen ticket is checked in MANUALly.
Keyboard-only (issue 9 item 5): Down/PageDown in the box moves into the results (first row selected),
Up on the first row goes back to the box, Enter on a result checks it in."""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app import queries
from app.models.base import RowRole
from app.models.tickets_model import TicketsTableModel
from app.tasks import query_op, run_in_background
from app.widgets.table_view import make_table
from core.textsearch_page import DEFAULT_CAP

MAX_RESULTS = 100  # one page: a door search names a guest, it does not list the event
COUNT_CAP = DEFAULT_CAP  # a broad search says "more than 1,000" instead of counting every match


def found_text(loaded: queries.Loaded) -> str:
    """The status line of a search: '3 ticket(s) found', '1,234 ticket(s) found (first 100 …)', or for a
    capped search 'More than 1,000 tickets found (first 100 shown: refine the search)'."""
    if loaded.capped:
        return f"More than {loaded.total:,} tickets found (first {len(loaded.rows)} shown: refine the search)"
    more = f" (first {len(loaded.rows)} of {loaded.total:,}: refine the search)" if loaded.total > len(loaded.rows) \
        else ""
    return f"{loaded.total:,} ticket(s) found{more}"


class GuestSearch(QWidget):
    """A search box and a results table. Emits `check_in_requested(ticket_number)` for the selected ticket.

    Searching runs in the background; a result older than the latest request is dropped."""

    check_in_requested = Signal(str)
    search_finished = Signal(int)

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self._generation = 0
        self._running = self._again = False
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search guest: name, e-mail, order no., ticket no. or its last 4")
        self.search_edit.setClearButtonEnabled(True)
        self.model = TicketsTableModel(self)
        self.table, self.proxy = make_table(self.model, self)
        self.check_in_button = QPushButton("Check in selected (manual)")
        self.check_in_button.setEnabled(False)
        self.status = QLabel("")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(300)
        self._timer.timeout.connect(self.search)
        self.search_edit.textChanged.connect(lambda _t: self._timer.start())
        self.search_edit.returnPressed.connect(self.search)
        self.check_in_button.clicked.connect(self.on_check_in_clicked)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.search_edit.installEventFilter(self)
        self.table.installEventFilter(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.check_in_button)
        layout.addLayout(row)

    def set_time_zone(self, tz_name: str) -> None:
        """Show check-in times in the event's zone."""
        self.model.time_zone = tz_name

    def search(self) -> None:
        """Run the search for the box's text in the background (fewer than 2 characters clears the list).

        At most one search runs at a time: text typed meanwhile is searched when it ends, so a fast typist
        or a slow ledger never piles up queries (BC-23)."""
        self._timer.stop()
        text = self.search_edit.text().strip()
        self._generation += 1
        if len(text) < 2 or self.ctx.event_id is None:
            self.model.set_rows([])
            self.status.setText("")
            return
        self.status.setText("Searching…")
        if self._running:
            self._again = True
            return
        self._running, self._again = True, False
        generation = self._generation
        fn = query_op(self.ctx.ledger, queries.ticket_rows, self.ctx.event_id, search=text, max_rows=MAX_RESULTS,
                      count_cap=COUNT_CAP)
        run_in_background(fn, lambda loaded: self._on_results(generation, loaded),
                          lambda exc: self._on_failed(generation, exc), parent=self)

    def _finished(self) -> bool:
        """One search ended; start the newest pending one. True when this result is still wanted."""
        self._running = False
        if self._again:
            self.search()
            return False
        return True

    def refresh(self) -> None:
        """Repeat the current search (e.g. after a check-in changed a row)."""
        if self.search_edit.text().strip():
            self.search()

    def _on_results(self, generation: int, loaded: queries.Loaded) -> None:
        if not self._finished() or generation != self._generation:
            return  # an older search finishing late
        self.model.set_rows(loaded.rows)
        self.status.setText(found_text(loaded))
        if len(loaded.rows) == 1:
            self.table.selectRow(0)
        self.search_finished.emit(loaded.total)

    def _on_failed(self, generation: int, exc: BaseException) -> None:
        if self._finished() and generation == self._generation:
            from app.tasks import error_message

            self.status.setText(f"Search failed: {error_message(exc)}")

    def _on_selection(self, *_args) -> None:
        self.check_in_button.setEnabled(self.selected_ticket() is not None)

    def selected_ticket(self) -> queries.TicketRow | None:
        """The selected result row, or None."""
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(RowRole) if rows else None

    def select_ticket(self, ticket_number: str) -> bool:
        """Select the result row of `ticket_number`; False when it is not listed."""
        for r in range(self.proxy.rowCount()):
            if self.proxy.index(r, 0).data(RowRole).ticket_number == ticket_number:
                self.table.selectRow(r)
                return True
        return False

    def on_check_in_clicked(self) -> None:
        """Ask the door to check the selected ticket in (method MANUAL, WR-11)."""
        row = self.selected_ticket()
        if row is not None:
            self.check_in_requested.emit(row.ticket_number)

    def focus_search(self) -> None:
        """Put the cursor in the search box with its text selected (Ctrl+F at the door)."""
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if event.type() != QEvent.Type.KeyPress:
            return False
        key = event.key()
        if obj is self.search_edit and key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown) and self.proxy.rowCount():
            self.table.setFocus(Qt.FocusReason.TabFocusReason)
            if self.selected_ticket() is None:
                self.table.selectRow(0)
            return True
        if obj is self.table and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.on_check_in_clicked()
            return True
        if obj is self.table and key == Qt.Key.Key_Up and self.table.currentIndex().row() <= 0:
            self.search_edit.setFocus(Qt.FocusReason.TabFocusReason)
            return True
        return False

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.table.hasFocus():
            self.on_check_in_clicked()
            return
        super().keyPressEvent(event)
