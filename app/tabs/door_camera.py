"""The door's camera part (a mixin of app.tabs.door_tab.DoorTab): the picker listing the cameras OpenCV can
open, start/stop, the preview. A camera the operator stopped stays stopped (showing the tab again does not
restart it); "Start camera" with none configured says so (issue 9 item 5). Frames are read and decoded off
the GUI thread (app.camera, BC-23)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QSizePolicy

from app import camera as camera_mod
from app.camera import CaptureWorker
from app.tasks import run_in_background

NO_CAMERA_TEXT = "No camera configured: press “Find cameras” and pick one (or use the scanner, typed codes " \
                 "or the search)"
NONE_WORKS_TEXT = "No camera works on this computer — use the scanner, typed codes or the search"


class DoorCameraMixin:
    """Camera widgets and slots; the host defines ctx, _decoder_names, on_camera_scanned, decoder_status."""

    def _build_camera(self) -> None:
        self.worker: CaptureWorker | None = None
        self.camera_stopped_by_user = False
        self.preview = QLabel("No camera")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(320, 180)
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.preview.setStyleSheet("background: #202020; color: #bbbbbb;")
        self.camera_status = QLabel("")
        self.camera_status.setWordWrap(True)
        self.camera_button = QPushButton("Start camera")
        self.camera_button.clicked.connect(self.toggle_camera)
        self.camera_picker = QComboBox()
        self.camera_picker.setToolTip("The cameras OpenCV can open here")
        self.camera_picker.activated.connect(self._on_camera_picked)
        self.find_cameras_button = QPushButton("Find cameras")
        self.find_cameras_button.clicked.connect(self.find_cameras)
        self._show_configured_source()

    def _show_configured_source(self) -> None:
        source = self.ctx.camera_source
        self.camera_picker.clear()
        if source is None:
            self.camera_picker.addItem("(no camera)", None)
        else:
            name = f"Camera {source}" if isinstance(source, int) else Path(str(source)).name
            self.camera_picker.addItem(name, source)

    def find_cameras(self, probe=None) -> None:
        """List the cameras OpenCV can open (app.camera.available_cameras, off the GUI thread) in the picker;
        says so when none works. `probe` replaces the probe (tests)."""
        self.find_cameras_button.setEnabled(False)
        self.camera_status.setText("Looking for cameras…")
        run_in_background(probe or camera_mod.available_cameras, self._on_cameras_found,
                          lambda exc: self._on_cameras_found([]), parent=self)

    def _on_cameras_found(self, indexes: list[int]) -> None:
        self.find_cameras_button.setEnabled(True)
        current = self.ctx.camera_source
        self.camera_picker.clear()
        if not indexes:
            self.camera_picker.addItem("(no camera works)", None)
            self.camera_status.setText(NONE_WORKS_TEXT)
            return
        for index in indexes:
            self.camera_picker.addItem(f"Camera {index}", index)
        self.camera_status.setText(f"{len(indexes)} camera(s) found")
        at = self.camera_picker.findData(current)
        self.camera_picker.setCurrentIndex(max(0, at))
        if current is None:
            self.ctx.camera_source = indexes[0]

    def _on_camera_picked(self, row: int) -> None:
        source = self.camera_picker.itemData(row)
        if source is None or source == self.ctx.camera_source:
            return
        was_running = self.worker is not None
        self.stop_camera()
        self.ctx.camera_source = source
        if was_running:
            self.start_camera()

    def toggle_camera(self) -> None:
        """Start or stop the camera (the button). A stop by the operator sticks until they start it again."""
        if self.worker is not None:
            self.camera_stopped_by_user = True
            self.stop_camera()
        else:
            self.camera_stopped_by_user = False
            if not self.start_camera():
                self.camera_status.setText(NO_CAMERA_TEXT)

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

    def _auto_start_camera(self) -> None:
        """On showing the tab: start the configured camera unless the operator stopped it."""
        if self.ctx.camera_source is not None and self.worker is None and not self.camera_stopped_by_user:
            self.start_camera()
