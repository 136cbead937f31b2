"""First start of an installed station: "Set up this station" (issue 12).

Shown by `tessera gui` when the ledger has no event and no hub connection (`needs_setup`). Pages:
1. how: create a local event, or connect to a hub (URL + station key);
2a. local event: title, time zone (IANA), currency (ISO 4217), start, and the station's role;
2b. hub: URL, key, station name — checked at once with sync.station.connect (the hub's key decides the role),
    then one sync run so the hub's events are in the ledger when the window opens;
3. camera: none (typed codes / USB keyboard-wedge scanner) or a webcam index.
The work is done by the existing use cases: core.events.create_event (one unit of work) and
sync.station.connect (saves the connection in the ledger, the key in the keyring or a 0600 file).
The hub page also reads the organiser's connect code (URL + key + name, `tessera hub add-station --qr`) from
the webcam or an image. Not here yet: the entrance step.
The camera and a local station's role are saved as the station's settings (`camera`, `station_role` in
app.config's settings file), so later starts use them too; the role also picks the tab the window opens on
(`open_role_tab`). A hub station's role comes from its key, never from a setting.
"""
from __future__ import annotations

import glob
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

from PySide6.QtCore import Qt, QTimeZone, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QApplication, QComboBox, QDateTimeEdit, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QRadioButton, QVBoxLayout, QWizard, QWizardPage)

from app import config
from app.dialogs.connect_scan import SCAN_SECONDS, code_from_camera, code_from_image
from app.sync_controller import EngineSlot
from app.tasks import run_in_background
from core.db import Ledger
from core.errors import DomainError
from core.events import create_event, list_events
from sync.errors import SyncError
from sync.hub.auth import BOX_OFFICE, DOOR, ORGANISER, ROLES
from sync.station import DEFAULT_TIMEOUT, connect, load_config

# Role -> the main window's tab a station of that role starts on (attribute names of app.main_window.MainWindow).
ROLE_TABS = {DOOR: "door", BOX_OFFICE: "box_office", ORGANISER: "definitions"}
ROLE_LABELS = {DOOR: "Door (check-in)", BOX_OFFICE: "Box office (sales)", ORGANISER: "Organiser (definitions)"}
NO_CAMERA = None


@dataclass(frozen=True)
class SetupResult:
    """What the wizard set up: `event_id` to open (None: the hub's first), `role` (one of sync.hub.auth.ROLES),
    `camera` (a webcam index, or None for typed codes / a USB scanner), `hub_url` ("" for a local event)."""

    event_id: str | None
    role: str
    camera: int | None
    hub_url: str = ""


def needs_setup(ledger: Ledger) -> bool:
    """True when the ledger has no event and the station no hub connection (a fresh install)."""
    with ledger.uow() as uow:
        return not list_events(uow.session) and load_config(uow.session) is None


def camera_choices() -> list[tuple[str, int | None]]:
    """(label, source) pairs for the camera page: "none" first, then the webcams found (Linux: /dev/video*;
    elsewhere indexes 0–2, which OpenCV opens in the system's order)."""
    found: list[tuple[str, int | None]] = [("No camera (type codes or use a USB scanner)", NO_CAMERA)]
    if sys.platform.startswith("linux"):
        for dev in sorted(glob.glob("/dev/video[0-9]*"), key=lambda p: int(p[len("/dev/video"):])):
            index = int(dev[len("/dev/video"):])
            found.append((f"Webcam {index} ({dev})", index))
    else:
        found += [(f"Webcam {i}", i) for i in range(3)]
    return found


def system_time_zone() -> str:
    """The computer's IANA zone name (Qt asks the OS), or "UTC" when it is not a known IANA name."""
    name = bytes(QTimeZone.systemTimeZoneId().data()).decode() or "UTC"
    return name if name in available_timezones() else "UTC"


class ChoicePage(QWizardPage):
    """Page 1: a local event or a hub."""

    def __init__(self):
        super().__init__()
        self.setTitle("Set up this station")
        self.setSubTitle("This laptop has no event yet. Create one here, or connect to the venue's hub.")
        self.local = QRadioButton("Create a local event on this laptop")
        self.hub = QRadioButton("Connect to a hub (URL and station key from the organiser)")
        self.local.setChecked(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.local)
        layout.addWidget(self.hub)

    def nextId(self) -> int:
        return SetupWizard.PAGE_HUB if self.hub.isChecked() else SetupWizard.PAGE_LOCAL


