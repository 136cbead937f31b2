"""Sync in the main window: `install_sync(window)` adds the Sync tab and the status-bar indicator, starts the
SyncController, looks up tickets the door does not know (case WR-13) and asks before quitting with changes not
yet uploaded (case WR-14). Uses only MainWindow's public attributes (tabs, door, ctx, statusBar, sync_label,
on_data_changed, on_changes_applied, changes_applied, refresh_pending, set_online, set_card_available)."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QMessageBox

from app import formatting
from app.sync_controller import SyncController, unsent_changes
from app.tabs.sync_tab import SyncTab
from app.widgets.sync_status import SyncStatusWidget
from app.widgets.verdict_panel import WARN_CLASS
from core.changes import Changes
from sync import door as door_sync

logger = logging.getLogger(__name__)

RETRY_WINDOW_S = 30.0  # a re-scan after a successful lookup counts as that lookup's answer this long


# ---- WR-14: leaving with changes not yet uploaded ---------------------------------------------------------
def leave_question(checkins: int, others: int, action: str) -> str | None:
    """The confirmation text, e.g. '37 check-ins not yet uploaded. …', or None when nothing waits (WR-14)."""
    if checkins:
        head = f"{checkins} check-in{'' if checkins == 1 else 's'} not yet uploaded"
        if others:
            head += f" (and {others} other change{'' if others == 1 else 's'})"
    elif others:
        head = f"{others} change{'' if others == 1 else 's'} not yet uploaded"
    else:
        return None
    return (f"{head}. They stay queued in this station's ledger and are uploaded at the next sync, "
            f"also after a restart. {action}")


def confirm_leave(parent, ledger, title: str, action: str, event_id: str | None = None) -> bool:
    """Ask before quitting / switching event while changes wait (WR-14). True = go ahead (nothing waits, or
    the operator said Yes). One COUNT query on the GUI thread: the answer must hold at this very moment."""
    with ledger.uow() as uow:
        checkins, others = unsent_changes(uow.session, event_id)
    text = leave_question(checkins, others, action)
    if text is None:
        return True
    answer = QMessageBox.question(parent, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


class CloseGuard(QObject):
    """Event filter on the main window: a Close asks first while changes wait (WR-14); once closing goes ahead
    the controller is shut down (cancel token, wait for the run) before the window's own closeEvent."""

    def __init__(self, window, ledger, controller: SyncController):
        super().__init__(window)
        self.window, self.ledger, self.controller = window, ledger, controller

    def eventFilter(self, obj, event) -> bool:
        if obj is self.window and event.type() == QEvent.Type.Close:
            if not confirm_leave(self.window, self.ledger, "Quit Tessera", "Quit anyway?"):
                event.ignore()
                return True
            self.controller.shutdown()
        return False


# ---- WR-13: a ticket the door does not know --------------------------------------------------------------
def offline_text(last_sync, time_zone: str) -> str:
    """'Not in local list (last sync 19:55), check the purchase e-mail or admit provisionally' (event time)."""
    return door_sync.offline_message(formatting.clock(last_sync, time_zone) if last_sync else "never")


def show_warning(panel, headline: str, details: str, extra: str = "") -> None:
    """An amber verdict panel (the VerdictPanel has no public amber method yet)."""
    panel.show_message(headline, details)
    panel.extra.setText(extra)
    panel._paint(WARN_CLASS)  # private: a public VerdictPanel.show_warning is proposed to the lead


class UnknownTicketHelper(QObject):
    """Watches the door's results: for UNKNOWN in the current event it asks the server (online → the ticket is
    merged and re-scanned, so a valid one is admitted) or shows amber "not in local list" (offline) instead of
    a red INVALID caused by a stale snapshot (WR-13). The decisions are sync.door's (wants_lookup, lookup,
    next_step), the same as `tessera scan`'s; this class only paints them and re-submits."""

    def __init__(self, door, controller: SyncController, ctx, parent=None):
        super().__init__(parent or door)
        self.door, self.controller, self.ctx = door, controller, ctx
        self._looked_up: dict[str, float] = {}  # ticket number → when a lookup found it (monotonic s)
        self._showing: str | None = None        # the ticket whose lookup the panel is waiting for

    def wants(self, result) -> bool:
        """True when `result` (a ScanResult) is an UNKNOWN in the current event that this helper looks up — so
        the door may skip its red panel and sound for it (see DoorTab.defer_unknown in the report)."""
        if not door_sync.wants_lookup(result, self.ctx.event_id):
            return False
        found_at = self._looked_up.get(result.ticket_number)
        return found_at is None or time.monotonic() - found_at >= RETRY_WINDOW_S

    def on_scanned(self, result) -> None:
        """Slot for DoorTab.scanned(ScanResult)."""
        tn = result.ticket_number
        self._showing = None
        wanted = self.wants(result)
        found = self._looked_up.pop(tn, None) is not None if tn else False
        if not wanted:
            if found and getattr(result.verdict, "value", result.verdict) == "UNKNOWN":
                self.door.verdict_panel.extra.setText("The server knows this ticket, but not for this event")
            return
        self._showing = tn  # asked even when the status says offline: it may be stale, and the answer is quick
        show_warning(self.door.verdict_panel, "CHECKING WITH THE SERVER…", f"Ticket {tn} is not in the local list")
        self.controller.lookup_unknown(self.ctx.event_id, tn, lambda outcome: self._on_lookup(result, outcome))

    def _on_lookup(self, result, outcome) -> None:
        if self._showing != outcome.ticket_number:  # the door has moved on; the ticket is merged anyway
            return
        self._showing = None
        tn = outcome.ticket_number
        step = door_sync.next_step(outcome)  # the one decision, shared with `tessera scan`
        if step == door_sync.RESCAN:
            self._looked_up[tn] = time.monotonic()
            self.door.submit(result.payload, "SCAN")
        elif step == door_sync.REFUSE:
            self.door.verdict_panel.show_error("UNKNOWN TICKET", f"Ticket {tn} is not known to the server either")
            self.ctx.sound.play("error")
        else:
            logger.info("lookup of %s failed (%s): %s", tn, outcome.status, outcome.error)
            self._show_offline(tn, outcome.last_sync)
            self.door.offer_provisional(result.payload)  # WR-13 b: staff may admit now; checked at sync

    def _show_offline(self, tn: str, last_sync) -> None:
        show_warning(self.door.verdict_panel, "NOT IN LOCAL LIST", offline_text(last_sync, self.ctx.time_zone),
                     f"Ticket {tn}")
        self.ctx.sound.play("warn")


