"""SyncController: background sync for the GUI (STYLE.md §4). A QTimer starts SyncEngine.run_once() on
app.tasks' pool — never more than one run in flight — with a cancel token for shutdown; the outcome becomes a
SyncStatus (online, last sync, changes waiting, rejected, conflicts, clock warning) for the status bar and the
Sync tab. It also looks up, on demand, a scanned ticket the ledger does not know (case WR-13 a)."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

import httpx
from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from app import config, formatting, tasks
from core import outbox
from sync import clock, connection, state
from sync.conflicts import list_conflicts
from sync import outcome as sync_outcome
from sync.outcome import SyncOutcome
from sync.station import DEFAULT_TIMEOUT, load_config
# the unknown-ticket path (outcome, statuses, lookup) is sync.door's, one for the GUI and the CLI
from sync.door import (FAILED, FOUND, LOOKUP_TIMEOUT_S, NOT_CONNECTED, NOT_FOUND, OFFLINE,  # noqa: F401
                       LookupOutcome, NotConnected)
from sync.door import lookup as lookup_ticket

logger = logging.getLogger(__name__)

SOON_AFTER_CHANGE_S = 2.0       # a local change is pushed this soon when the station is online


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar and the Sync tab show. `online` = the last contact with the server worked;
    `last_sync` = when the local ticket list was last refreshed (aware UTC; None = never); `pending` outbox rows
    waiting (`pending_checkins` of them check-ins); `rejected` rows refused for good; `conflicts` open
    definition conflicts; `clock_warning` text when |offset| > the setting clock_warn_s (BC-13);
    `last_success` {resource: aware UTC} (WR-13: separate ages); `error` the last failure (or why not
    connected)."""

    connected: bool = False
    online: bool = False
    last_sync: datetime | None = None
    pending: int = 0
    rejected: int = 0
    conflicts: int = 0
    clock_warning: str | None = None
    pending_checkins: int = 0
    last_success: dict = field(default_factory=dict)
    running: bool = False
    error: str | None = None
    server: str = ""
    station: str = ""
    role: str | None = None
    clock_offset_s: float | None = None
    outcome: SyncOutcome | None = None  # the last run's class (sync.outcome; issue 8 item 6), None before one

    @property
    def state_word(self) -> str:
        """"online", "offline", or the last run's class when it says more ("refused by the server", "server
        error", "check the clock", …)."""
        if self.outcome is not None and self.outcome.kind not in (sync_outcome.OK, sync_outcome.SKIPPED,
                                                                  sync_outcome.REJECTED):
            return self.outcome.title
        return "online" if self.online else "offline"

    def text(self, time_zone: str = "UTC") -> str:
        """'online — last sync 20:41 — 0 changes waiting', 'offline — not connected — 3 changes waiting'…
        (times in the event's zone)."""
        waiting = f"{self.pending} change{'' if self.pending == 1 else 's'} waiting"
        if not self.connected:
            return f"offline — not connected — {waiting}"
        when = formatting.clock(self.last_sync, time_zone) if self.last_sync else "never"
        parts = [self.state_word, f"last sync {when}", waiting]
        if self.rejected:
            parts.append(f"{self.rejected} rejected")
        if self.conflicts:
            parts.append(f"{self.conflicts} conflict{'' if self.conflicts == 1 else 's'}")
        if self.clock_warning and self.state_word != "check the clock":
            parts.append("check the clock")
        if self.running:
            parts.append("syncing…")
        return " — ".join(parts)


# ---- worker-thread reads -------------------------------------------------------------------------------
def unsent_changes(session, event_id: str | None = None) -> tuple[int, int]:
    """(check-ins, other changes) still pending in the outbox, optionally of one event (WR-14)."""
    counts = outbox.pending_by_kind(session, event_id)
    checkins = sum(n for kind, n in counts.items() if kind in outbox.CHECKIN_KINDS)
    return checkins, sum(counts.values()) - checkins


def read_status(session) -> SyncStatus:
    """The stored part of the status (connection, counts, clock, last success); online/running are the
    controller's. Plain values only (safe to hand to the GUI thread)."""
    cfg = load_config(session)
    checkins, others = unsent_changes(session)
    success = state.last_success(session)
    health = state.engine_health(session)
    offset = clock.load(session, float(config.get("clock_warn_s")))
    return SyncStatus(
        connected=cfg is not None, last_sync=success.get("tickets") or max(success.values(), default=None),
        pending=checkins + others, pending_checkins=checkins, rejected=outbox.rejected_count(session),
        conflicts=len(list_conflicts(session)), clock_warning=offset.warning, last_success=success,
        error=health.last_error if health.failures else None,
        server=cfg.url if cfg else "", station=cfg.station if cfg else "", role=cfg.role if cfg else None,
        clock_offset_s=offset.offset_s if offset.measured_at else None)


