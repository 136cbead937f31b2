"""The main window: Door, Box office, Ticket definitions, Orders & tickets and Events tabs over the local ledger,
an application-wide keyboard-wedge filter, and a status bar with station, event, ledger and sync state.

Tabs refresh by change: every mutation runs through app.tasks.run_op, which announces what it changed
(core.changes.Changes); `on_changes_applied` reloads just the tabs that show those kinds (a hidden tab
reloads when shown) and recounts the outbox when rows were queued. Nothing polls.

Start-up (issue 11: first window ≤ 1.5 s on a 100,000-ticket ledger): create_window shows the window's
chrome (tabs, menus, status bar) before SQLAlchemy, core or any tab module is imported; a worker thread then
imports them and opens the ledger while the window paints, and the Door tab is built (`attach`). The other
tabs are placeholders until first shown or first used (`window.orders` etc. build them); the sync wiring is
installed after that (`starting` is True until then). Every query runs in the background (app.tasks).

`create_window(...)` builds the QApplication (if needed), opens the ledger and returns the shown window;
it is what `tessera gui`, scripts/screenshots.py and bench/gui_stall_bench.py start."""
from __future__ import annotations

import gc
import logging
import sys
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from app import tasks
from app.context import StationContext
from app.startup import run_while_painting, when_exposed
from app.tabs.lazy import LazyTabs
from app.wedge import WedgeFilter

logger = logging.getLogger(__name__)

# The kinds of change (core.changes.Changes fields) each tab shows: a change set touching none of them
# leaves the tab alone. The definitions tab shows sold / checked-in counts, hence orders, tickets, checkins.
TAB_KINDS = {
    "door": frozenset({"checkins", "tickets", "orders", "entrances", "events"}),
    "box_office": frozenset({"definitions", "orders", "payments", "events", "tills"}),
    "definitions": frozenset({"definitions", "orders", "tickets", "checkins", "events"}),
    "orders": frozenset({"orders", "tickets", "checkins"}),
    "events": frozenset({"events", "orders"}),  # orders: the currency lock
    "reports": frozenset({"checkins", "orders", "payments", "tickets", "definitions", "entrances", "events",
                          "tills"}),
}
RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def sync_state_text(pending: int, online: bool = False) -> str:
    """The status bar's sync state: "offline — 3 changes waiting", "online — all changes sent"…"""
    where = "online" if online else "offline"
    if pending <= 0:
        return f"{where} — all changes sent" if online else f"{where} — no changes waiting"
    return f"{where} — {pending} change{'s' if pending != 1 else ''} waiting"


def _pending(session) -> int:
    from core.outbox import pending_count

    return pending_count(session)


