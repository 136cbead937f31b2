"""Run blocking work off the GUI thread: one helper, run_in_background (STYLE.md §4).

`fn` runs as a QRunnable on one shared QThreadPool; its result (or exception) comes back to the GUI thread
through a queued signal, where `on_success(result)` / `on_error(exc)` run. Without `on_error`, failures go
to one presenter (a warning dialog with a clear message, the traceback only in the log): never a frozen
window, never a traceback on screen.

Thread warning (as Anki's QueryOp/CollectionOp say): `fn` runs on a worker thread, so it must not touch
widgets or Qt models, and must open its own Session/UnitOfWork from the Ledger — a Session is never shared
across threads. `query_op` and `mutation_op` build such functions for you.

Mutations go through `run_op` (Anki's CollectionOp): one unit of work per use case, the core service called
directly, and what it changed (core.changes.Changes) announced on the GUI thread through `notifier()` —
the main window refreshes just the views that show those kinds (Anki's operation_did_execute hook).
"""
from __future__ import annotations

import logging
import threading
import time
import traceback
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

if TYPE_CHECKING:  # core.changes imports SQLAlchemy: not before the window shows (issue 11)
    from core.changes import Changes

logger = logging.getLogger(__name__)

_pool: QThreadPool | None = None
_in_flight: set["_Relay"] = set()
_lock = threading.Lock()
_error_presenter: Callable[[BaseException, QWidget | None], None] | None = None
SLOW_CALLBACK_S = 0.05  # a GUI-thread callback slower than this is logged (it stalls the event loop)


def pool() -> QThreadPool:
    """The app's thread pool for background work (separate from Qt's global pool; ≥2 threads)."""
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(max(2, QThreadPool.globalInstance().maxThreadCount()))
    return _pool


def in_flight() -> int:
    """Number of tasks submitted whose callbacks have not been delivered yet."""
    with _lock:
        return len(_in_flight)


def wait_for_done(timeout_ms: int = 5000) -> bool:
    """Wait for every background task to finish and deliver its callbacks (shutdown, test teardown).

    Returns False when tasks were still running after `timeout_ms` milliseconds. A delivered callback may
    start a follow-up task (a refresh after a check-in): those are waited for too, within the same time."""
    deadline = time.monotonic() + timeout_ms / 1000
    app = QApplication.instance()
    while True:
        remaining = max(0, int((deadline - time.monotonic()) * 1000))
        idle = pool().waitForDone(remaining)
        if app is not None:
            app.processEvents()  # queued deliveries run here
        if idle and not in_flight():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.005)


def error_message(exc: BaseException) -> str:
    """The human text of an error: a DomainError's message, else the exception's class and text."""
    message = getattr(exc, "message", None)
    if isinstance(message, str) and message:
        return message
    text = str(exc).strip()
    name = type(exc).__name__
    if "OperationalError" in name:
        return f"The local ledger could not be read or written ({text.splitlines()[0] if text else name})."
    return f"{name}: {text}" if text else name


def set_error_presenter(presenter: Callable[[BaseException, QWidget | None], None] | None) -> None:
    """Replace the shared presenter of unhandled background errors (None restores the dialog)."""
    global _error_presenter
    _error_presenter = presenter


def present_error(exc: BaseException, parent: QWidget | None = None, title: str = "Tessera") -> None:
    """Show `exc` to the operator as a warning dialog (clear message; traceback only in the log)."""
    if _error_presenter is not None:
        _error_presenter(exc, parent)
        return
    QMessageBox.warning(parent, title, error_message(exc))


