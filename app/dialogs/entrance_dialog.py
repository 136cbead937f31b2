"""The organiser's entrance editor (issue 9 items 7–8), opened from the Events tab: the event's entrances
(check-in lists) with their name, the ticket types admitted there (none ticked = every type) and entry or
exit; plus the event's capacity alarm (max inside, 0 = none). Every action is one core use case through
app.tasks.run_op (core.entrances: create_entrance, update_entrance, delete_entrance, set_max_inside), which
also queues the outbox row that takes it to the hub; a refusal is shown with core's reason."""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QPushButton, QSpinBox, QVBoxLayout)
from sqlalchemy import select

from app.tasks import error_message, query_op, run_in_background, run_op
from core.entrances import (ENTRY, EXIT, NAME_MAX, EntranceView, create_entrance, delete_entrance, list_entrances,
                            set_max_inside, update_entrance)
from core.models import Event, TicketDefinition


@dataclass(frozen=True)
class EntranceData:
    """What the editor shows: entrances, (definition id, name) pairs, the event's max inside (None = none)."""

    entrances: list[EntranceView]
    definitions: list[tuple[str, str]]
    max_inside: int | None


def load(session, event_id: str) -> EntranceData:
    """Read the editor's data (in a worker)."""
    q = select(TicketDefinition.id, TicketDefinition.name).where(TicketDefinition.event_id == event_id) \
        .order_by(TicketDefinition.order_index, TicketDefinition.name)
    event = session.get(Event, event_id)
    return EntranceData(list_entrances(session, event_id), [(i, n) for i, n in session.execute(q)],
                        event.max_inside if event is not None else None)


class EntranceDialog(QDialog):
    """Entrances of one event. Signals: `loaded()` after each reload, `saved(str)` after a stored change
    (what was done)."""

    loaded = Signal()
    saved = Signal(str)

    def __init__(self, ctx, event_id: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Entrances")
        self.ctx, self.event_id = ctx, event_id
        self.data = EntranceData([], [], None)
        self.entrance_list = QListWidget()
        self.entrance_list.currentRowChanged.connect(self._on_pick)
        self.name = QLineEdit()
        self.name.setMaxLength(NAME_MAX)
        self.direction = QComboBox()
        self.direction.addItem("Entry", ENTRY)
        self.direction.addItem("Exit (scans record people leaving)", EXIT)
        self.admits = QListWidget()
        self.admits.setToolTip("Tick the ticket types admitted here; none ticked = every type")
        self.capacity = QSpinBox()
        self.capacity.setRange(0, 1_000_000)
        self.capacity.setSpecialValueText("no alarm")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.add_button, self.save_button = QPushButton("Add as new"), QPushButton("Save changes")
        self.delete_button, self.capacity_button = QPushButton("Delete"), QPushButton("Set")
        self.add_button.clicked.connect(self.add)
        self.save_button.clicked.connect(self.save)
        self.delete_button.clicked.connect(self.delete)
        self.capacity_button.clicked.connect(self.set_capacity)
        self._lay_out()
        self.reload()

    def _lay_out(self) -> None:
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Direction", self.direction)
        form.addRow("Admits", self.admits)
        cap = QHBoxLayout()
        cap.addWidget(self.capacity, 1)
        cap.addWidget(self.capacity_button)
        form.addRow("Max inside", cap)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.save_button, self.delete_button):
            buttons.addWidget(b)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.entrance_list, 1)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(close)

    # ---- loading --------------------------------------------------------------------------------------
    def reload(self, select_id: str | None = None) -> None:
        """Read the entrances again (in a worker); then select `select_id`."""
        run_in_background(query_op(self.ctx.ledger, load, self.event_id), lambda d: self._on_loaded(d, select_id),
                          lambda exc: self.status.setText(error_message(exc)), parent=self)

    def _on_loaded(self, data: EntranceData, select_id: str | None) -> None:
        self.data = data
        names = dict(data.definitions)
        self.entrance_list.blockSignals(True)
        self.entrance_list.clear()
        for e in data.entrances:
            admits = ", ".join(sorted(names.get(i, i) for i in e.definition_ids)) or "all tickets"
            self.entrance_list.addItem(f"{e.name} — {'exit' if e.is_exit else 'entry'}, {admits}")
        self.entrance_list.blockSignals(False)
        self.admits.clear()
        for def_id, name in data.definitions:
            item = QListWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, def_id)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.admits.addItem(item)
        self.capacity.setValue(data.max_inside or 0)
        ids = [e.id for e in data.entrances]
        self.entrance_list.setCurrentRow(ids.index(select_id) if select_id in ids else -1)
        self._on_pick(self.entrance_list.currentRow())
        self.loaded.emit()

    def current(self) -> EntranceView | None:
        """The selected entrance, or None."""
        row = self.entrance_list.currentRow()
        return self.data.entrances[row] if 0 <= row < len(self.data.entrances) else None

    def _on_pick(self, _row: int) -> None:
        chosen = self.current()
        self.save_button.setEnabled(chosen is not None)
        self.delete_button.setEnabled(chosen is not None)
        self.name.setText(chosen.name if chosen else "")
        self.direction.setCurrentIndex(1 if chosen is not None and chosen.is_exit else 0)
        for i in range(self.admits.count()):
            item = self.admits.item(i)
            ticked = chosen is not None and item.data(Qt.ItemDataRole.UserRole) in chosen.definition_ids
            item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)

    def ticked(self) -> list[str]:
        """The ticked definition ids (empty = every definition)."""
        return [self.admits.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.admits.count())
                if self.admits.item(i).checkState() == Qt.CheckState.Checked]

    # ---- actions (core.entrances through run_op) --------------------------------------------------------
    def add(self) -> None:
        """Create an entrance from the form."""
        run_op(self.ctx.ledger, create_entrance, self.event_id, self.name.text(), self.ticked(),
               self.direction.currentData(), on_success=lambda e: self._done(f"Entrance {e.name} added", e.id),
               on_error=self._refused, parent=self)

    def save(self) -> None:
        """Store the form into the selected entrance."""
        chosen = self.current()
        if chosen is None:
            return
        run_op(self.ctx.ledger, update_entrance, chosen.id, name=self.name.text(), definition_ids=self.ticked(),
               direction=self.direction.currentData(),
               on_success=lambda e: self._done(f"Entrance {e.name} saved", e.id), on_error=self._refused, parent=self)

    def delete(self) -> None:
        """Delete the selected entrance (check-ins made there keep its id)."""
        chosen = self.current()
        if chosen is None:
            return
        run_op(self.ctx.ledger, delete_entrance, chosen.id,
               on_success=lambda _r: self._done(f"Entrance {chosen.name} deleted", None), on_error=self._refused,
               parent=self)

    def set_capacity(self) -> None:
        """Store the event's max inside (0 = no alarm)."""
        value = self.capacity.value() or None
        run_op(self.ctx.ledger, set_max_inside, self.event_id, value,
               on_success=lambda _r: self._done(f"Max inside: {value or 'no alarm'}", None), on_error=self._refused,
               parent=self)

    def _done(self, message: str, select_id: str | None) -> None:
        self.status.setText(message)
        self.saved.emit(message)
        self.reload(select_id)

    def _refused(self, exc: BaseException) -> None:
        self.status.setText(error_message(exc))
