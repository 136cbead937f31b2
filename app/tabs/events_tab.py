"""The organiser's Events tab: the ledger's events; create one, edit one (title, time zone, start/end, and
the currency while core says it is not locked), and switch the station to another event.

Every rule is core.events': create_event / update_event run through app.tasks.run_op (one unit of work,
what changed announced); a refusal reopens the form with core's reason. Switching asks the main window
(`switch_requested`), which confirms when changes are still waiting to be uploaded (WR-14)."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from app.dialogs.entrance_dialog import EntranceDialog
from app.dialogs.event_dialog import EventDialog
from app.models.events_model import COL_START, EventsTableModel
from app.tabs.lazy import LazyRefresh
from app.role_guard import gate, station_role
from app.tasks import error_message, query_op, run_in_background, run_op
from app.widgets.table_view import button_row, make_table, select_by_id, selected_row
from core import roles
from core.events import EventSummary, create_event, event_summaries, update_event


def _id_of(_session, event) -> str:
    return event.id


class EventsTab(LazyRefresh, QWidget):
    """Signals `switch_requested(str)` (an event id to work on), `event_saved(str)` (an event created or
    edited: the main window reloads it when it is the current one) and `loaded()` after each refresh."""

    switch_requested = Signal(str)
    event_saved = Signal(str)
    loaded = Signal()

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.role: str | None = None  # the station's role (app.role_guard), from the last load
        self.model = EventsTableModel(self)
        self.table, self.proxy = make_table(self.model, self, sort_column=COL_START)
        self.table.doubleClicked.connect(lambda *_: self.edit_button.isEnabled() and self.on_edit_clicked())
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.new_button = QPushButton("New event…")
        self.edit_button = QPushButton("Edit…")
        self.switch_button = QPushButton("Work on this event")
        self.entrances_button = QPushButton("Entrances…")  # app.dialogs.entrance_dialog (issue 9 item 7)
        self.entrances_button.clicked.connect(self.on_entrances_clicked)
        self.entrance_dialog = None
        self.new_button.clicked.connect(lambda: self.on_new_clicked())
        self.edit_button.clicked.connect(lambda: self.on_edit_clicked())
        self.switch_button.clicked.connect(self.on_switch_clicked)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        buttons = button_row(self.new_button, self.edit_button, self.switch_button, self.entrances_button)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        self._update_buttons()

    # ---- loading --------------------------------------------------------------------------------------
    def set_event(self, event) -> None:
        """The station now works on `event` (EventInfo or None): marked in the list."""
        self.model.current_id = event.id if event is not None else None
        self.refresh()

    def refresh(self) -> None:
        """Reload every event (core.events.event_summaries) in the background, when shown."""
        if not self.visible_or_stale():
            return
        run_in_background(query_op(self.ctx.ledger, lambda s: (event_summaries(s), station_role(s))),
                          self._on_loaded, parent=self)

    def _on_loaded(self, loaded: tuple[list[EventSummary], str | None]) -> None:
        rows, self.role = loaded
        selected = self.selected()
        self.model.set_rows(rows)
        if selected is not None:
            self.select(selected.id)
        self._update_buttons()
        self.loaded.emit()

    def selected(self) -> EventSummary | None:
        """The selected event, or None."""
        return selected_row(self.table)

    def select(self, event_id: str) -> bool:
        """Select an event's row; False when it is not listed."""
        return select_by_id(self.table, self.proxy, event_id)

    def _update_buttons(self) -> None:
        row = self.selected()
        gate(self.new_button, self.role, roles.EDIT_EVENTS)
        gate(self.edit_button, self.role, roles.EDIT_EVENTS, row is not None)
        gate(self.entrances_button, self.role, roles.EDIT_EVENTS, row is not None)
        self.switch_button.setEnabled(row is not None and row.id != self.ctx.event_id)

    # ---- create / edit / switch -----------------------------------------------------------------------
    def on_new_clicked(self, entered: dict | None = None, error: str = "") -> None:
        """Ask for a new event and create it (core.events.create_event); a refusal reopens the form."""
        answer = EventDialog.ask(None, self, entered=entered, error=error)
        if answer is None:
            return
        run_op(self.ctx.ledger, create_event, title=answer["title"], time_zone=answer["time_zone"],
               currency=answer["currency"] or "", start=answer["start"], end=answer["end"], present=_id_of,
               on_success=lambda event_id: self._on_saved(event_id, "created"),
               on_error=lambda exc: self.on_new_clicked(answer, error_message(exc)), parent=self)

    def on_edit_clicked(self, entered: dict | None = None, error: str = "") -> None:
        """Edit the selected event; only what changed is sent (core.events.update_event)."""
        row = self.selected()
        if row is None:
            return
        answer = EventDialog.ask(row, self, entered=entered, error=error)
        if answer is None:
            return
        if not answer:
            self.status.setText("Nothing changed.")
            return
        run_op(self.ctx.ledger, update_event, row.id, **answer, present=_id_of,
               on_success=lambda event_id: self._on_saved(event_id, "saved"),
               on_error=lambda exc: self.on_edit_clicked(answer, error_message(exc)), parent=self)

    def _on_saved(self, event_id: str, what: str) -> None:
        self.status.setText(f"Event {what}.")
        self.event_saved.emit(event_id)
        self.refresh()
        if self.ctx.event_id is None:  # the ledger had no event: work on this one
            self.switch_requested.emit(event_id)

    def on_entrances_clicked(self) -> None:
        """Open the entrance editor of the selected event."""
        row = self.selected()
        if row is not None:
            self.entrance_dialog = EntranceDialog(self.ctx, row.id, self)
            self.entrance_dialog.open()

    def on_switch_clicked(self) -> None:
        """Ask the main window to work on the selected event."""
        row = self.selected()
        if row is not None and row.id != self.ctx.event_id:
            self.switch_requested.emit(row.id)