# ---- installation ---------------------------------------------------------------------------------------
@dataclass
class SyncWiring:
    """What install_sync added: the controller, the tab, the status widget, the door helper, the close guard."""

    controller: SyncController
    tab: SyncTab
    status_widget: SyncStatusWidget
    door_helper: UnknownTicketHelper
    close_guard: CloseGuard


def install_sync(window, ledger=None, *, interval_s: float | None = None, engine_kw: dict | None = None,
                 start: bool = True) -> SyncWiring:
    """Add sync to a MainWindow: a "Sync" tab, the status-bar indicator (replacing window.sync_label), the
    WR-13 door lookup, the WR-14 close confirmation, and data refresh after a sync brought changes. Starts
    the controller (first run at once) unless `start` is False. `interval_s` default: setting sync_interval_s."""
    from app import config

    ctx = window.ctx
    ledger = ledger or ctx.ledger
    interval = float(config.get("sync_interval_s")) if interval_s is None else interval_s
    controller = SyncController(ledger, interval_s=interval, engine_kw=engine_kw, parent=window)
    tab = SyncTab(ctx, controller)
    window.tabs.addTab(tab, "Sync")
    tab.changed.connect(window.on_data_changed)
    widget = SyncStatusWidget(lambda: ctx.time_zone)
    window.sync_label.hide()
    window.statusBar().addPermanentWidget(widget)
    widget.clicked.connect(lambda: window.tabs.setCurrentWidget(tab))
    controller.state_changed.connect(widget.set_status)
    controller.state_changed.connect(lambda status: _keep_clock_offset(ctx, status))
    # WR-15 a: a station connected to a server takes cards only while it reaches it; a standalone station
    # (no server configured) records card payments taken on its own terminal.
    controller.state_changed.connect(
        lambda status: window.set_card_available(status.online or not status.connected))
    controller.state_changed.connect(lambda status: window.set_online(status.online))
    window.changes_applied.connect(lambda changes: _on_local_changes(controller, changes))
    controller.sync_finished.connect(lambda report: _after_sync(window, report))
    helper = UnknownTicketHelper(window.door, controller, ctx)
    window.door.scanned.connect(helper.on_scanned)
    window.door.defer_unknown = helper.wants  # no red flash and error sound before the lookup answers
    guard = CloseGuard(window, ledger, controller)
    window.installEventFilter(guard)
    if start:
        controller.start()
    return SyncWiring(controller, tab, widget, helper, guard)


def _keep_clock_offset(ctx, status) -> None:
    """The door's check-ins carry corrected time = device time + the last measured offset (BC-13)."""
    if status.clock_offset_s is not None:
        ctx.clock_offset_s = float(status.clock_offset_s)


def _on_local_changes(controller: SyncController, changes: Changes) -> None:
    """Outbox rows queued here (not by a sync run): recount and push them soon."""
    if changes.outbox and not changes.sync:
        controller.on_local_change()


def run_changes(report) -> Changes:
    """What a sync run changed, as a change set with sync=True: the run's own `changes` when its report
    carries them, else every entity of each resource it pulled (`pulled_by`), and outbox when it sent or
    set aside rows (and, having sent rows, the kinds whose server answers it applied)."""
    carried = getattr(report, "changes", None)
    if isinstance(carried, Changes):
        return carried | Changes(sync=True)
    fields = Changes.__dataclass_fields__
    every = frozenset("*")
    touched = {name: every for name, n in (report.pulled_by or {}).items()
               if n and name in fields and name not in ("outbox", "sync")}
    if report.pushed:  # accepted rows bring the server's answer back (order status, definition fields)
        touched.update(orders=every, definitions=every, checkins=every)
    return Changes(sync=True, outbox=bool(report.pushed or report.rejected), **touched)


def _after_sync(window, report) -> None:
    """After every run: the sync state recounts; the tabs showing what the run changed reload."""
    window.refresh_pending()
    window.on_changes_applied(run_changes(report))
