"""The door's entrance picker, exit mode and "inside now" counter (issue 9 items 7–8).

A combo box of the event's entrances ("All tickets — no entrance" first), an "Exit mode" toggle (scans record
people leaving; always on at an exit entrance) and the headcount line with the capacity alarm: above the
event's max inside the counter turns amber with "OVER CAPACITY". Offline the count is labelled an estimate
(core.headcount.Headcount.label). The widget holds no rule: the entrance rule is core.entrances', the count
core.headcount's; the door tab reads `entrance()` / `exit_mode()` into its core.door.Door."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.entrances import EntranceView
from core.headcount import Headcount

NO_ENTRANCE = "All tickets — no entrance"
ALARM_STYLE = "font-size: 16pt; font-weight: bold; background: #f0a500; color: #1a1a1a; padding: 4px;"
NORMAL_STYLE = "font-size: 16pt; font-weight: bold;"


class EntrancePicker(QWidget):
    """Entrance combo + exit mode + inside counter. Signals: `changed()` when the operator picks another
    entrance or toggles exit mode (not when set_entrances fills the list)."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._entrances: list[EntranceView] = []
        self._filling = False
        self.alarm = False
        self.combo = QComboBox()
        self.combo.setToolTip("The entrance this station works at: it admits only its ticket types")
        self.combo.currentIndexChanged.connect(self._on_pick)
        self.exit_box = QCheckBox("Exit mode")
        self.exit_box.setToolTip("Scans record guests leaving; they may enter again")
        self.exit_box.toggled.connect(self._on_toggle)
        self.inside_label = QLabel("")
        self.inside_label.setStyleSheet(NORMAL_STYLE)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Entrance:"))
        row.addWidget(self.combo, 1)
        row.addWidget(self.exit_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.inside_label)
        self.set_entrances([], None)

    def set_entrances(self, entrances: list[EntranceView], selected_id: str | None) -> None:
        """Fill the list (keeping "no entrance" first) and select `selected_id` (None or unknown: none)."""
        self._filling = True
        try:
            self._entrances = list(entrances)
            self.combo.clear()
            self.combo.addItem(NO_ENTRANCE, None)
            for e in self._entrances:
                self.combo.addItem(f"{e.name} (exit)" if e.is_exit else e.name, e.id)
            index = self.combo.findData(selected_id) if selected_id else 0
            self.combo.setCurrentIndex(max(index, 0))
            self.combo.setEnabled(bool(self._entrances))
        finally:
            self._filling = False
        self._sync_exit_box()

    def entrance(self) -> EntranceView | None:
        """The chosen entrance, or None (every definition admitted)."""
        wanted = self.combo.currentData()
        return next((e for e in self._entrances if e.id == wanted), None)

    def select(self, entrance_id: str | None) -> None:
        """Pick an entrance by id as the operator would (emits `changed`)."""
        index = self.combo.findData(entrance_id) if entrance_id else 0
        self.combo.setCurrentIndex(max(index, 0))

    def exit_mode(self) -> bool:
        """True when scans record exits: the toggle, or an exit entrance."""
        return self.exit_box.isChecked()

    def show_headcount(self, count: Headcount | None) -> None:
        """Show "Inside now: N / MAX" (estimate when offline) and raise the alarm above max inside."""
        if count is None:
            self.inside_label.setText("")
            self.alarm = False
        else:
            self.alarm = count.over_capacity
            self.inside_label.setText(count.label() + ("  — OVER CAPACITY" if self.alarm else ""))
        self.inside_label.setStyleSheet(ALARM_STYLE if self.alarm else NORMAL_STYLE)

    def _sync_exit_box(self) -> None:
        chosen = self.entrance()
        at_exit = chosen is not None and chosen.is_exit
        self.exit_box.blockSignals(True)
        if at_exit:
            self.exit_box.setChecked(True)
        self.exit_box.setEnabled(not at_exit)
        self.exit_box.blockSignals(False)

    def _on_pick(self, _index: int) -> None:
        if self._filling:
            return
        was_exit_entrance = not self.exit_box.isEnabled()
        if was_exit_entrance:
            self.exit_box.blockSignals(True)
            self.exit_box.setChecked(False)
            self.exit_box.blockSignals(False)
        self._sync_exit_box()
        self.changed.emit()

    def _on_toggle(self, _checked: bool) -> None:
        self.changed.emit()
