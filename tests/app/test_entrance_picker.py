"""The door's entrance picker, exit mode and inside counter (issue 9 items 7–8), driven through the real Door tab
offscreen: pick an entrance (remembered for the station), a WRONG_ENTRANCE verdict, exit mode lowering
"inside now", the capacity alarm."""
from __future__ import annotations

import pytest

from app.tabs.door_tab import DoorTab
from app.widgets.entrance_picker import NO_ENTRANCE
from core.entrances import create_entrance, set_max_inside
from sync import state


def _door(qtbot, ctx) -> DoorTab:
    door = DoorTab(ctx)
    qtbot.addWidget(door)
    door.refresh()
    return door


def _result(qtbot, door, payload):
    with qtbot.waitSignal(door.scanned, timeout=5000) as blocker:
        door.submit(payload)
    return blocker.args[0]


@pytest.fixture
def gates(ctx, event_data):
    with ctx.ledger.uow() as uow:
        gate = create_entrance(uow.session, event_data.event_id, "Balcony gate", [event_data.balcony_id])
        out = create_entrance(uow.session, event_data.event_id, "Way out", direction="EXIT")
        uow.commit()
    return gate, out


def _inside(door) -> str:
    return door.entrance_picker.inside_label.text()


def test_pick_an_entrance_gives_wrong_entrance_and_is_remembered(qtbot, ctx, event_data, gates):
    gate, _out = gates
    door = _door(qtbot, ctx)
    picker = door.entrance_picker
    qtbot.waitUntil(lambda: picker.combo.count() == 3, timeout=5000)
    assert picker.combo.itemText(0) == NO_ENTRANCE and picker.combo.itemText(2) == "Way out (exit)"
    picker.select(gate.id)
    qtbot.waitUntil(lambda: _remembered(ctx, event_data) == gate.id, timeout=5000)  # remembered (sync.state)
    result = _result(qtbot, door, event_data.paid_tickets[0])
    assert result.verdict.value == "WRONG_ENTRANCE"
    assert door.verdict_panel.headline.text() == "WRONG ENTRANCE" and door.verdict_panel.css_class == "error"
    again = _door(qtbot, ctx)  # a restarted door works at the same entrance
    qtbot.waitUntil(lambda: again.entrance_picker.entrance() == gate, timeout=5000)


def _remembered(ctx, event_data):
    with ctx.ledger.uow() as uow:
        return state.door_entrance(uow.session, event_data.event_id)


def test_exit_mode_lowers_inside_now(qtbot, ctx, event_data, gates):
    door = _door(qtbot, ctx)
    qtbot.waitUntil(lambda: _inside(door) == "Inside now: 0", timeout=5000)
    assert _result(qtbot, door, event_data.paid_tickets[0]).verdict.value == "OK"
    qtbot.waitUntil(lambda: _inside(door) == "Inside now: 1", timeout=5000)
    door.entrance_picker.exit_box.setChecked(True)
    left = _result(qtbot, door, event_data.paid_tickets[0])
    assert left.admitted and left.direction == "EXIT"
    assert door.verdict_panel.headline.text() == "EXIT — GOODBYE"
    qtbot.waitUntil(lambda: _inside(door) == "Inside now: 0", timeout=5000)
    door.entrance_picker.exit_box.setChecked(False)
    assert _result(qtbot, door, event_data.paid_tickets[0]).verdict.value == "OK"  # re-entry
    qtbot.waitUntil(lambda: _inside(door) == "Inside now: 1", timeout=5000)


def test_an_exit_entrance_forces_exit_mode(qtbot, ctx, event_data, gates):
    _gate, out = gates
    door = _door(qtbot, ctx)
    picker = door.entrance_picker
    qtbot.waitUntil(lambda: picker.combo.count() == 3, timeout=5000)
    picker.select(out.id)
    assert picker.exit_mode() and not picker.exit_box.isEnabled()
    picker.select(None)
    assert not picker.exit_mode() and picker.exit_box.isEnabled()


def test_capacity_alarm_shows(qtbot, ctx, event_data):
    with ctx.ledger.uow() as uow:
        set_max_inside(uow.session, event_data.event_id, 1)
        uow.commit()
    door = _door(qtbot, ctx)
    for tn in event_data.paid_tickets:
        assert _result(qtbot, door, tn).verdict.value == "OK"
    qtbot.waitUntil(lambda: door.entrance_picker.alarm, timeout=5000)
    assert _inside(door) == "Inside now: 2 / 1  — OVER CAPACITY"
    assert "#f0a500" in door.entrance_picker.inside_label.styleSheet()