class EngineSlot:
    """Builds a SyncEngine from the saved connection (sync.station) and rebuilds it when the connection
    changes; used from worker threads (a lock guards it). `get()` raises NotConnected."""

    def __init__(self, ledger, timeout: httpx.Timeout, engine_kw: dict | None = None):
        self.ledger, self.timeout, self.engine_kw = ledger, timeout, dict(engine_kw or {})
        self.lock = threading.RLock()
        self._engine = None
        self._signature: tuple | None = None

    def get(self):
        """The engine of the current connection. Raises NotConnected (no connection, or no key)."""
        with self.ledger.uow() as uow:
            cfg = connection.saved_config(uow.session)
        signature = (cfg.url, cfg.site_id, cfg.key_storage, cfg.station, tuple(cfg.event_ids))
        with self.lock:
            if self._engine is not None and signature == self._signature:
                return self._engine
            self.close()
            kw = {"clock_warn_s": float(config.get("clock_warn_s")), **self.engine_kw}
            self._engine = connection.station_engine(self.ledger, cfg=cfg, timeout=self.timeout, **kw)
            self._signature = signature
            return self._engine

    def close(self) -> None:
        """Close the engine's HTTP client (a later get() builds a new one)."""
        with self.lock:
            if self._engine is not None:
                self._engine.api.http.close()
            self._engine, self._signature = None, None


