"""app.startup: work after the window's first frame (when_exposed) and the slow part of opening on a worker
thread while the GUI thread keeps processing events (run_while_painting); and create_window's start-up order
(issue 11: the window's chrome shows before the ledger is open)."""
from __future__ import annotations

import gc
import sqlite3
import sys
import threading

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from app import startup, tasks
from core.db import LedgerFileError


def test_when_exposed_runs_after_the_first_expose(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    calls = []
    widget.show()
    startup.when_exposed(widget, lambda: calls.append(widget.windowHandle().isExposed()))
    qtbot.waitUntil(lambda: bool(calls), timeout=3000)
    assert calls == [True]


def test_when_exposed_without_a_native_window_runs_at_the_next_turn(qtbot):
    widget = QWidget()  # never shown: no QWindow
    qtbot.addWidget(widget)
    calls = []
    startup.when_exposed(widget, lambda: calls.append(1))
    assert calls == []
    qtbot.waitUntil(lambda: calls == [1], timeout=3000)


def test_run_while_painting_returns_the_result_and_keeps_the_event_loop_going(qapp):
    fired, release = [], threading.Event()
    QTimer.singleShot(0, lambda: (fired.append(threading.current_thread().name), release.set()))

    def work():
        assert release.wait(5), "the GUI thread did not process its events while the work ran"
        return threading.current_thread().name

    name = startup.run_while_painting(work)
    assert name != threading.main_thread().name  # ran on a worker thread
    assert fired == [threading.main_thread().name]  # the timer fired on the GUI thread meanwhile


def test_run_while_painting_raises_the_work_s_error(qapp):
    def work():
        raise ValueError("no ledger here")

    with pytest.raises(ValueError, match="no ledger here"):
        startup.run_while_painting(work)


def test_create_window_opens_the_ledger_attaches_the_door_then_starts(qtbot, tmp_path, event_data, ledger):
    from app.main_window import create_window

    interval = sys.getswitchinterval()
    app, window, opened = create_window(str(tmp_path / "ledger.db"), event_id=event_data.event_id, muted=True,
                                        sync=False)
    qtbot.addWidget(window)
    try:
        assert window.tabs.widget(0) is window.door  # the Door replaced its "Opening the ledger…" placeholder
        assert window.ctx.ledger is opened
        assert set(window.built_tabs()) == {"door"}  # the other tabs wait until shown or used
        qtbot.waitUntil(lambda: not window.starting, timeout=5000)
        qtbot.waitUntil(lambda: "Door Test" in window.event_label.text(), timeout=5000)
    finally:
        window.close()
        assert tasks.wait_for_done(10000)
        opened.close()
        gc.unfreeze()  # create_window froze the test process's objects (for the app's lifetime)
        sys.setswitchinterval(interval)


def test_create_window_refuses_a_foreign_file_and_closes_its_window(qtbot, tmp_path, qapp):
    from app.main_window import MainWindow, create_window

    path = tmp_path / "notes.db"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        con.execute("INSERT INTO notes (text) VALUES ('keep me')")
    original = path.read_bytes()
    with pytest.raises(LedgerFileError, match="not a Tessera ledger"):
        create_window(str(path), muted=True, sync=False)
    assert not [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    assert path.read_bytes() == original


def test_surely_has_event_reads_without_changing_anything(tmp_path, ledger, event_data):
    path = tmp_path / "ledger.db"
    assert startup.surely_has_event(str(path))
    assert not startup.surely_has_event(str(tmp_path / "missing.db"))
    assert not (tmp_path / "missing.db").exists()
    other = tmp_path / "notes.db"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
    original = other.read_bytes()
    assert not startup.surely_has_event(str(other))  # not a ledger: unsure, the full check decides
    assert other.read_bytes() == original


def test_surely_has_event_is_false_for_a_ledger_without_events(tmp_path):
    from tests.ledgers import new_ledger

    empty = new_ledger(tmp_path / "empty.db")
    try:
        assert not startup.surely_has_event(str(tmp_path / "empty.db"))
    finally:
        empty.close()
