"""Start-up helpers of the main window (issue 11: first window ≤ 1.5 s): run work once the window has been
painted, so nothing but the window's own building delays its first frame; run the slow part of opening
(imports, the ledger) on a worker thread while the event loop keeps the window painted."""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget


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


def run_while_painting(fn: Callable[[], Any], slice_ms: int = 10) -> Any:
    """Run `fn()` on a worker thread and return its result (or raise its exception), processing the GUI
    thread's events meanwhile (paint, expose, resize: the shown window stays drawn). Must be called on the
    GUI thread before app.exec(); `fn` must not touch widgets (it may import modules and open the ledger).
    Events that would start other work (user input) are left queued until it returns."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=work, name="tessera-open", daemon=True)
    worker.start()
    app, flags = QApplication.instance(), QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents
    while worker.is_alive():
        if app is not None:
            app.processEvents(flags, slice_ms)
        worker.join(slice_ms / 1000)
    if "error" in box:
        raise box["error"]
    return box.get("result")


def surely_has_event(db_path: str) -> bool:
    """True only when the SQLite ledger at `db_path` surely holds an event, read with the stdlib driver in
    read-only mode (no SQLAlchemy, nothing created or changed): then the set-up wizard's check
    (app.dialogs.setup_wizard.needs_setup: no event and no hub) cannot ask for it and `tessera gui` skips
    opening the ledger before its window. False when unsure (no file, another database, an error): the caller
    runs the full check."""
    path = Path(db_path)
    if not path.is_file():
        return False
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("SELECT 1 FROM events LIMIT 1").fetchone() is not None
        finally:
            con.close()
    except (sqlite3.Error, OSError, ValueError):
        return False
