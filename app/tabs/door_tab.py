"""The Door: camera / keyboard-wedge / typed codes in, a verdict readable from 2 m and a sound out.
Every verdict has a next step (issue 9): "Take payment & admit" for UNPAID (core.door.pay_and_admit),
provisional entry only where core.door.provisional_refusal allows it, a safe undo naming the guest, F11
full-screen door mode (app.widgets.door_mode); keyboard: Ctrl+F search, arrows into the results, Enter.

Every code goes through the door use case (core.door.scan, the same as `tessera scan`) on a worker thread,
one at a time in arrival order; the panel shows exactly the stored result (case BC-19). Camera frames are read and decoded off the GUI
thread (app.camera, case BC-23); a missing zbar is reported and the other decoders keep working (BC-25).
Guests without a readable code are found by the search below and checked in with method MANUAL (WR-11)."""
from __future__ import annotations

import collections
import logging
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (QCheckBox, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QVBoxLayout, QWidget)

from app import config, queries
from app.debounce import Debouncer
from app.dialogs.payment_dialog import PaymentDialog
from app.tabs.door_camera import DoorCameraMixin
from app.tabs.door_steps import DoorStepsMixin, station_facts
from app.tasks import announce, error_message, query_op, run_in_background
from app.widgets.door_mode import DoorModeView
from app.widgets.entrance_picker import EntrancePicker
from app.widgets.guest_search import GuestSearch
from app.widgets.verdict_panel import VerdictPanel, result_class
from core import door as core_door
from core.changes import Changes

logger = logging.getLogger(__name__)

SCAN, MANUAL = "SCAN", "MANUAL"
MAX_QUEUE = 50  # codes waiting for the ledger; beyond this a burst is refused, never piling up


