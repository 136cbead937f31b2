"""Keyboard-wedge scanners: a fast burst ending in Enter, wherever the focus is, checks a ticket in."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from app.tabs.door_tab import DoorTab
from app.wedge import WedgeFilter


class FakeClock:
    """A monotonic clock the test advances by hand (key gaps without sleeping)."""

    def __init__(self):
        self.now = 100.0
        self.step = 0.005

    def __call__(self):
        self.now += self.step
        return self.now


@pytest.fixture
def wedge(qapp):
    clock = FakeClock()
    f = WedgeFilter(max_gap_s=0.05, min_length=4, clock=clock)
    f.clock = clock
    qapp.installEventFilter(f)
    yield f
    qapp.removeEventFilter(f)


def _form(qtbot):
    w = QWidget()
    layout = QVBoxLayout(w)
    edit, other = QLineEdit(), QLineEdit()
    layout.addWidget(edit)
    layout.addWidget(other)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is edit, timeout=2000)
    return w, edit, other


def test_fast_burst_with_enter_is_a_scan_and_leaves_the_field_clean(qtbot, wedge):
    _w, edit, _other = _form(qtbot)
    edit.setText("Ann")
    edit.setCursorPosition(3)
    entered = []
    edit.returnPressed.connect(lambda: entered.append(edit.text()))
    with qtbot.waitSignal(wedge.scanned, timeout=1000) as blocker:
        qtbot.keyClicks(edit, "TQ4M-88RA-KD021")
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert blocker.args == ["TQ4M-88RA-KD021"]
    assert edit.text() == "Ann", "the burst is taken back out of the field it landed in"
    assert entered == [], "the scanner's Enter does not reach the form"


def test_slow_typing_is_not_a_scan(qtbot, wedge):
    _w, edit, _other = _form(qtbot)
    wedge.clock.step = 0.2  # 200 ms between keys: a person
    got = []
    wedge.scanned.connect(got.append)
    entered = []
    edit.returnPressed.connect(lambda: entered.append(edit.text()))
    qtbot.keyClicks(edit, "Moreira")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert got == [] and edit.text() == "Moreira" and entered == ["Moreira"]


def test_short_burst_is_not_a_scan(qtbot, wedge):
    _w, edit, _other = _form(qtbot)
    got = []
    wedge.scanned.connect(got.append)
    qtbot.keyClicks(edit, "ab")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert got == []


def test_pause_inside_a_burst_starts_over(qtbot, wedge):
    _w, edit, _other = _form(qtbot)
    got = []
    wedge.scanned.connect(got.append)
    qtbot.keyClicks(edit, "HUMAN")
    wedge.clock.now += 1.0
    qtbot.keyClicks(edit, "T-4400")
    qtbot.keyClick(edit, Qt.Key.Key_Enter)
    assert got == ["T-4400"] and edit.text() == "HUMAN"


def test_disabled_filter_passes_everything(qtbot, wedge):
    _w, edit, _other = _form(qtbot)
    wedge.enabled = False
    got = []
    wedge.scanned.connect(got.append)
    qtbot.keyClicks(edit, "TQ4M-88RA-KD021")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert got == [] and edit.text() == "TQ4M-88RA-KD021"


def test_wedge_burst_checks_in_from_any_field_once(qtbot, wedge, ctx, event_data):
    """A burst typed into the door's search box checks the ticket in; the same code again within the
    debounce window counts once."""
    door = DoorTab(ctx)
    qtbot.addWidget(door)
    wedge.scanned.connect(door.on_wedge_scanned)
    door.show()
    qtbot.waitExposed(door)
    door.activateWindow()
    door.search.search_edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is door.search.search_edit, timeout=2000)
    results = []
    door.scanned.connect(results.append)
    tn = event_data.paid_tickets[0]
    for _ in range(2):
        qtbot.keyClicks(door.search.search_edit, tn)
        qtbot.keyClick(door.search.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(results) >= 1, timeout=5000)
    qtbot.wait(200)
    assert [r.verdict.value for r in results] == ["OK"]
    assert results[0].ticket_number == tn and door.search.search_edit.text() == ""
    door.close()
