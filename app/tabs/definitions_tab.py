"""Ticket definitions of the event: a table with sold / reserved / checked-in counts; create, edit, delete
(the confirmation says how many tickets were sold); change the event's currency — refused once an order
exists: the button is disabled and its tooltip gives core.events.currency_lock_reason (API.md §4.2,
CURRENCY_LOCKED). A quantity below what is sold is refused by core (QUANTITY_BELOW_SOLD) and the form
reopens with the reason; definitions in another currency than the event's are flagged by the model."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QInputDialog, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from app import queries
from app.dialogs.definition_dialog import DefinitionDialog
from app.models.definitions_model import DefinitionsTableModel
from app.tabs.lazy import LazyRefresh
from app.role_guard import gate, station_role
from app.tasks import error_message, query_op, run_in_background, run_op
from app.widgets.table_view import button_row, make_table, select_by_id, selected_row
from core import roles
from core.definitions import create_definition, delete_definitions, update_definition
from core.events import change_currency, event_summary

COMMON_CURRENCIES = ["EUR", "USD", "GBP", "CHF", "JPY", "SEK", "NOK", "DKK", "PLN", "CZK", "AUD", "CAD", "KWD"]
LOCKED_TEXT = ("The currency of this event can no longer change: orders exist, and their amounts were taken "
               "in {currency}. Changing it would not convert any price (10 {currency} would simply become 10 "
               "of the new currency), so it is refused once the first order is made. Create a new event to "
               "sell in another currency.")


def _id_of(_session, definition) -> str:
    return definition.id


class DefinitionsTab(LazyRefresh, QWidget):
    """The organiser's view of ticket types. Signals `event_changed(object)` with the new EventInfo after a
    currency change; what each change touched is announced by app.tasks.run_op."""

    event_changed = Signal(object)
    loaded = Signal()

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.lock_reason: str | None = None  # core.events.currency_lock_reason, from the last load
        self.role: str | None = None  # the station's role (app.role_guard), from the last load
        self.model = DefinitionsTableModel(self, ctx.event.currency if ctx.event is not None else None)
        self.table, self.proxy = make_table(self.model, self)
        self.table.doubleClicked.connect(lambda *_: self.edit_button.isEnabled() and self.on_edit_clicked())
        self.currency_label = QLabel("")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.new_button = QPushButton("New ticket type…")
        self.edit_button = QPushButton("Edit…")
        self.delete_button = QPushButton("Delete…")
        self.currency_button = QPushButton("Change currency…")
        self.new_button.clicked.connect(lambda: self.on_new_clicked())
        self.edit_button.clicked.connect(lambda: self.on_edit_clicked())
        self.delete_button.clicked.connect(self.on_delete_clicked)
        self.currency_button.clicked.connect(self.on_currency_clicked)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        buttons = button_row(self.new_button, self.edit_button, self.delete_button,
                             trailing=(self.currency_label, self.currency_button))
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        self._update_buttons()

    # ---- loading --------------------------------------------------------------------------------------
    def set_event(self, event) -> None:
        """Work on `event` (EventInfo)."""
        self.ctx.event = event
        self.model.set_event_currency(event.currency if event is not None else None)
        self._show_currency()
        self.refresh()

    def _show_currency(self) -> None:
        ev = self.ctx.event
        if ev is None:
            self.currency_label.setText("")
            return
        lock = " (locked: orders exist)" if ev.currency_locked else ""
        self.currency_label.setText(f"Currency: {ev.currency}{lock}")

    def refresh(self) -> None:
        """Reload the definitions with their counts in the background (when shown)."""
        if self.ctx.event_id is None:
            self.model.set_rows([])
            return
        if not self.visible_or_stale():
            return
        event_id = self.ctx.event_id

        def load(session):
            return (queries.definition_rows(session, event_id), event_summary(session, event_id),
                    station_role(session))

        run_in_background(query_op(self.ctx.ledger, load), self._on_loaded, parent=self)

    def _on_loaded(self, loaded) -> None:
        rows, summary, self.role = loaded
        self.lock_reason = summary.lock_reason
        selected = self.selected()
        self.model.set_rows(rows)
        if selected is not None:
            self.select(selected.id)
        self._update_buttons()
        self.loaded.emit()

    def selected(self) -> queries.DefinitionRow | None:
        """The selected definition row, or None."""
        return selected_row(self.table)

    def select(self, definition_id: str) -> bool:
        """Select the row of a definition; False when it is not listed."""
        return select_by_id(self.table, self.proxy, definition_id)

    def _update_buttons(self) -> None:
        has_event = self.ctx.event_id is not None
        chosen = self.selected() is not None
        gate(self.new_button, self.role, roles.EDIT_DEFINITIONS, has_event)
        if gate(self.currency_button, self.role, roles.EDIT_DEFINITIONS, has_event and not self.lock_reason) is None:
            self.currency_button.setToolTip(self.lock_reason or "Change the currency of the event and its prices "
                                            "(prices are not converted)")
        gate(self.edit_button, self.role, roles.EDIT_DEFINITIONS, chosen)
        gate(self.delete_button, self.role, roles.EDIT_DEFINITIONS, chosen)

    # ---- create / edit --------------------------------------------------------------------------------
    def on_new_clicked(self, entered: dict | None = None, error: str = "") -> None:
        """Ask for a new definition and create it; a refusal reopens the form with the reason."""
        ev = self.ctx.event
        answer = DefinitionDialog.ask(None, ev.currency, ev.time_zone, self, entered=entered, error=error)
        if answer is None:
            return
        data, _fields = answer
        run_op(self.ctx.ledger, create_definition, ev.id, data, present=_id_of, on_success=self._on_saved,
               on_error=lambda exc: self.on_new_clicked(data, error_message(exc)), parent=self)

    def on_edit_clicked(self, entered: dict | None = None, error: str = "") -> None:
        """Edit the selected definition; only the fields that changed are sent (a field-mask update)."""
        row = self.selected()
        if row is None:
            return
        ev = self.ctx.event
        answer = DefinitionDialog.ask(row.data, ev.currency, ev.time_zone, self, entered=entered, error=error)
        if answer is None:
            return
        data, fields = answer
        if not fields:
            self.status.setText("Nothing changed.")
            return
        run_op(self.ctx.ledger, update_definition, row.id, data, fields, present=_id_of, on_success=self._on_saved,
               on_error=lambda exc: self.on_edit_clicked(data, error_message(exc)), parent=self)

    def _on_saved(self, definition_id: str) -> None:
        self.status.setText("Saved.")
        self.refresh()

    # ---- delete ---------------------------------------------------------------------------------------
    def on_delete_clicked(self) -> None:
        """Delete the selected definition after a confirmation that says how many tickets were sold."""
        row = self.selected()
        if row is None:
            return
        sold = (f"{row.sold} ticket(s) of this type were sold. They stay valid and keep their ticket type."
                if row.sold else "No tickets of this type were sold.")
        answer = QMessageBox.question(self, "Delete ticket type",
                                      f"Delete “{row.name}”?\n\n{sold}\n\nIt can no longer be sold.",
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        run_op(self.ctx.ledger, delete_definitions, self.ctx.event_id, [row.id],
               on_success=lambda _none: self._on_deleted(row.name), on_error=self._on_failed, parent=self)

    def _on_deleted(self, name: str) -> None:
        self.status.setText(f"“{name}” deleted.")
        self.refresh()

    def _on_failed(self, exc: BaseException) -> None:
        self.status.setText(error_message(exc))
        QMessageBox.warning(self, "Ticket types", error_message(exc))

    # ---- currency -------------------------------------------------------------------------------------
    def on_currency_clicked(self) -> None:
        """Ask for a new ISO-4217 currency and change it (the core refuses once locked: explained)."""
        ev = self.ctx.event
        choices = [ev.currency] + [c for c in COMMON_CURRENCIES if c != ev.currency]
        currency, ok = QInputDialog.getItem(self, "Change currency", "New currency (prices are not converted):",
                                            choices, 0, True)
        currency = (currency or "").strip().upper()
        if not ok or not currency or currency == ev.currency:
            return
        run_op(self.ctx.ledger, change_currency, ev.id, currency,
               present=lambda session, _none: queries.load_event(session, ev.id),
               on_success=self._on_currency_changed, on_error=self._on_currency_refused, parent=self)

    def _on_currency_changed(self, event) -> None:
        self.ctx.event = event
        self.model.set_event_currency(event.currency)
        self._show_currency()
        self.status.setText(f"Currency changed to {event.currency}. Prices were not converted.")
        self.event_changed.emit(event)
        self.refresh()

    def _on_currency_refused(self, exc: BaseException) -> None:
        if getattr(exc, "code", "") == "CURRENCY_LOCKED":
            text = LOCKED_TEXT.format(currency=self.ctx.event.currency)
        else:
            text = error_message(exc)
        self.status.setText(text)
        QMessageBox.warning(self, "Currency not changed", text)
