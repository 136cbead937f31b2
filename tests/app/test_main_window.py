"""The main window: tabs on the ledger's event, status bar (station, event, ledger, sync state), wedge scans
from any tab, refresh of stale tabs, shutdown."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.main_window import MainWindow, sync_state_text
from core.db import Ledger
from core.outbox import pending_count
from tests.ledgers import new_ledger


@pytest.fixture
def window(qtbot, ctx):
    w = MainWindow(ctx, ctx.event_id)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: "Door Test" in w.event_label.text(), timeout=5000)
    yield w
    w.close()


def test_sync_state_text():
    assert sync_state_text(0) == "offline — no changes waiting"
    assert sync_state_text(1) == "offline — 1 change waiting"
    assert sync_state_text(12) == "offline — 12 changes waiting"
    assert sync_state_text(0, online=True) == "online — all changes sent"


def test_status_bar_shows_station_event_ledger_and_pending_changes(qtbot, window, ctx):
    with ctx.ledger.uow() as uow:
        waiting = pending_count(uow.session)
    assert waiting > 0
    qtbot.waitUntil(lambda: window.sync_label.text() == f"offline — {waiting} changes waiting", timeout=5000)
    assert window.station_label.text() == "Station: Door A"
    assert window.event_label.text() == "Event: Door Test (Europe/Berlin, EUR)"
    assert window.ledger_label.text() == f"Ledger: {ctx.ledger_path}"
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == \
        ["Door", "Box office", "Ticket definitions", "Orders && tickets", "Events", "Reports"]


def test_wedge_scan_from_another_tab_checks_in_at_the_door(qtbot, window, event_data):
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    window.tabs.setCurrentWidget(window.orders)
    window.orders.search_edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.orders.search_edit, timeout=2000)
    with qtbot.waitSignal(window.door.scanned, timeout=5000) as blocker:
        qtbot.keyClicks(window.orders.search_edit, event_data.paid_tickets[0])
        qtbot.keyClick(window.orders.search_edit, Qt.Key.Key_Return)
    assert blocker.args[0].verdict.value == "OK"
    assert window.tabs.currentWidget() is window.door
    assert window.orders.search_edit.text() == ""
    qtbot.waitUntil(lambda: window.orders._stale, timeout=5000)  # hidden: reloads when shown
    with qtbot.waitSignal(window.orders.loaded, timeout=5000):
        window.tabs.setCurrentWidget(window.orders)


def test_empty_ledger_says_there_is_no_event(qtbot, tmp_path):
    from app.context import StationContext
    from app.sound import SoundPlayer

    ledger = new_ledger(tmp_path / "empty.db")
    try:
        ctx = StationContext(ledger=ledger, ledger_path=str(tmp_path / "empty.db"), station="S",
                             sound=SoundPlayer(player=[], use_beep=False))
        w = MainWindow(ctx)
        qtbot.addWidget(w)
        qtbot.waitUntil(lambda: "none" in w.event_label.text(), timeout=5000)
        assert w.door.verdict_panel.headline.text() == "No event in this ledger"
        assert not w.door.submit("T-4400")
        w.close()
    finally:
        ledger.close()


def test_unknown_event_id_is_reported(qtbot, ctx, no_dialogs):
    w = MainWindow(ctx, "no-such-event")
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: bool(no_dialogs), timeout=5000)
    assert "could not be opened" in no_dialogs[0][2]
    w.close()


def test_mute_action_and_door_checkbox_agree(window, ctx):
    window.mute_action.setChecked(True)
    assert window.door.mute_box.isChecked() and ctx.sound.muted
    window.door.mute_box.setChecked(False)
    assert not window.mute_action.isChecked() and not ctx.sound.muted


def test_tabs_after_the_door_are_built_when_first_shown_or_used(qtbot, window):
    """Start-up (issue 11): only the Door is built with the window; a tab is built when clicked or used
    from code, in place (same index and title), starts on the current event, and the current tab stays."""
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert set(window.built_tabs()) == {"door"}
    window.show()
    qtbot.waitExposed(window)
    window.tabs.setCurrentIndex(3)  # the operator clicks "Orders & tickets"
    assert set(window.built_tabs()) == {"door", "orders"}
    assert window.tabs.currentWidget() is window.orders
    qtbot.waitUntil(lambda: window.orders.orders_model.rowCount() == 2, timeout=5000)  # the event's 2 orders
    events = window.events  # used from code: built at its place, the Orders tab stays current
    assert window.tabs.widget(4) is events and window.tabs.currentIndex() == 3
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == titles


def test_a_change_leaves_tabs_not_built_yet_alone(qtbot, window):
    from core.changes import Changes

    window.on_changes_applied(Changes(orders=frozenset({"X"}), outbox=True))
    assert set(window.built_tabs()) == {"door"}