class LocalEventPage(QWizardPage):
    """Page 2a: the event's title, zone, currency and start, and this station's role."""

    def __init__(self):
        super().__init__()
        self.setTitle("A local event")
        self.title = QLineEdit()
        self.title.setPlaceholderText("e.g. Friday Night Concert")
        self.zone = QComboBox()
        self.zone.setEditable(True)
        self.zone.addItems(sorted(available_timezones()))
        self.zone.setCurrentText(system_time_zone())
        self.currency = QLineEdit("EUR")
        self.currency.setMaxLength(3)
        self.start = QDateTimeEdit()
        self.start.setCalendarPopup(True)
        tomorrow = datetime.now().replace(hour=20, minute=0, second=0, microsecond=0) + timedelta(days=1)
        self.start.setDateTime(tomorrow)
        self.role = QComboBox()
        for role in ROLES:
            self.role.addItem(ROLE_LABELS.get(role, role), role)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Title:", self.title)
        form.addRow("Time zone:", self.zone)
        form.addRow("Currency:", self.currency)
        form.addRow("Starts (local time):", self.start)
        form.addRow("This station is the:", self.role)
        form.addRow(self.error)
        self.title.textChanged.connect(self.completeChanged)

    def isComplete(self) -> bool:
        return bool(self.title.text().strip())

    def start_utc(self) -> datetime:
        """The start as an aware UTC datetime, the wall time read in the chosen zone (ValueError: bad zone)."""
        naive = self.start.dateTime().toPython()
        return naive.replace(tzinfo=ZoneInfo(self.zone.currentText().strip())).astimezone(timezone.utc)

    def validatePage(self) -> bool:
        zone = self.zone.currentText().strip()
        if zone not in available_timezones():
            self.error.setText(f"Unknown time zone: {zone!r} (pick one from the list)")
            return False
        self.error.setText("")
        return True

    def nextId(self) -> int:
        return SetupWizard.PAGE_CAMERA


class HubPage(QWizardPage):
    """Page 2b: hub URL, station key and name — typed, or read from the organiser's connect code (camera or
    image, app.dialogs.connect_scan); Next connects (sync.station.connect) and stays on errors. Signals
    `code_read` when a connect-code read finished (filled or failed)."""

    code_read = Signal()

    def __init__(self, wizard: "SetupWizard"):
        super().__init__()
        self._wizard = wizard
        self.setTitle("Connect to a hub")
        self.setSubTitle("The organiser gives each station a URL and a key; the key decides the station's role.")
        self.url = QLineEdit()
        self.url.setPlaceholderText("http://192.168.1.10:8765")
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.station = QLineEdit()
        self.error = QLabel("")
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        self.scan_button = QPushButton("Scan connect code with the camera")
        self.load_button = QPushButton("Load connect-code image…")
        self.scan_button.clicked.connect(lambda: self.scan_camera())
        self.load_button.clicked.connect(lambda: self.load_image())
        codes = QHBoxLayout()
        codes.addWidget(self.scan_button)
        codes.addWidget(self.load_button)
        form = QFormLayout(self)
        form.addRow(codes)
        form.addRow("Hub URL:", self.url)
        form.addRow("Station key:", self.key)
        form.addRow("Station name:", self.station)
        form.addRow(self.error)
        self.url.textChanged.connect(self.completeChanged)
        self.key.textChanged.connect(self.completeChanged)

    def isComplete(self) -> bool:
        return bool(self.url.text().strip() and self.key.text().strip())

    def fill(self, code) -> None:
        """Put a core.connect_code.ConnectCode into the fields (the station name only when it has one)."""
        self.url.setText(code.url)
        self.key.setText(code.key)
        if code.station:
            self.station.setText(code.station)
        self.error.setText("Connect code read: press Next to connect.")
        self.code_read.emit()

    def _failed(self, exc: BaseException) -> None:
        self.error.setText(f"Could not read a connect code: {getattr(exc, 'message', None) or exc}")
        self.code_read.emit()

    def load_image(self, path: str | None = None) -> None:
        """Read the connect code from an image file (asks for it when `path` is None)."""
        if not path:
            path, _f = QFileDialog.getOpenFileName(self, "Connect-code image", str(Path.home()),
                                                   "Images and PDF (*.png *.jpg *.jpeg *.bmp *.pdf);;All files (*)")
        if path:
            self.error.setText("Reading the image…")
            run_in_background(lambda: code_from_image(path), self.fill, self._failed, parent=self)

    def scan_camera(self, source: int | str | None = None) -> None:
        """Scan the connect code with `source` (default: the `camera` setting, else webcam 0)."""
        if source is None:
            saved = str(config.get("camera") or "").strip()
            source = int(saved) if saved.isdigit() else (saved or 0)
        self.error.setText(f"Hold the connect code in front of the camera (up to {SCAN_SECONDS:.0f} s)…")
        run_in_background(lambda: code_from_camera(source), self.fill, self._failed, parent=self)

    def validatePage(self) -> bool:
        self.error.setText("Connecting…")
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self._wizard.connect_hub(self.url.text().strip(), self.key.text().strip(), self.station.text().strip())
        except (SyncError, DomainError) as exc:
            self.error.setText(f"Could not connect: {getattr(exc, 'message', None) or exc}")
            return False
        finally:
            QGuiApplication.restoreOverrideCursor()
        if self.error.text() == "Connecting…":
            self.error.setText("")
        return True

    def nextId(self) -> int:
        return SetupWizard.PAGE_CAMERA


