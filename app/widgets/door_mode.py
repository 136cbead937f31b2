"""Full-screen door mode (F11, issue 9 item 3): a top-level window that shows only the verdict, the counters
and the code input, borrowed from the Door tab while it is open (the same widgets, so every verdict, sound
and counter update appears there without a second copy) and handed back when it closes (F11 or Esc)."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget


class DoorModeView(QWidget):
    """The window. `take(panel, counters, entry)` re-parents the three widgets into it; `closed` is emitted
    when the operator leaves (F11, Esc or closing the window) so the tab takes them back."""

    closed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Window)  # its own window, closed with the main one
        self.setWindowTitle("Tessera — door")
        self.setObjectName("doorMode")
        self.setStyleSheet("#doorMode { background: #101010; } #doorMode QLabel { color: #f0f0f0; }")
        self._layout = QVBoxLayout(self)
        self._bottom = QHBoxLayout()
        for key in ("F11", "Escape"):
            QShortcut(QKeySequence(key), self, activated=self.close)
        self._leaving = False

    def take(self, panel: QWidget, counters: QWidget, entry: QWidget) -> None:
        """Show `panel` (the verdict), `counters` and `entry` (the code input row) in this window."""
        self._layout.addWidget(panel, 1)
        self._bottom.addWidget(counters, 1)
        self._bottom.addWidget(entry, 1)
        self._layout.addLayout(self._bottom)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        if not self._leaving:
            self._leaving = True
            self.closed.emit()
        super().closeEvent(event)
