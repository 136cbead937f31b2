"""The door's whole-order panel (issue 9 item 10): after an OK scan of a ticket whose order has more tickets,
"3 more in this order — admit all / choose". Lists the order's other tickets (guest, definition, already in
or void) as check boxes; the admissible ones start checked. Enter admits the checked ones, "Admit all" every
admissible one, Escape dismisses. The panel only asks: the host admits through core.door.admit_group, which
judges each ticket by the door's one rule.

Signals: `admit_requested(str order_number, list ticket_numbers)`, `dismissed()`."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton,
                               QVBoxLayout)

from core.door import GroupTicket

TICKET_ROLE = Qt.ItemDataRole.UserRole


def item_text(t: GroupTicket) -> str:
    """'Ana Moreira · Standing · T-123' with ' — already in' / ' — void' when it cannot be admitted."""
    text = " · ".join(p for p in (t.guest_name, t.definition_name, t.ticket_number) if p)
    if t.void:
        return text + " — void"
    return text + " — already in" if t.checked_in else text


class GroupPanel(QFrame):
    """Checkable list of an order's other tickets with "Admit selected (Enter)" and "Admit all"."""

    admit_requested = Signal(str, list)
    dismissed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.order_number = ""
        self.title = QLabel("")
        self.title.setStyleSheet("font-weight: bold;")
        self.list = QListWidget()
        self.list.setMaximumHeight(140)
        self.admit_button = QPushButton("Admit selected (Enter)")
        self.admit_button.clicked.connect(self.admit_selected)
        self.all_button = QPushButton("Admit all")
        self.all_button.clicked.connect(self.admit_all)
        self.close_button = QPushButton("Not now (Esc)")
        self.close_button.clicked.connect(self.dismiss)
        buttons = QHBoxLayout()
        for b in (self.admit_button, self.all_button, self.close_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        box = QVBoxLayout(self)
        box.addWidget(self.title)
        box.addWidget(self.list)
        box.addLayout(buttons)
        self.hide()

    def show_group(self, order_number: str, tickets: list[GroupTicket], scanned: str | None) -> bool:
        """Show `order_number`'s tickets other than `scanned`; returns False (and hides) when none of them
        can still be admitted."""
        others = [t for t in tickets if t.ticket_number != scanned]
        open_ = [t for t in others if not t.checked_in and not t.void]
        if not open_:
            self.clear()
            return False
        self.order_number = order_number
        self.title.setText(f"{len(open_)} more in this order {order_number} — admit all / choose")
        self.list.clear()
        for t in others:
            item = QListWidgetItem(item_text(t))
            item.setData(TICKET_ROLE, t.ticket_number)
            admissible = not t.checked_in and not t.void
            flags = Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable
            item.setFlags(flags | Qt.ItemFlag.ItemIsEnabled if admissible else flags)
            item.setCheckState(Qt.CheckState.Checked if admissible else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.show()
        self.list.setFocus()
        self.list.setCurrentRow(0)
        return True

    def _numbers(self, checked_only: bool) -> list[str]:
        out = []
        for i in range(self.list.count()):
            item = self.list.item(i)
            if not item.flags() & Qt.ItemFlag.ItemIsEnabled:
                continue
            if not checked_only or item.checkState() == Qt.CheckState.Checked:
                out.append(item.data(TICKET_ROLE))
        return out

    def chosen(self) -> list[str]:
        """The checked (admissible) ticket numbers, in list order."""
        return self._numbers(True)

    def admit_selected(self) -> None:
        numbers = self.chosen()
        if numbers:
            self.admit_requested.emit(self.order_number, numbers)

    def admit_all(self) -> None:
        numbers = self._numbers(False)
        if numbers:
            self.admit_requested.emit(self.order_number, numbers)

    def dismiss(self) -> None:
        self.clear()
        self.dismissed.emit()

    def clear(self) -> None:
        self.order_number = ""
        self.list.clear()
        self.hide()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.admit_selected()
        elif event.key() == Qt.Key.Key_Escape:
            self.dismiss()
        else:
            super().keyPressEvent(event)
