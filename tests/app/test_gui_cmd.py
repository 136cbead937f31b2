"""`tessera gui` / bare `tessera`: options, lazy PySide6 import, and a real start-and-close of the app."""
from __future__ import annotations

import subprocess
import time
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.cli import gui_cmd, main as cli_main

ROOT = Path(__file__).resolve().parents[2]


def test_options_parse():
    parser = cli_main.build_parser()
    args = parser.parse_args(["gui", "--camera-file", "door.avi", "--event", "E1", "--db", "x.db", "--mute"])
    assert args.func is gui_cmd.run and gui_cmd.camera_source(args) == "door.avi"
    assert (args.event, args.db, args.mute) == ("E1", "x.db", True)
    args = parser.parse_args(["gui", "--camera", "0"])
    assert gui_cmd.camera_source(args) == 0
    assert gui_cmd.camera_source(parser.parse_args(["gui"])) is None


def test_bare_tessera_runs_the_gui(monkeypatch):
    seen = []
    monkeypatch.setattr(gui_cmd, "run", lambda args: seen.append(args) or 0)
    assert cli_main.main([]) == 0
    assert len(seen) == 1 and seen[0].command == "gui"


def test_importing_the_command_does_not_load_qt():
    code = "import sys, app.cli.gui_cmd; print('PySide6' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_gui_starts_on_the_ledger_and_closes(qtbot, ledger, event_data, tmp_path, monkeypatch, no_dialogs):
    from app.main_window import MainWindow

    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setenv("TESSERA_HOME", str(tmp_path / "home"))
    seen = []

    deadline = time.monotonic() + 60

    def close_when_ready():
        # Always reschedules unless done: an exception here (e.g. a widget of an earlier test deleted under
        # our feet) must not leave app.exec() idling forever; past the deadline the loop is ended with 1.
        done = False
        try:
            # the window this run opened (an earlier test's MainWindow may still be listed, hidden)
            windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
                       and "Door Test" in w.event_label.text()]
            if windows:
                seen.append(windows[0].windowTitle())
                done = True
                windows[0].close()  # the last window closing ends app.exec()
        finally:
            if time.monotonic() > deadline:
                QApplication.exit(1)
            elif not done:
                QTimer.singleShot(100, close_when_ready)

    for leftover in QApplication.topLevelWidgets():  # exec() ends when the last visible window closes
        leftover.close()
    QTimer.singleShot(100, close_when_ready)
    db = str(ledger.engine.url.database)
    rc = cli_main.main(["gui", "--db", db, "--event", event_data.event_id, "--station", "Door Z", "--mute"])
    assert rc == 0 and seen == ["Tessera — Door Test"]
    assert any("not yet uploaded" in text for _kind, _title, text in no_dialogs), "WR-14: asked before quitting"
