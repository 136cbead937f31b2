"""USB keyboard-wedge scanner input: an application-wide event filter that recognises fast key bursts.

A wedge scanner "types" its code as a burst of keystrokes ending in Enter, wherever the focus is. A human
types far slower. The filter watches every key press delivered to the focused widget; when Enter ends a
burst of at least `min_length` characters whose gaps were all under `max_gap_s`, it emits `scanned(code)`,
swallows the Enter (so no dialog button fires) and removes the burst from a line edit it landed in.
"""
from __future__ import annotations

import time
from typing import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class WedgeFilter(QObject):
    """Install with `QApplication.instance().installEventFilter(f)`; connect `scanned(str)`.

    `max_gap_s`: the longest pause between two keys of one burst (default 50 ms; scanners send a key every
    few ms, people every 100 ms or more). `min_length`: the shortest code accepted (default 4)."""

    scanned = Signal(str)

    def __init__(self, parent: QObject | None = None, *, max_gap_s: float = 0.05, min_length: int = 4,
                 clock: Callable[[], float] = time.monotonic):
        super().__init__(parent)
        self.max_gap_s = max_gap_s
        self.min_length = min_length
        self.enabled = True
        self._clock = clock
        self._chars: list[str] = []
        self._last_at = 0.0
        self._target: QWidget | None = None

    def reset(self) -> None:
        """Forget the current burst."""
        self._chars.clear()
        self._target = None

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if not self.enabled or event.type() != QEvent.Type.KeyPress or not isinstance(obj, QWidget):
            return False
        if not self._is_first_receiver(obj):
            return False  # the same key event propagating to a parent, or the QWindow copy
        now = self._clock()
        if self._chars and now - self._last_at > self.max_gap_s:
            self.reset()  # too slow: a person typing, start over
        self._last_at = now
        key = event.key()
        if key in _ENTER_KEYS:
            return self._finish(obj)
        text = event.text()
        if text and text.isprintable() and len(text) == 1:
            if not self._chars:
                self._target = obj
            self._chars.append(text)
        elif key not in (Qt.Key.Key_Shift, Qt.Key.Key_CapsLock, Qt.Key.Key_AltGr):
            self.reset()
        return False

    @staticmethod
    def _is_first_receiver(obj: QWidget) -> bool:
        focus = QApplication.focusWidget()
        if focus is not None:
            return obj is focus
        return obj.isWindow()  # no focus widget: Qt delivers keys to the active window itself

    def _finish(self, obj: QWidget) -> bool:
        code = "".join(self._chars)
        target = self._target
        self.reset()
        if len(code) < self.min_length:
            return False  # a person pressing Enter: let it through
        _remove_typed_suffix(target or obj, code)
        self.scanned.emit(code)
        return True


def _remove_typed_suffix(widget: QWidget, code: str) -> None:
    """Take the burst back out of the text field it was typed into (the scan is not form input)."""
    if isinstance(widget, QLineEdit):
        text = widget.text()
        if text.endswith(code):
            widget.setText(text[: -len(code)])
    elif isinstance(widget, QAbstractSpinBox):
        edit = widget.findChild(QLineEdit)
        if edit is not None and edit.text().endswith(code):
            edit.setText(edit.text()[: -len(code)])
    elif isinstance(widget, (QPlainTextEdit, QTextEdit)):
        text = widget.toPlainText()
        if text.endswith(code):
            widget.setPlainText(text[: -len(code)])