class MainWindow(LazyTabs, QMainWindow):
    """Tabs + status bar for one station. Signal `changes_applied(Changes)` after the tabs were told of a
    committed change (the sync wiring pushes soon when it queued outbox rows)."""

    changes_applied = Signal(object)

    def __init__(self, ctx: StationContext, event_id: str | None = None, *, attach: bool = True):
        """The window on `ctx`; with `attach` False only its chrome (create_window attaches once the ledger
        is open: ctx.ledger may be None until then)."""
        super().__init__()
        self.ctx = ctx
        self.online = False
        self.sync = None  # app.sync_wiring.SyncWiring once installed
        self.pending = 0
        self._pending_busy = False
        self.starting = False  # True from create_window until the deferred start-up (sync wiring) has run
        self._event_set = False  # set_event has run once: a tab built later starts on ctx.event
        self._card_available: bool | None = None  # the last set_card_available, for a box office built later
        self._listening = False
        self._built: dict[str, QWidget] = {}  # tab name -> built tab (TAB_KINDS names); "door" once attached
        self.setWindowTitle("Tessera")
        self.resize(1280, 800)
        self.tabs = QTabWidget()
        opening = QLabel("Opening the ledger…")
        opening.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.tabs.addTab(opening, "Door")  # the Door tab replaces it (attach)
        self.add_tab_placeholders()
        self.setCentralWidget(self.tabs)
        self._build_status_bar()
        self._build_menus()
        if attach:
            self.attach(event_id)

    def attach(self, event_id: str | None = None) -> None:
        """Build the Door tab on the open ctx.ledger, start listening (wedge, announced changes) and load
        `event_id` (None = the ledger's first event) in the background."""
        from app.tabs.door_tab import DoorTab  # lazy (start-up): imports core and SQLAlchemy

        self.station_label.setText(f"Station: {self.ctx.station}")
        self.door = DoorTab(self.ctx)
        self._built = {"door": self.door, **self._built}
        placeholder = self.tabs.widget(0)
        blocked = self.tabs.blockSignals(True)
        self.tabs.removeTab(0)
        self.tabs.insertTab(0, self.door, "Door")
        self.tabs.setCurrentIndex(0)
        self.tabs.blockSignals(blocked)
        placeholder.deleteLater()
        self._build_door_menu()
        self.wedge = WedgeFilter(self)
        self.wedge.scanned.connect(self.on_wedge_scanned)
        QApplication.instance().installEventFilter(self.wedge)
        tasks.notifier().changes_applied.connect(self._on_announced)
        self._listening = True
        self.load_event(event_id)

    # ---- chrome ---------------------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        self.station_label = QLabel(f"Station: {self.ctx.station}")
        self.event_label = QLabel("Event: …")
        self.ledger_label = QLabel(f"Ledger: {self.ctx.ledger_path}")
        self.sync_label = QLabel(sync_state_text(0))
        bar = self.statusBar()
        for w in (self.station_label, self.event_label, self.ledger_label):
            bar.addWidget(w)
        bar.addPermanentWidget(self.sync_label)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.events_menu = file_menu.addMenu("Switch &event")
        self.events_menu.aboutToShow.connect(self._fill_events_menu)
        settings_action = QAction("&Settings…", self)
        settings_action.triggered.connect(self.open_settings)
        file_menu.addAction(settings_action)
        quit_action = QAction("&Quit", self, shortcut="Ctrl+Q")
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        self.door_menu = self.menuBar().addMenu("&Door")

    def _build_door_menu(self) -> None:
        door_menu = self.door_menu
        self.mute_action = QAction("&Mute sounds", self, checkable=True)
        self.mute_action.setChecked(self.ctx.sound.muted)
        self.mute_action.toggled.connect(lambda on: self.door.mute_box.setChecked(on))
        self.door.mute_box.toggled.connect(lambda on: self.mute_action.setChecked(on))
        door_menu.addAction(self.mute_action)
        door_menu.addAction(self.door.undo_action)  # one QAction: the menu shows its shortcut, Ctrl+Z

    # ---- lazy tabs (app.tabs.lazy.LazyTabs builds them) ------------------------------------------------
    def _wire_tab(self, name: str, tab: QWidget) -> None:
        if name == "definitions":
            tab.event_changed.connect(self.set_event)
        elif name == "events":
            tab.switch_requested.connect(self.switch_event)
            tab.event_saved.connect(self._on_event_saved)
        elif name == "box_office" and self._card_available is not None:
            tab.set_card_available(self._card_available)
        if self._event_set:
            tab.set_event(self.ctx.event)

    def set_card_available(self, available: bool) -> None:
        """For the sync wiring: whether the box office takes cards (kept for a box office built later)."""
        self._card_available = available
        if "box_office" in self._built:
            self._built["box_office"].set_card_available(available)

    # ---- event ----------------------------------------------------------------------------------------
    def load_event(self, event_id: str | None) -> None:
        """Load `event_id` (None = the ledger's first event) in the background, then show it everywhere."""
        from app import queries  # lazy (start-up): imports core and SQLAlchemy

        fn = tasks.query_op(self.ctx.ledger, queries.load_event, event_id)
        tasks.run_in_background(fn, self.set_event, self._on_event_failed, parent=self)

    def set_event(self, event) -> None:
        """Show `event` (EventInfo or None) in every tab and the status bar."""
        self.ctx.event = event
        if event is None:
            self.event_label.setText("Event: none — create one in the Events tab (or `tessera events create`)")
            self.door.verdict_panel.show_message("No event in this ledger", "Create one, or run `tessera demo`")
        else:
            self.event_label.setText(f"Event: {event.title} ({event.time_zone}, {event.currency})")
            self.setWindowTitle(f"Tessera — {event.title}")
        self._event_set = True
        for tab in list(self._built.values()):
            tab.set_event(event)
        self.refresh_pending()

    def _on_event_saved(self, event_id: str) -> None:
        """The Events tab created or edited an event: the current one is reloaded (title, zone, currency)."""
        if event_id == self.ctx.event_id:
            self.load_event(event_id)

    def _on_event_failed(self, exc: BaseException) -> None:
        self.event_label.setText(f"Event: {tasks.error_message(exc)}")
        QMessageBox.warning(self, "Tessera", f"The event could not be opened: {tasks.error_message(exc)}")
        self.set_event(None)

    def open_settings(self) -> None:
        """The station's settings dialog (app.dialogs.settings_dialog)."""
        from app.dialogs.settings_dialog import SettingsDialog

        SettingsDialog(self).exec()

    def _fill_events_menu(self) -> None:
        self.events_menu.clear()
        self.events_menu.addAction("Loading…").setEnabled(False)
        from app import queries  # lazy (start-up): imports core and SQLAlchemy

        tasks.run_in_background(tasks.query_op(self.ctx.ledger, queries.load_events), self._show_events,
                                parent=self)

    def _show_events(self, events) -> None:
        self.events_menu.clear()
        for event_id, title in events:
            action = self.events_menu.addAction(title)
            action.setCheckable(True)
            action.setChecked(event_id == self.ctx.event_id)
            action.triggered.connect(lambda _checked=False, eid=event_id: self.switch_event(eid))

    def switch_event(self, event_id: str) -> None:
        """Switch events; with changes not yet uploaded, ask first (they stay queued either way: WR-14)."""
        if event_id == self.ctx.event_id:
            return
        from app.sync_wiring import confirm_leave

        if self.ctx.event_id is not None and not confirm_leave(self, self.ctx.ledger, "Switch event",
                                                               "Switch anyway?", event_id=self.ctx.event_id):
            return  # (with no event open there is nothing to leave)
        self.load_event(event_id)

    # ---- refresh --------------------------------------------------------------------------------------
    def _on_announced(self, changes, ledger, origin) -> None:
        if ledger is self.ctx.ledger:
            self.on_changes_applied(changes, origin)

    def on_changes_applied(self, changes, origin=None) -> None:
        """Refresh the tabs that show what `changes` touched (TAB_KINDS), except the one that made them
        (`origin`, or its dialog: it has refreshed itself); recount the outbox when rows were queued."""
        kinds = changes.kinds()
        for name, shows in TAB_KINDS.items():
            tab = self._built.get(name)  # a tab not built yet loads when it is
            if tab is None:
                continue
            if kinds & shows and not (origin is not None and (origin is tab or tab.isAncestorOf(origin))):
                tab.refresh()
        if changes.outbox:
            self.refresh_pending()
        self.changes_applied.emit(changes)

    def on_data_changed(self, kind: str) -> None:
        """A widget outside run_op stored a change of one kind (a Changes field name, e.g. the Sync tab's
        "definitions" after a conflict was resolved): treated as every entity of that kind, outbox too."""
        from core.changes import Changes  # lazy (start-up): imports SQLAlchemy

        fields = Changes.__dataclass_fields__
        named = {} if kind not in fields else {kind: True} if kind in ("outbox", "sync") else {kind: frozenset("*")}
        self.on_changes_applied(Changes(outbox=True, **named))

    def refresh_pending(self) -> None:
        """Count the outbox rows not yet sent (core.outbox.pending_count) in the background."""
        if self._pending_busy:
            return
        self._pending_busy = True
        tasks.run_in_background(tasks.query_op(self.ctx.ledger, _pending), self._on_pending,
                                self._on_pending_failed, parent=self)

    def _on_pending(self, count: int) -> None:
        self._pending_busy = False
        self.pending = count
        self.sync_label.setText(sync_state_text(count, self.online))

    def _on_pending_failed(self, exc: BaseException) -> None:
        self._pending_busy = False
        self.sync_label.setText(f"sync state unknown: {tasks.error_message(exc)}")

    def set_online(self, online: bool) -> None:
        """For a sync controller: show whether the station reaches its server."""
        self.online = online
        self.sync_label.setText(sync_state_text(self.pending, online))

    # ---- input / shutdown -----------------------------------------------------------------------------
    def on_wedge_scanned(self, code: str) -> None:
        """A keyboard-wedge scan from anywhere in the app goes to the door (which comes to the front)."""
        if self.tabs.currentWidget() is not self.door:
            self.tabs.setCurrentWidget(self.door)
        self.door.on_wedge_scanned(code)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self._listening:  # closeEvent may come twice (close(), then the app's teardown)
            self._listening = False
            tasks.notifier().changes_applied.disconnect(self._on_announced)
        if "door" not in self._built:  # closed before attach (the ledger could not be opened)
            self.ctx.sound.close()
            super().closeEvent(event)
            return
        self.door.stop_camera()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.wedge)
        self.ctx.sound.close()
        from app.decoder_process import shutdown_shared

        shutdown_shared()
        tasks.wait_for_done(10000)
        super().closeEvent(event)


