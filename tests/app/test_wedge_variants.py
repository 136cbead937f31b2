"""Keyboard-wedge scanner variants (WR-07): a Tab suffix instead of Enter, and a scanner typing through a
German keyboard layout — both reach the door as the ticket meant; a person's Tab still moves the focus."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core.codes import parse_payload
from tests.app.test_wedge import _form, wedge  # noqa: F401 - the fixture
from tests.core.test_codes_layout import typed_on


def test_wr07_burst_ending_in_tab_is_a_scan(qtbot, wedge):  # noqa: F811
    _w, edit, other = _form(qtbot)
    with qtbot.waitSignal(wedge.scanned, timeout=1000) as blocker:
        qtbot.keyClicks(edit, "TQ4M-88RA-KD021")
        qtbot.keyClick(edit, Qt.Key.Key_Tab)
    assert blocker.args == ["TQ4M-88RA-KD021"] and edit.text() == ""
    assert QApplication.focusWidget() is edit, "the scanner's Tab does not move the focus"


def test_a_person_pressing_tab_still_moves_the_focus(qtbot, wedge):  # noqa: F811
    _w, edit, other = _form(qtbot)
    wedge.clock.step = 0.2  # people type slowly
    seen = []
    wedge.scanned.connect(seen.append)
    qtbot.keyClicks(edit, "Ann")
    qtbot.keyClick(edit, Qt.Key.Key_Tab)
    assert seen == [] and edit.text() == "Ann"
    qtbot.waitUntil(lambda: QApplication.focusWidget() is other, timeout=2000)


def test_wr07_german_layout_burst_parses_to_the_ticket(qtbot, wedge):  # noqa: F811
    _w, edit, _other = _form(qtbot)
    with qtbot.waitSignal(wedge.scanned, timeout=1000) as blocker:
        qtbot.keyClicks(edit, typed_on("German (QWERTZ)", "TQ4M-88RA-KD021"))
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert parse_payload(blocker.args[0]).ticket_number == "TQ4M-88RA-KD021"


def test_fast_user_name_and_tab_from_a_password_manager_is_no_scan(qtbot, wedge):  # noqa: F811
    """Tab ends a burst only when it is a ticket code: an auto-typed user name + Tab moves the focus."""
    _w, edit, other = _form(qtbot)
    seen = []
    wedge.scanned.connect(seen.append)
    qtbot.keyClicks(edit, "ana.moreira")
    qtbot.keyClick(edit, Qt.Key.Key_Tab)
    assert seen == [] and edit.text() == "ana.moreira"
    qtbot.waitUntil(lambda: QApplication.focusWidget() is other, timeout=2000)
