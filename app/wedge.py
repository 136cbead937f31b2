"""USB keyboard-wedge scanner input: an application-wide event filter that recognises fast key bursts.

A wedge scanner "types" its code as a burst of keystrokes ending in Enter (or Tab, WR-07), wherever the focus is. A human
types far slower. The filter watches every key press delivered to the focused widget; when Enter ends a
burst of at least `min_length` characters whose gaps were all under `max_gap_s`, it emits `scanned(code)`,
swallows the Enter (so no dialog button fires) and removes the burst from a line edit it landed in.

While a dialog is open (a modal widget, or the focus is in a QDialog) keys are never typed into it until
they are known not to be a burst (issue 9 item 5): each printable key is held back; a pause longer than
`max_gap_s` (a person typing) replays the held keys into the dialog unchanged, while a burst ending in Enter
is emitted as a scan — held for the door — and nothing of it reaches the dialog.
"""
from __future__ import annotations

import time
from typing import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QDialog, QLineEdit, QPlainTextEdit, QTextEdit,
                               QWidget)

from core.codes import parse_payload

_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
# A scanner set to send a Tab suffix: Tab ends a fast burst when the burst is a ticket code (core.codes);
# a person's Tab, or a password manager auto-typing a user name and Tab, moves the focus as usual.


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
        self._held: list[tuple[QWidget, int, Qt.KeyboardModifier, str]] = []  # keys kept from a dialog
        self._replaying = False
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self.release_held)

    def reset(self) -> None:
        """Forget the current burst."""
        self._chars.clear()
        self._target = None

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if not self.enabled or self._replaying or event.type() != QEvent.Type.KeyPress \
                or not isinstance(obj, QWidget):
            return False
        if not self._is_first_receiver(obj):
            return False  # the same key event propagating to a parent, or the QWindow copy
        now = self._clock()
        if self._chars and now - self._last_at > self.max_gap_s:
            self.release_held()  # too slow: a person typing; what was held is theirs
            self.reset()
        self._last_at = now
        key = event.key()
        if key in _ENTER_KEYS or (key == Qt.Key.Key_Tab and parse_payload("".join(self._chars)) is not None):
            return self._finish(obj)  # Tab ends only a burst that is a ticket code: auto-typed logins pass
        text = event.text()
        if text and text.isprintable() and len(text) == 1:
            if not self._chars:
                self._target = obj
            self._chars.append(text)
            if _in_dialog(obj):
                self._held.append((obj, key, event.modifiers(), text))
                self._flush_timer.start(max(1, int(self.max_gap_s * 1000)))
                return True  # not typed into the dialog until it is known not to be a scan
        elif key not in (Qt.Key.Key_Shift, Qt.Key.Key_CapsLock, Qt.Key.Key_AltGr):
            self.release_held()
            self.reset()
        return False

    def release_held(self) -> None:
        """Type the held keys into the dialog they were meant for (a person was typing)."""
        self._flush_timer.stop()
        held, self._held = self._held, []
        self._replaying = True
        try:
            for target, key, modifiers, text in held:
                QApplication.sendEvent(target, QKeyEvent(QEvent.Type.KeyPress, key, modifiers, text))
        finally:
            self._replaying = False

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
            self.release_held()
            return False  # a person pressing Enter: let it through
        self._flush_timer.stop()
        held, self._held = self._held, []
        if not held:
            _remove_typed_suffix(target or obj, code)
        self.scanned.emit(code)  # a burst from a dialog goes to the door too; the dialog never saw it
        return True


def _in_dialog(widget: QWidget) -> bool:
    """True when `widget` is in a dialog or a modal window is open (its keys are held, see the module doc)."""
    return QApplication.activeModalWidget() is not None or isinstance(widget.window(), QDialog)


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
