"""The Door: camera / keyboard-wedge / typed codes in, a verdict readable from 2 m and a sound out.

Every code goes through the door use case (core.door.scan, the same as `tessera scan`) on a worker thread,
one at a time in arrival order; the panel shows exactly the stored result (case BC-19). Camera frames are read and decoded off the GUI
thread (app.camera, case BC-23); a missing zbar is reported and the other decoders keep working (BC-25).
Guests without a readable code are found by the search below and checked in with method MANUAL (WR-11)."""
from __future__ import annotations

import collections
import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (QCheckBox, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QSizePolicy, QVBoxLayout, QWidget)

from app import queries
from app.camera import CaptureWorker
from app.debounce import Debouncer
from app.tasks import announce, error_message, query_op, run_in_background
from app.widgets.guest_search import GuestSearch
from app.widgets.verdict_panel import VerdictPanel, verdict_class
from core import door as core_door
from core.changes import Changes
from core.door import Door

logger = logging.getLogger(__name__)

SCAN, MANUAL = "SCAN", "MANUAL"
MAX_QUEUE = 50  # codes waiting for the ledger; beyond this a burst is refused, never piling up


def door_of(ctx) -> Door:
    """The core.door inputs of this station: its event, names, entrance (none configured: every definition)
    and the clock offset measured by the last sync (app.sync_wiring keeps ctx.clock_offset_s, BC-13)."""
    return Door((ctx.event_id,), ctx.station, ctx.operator, None, float(ctx.clock_offset_s or 0.0))


