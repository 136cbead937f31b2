"""Start-up helpers of the main window (issue 11: first window ≤ 1.5 s): run work once the window has been
painted, so nothing but the window's own building delays its first frame."""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


EXPOSE_WAIT_MS = 1000  # a window never exposed (minimised, a platform without expose events) starts anyway


class _ExposeWatch(QObject):
    """Event filter on a top-level window's QWindow: calls `fn` once, from the event loop, after the
    window's first Expose (its first frame is painted while the expose is handled), or after EXPOSE_WAIT_MS."""

    def __init__(self, handle, fn):
        super().__init__(handle)
        self._handle, self._fn = handle, fn
        QTimer.singleShot(EXPOSE_WAIT_MS, self, self.fire)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Expose and obj.isExposed():
            self.fire()
        return False

    def fire(self) -> None:
        """Call `fn` at the next event-loop turn (once)."""
        if self._fn is not None:
            fn, self._fn = self._fn, None
            self._handle.removeEventFilter(self)
            QTimer.singleShot(0, fn)


def when_exposed(window: QWidget, fn: Callable[[], None]) -> None:
    """Run `fn()` on the GUI thread once the shown top-level `window` has been exposed (first frame drawn);
    at the next event-loop turn when it already is, or has no native window."""
    handle = window.windowHandle()
    if handle is None or handle.isExposed():
        QTimer.singleShot(0, fn)
        return
    handle.installEventFilter(_ExposeWatch(handle, fn))
