"""Issue 9 item 9 through the real window (offscreen): a once-per-day pass (DAILY) is admitted on day 1 and
on day 2 but not twice on day 1; the event is in Pacific/Auckland while the process runs with TZ=UTC and the
scans sit around the event's local midnight (day 1 23:40/23:50, day 2 00:10 — one UTC date)."""
from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from app.main_window import MainWindow
from core import door as core_door
from core.models import Event, TicketDefinition
from tests.app.conftest import make_event

DAY1_2340 = datetime(2026, 1, 10, 10, 40, tzinfo=timezone.utc)  # 23:40 on 10 Jan in Auckland (NZDT, UTC+13)
DAY1_2350 = datetime(2026, 1, 10, 10, 50, tzinfo=timezone.utc)
DAY2_0010 = datetime(2026, 1, 10, 11, 10, tzinfo=timezone.utc)  # 00:10 on 11 Jan, still 10 Jan in UTC


@pytest.fixture
def event_data(ledger, monkeypatch):
    """The door test event moved to Auckland, its Standing tickets made a daily pass; the OS zone UTC."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    data = make_event(ledger)
    with ledger.uow() as uow:
        uow.session.get(Event, data.event_id).time_zone = "Pacific/Auckland"
        uow.session.get(TicketDefinition, data.standing_id).entry_rule = "DAILY"
        uow.commit()
    yield data
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def window(qtbot, ctx):
    w = MainWindow(ctx, ctx.event_id)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()


def _scan_at(qtbot, monkeypatch, door, payload, at):
    monkeypatch.setattr(core_door, "device_now", lambda: at)  # the door's clock, as tests/app/test_door_clock.py
    with qtbot.waitSignal(door.scanned, timeout=5000) as blocker:
        door.submit(payload, "MANUAL")
    return blocker.args[0]


def test_daily_pass_day_1_ok_day_1_again_already_day_2_ok(qtbot, monkeypatch, window, event_data):
    door, tn = window.door, event_data.paid_tickets[0]
    first = _scan_at(qtbot, monkeypatch, door, tn, DAY1_2340)
    assert first.verdict.value == "OK" and door.verdict_panel.css_class == "ok"
    again = _scan_at(qtbot, monkeypatch, door, tn, DAY1_2350)
    assert again.verdict.value == "ALREADY_CHECKED_IN" and door.verdict_panel.css_class == "warn"
    assert again.message == "Already admitted today 23:40 (event time) at Door A"
    second_day = _scan_at(qtbot, monkeypatch, door, tn, DAY2_0010)
    assert second_day.verdict.value == "OK" and door.verdict_panel.css_class == "ok"
    other = _scan_at(qtbot, monkeypatch, door, event_data.paid_tickets[1], DAY1_2340)
    assert other.verdict.value == "OK"