class DoorTab(QWidget):
    """Scanner input, verdict panel, undo, guest search and live counters for the current event.

    Signals: `scanned(object)` with each ScanResult shown; stored changes are announced (app.tasks)."""

    scanned = Signal(object)

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.worker: CaptureWorker | None = None
        self._debouncer = Debouncer(ctx.scan_debounce_s)
        self._queue: collections.deque[tuple[str, str]] = collections.deque()
        self._busy = False
        self._undo_stack: list[tuple[str, str]] = []  # (ticket number, payload) of OK check-ins, newest last
        self._stats_busy = self._stats_dirty = False
        self.decoder_unavailable: dict[str, str] = {}
        self.defer_unknown = None  # callable(ScanResult) -> bool, set by app.sync_wiring (WR-13 lookup)
        self._decoder_names: list[str] | None = None  # what loads here; the decoder process uses the same
        self._build()
        self._check_decoders()

    # ---- layout ---------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.preview = QLabel("No camera")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(320, 180)
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.preview.setStyleSheet("background: #202020; color: #bbbbbb;")
        self.camera_status = QLabel("")
        self.decoder_status = QLabel("")
        self.decoder_status.setWordWrap(True)
        self.camera_button = QPushButton("Start camera")
        self.camera_button.clicked.connect(self.toggle_camera)
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText("Type a ticket number and press Enter")
        self.code_edit.returnPressed.connect(self.on_code_entered)
        self.check_button = QPushButton("Check")
        self.check_button.clicked.connect(self.on_code_entered)
        self.verdict_panel = VerdictPanel()
        self.undo_button = QPushButton("Undo last check-in")
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self.undo_last)
        self.provisional_button = QPushButton("Admit provisionally")
        self.provisional_button.setToolTip("Not in the local list while offline: admit now, checked at the next "
                                           "sync (WR-13)")
        self.provisional_button.hide()
        self.provisional_button.clicked.connect(self.admit_provisionally)
        self._provisional_payload: str | None = None
        QShortcut(QKeySequence("Ctrl+Z"), self, activated=self.undo_last)
        self.mute_box = QCheckBox("Mute sounds")
        self.mute_box.setChecked(self.ctx.sound.muted)
        self.mute_box.toggled.connect(self.ctx.sound.set_muted)
        self.counter_label = QLabel("")
        self.counter_label.setStyleSheet("font-size: 20pt; font-weight: bold;")
        self.per_definition = QLabel("")
        self.per_definition.setTextFormat(Qt.TextFormat.RichText)
        self.search = GuestSearch(self.ctx)
        self.search.check_in_requested.connect(lambda tn: self.submit(tn, MANUAL))
        self._lay_out()

    def _lay_out(self) -> None:
        camera_box = QGroupBox("Camera")
        cam = QVBoxLayout(camera_box)
        cam.addWidget(self.preview, 1)
        row = QHBoxLayout()
        row.addWidget(self.camera_status, 1)
        row.addWidget(self.camera_button)
        cam.addLayout(row)
        cam.addWidget(self.decoder_status)
        entry = QHBoxLayout()
        entry.addWidget(self.code_edit, 1)
        entry.addWidget(self.check_button)
        left = QVBoxLayout()
        left.addWidget(camera_box, 3)
        left.addLayout(entry)
        counts = QGroupBox("Live counts")
        grid = QGridLayout(counts)
        grid.addWidget(self.counter_label, 0, 0)
        grid.addWidget(self.per_definition, 1, 0)
        left.addWidget(counts, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.undo_button)
        actions.addWidget(self.provisional_button)
        actions.addStretch(1)
        actions.addWidget(self.mute_box)
        right = QVBoxLayout()
        right.addWidget(self.verdict_panel, 3)
        right.addLayout(actions)
        right.addWidget(self.search, 2)
        top = QHBoxLayout(self)
        top.addLayout(left, 2)
        top.addLayout(right, 3)

    # ---- event / refresh ------------------------------------------------------------------------------
    def set_event(self, event) -> None:
        """Work on `event` (an app.queries.EventInfo): reset the undo stack, refresh counts."""
        self.ctx.event = event
        self._undo_stack.clear()
        self.undo_button.setEnabled(False)
        self.search.set_time_zone(self.ctx.time_zone)
        self.refresh()

    def refresh(self) -> None:
        """Reload the live counters (coalesced: at most one query in flight) and the search results."""
        if self.ctx.event_id is None:
            self.counter_label.setText("No event")
            return
        if self._stats_busy:
            self._stats_dirty = True
            return
        self._stats_busy = True
        run_in_background(query_op(self.ctx.ledger, queries.stats, self.ctx.event_id), self._on_stats,
                          self._on_stats_failed, parent=self)

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
        self._pump()
        return True

    def _pump(self) -> None:
        if self._busy or not self._queue:
            return
        payload, method = self._queue.popleft()
        self._busy = True
        ledger, door = self.ctx.ledger, door_of(self.ctx)

        def job():
            return core_door.scan(ledger, door, payload, method=method)

        run_in_background(job, self._on_scan_done, self._on_scan_failed, parent=self)

    def _on_scan_done(self, result) -> None:
        self._busy = False
        if self.defer_unknown is None or not self.defer_unknown(result):  # WR-13: a lookup answers instead
            self.ctx.sound.play(self.verdict_panel.show_result(result, self.ctx.time_zone))
        if verdict_class(result.verdict) == "ok" and result.ticket_number:
            self._undo_stack.append((result.ticket_number, result.payload))
            self.undo_button.setEnabled(True)
            self._announce(result.ticket_number)
            self.refresh()
            self.search.refresh()
        self.scanned.emit(result)
        self._pump()

    def _on_scan_failed(self, exc: BaseException) -> None:
        self._busy = False
        logger.warning("scan failed: %s", exc)
        self.verdict_panel.show_error("NOT CHECKED IN", f"Nothing was stored: {error_message(exc)}")
        self.ctx.sound.play("error")
        self._pump()

    # ---- provisional admission (WR-13 b) -------------------------------------------------------------
    def offer_provisional(self, payload: str | None) -> None:
        """Show "Admit provisionally" for `payload` (an unknown ticket while the server cannot be asked);
        None hides it. Called by app.sync_wiring after a failed lookup; any new scan hides it."""
        self._provisional_payload = payload
        self.provisional_button.setVisible(payload is not None)
        self.provisional_button.setEnabled(payload is not None)

    def admit_provisionally(self) -> None:
        """Store the offered ticket's provisional check-in (core.door.admit_provisionally) and show it."""
        payload, ctx = self._provisional_payload, self.ctx
        if payload is None or ctx.event_id is None:
            return
        self.provisional_button.setEnabled(False)
        ledger, door = ctx.ledger, door_of(ctx)
        run_in_background(lambda: core_door.admit_provisionally(ledger, door, payload), self._on_admitted,
                          self._on_scan_failed, parent=self)

    def _on_admitted(self, result) -> None:
        self.offer_provisional(None)
        self.ctx.sound.play(self.verdict_panel.show_result(result, self.ctx.time_zone))
        self.verdict_panel.extra.setText(result.message)  # "Admitted provisionally: … checked at the next sync"
        if verdict_class(result.verdict) == "ok" and result.ticket_number:
            self._undo_stack.append((result.ticket_number, result.payload))
            self.undo_button.setEnabled(True)
            self._announce(result.ticket_number)
            self.refresh()

    def _announce(self, ticket_number: str) -> None:
        """Tell the other views that this ticket's check-in log changed (and the outbox grew)."""
        announce(self.ctx.ledger, Changes(checkins=frozenset({ticket_number}), outbox=True), self)

    # ---- undo -----------------------------------------------------------------------------------------
    def undo_last(self) -> None:
        """Undo the newest check-in made here (an UNDO row, core.door.undo; provisional admissions too)."""
        if not self._undo_stack or self.ctx.event_id is None:
            return
        ticket_number, payload = self._undo_stack.pop()
        self.undo_button.setEnabled(False)
        ledger, door = self.ctx.ledger, door_of(self.ctx)
        run_in_background(lambda: core_door.undo(ledger, door, ticket_number),
                          lambda done: self._on_undone(done, payload), self._on_undo_failed, parent=self)

    def _on_undone(self, done, payload: str) -> None:
        self._debouncer.forget(payload)
        if self.worker is not None:
            self.worker.forget(payload)
        self.verdict_panel.show_message("Check-in undone" if done.undone else "Nothing to undo", done.message)
        self.undo_button.setEnabled(bool(self._undo_stack))
        if done.undone:
            self._announce(done.ticket_number)
        self.refresh()
        self.search.refresh()

    def _on_undo_failed(self, exc: BaseException) -> None:
        self.undo_button.setEnabled(bool(self._undo_stack))
        self.verdict_panel.show_message("Undo failed", error_message(exc))

    # ---- decoders and camera --------------------------------------------------------------------------
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

    def toggle_camera(self) -> None:
        """Start or stop the camera (the button)."""
        if self.worker is not None:
            self.stop_camera()
        else:
            self.start_camera()

    def start_camera(self, source=None) -> bool:
        """Start the capture worker on `source` (default the configured one). False when none is set."""
        source = self.ctx.camera_source if source is None else source
        if source is None or self.worker is not None:
            return False
        self.worker = CaptureWorker(source, debounce_s=self.ctx.scan_debounce_s, backends=self._decoder_names)
        self.worker.barcode_scanned.connect(self.on_camera_scanned)
        self.worker.frame_ready.connect(self._on_frame)
        self.worker.camera_failed.connect(self._on_camera_failed)
        self.worker.decoder_failed.connect(lambda text: self.decoder_status.setText(text))
        self.worker.start()
        name = source if isinstance(source, int) else Path(str(source)).name
        self.camera_status.setText(f"Camera {name}: on")
        self.camera_button.setText("Stop camera")
        return True

    def stop_camera(self) -> bool:
        """Stop the capture and decoder threads and release the camera (≤1 s). True when all stopped."""
        worker, self.worker = self.worker, None
        if worker is None:
            return True
        for sig in (worker.barcode_scanned, worker.frame_ready, worker.camera_failed, worker.decoder_failed):
            sig.disconnect()
        stopped = worker.stop(1.0)
        self.preview.clear()
        self.preview.setText("Camera off")
        self.camera_status.setText("")
        self.camera_button.setText("Start camera")
        return stopped

    def _on_frame(self, image: QImage) -> None:
        if self.worker is None:
            return
        pix = QPixmap.fromImage(image).scaled(self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.FastTransformation)
        self.preview.setPixmap(pix)
        self.worker.preview_shown()

    def _on_camera_failed(self, message: str) -> None:
        self.camera_status.setText(message)
        self.preview.setText("No camera — use the scanner, typed codes or the search")

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self.ctx.camera_source is not None and self.worker is None:
            self.start_camera()

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.stop_camera()
        super().hideEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.stop_camera()
        super().closeEvent(event)


def _short_reason(reason: str) -> str:
    """'QR decoder (zbar) unavailable: long import error' → 'QR decoder (zbar) unavailable'."""
    return reason.split(":", 1)[0].strip() if reason.startswith("QR decoder") else reason


def _esc(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