def _alive(callback: Callable | None) -> bool:
    """False when `callback` is a bound method of a QObject that C++ has already deleted."""
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, QObject):
        try:
            import shiboken6

            return shiboken6.isValid(owner)
        except ImportError:  # pragma: no cover - shiboken6 ships with PySide6
            return True
    return True


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits `finished`, Qt queues the call back here."""

    finished = Signal(object, object, str)

    def __init__(self, on_success, on_error, parent_widget):
        super().__init__()
        self._on_success = on_success
        self._on_error = on_error
        self._parent_widget = parent_widget
        self.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @Slot(object, object, str)
    def _deliver(self, result: Any, error: BaseException | None, tb: str) -> None:
        with _lock:
            _in_flight.discard(self)
        started = time.perf_counter()
        try:
            if error is None:
                if self._on_success is not None and _alive(self._on_success):
                    self._on_success(result)
                return
            if _expected(error):  # a rule said no, or the server is away: the user sees it; no traceback
                logger.info("background task refused: %s", error_message(error))
            else:
                logger.warning("background task failed: %s\n%s", error_message(error), tb)
            if self._on_error is not None:
                if _alive(self._on_error):
                    self._on_error(error)
            else:
                parent = self._parent_widget if _alive(getattr(self._parent_widget, "show", None)) else None
                present_error(error, parent)
        except Exception as exc:  # a callback failing must not kill the event loop
            logger.exception("callback of a background task failed")
            present_error(exc, None)
        finally:
            spent = time.perf_counter() - started
            if spent > SLOW_CALLBACK_S:
                logger.warning("slow GUI callback %s: %.0f ms", getattr(self._on_success, "__qualname__", "?"),
                               spent * 1000)
            self.deleteLater()


def _expected(error: BaseException) -> bool:
    """Errors that are answers, not bugs: core's DomainError (a refused use case) and sync's SyncError
    (not connected, server unreachable, rejected)."""
    from core.errors import DomainError
    from sync.errors import SyncError

    return isinstance(error, (DomainError, SyncError))


class _Job(QRunnable):
    """Runs `fn` on a pool thread and hands the outcome to the relay."""

    def __init__(self, fn: Callable[[], Any], relay: _Relay):
        super().__init__()
        self.setAutoDelete(True)
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as exc:  # noqa: BLE001 - task boundary: everything reaches the GUI (STYLE §6)
            self._emit(None, exc, traceback.format_exc())
        else:
            self._emit(result, None, "")

    def _emit(self, result, error, tb: str) -> None:
        try:
            self._relay.finished.emit(result, error, tb)
        except RuntimeError:  # the app is shutting down and its relay is gone: nobody is waiting
            logger.debug("background result dropped at shutdown")


def run_in_background(fn: Callable[[], Any], on_success: Callable[[Any], None] | None = None,
                      on_error: Callable[[BaseException], None] | None = None,
                      parent: QWidget | None = None) -> None:
    """Run `fn()` on the pool; call `on_success(result)` or `on_error(exc)` later on the GUI thread.

    Must be called from the GUI thread. `fn` must not touch widgets and must open its own session.
    Callbacks bound to a QObject deleted meanwhile are skipped. Without `on_error`, the error is shown by
    present_error (dialog parented to `parent`)."""
    relay = _Relay(on_success, on_error, parent)
    with _lock:
        _in_flight.add(relay)
    pool().start(_Job(fn, relay))


def query_op(ledger, fn: Callable[..., Any], *args, **kwargs) -> Callable[[], Any]:
    """A background function that runs `fn(session, *args, **kwargs)` in a fresh read-only session.

    `fn` must build plain values (row DTOs) inside the session: ORM objects never leave the worker thread."""

    def job():
        with ledger.uow() as uow:
            return fn(uow.session, *args, **kwargs)

    return job


def mutation_op(ledger, fn: Callable[..., Any], *args, **kwargs) -> Callable[[], Any]:
    """A background function that runs `fn(session, *args, **kwargs)` in one UnitOfWork and commits once.

    An exception rolls the whole use case back (case BC-19)."""

    def job():
        with ledger.uow() as uow:
            result = fn(uow.session, *args, **kwargs)
            uow.commit()
            return result

    return job


@dataclass(frozen=True)
class OpResult:
    """What a mutation op hands back to the GUI thread: the service's result (as `present` made it) and
    what the committed use case changed."""

    result: Any
    changes: Changes


def collection_op(ledger, service: Callable[..., Any], *args, present: Callable[[Any, Any], Any] | None = None,
                  **kwargs) -> Callable[[], OpResult]:
    """A background function: open `ledger.uow()`, run `service(session, *args, **kwargs)`, turn its result
    into plain values with `present(session, result)` (inside the session: ORM objects never leave the
    worker), commit once and return OpResult(result, uow.changes). An exception rolls everything back."""

    def job() -> OpResult:
        with ledger.uow() as uow:
            result = service(uow.session, *args, **kwargs)
            shown = present(uow.session, result) if present is not None else result
            uow.commit()
        return OpResult(shown, uow.changes)

    return job


class ChangeNotifier(QObject):
    """GUI-thread announcements of committed changes: `changes_applied(Changes, ledger, origin)`, where
    `origin` is the widget whose op made them (it has refreshed itself) or None."""

    changes_applied = Signal(object, object, object)


_notifier: ChangeNotifier | None = None


def notifier() -> ChangeNotifier:
    """The app's one ChangeNotifier (GUI thread)."""
    global _notifier
    if _notifier is None:
        _notifier = ChangeNotifier()
    return _notifier


def announce(ledger, changes: Changes, origin: QObject | None = None) -> None:
    """Say that `changes` were committed to `ledger` (no-op for an empty change set). For work that does
    not run through run_op (e.g. a scan committed by its own use case)."""
    if changes:
        notifier().changes_applied.emit(changes, ledger, origin)


def run_op(ledger, service: Callable[..., Any], *args, present: Callable[[Any, Any], Any] | None = None,
           on_success: Callable[[Any], None] | None = None, on_error: Callable[[BaseException], None] | None = None,
           parent: QWidget | None = None, **kwargs) -> None:
    """Run the mutating core `service(session, *args, **kwargs)` in one unit of work in the background
    (collection_op); on the GUI thread call `on_success(result)`, then announce what changed with `parent`
    as the origin. Errors go to `on_error` (or the shared presenter); nothing is announced then."""

    def done(op: OpResult) -> None:
        try:
            if on_success is not None and _alive(on_success):
                on_success(op.result)
        finally:
            announce(ledger, op.changes, parent if _alive(getattr(parent, "show", None)) else None)

    run_in_background(collection_op(ledger, service, *args, present=present, **kwargs), done, on_error, parent)