class CameraPage(QWizardPage):
    """Page 3: which camera the door scanner reads."""

    def __init__(self):
        super().__init__()
        self.setTitle("Camera")
        self.setSubTitle("The door scans tickets with a webcam; a USB scanner or typed codes work without one.")
        self.camera = QComboBox()
        for label, source in camera_choices():
            self.camera.addItem(label, source)
        if self.camera.count() > 1:
            self.camera.setCurrentIndex(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.camera)
        self.note = QLabel("")
        layout.addWidget(self.note)

    def nextId(self) -> int:
        return -1


class SetupWizard(QWizard):
    """The first-start wizard over `ledger`. After exec() == Accepted, `result_value` is a SetupResult.
    `key_dir` is where sync.station keeps the key when no OS keyring works (None: its default)."""

    PAGE_CHOICE, PAGE_LOCAL, PAGE_HUB, PAGE_CAMERA = range(4)

    def __init__(self, ledger: Ledger, *, station: str = "", key_dir: Path | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Tessera — set up this station")
        self.ledger = ledger
        self.station = station
        self.key_dir = key_dir
        self.result_value: SetupResult | None = None
        self._hub: tuple[str, str, list[str]] | None = None  # (url, role, event ids) once connected
        self.choice, self.local, self.hub, self.camera = ChoicePage(), LocalEventPage(), HubPage(self), CameraPage()
        for page_id, page in ((self.PAGE_CHOICE, self.choice), (self.PAGE_LOCAL, self.local),
                              (self.PAGE_HUB, self.hub), (self.PAGE_CAMERA, self.camera)):
            self.setPage(page_id, page)
        self.setStartId(self.PAGE_CHOICE)

    def connect_hub(self, url: str, key: str, station: str) -> None:
        """Connect to the hub (one unit of work; sync.station.connect), then pull its events (first_pull).
        Raises SyncError / DomainError when the connection is refused."""
        with self.ledger.uow() as uow:
            cfg = connect(uow.session, url, key, station=station or self.station, key_dir=self.key_dir)
            uow.commit()
        pulled = self.first_pull()
        self._hub = (cfg.url, cfg.role or DOOR, list(cfg.event_ids) if pulled else [])

    def first_pull(self) -> bool:
        """One sync run (push, then pull; app.sync_controller.EngineSlot) so the hub's events are in the ledger
        before the window opens. False when it failed: the station's sync retries once the window is open."""
        slot = EngineSlot(self.ledger, DEFAULT_TIMEOUT, {"cooldown_s": 0.0})
        try:
            return bool(slot.get().run_once(force=True).ok)
        except (SyncError, DomainError) as exc:
            self.hub.error.setText(f"Connected; the first sync failed ({exc}): it is retried in the window.")
            return False
        finally:
            slot.close()

    def create_local_event(self) -> str:
        """Create the event of the local page (one unit of work; core.events.create_event); returns its id.
        Raises DomainError (bad currency, zone…) or ValueError."""
        page = self.local
        with self.ledger.uow() as uow:
            ev = create_event(uow.session, title=page.title.text().strip(), time_zone=page.zone.currentText().strip(),
                              currency=page.currency.text().strip().upper(), start=page.start_utc())
            uow.commit()
            return ev.id

    def accept(self) -> None:
        """Finish: create the local event (or take the hub's), then close with `result_value` set."""
        camera = self.camera.camera.currentData()
        if self.choice.hub.isChecked() and self._hub is not None:
            url, role, event_ids = self._hub
            self.result_value = SetupResult(event_ids[0] if event_ids else None, role, camera, url)
        else:
            try:
                event_id = self.create_local_event()
            except (DomainError, ValueError) as exc:
                self.camera.note.setText(f"Could not create the event: {getattr(exc, 'message', None) or exc}")
                return
            self.result_value = SetupResult(event_id, self.local.role.currentData(), camera)
        self._save_settings()
        super().accept()

    def _save_settings(self) -> None:
        """The camera and a local station's role, as the station's settings (a failure to write is reported
        on the page but does not undo the set-up: the event or the connection already exists)."""
        result = self.result_value
        try:
            config.set_value("camera", "" if result.camera is None else str(result.camera))
            if not result.hub_url:
                config.set_value("station_role", result.role)
        except OSError as exc:
            self.camera.note.setText(f"Settings not saved: {exc}")


def first_start(db_path: str, *, station: str = "") -> SetupResult | None:
    """Run the wizard when the ledger at `db_path` needs it (see needs_setup). Returns None when no set-up was
    needed or the person cancelled (the window then opens on the empty ledger), else the SetupResult.
    Needs a display; creates the QApplication if there is none yet."""
    QApplication.instance() or QApplication(["tessera"])
    ledger = Ledger.open(db_path)
    try:
        if not needs_setup(ledger):
            return None
        wizard = SetupWizard(ledger, station=station)
        wizard.exec()
        return wizard.result_value  # set by accept() only
    finally:
        ledger.close()


def open_role_tab(window, role: str) -> None:
    """Show the tab a station of `role` works in (door → Door, box-office → Box office, organiser → Ticket
    definitions) in app.main_window.MainWindow `window`."""
    tab = getattr(window, ROLE_TABS.get(role, "door"), None)
    if tab is not None:
        window.tabs.setCurrentWidget(tab)