class DoorTab(DoorCameraMixin, DoorStepsMixin, QWidget):
    """Scanner input, verdict panel, next steps, undo, guest search and live counters for the current event.

    Signals: `scanned(object)` with each ScanResult shown; stored changes are announced (app.tasks)."""

    scanned = Signal(object)

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self._debouncer = Debouncer(ctx.scan_debounce_s)
        self._queue: collections.deque[tuple[str, str]] = collections.deque()
        self._busy = False
        self._undo_stack: list[tuple[str, str]] = []  # (ticket number, payload) of OK check-ins, newest last
        self._undo_asking = False
        self._stats_busy = self._stats_dirty = False
        self.decoder_unavailable: dict[str, str] = {}
        self.defer_unknown = None  # callable(ScanResult) -> bool, set by app.sync_wiring (WR-13 lookup)
        self._decoder_names: list[str] | None = None  # what loads here; the decoder process uses the same
        self.provisional_enabled = config.get("door_provisional")
        self.take_payment_enabled = config.get("door_take_payment")
        self.undo_confirm_after_s = config.get("undo_confirm_after_s")
        self.role: str | None = None
        self.last_sync = None
        self.door_mode: DoorModeView | None = None
        self.payment_dialog: PaymentDialog | None = None
        self._unpaid = None  # the UNPAID ScanResult the pay button is for
        self._build()
        self._check_decoders()

    # ---- layout ---------------------------------------------------------------------------------------
    def _build(self) -> None:
        self._build_camera()
        self.decoder_status = QLabel("")
        self.decoder_status.setWordWrap(True)
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText("Type a ticket number and press Enter")
        self.code_edit.returnPressed.connect(self.on_code_entered)
        self.check_button = QPushButton("Check")
        self.check_button.clicked.connect(self.on_code_entered)
        self.verdict_panel = VerdictPanel(ready_after_s=config.get("door_ready_after_s"))
        self.verdict_panel.went_ready.connect(self._on_ready)
        self.undo_action = QAction("&Undo last check-in", self, shortcut=QKeySequence("Ctrl+Z"))
        self.undo_action.triggered.connect(self.undo_last)
        self.addAction(self.undo_action)
        self.undo_button = QPushButton("Undo last check-in (Ctrl+Z)")
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self.undo_last)
        self.pay_button = QPushButton("Take payment && admit")
        self.pay_button.hide()
        self.pay_button.clicked.connect(self.take_payment)
        self.provisional_button = QPushButton("Admit provisionally")
        self.provisional_button.setToolTip("Not in the local list while offline: admit now, checked at the next "
                                           "sync (WR-13)")
        self.provisional_button.hide()
        self.provisional_button.clicked.connect(self.admit_provisionally)
        self.provisional_note = QLabel("")
        self.provisional_note.setWordWrap(True)
        self._provisional_payload: str | None = None
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self.search_guest)
        QShortcut(QKeySequence("F11"), self, activated=self.toggle_door_mode)
        self.mute_box = QCheckBox("Mute sounds")
        self.mute_box.setChecked(self.ctx.sound.muted)
        self.mute_box.toggled.connect(self.ctx.sound.set_muted)
        self.counter_label = QLabel("")
        self.counter_label.setStyleSheet("font-size: 20pt; font-weight: bold;")
        self.per_definition = QLabel("")
        self.per_definition.setTextFormat(Qt.TextFormat.RichText)
        self.entrance_picker = EntrancePicker()  # entrance, exit mode, inside now (issue 9 items 7–8)
        self.entrance_picker.changed.connect(self._on_entrance_changed)
        self.search = GuestSearch(self.ctx)
        self.search.check_in_requested.connect(lambda tn: self.submit(tn, MANUAL))
        self._lay_out()

    def _lay_out(self) -> None:
        camera_box = QGroupBox("Camera")
        cam = QVBoxLayout(camera_box)
        cam.addWidget(self.preview, 1)
        row = QHBoxLayout()
        row.addWidget(self.camera_picker)
        row.addWidget(self.find_cameras_button)
        row.addWidget(self.camera_button)
        cam.addLayout(row)
        cam.addWidget(self.camera_status)
        cam.addWidget(self.decoder_status)
        self.entry_row = QWidget()
        entry = QHBoxLayout(self.entry_row)
        entry.setContentsMargins(0, 0, 0, 0)
        entry.addWidget(self.code_edit, 1)
        entry.addWidget(self.check_button)
        self._left = QVBoxLayout()
        self._left.addWidget(camera_box, 3)
        self._left.addWidget(self.entry_row)
        counts = QGroupBox("Live counts")
        self._counts = QGridLayout(counts)
        self._counts.addWidget(self.counter_label, 0, 0)
        self._counts.addWidget(self.per_definition, 1, 0)
        self._counts.addWidget(self.entrance_picker, 2, 0)
        self._left.addWidget(counts, 1)
        actions = QHBoxLayout()
        for w in (self.pay_button, self.provisional_button, self.undo_button):
            actions.addWidget(w)
        actions.addStretch(1)
        actions.addWidget(self.mute_box)
        self._right = QVBoxLayout()
        self._right.addWidget(self.verdict_panel, 3)
        self._right.addLayout(actions)
        self._right.addWidget(self.provisional_note)
        self._right.addWidget(self.search, 2)
        top = QHBoxLayout(self)
        top.addLayout(self._left, 2)
        top.addLayout(self._right, 3)

    # ---- full-screen door mode and keyboard (issue 9 items 3, 5) ---------------------------------------
    def toggle_door_mode(self) -> None:
        """F11: show only the verdict, the counters and the input, full screen; F11 or Esc returns."""
        if self.door_mode is not None:
            self.door_mode.close()
            return
        self.door_mode = DoorModeView(self.window())
        self.door_mode.take(self.verdict_panel, self.counter_label, self.entry_row)
        self.door_mode.closed.connect(self._leave_door_mode)
        screen = self.window().screen()
        if screen is not None:  # also sized without a window manager (kiosk X sessions)
            self.door_mode.setGeometry(screen.geometry())
        self.door_mode.showFullScreen()
        self.code_edit.setFocus()

    def _leave_door_mode(self) -> None:
        view, self.door_mode = self.door_mode, None
        self._right.insertWidget(0, self.verdict_panel, 3)
        self._left.insertWidget(1, self.entry_row)
        self._counts.addWidget(self.counter_label, 0, 0)
        if view is not None:
            view.deleteLater()

    def search_guest(self) -> None:
        """Ctrl+F: to the guest search box (Down then moves into the results, Enter checks in)."""
        self.search.focus_search()

    # ---- event / refresh ------------------------------------------------------------------------------
    def set_event(self, event) -> None:
        """Work on `event` (an app.queries.EventInfo): reset the undo stack, refresh counts."""
        self.ctx.event = event
        self._undo_stack.clear()
        self.undo_button.setEnabled(False)
        self.search.set_time_zone(self.ctx.time_zone)
        self._entrances_event = None  # the remembered entrance of the new event is loaded
        self.refresh()

    def refresh(self) -> None:
        """Reload the live counters (coalesced: at most one query in flight), the station's role and last
        sync, and the search results."""
        run_in_background(query_op(self.ctx.ledger, station_facts), self._on_facts, lambda exc: None, parent=self)
        if self.ctx.event_id is None:
            self.counter_label.setText("No event")
            return
        self.refresh_entrances()
        if self._stats_busy:
            self._stats_dirty = True
            return
        self._stats_busy = True
        run_in_background(query_op(self.ctx.ledger, queries.stats, self.ctx.event_id), self._on_stats,
                          self._on_stats_failed, parent=self)

    def _on_facts(self, facts) -> None:
        self.role, self.last_sync = facts

    def _on_stats(self, stats: dict) -> None:
        self._stats_busy = False
        self.counter_label.setText(f"Checked in {stats['checkedIn']} / {stats['sold']} sold")
        lines = [f"<tr><td>{_esc(p['name'])}</td><td align='right'>&nbsp;{p['checkedIn']} / {p['sold']}</td></tr>"
                 for p in stats.get("perDefinition", {}).values()]
        unpaid = f"<p>Unpaid: {stats.get('unpaid', 0)} ticket(s)</p>" if stats.get("unpaid") else ""
        self.per_definition.setText(f"<table>{''.join(lines)}</table>{unpaid}")
        if self._stats_dirty:
            self._stats_dirty = False
            self.refresh()

    def _on_stats_failed(self, exc: BaseException) -> None:
        self._stats_busy = False
        self.counter_label.setText(f"Counts unavailable: {error_message(exc)}")

    # ---- input ----------------------------------------------------------------------------------------
    def on_code_entered(self) -> None:
        """A typed code (the Enter key or the Check button); typed codes are not debounced."""
        text = self.code_edit.text().strip()
        self.code_edit.clear()
        if text:
            self.submit(text, MANUAL)

    def on_wedge_scanned(self, code: str) -> None:
        """A keyboard-wedge burst: the same code within the debounce window counts once."""
        if self._debouncer.accept(code):
            self.submit(code, SCAN)
        else:
            self.verdict_panel.restart_ready_timer()  # the code is still being shown

    def on_camera_scanned(self, code: str) -> None:
        """A camera read (already debounced by the capture worker)."""
        self.submit(code, SCAN)

    def submit(self, payload: str, method: str = SCAN) -> bool:
        """Queue `payload` for a verdict; scans run one at a time in arrival order. False when refused."""
        if self.ctx.event_id is None:
            self.verdict_panel.show_message("No event selected", "Choose an event first")
            return False
        if len(self._queue) >= MAX_QUEUE:
            logger.warning("scan queue full, dropping %r", payload)
            return False
        self._queue.append((payload, method))
        self.offer_provisional(None)
        self._offer_payment(None)
        self._pump()
        return True

    def _pump(self) -> None:
        if self._busy or not self._queue:
            return
        payload, method = self._queue.popleft()
        self._busy = True
        ledger, door = self.ctx.ledger, self.door()

        def job():
            from sync import door as sync_door  # lazy (start-up): imported by the first scan's worker

            with ledger.uow() as uow:  # the snapshot the verdict rests on (stale UNPAID / archive: amber)
                snapshot = sync_door.last_ticket_sync(uow.session)
            return core_door.scan(ledger, replace(door, snapshot_at=snapshot), payload, method=method)

        run_in_background(job, self._on_scan_done, self._on_scan_failed, parent=self)

    def _show(self, result) -> str:
        """Paint and sound a ScanResult; returns its class."""
        css = self.verdict_panel.show_result(result, self.ctx.time_zone)
        if result.admitted and getattr(result, "direction", "ENTRY") == "EXIT":
            self.verdict_panel.headline.setText("EXIT — GOODBYE")
        self.ctx.sound.play(self.verdict_panel.sound_of(css))
        return css

    def _on_scan_done(self, result) -> None:
        self._busy = False
        if self.defer_unknown is None or not self.defer_unknown(result):  # WR-13: a lookup answers instead
            self._show(result)
            self._offer_payment(result)
        self._admitted(result)
        self.scanned.emit(result)
        self._pump()

    def _admitted(self, result) -> None:
        if result_class(result) == "ok" and result.ticket_number:
            if getattr(result, "direction", "ENTRY") != "EXIT":  # undo takes back admissions, not exits
                self._undo_stack.append((result.ticket_number, result.payload))
                self.undo_button.setEnabled(True)
            self._announce(result.ticket_number)
            self.refresh()
            self.search.refresh()

    def _on_scan_failed(self, exc: BaseException) -> None:
        self._busy = False
        logger.warning("scan failed: %s", exc)
        self.verdict_panel.show_error("NOT CHECKED IN", f"Nothing was stored: {error_message(exc)}")
        self.ctx.sound.play("error")
        self._pump()

    def _on_ready(self) -> None:
        """The verdict went back to Ready: its next steps go with it."""
        self.offer_provisional(None)
        self._offer_payment(None)

    def _announce(self, ticket_number: str) -> None:
        """Tell the other views that this ticket's check-in log changed (and the outbox grew)."""
        announce(self.ctx.ledger, Changes(checkins=frozenset({ticket_number}), outbox=True), self)

    # ---- decoders -------------------------------------------------------------------------------------
    def _check_decoders(self) -> None:
        def probe():
            from core.decode_backends import load_backends

            loaded, missing = load_backends()
            return [b.name for b in loaded], missing

        run_in_background(probe, self._on_decoders, lambda exc: self._on_decoders(([], {"all": str(exc)})),
                          parent=self)

    def _on_decoders(self, found) -> None:
        names, missing = found
        self._decoder_names = list(names) or None
        self.decoder_unavailable = dict(missing)
        notes = [_short_reason(reason) for reason in missing.values()]
        if notes:
            using = ", ".join(names) if names else "none"
            notes.append(f"Using: {using}. Typed codes and keyboard-wedge scanners still work.")
        self.decoder_status.setText("\n".join(notes))

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._auto_start_camera()

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self.door_mode is None:  # door mode covers the window; the camera keeps reading
            self.stop_camera()
        super().hideEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self.door_mode is not None:
            self.door_mode.close()
        self.stop_camera()
        super().closeEvent(event)


def _short_reason(reason: str) -> str:
    """'QR decoder (zbar) unavailable: long import error' → 'QR decoder (zbar) unavailable'."""
    return reason.split(":", 1)[0].strip() if reason.startswith("QR decoder") else reason


def _esc(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