class SyncController(QObject):
    """Runs sync in the background for one station ledger (GUI thread only).

    Signals: `sync_started()`, `sync_progress(str)`, `sync_finished(SyncReport)` after every run that
    produced a report (failed runs too), `sync_failed(str)` when a run did not succeed (or the station is
    not connected), `state_changed(SyncStatus)` whenever the status may have changed. `interval_s` seconds
    between runs (default: the setting sync_interval_s, app/config.py); `engine_kw` extra SyncEngine arguments
    (e.g. cooldown_s; clock_warn_s defaults to the setting)."""

    sync_started = Signal()
    sync_progress = Signal(str)
    sync_finished = Signal(object)
    sync_failed = Signal(str)
    state_changed = Signal(object)
    _progress_relay = Signal(str)

    def __init__(self, ledger, *, interval_s: float | None = None, lookup_timeout_s: float = LOOKUP_TIMEOUT_S,
                 engine_kw: dict | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.ledger = ledger
        self._runs = EngineSlot(ledger, _run_timeout(), engine_kw)
        self._lookups = EngineSlot(ledger, httpx.Timeout(lookup_timeout_s, connect=min(3.0, lookup_timeout_s)),
                                   engine_kw)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.sync_now)
        self.set_interval(float(config.get("sync_interval_s")) if interval_s is None else interval_s)
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.timeout.connect(self.sync_now)
        self._cancel = threading.Event()
        self._running = self._again = self._stopped = False
        self._online = False
        self._connected: bool | None = None  # None until a run or a status read tells
        self._run_error: str | None = None
        self._outcome: SyncOutcome | None = None
        self._status_busy = self._status_dirty = False
        self.status = SyncStatus()
        self._progress_relay.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)

    # ---- control -------------------------------------------------------------------------------------
    def set_interval(self, seconds: float) -> None:
        """Seconds between automatic runs (≥0.1)."""
        self._timer.setInterval(max(100, int(seconds * 1000)))

    def start(self, run_now: bool = True) -> None:
        """Start the timer (and a first run at once when `run_now`)."""
        self._timer.start()
        self.refresh_status()
        if run_now:
            self.sync_now()

    @property
    def running(self) -> bool:
        return self._running

    def sync_now(self, force: bool = False) -> bool:
        """Start a run now (`force` ignores the cool-down after a failure). False when one is already in flight
        (a follow-up run is then queued) or the controller was shut down."""
        if self._stopped:
            return False
        if self._running:
            self._again = True
            return False
        self._running = True
        slot, token, relay = self._runs, self._cancel, self._progress_relay.emit

        def job():  # worker thread: no widgets, own sessions (the engine opens them)
            return slot.get().run_once(progress=relay, cancel=token, force=force)

        self.sync_started.emit()
        self._publish(replace(self.status, running=True))
        tasks.run_in_background(job, self._on_run_done, self._on_run_error)
        return True

    def on_local_change(self, _kind: str = "") -> None:
        """A tab stored a change: recount now, and push it soon when online."""
        self.refresh_status()
        if self._online and not self._stopped:
            self._soon.start(int(SOON_AFTER_CHANGE_S * 1000))

    def shutdown(self, wait_ms: int = 10000) -> bool:
        """Stop the timers, cancel a run in flight, wait for background work, close the HTTP clients.
        Returns False when work was still running after `wait_ms` ms (the clients are closed anyway)."""
        self._stopped = True
        self._timer.stop()
        self._soon.stop()
        self._cancel.set()
        deadline, done = time.monotonic() + wait_ms / 1000, False
        while not done and time.monotonic() < deadline:  # delivered callbacks may start short follow-ups
            done = tasks.wait_for_done(max(1, int((deadline - time.monotonic()) * 1000)))
        self._runs.close()
        self._lookups.close()
        return done

    # ---- run outcome ---------------------------------------------------------------------------------
    @Slot(str)
    def _on_progress(self, message: str) -> None:
        self.sync_progress.emit(message)

    def _on_run_done(self, report) -> None:
        self._running, self._connected = False, True  # a report means the saved connection was found
        self._outcome = report.outcome if not report.skipped else self._outcome
        if report.ok:
            self._online, self._run_error = True, None
        elif not report.skipped:
            self._online, self._run_error = False, report.error
        self.sync_finished.emit(report)
        if not report.ok and not report.skipped:
            self.sync_failed.emit(report.error or "sync failed")
        self._after_run()

    def _on_run_error(self, exc: BaseException) -> None:
        self._running = self._online = False
        if isinstance(exc, NotConnected):
            self._connected = False
        self._run_error = tasks.error_message(exc)
        self._outcome = (SyncOutcome(sync_outcome.NOT_CONNECTED, self._run_error) if isinstance(exc, NotConnected)
                         else sync_outcome.of_error(exc))
        if not isinstance(exc, NotConnected):
            logger.warning("sync run failed: %s", self._run_error)
        self.sync_failed.emit(self._run_error)
        self._after_run()

    def _after_run(self) -> None:
        connected = self.status.connected if self._connected is None else self._connected
        self._publish(replace(self.status, running=False, connected=connected, online=self._online and connected,
                              outcome=self._outcome))
        self.refresh_status()
        if self._again and not self._stopped:
            self._again = False
            QTimer.singleShot(0, self.sync_now)

    # ---- status --------------------------------------------------------------------------------------
    def refresh_status(self) -> None:
        """Re-read the stored status in the background (coalesced) and emit state_changed."""
        if self._stopped:
            return
        if self._status_busy:
            self._status_dirty = True
            return
        self._status_busy = True
        tasks.run_in_background(tasks.query_op(self.ledger, read_status), self._on_status, self._on_status_error)

    def _on_status(self, stored: SyncStatus) -> None:
        self._status_busy = False
        self._connected = stored.connected
        error = stored.error if stored.connected else "not connected"
        self._publish(replace(stored, online=self._online and stored.connected, running=self._running,
                              outcome=self._outcome,
                              error=self._run_error or error))
        if self._status_dirty:
            self._status_dirty = False
            self.refresh_status()

    def _on_status_error(self, exc: BaseException) -> None:
        self._status_busy = False
        self._publish(replace(self.status, error=f"sync state unknown: {tasks.error_message(exc)}"))

    def _publish(self, status: SyncStatus) -> None:
        self.status = status
        self.state_changed.emit(status)

    # ---- WR-13 a: on-demand lookup ------------------------------------------------------------------
    def lookup_unknown(self, event_id: str, ticket_number: str, on_done: Callable[[LookupOutcome], None]) -> None:
        """Ask the server for a scanned ticket the ledger does not know (SyncEngine.fetch_ticket: GetTicket,
        GetOrder, merged into the ledger). `on_done(LookupOutcome)` runs on the GUI thread: FOUND (re-scan it),
        NOT_FOUND (the server does not know it either), OFFLINE / NOT_CONNECTED / FAILED (WR-13 b: amber)."""
        slot = self._lookups
        last_sync = self.status.last_success.get("tickets") or self.status.last_sync

        def job():  # worker thread; lookups are serialised on their own HTTP client (runs use another)
            with slot.lock:
                return lookup_ticket(slot.get, event_id, ticket_number, last_sync)  # sync.door: one path

        def done(outcome: LookupOutcome):
            if outcome.status in (FOUND, NOT_FOUND):
                self._connected = True
                self._set_online(True)
            elif outcome.status == OFFLINE:
                self._set_online(False)
            on_done(outcome)

        def failed(exc):
            on_done(LookupOutcome(FAILED, ticket_number, None, tasks.error_message(exc), last_sync))

        tasks.run_in_background(job, done, failed)

    def _set_online(self, online: bool) -> None:
        if online != self._online:
            self._online = online
            connected = bool(self._connected)
            self._publish(replace(self.status, connected=connected, online=online and connected))


def _run_timeout() -> httpx.Timeout:
    return DEFAULT_TIMEOUT