def create_window(ledger_path: str, *, event_id: str | None = None, camera_source=None, station: str = "",
                  operator: str = "", muted: bool = False, show: bool = True, sync: bool = True):
    """Open the ledger and build the main window (with the sync tab and status from app.sync_wiring when
    `sync`; without it if that cannot be set up — the station then works offline). Returns
    (QApplication, MainWindow, Ledger); the caller runs `app.exec()` and closes the ledger afterwards.
    Raises what Ledger.open raises (the window is closed then).

    With `show`, the window's chrome shows first; the ledger is opened (and core imported) on a worker
    thread while it paints, then the Door tab is attached; the sync wiring is installed after that."""
    from app import config
    from app.gc_guard import GarbageCollector
    from app.sound import SoundPlayer

    # Worker threads run Python (SQLAlchemy rows) too: hand the GIL back to the GUI thread sooner than the
    # default 5 ms so the event loop stays smooth under load (BC-23).
    sys.setswitchinterval(0.001)
    app = QApplication.instance() or QApplication(["tessera"])
    if not hasattr(app, "tessera_gc"):  # cyclic gc only on the GUI thread (app.gc_guard)
        app.tessera_gc = GarbageCollector(app)
    app.setApplicationName("Tessera")
    app.setWindowIcon(QIcon(str(RESOURCES / "icons" / "tessera.svg")))
    ctx = StationContext(ledger=None, ledger_path=str(ledger_path), station=station or config.default_station(),
                         operator=operator or config.get("operator"), camera_source=camera_source,
                         scan_debounce_s=float(config.get("scan_debounce_s")), sound=SoundPlayer(muted=muted))
    window = MainWindow(ctx, event_id, attach=False)
    window.starting = True
    if show:
        window.show()
    app.tessera_gc.timer.stop()  # the opening thread's imports make no garbage worth a pass meanwhile;
    try:  # start() below collects once and freezes what they made
        ledger, connected = run_while_painting(lambda: _open_ledger(ledger_path, sync))
    except BaseException:
        window.close()
        raise
    finally:
        app.tessera_gc.timer.start()
    from app import formatting
    from app.fonts import install_fonts

    formatting.set_locale(config.get("locale"))
    install_fonts(app)  # bundled fonts: every script the ticket PDFs cover (issue 9 item 6)
    ctx.ledger = ledger
    ctx.station = station or connected or ctx.station  # a connected station works under the hub's name for it
    window.attach(event_id)

    def start() -> None:  # after the first frame: nothing here delays the window
        if sync:
            try:
                from app.sync_wiring import install_sync

                window.sync = install_sync(window, ledger)
            except Exception:  # sync is an addition: the door and the box office work without it
                logger.exception("sync could not be set up: this station works offline")
        # Everything built so far lives as long as the app: take it out of the cyclic collector's reach, so
        # its full passes (which stop every thread, the GUI's too) stay short on a large ledger (BC-23).
        gc.collect()
        gc.freeze()
        window.starting = False

    if show:
        when_exposed(window, start)
    else:
        start()
    return app, window, ledger


def _open_ledger(ledger_path: str, sync: bool):
    """(Ledger, the station name the hub knows this station by or None) — run on a worker thread by
    create_window; imports core, SQLAlchemy, the Door tab's modules and (with `sync`) the sync wiring's on the
    way, so the GUI thread does not (start-up, issue 11)."""
    import app.tabs.door_tab  # noqa: F401 - imported here, off the GUI thread, for attach
    if sync:
        import app.sync_wiring  # noqa: F401 - for create_window's start()
    from core.db import Ledger
    from sync import state as sync_state

    ledger = Ledger.open(ledger_path)
    try:
        with ledger.sessions() as session:
            connected = (sync_state.station(session) or {}).get("station")
    except BaseException:
        ledger.close()
        raise
    # What the imports made lives as long as the app: out of the collector's reach now (a freeze is no
    # collection: safe off the GUI thread), so start()'s gc.collect() on the GUI thread scans only what came
    # after (~10 ms instead of ~120 ms). The few hundred objects of import-time garbage stay frozen.
    gc.freeze()
    return ledger, connected
