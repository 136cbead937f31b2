"""The set-up wizard's entrance step (issue 12 "pick the station's role and entrance"; issue 9 item 7).

A door station connected to a hub picks the entrance it works at — one of the event's entrances or "all
entrances" (every ticket type) — so the door tab opens on it. The choice is stored where the door tab's
entrance picker stores it: sync.state.set_door_entrance, per event (the one place; the door tab reads it back
with sync.state.door_entrance). The entrances come from the ledger: the wizard's first sync run after connecting
(SetupWizard.first_pull) pulls them with the hub's events (sync.appliers.EntranceApplier).
The step is skipped (`entrance_step_needed` False) when the role is not door or the event has no entrances —
always for a freshly created local event, which has none yet.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWizardPage

from core.db import Ledger
from core.entrances import EntranceView, list_entrances
from sync.hub.auth import DOOR
from sync.state import set_door_entrance

ALL_ENTRANCES = "All entrances — every ticket type"


def event_entrances(ledger: Ledger, event_id: str | None) -> list[EntranceView]:
    """The entrances of `event_id` in `ledger` (core.entrances.list_entrances, by name); [] for None."""
    if not event_id:
        return []
    with ledger.uow() as uow:
        return list_entrances(uow.session, event_id)


def entrance_step_needed(role: str, entrances: list[EntranceView]) -> bool:
    """True when the wizard asks for an entrance: a door station (sync.hub.auth.DOOR) of an event that has
    entrances."""
    return role == DOOR and bool(entrances)


def save_entrance(ledger: Ledger, event_id: str, entrance_id: str | None) -> None:
    """Remember the station's entrance for `event_id` (None: all entrances) in one unit of work, through
    sync.state.set_door_entrance — what the door tab's picker does when the operator picks one."""
    with ledger.uow() as uow:
        set_door_entrance(uow.session, event_id, entrance_id)
        uow.commit()


def entrance_label(entrance: EntranceView) -> str:
    """The list text of an entrance: its name, "(exit)" for an exit (as app.widgets.entrance_picker shows it)."""
    return f"{entrance.name} (exit)" if entrance.is_exit else entrance.name


class EntrancePage(QWizardPage):
    """The entrance step: a list of "all entrances" then the event's entrances; `chosen_id()` is the pick.
    `next_id` is the page after this one (the camera page)."""

    def __init__(self, next_id: int):
        super().__init__()
        self._next_id = next_id
        self.event_id: str | None = None
        self.setTitle("Entrance")
        self.setSubTitle("Which entrance does this door work at? It admits only the ticket types of that entrance.")
        self.entrances = QListWidget()
        self.note = QLabel("The door tab can change it later (Entrance: at the top of the door).")
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.entrances)
        layout.addWidget(self.note)
        self.load(None, [])

    def load(self, event_id: str | None, entrances: list[EntranceView]) -> None:
        """Fill the list for `event_id`'s `entrances`; "all entrances" is selected."""
        self.event_id = event_id
        self.entrances.clear()
        first = QListWidgetItem(ALL_ENTRANCES)
        first.setData(Qt.ItemDataRole.UserRole, None)
        self.entrances.addItem(first)
        for entrance in entrances:
            item = QListWidgetItem(entrance_label(entrance))
            item.setData(Qt.ItemDataRole.UserRole, entrance.id)
            self.entrances.addItem(item)
        self.entrances.setCurrentRow(0)

    def count(self) -> int:
        """How many entrances the list offers (not counting "all entrances")."""
        return self.entrances.count() - 1

    def select(self, entrance_id: str | None) -> None:
        """Pick an entrance by id (None or unknown: all entrances), as the person would click it."""
        for row in range(self.entrances.count()):
            if self.entrances.item(row).data(Qt.ItemDataRole.UserRole) == entrance_id:
                self.entrances.setCurrentRow(row)
                return
        self.entrances.setCurrentRow(0)

    def chosen_id(self) -> str | None:
        """The picked entrance's id, or None for all entrances."""
        item = self.entrances.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def nextId(self) -> int:
        return self._next_id
