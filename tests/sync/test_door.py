"""sync.door: the one unknown-ticket decision (lookup → next step) and the door's clock offset (BC-13, WR-13)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from core.checkin import ScanResult, Verdict
from sync import door
from sync.client import ClockSample
from sync.clock import record
from sync.errors import ApiError, NetworkError
from sync.station import StationConfig, save_config


class FakeEngine:
    def __init__(self, answer):
        self.answer = answer

    def fetch_ticket(self, event_id, ticket_number):
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def _raise(exc):
    def get():
        raise exc
    return get


@pytest.mark.parametrize("get_engine, status, step", [
    (lambda: FakeEngine({"ticketNumber": "T-1"}), door.FOUND, door.RESCAN),
    (lambda: FakeEngine(None), door.NOT_FOUND, door.REFUSE),
    (lambda: FakeEngine(NetworkError("no route to host")), door.OFFLINE, door.OFFER_PROVISIONAL),
    (_raise(door.NotConnected("not connected")), door.NOT_CONNECTED, door.OFFER_PROVISIONAL),
    (lambda: FakeEngine(ApiError(503, "HTTP_503")), door.FAILED, door.OFFER_PROVISIONAL),
])
def test_lookup_outcome_and_next_step(get_engine, status, step):
    when = datetime(2026, 3, 7, 18, 55, tzinfo=timezone.utc)
    outcome = door.lookup(get_engine, "ev", "T-1", when)
    assert (outcome.status, outcome.ticket_number, outcome.last_sync) == (status, "T-1", when)
    assert door.next_step(outcome) == step


def test_only_a_missing_ticket_is_looked_up():
    unknown = ScanResult(Verdict.UNKNOWN, "T-1", "T-1")
    assert door.wants_lookup(unknown, "ev")
    assert not door.wants_lookup(unknown, None)
    assert not door.wants_lookup(ScanResult(Verdict.UNKNOWN, "T-1", "T-1", order_number="O-1"), "ev")
    assert not door.wants_lookup(ScanResult(Verdict.INVALID, "x"), "ev")
    assert not door.wants_lookup(ScanResult(Verdict.OK, "T-1", "T-1", order_number="O-1"), "ev")


def test_clock_offset_is_the_measured_one(session):
    assert door.clock_offset(session, 120.0) == door.DoorClock(0.0, False, None)  # standalone: nothing to warn about
    save_config(session, StationConfig(url="http://hub.local:8765"))
    never = door.clock_offset(session, 120.0)  # connected but never synced: said, never a silent 0
    assert (never.offset_s, never.measured) == (0.0, False) and "not measured" in never.warning
    device = datetime(2026, 3, 7, 18, 50, tzinfo=timezone.utc)
    server = datetime(2026, 3, 7, 19, 0, tzinfo=timezone.utc)
    record(session, ClockSample(server_time=server, device_time=device, source="X-Server-Time"), 120.0)
    measured = door.clock_offset(session, 120.0)
    assert measured.offset_s == 600.0 and measured.measured and "10 min" in measured.warning


def test_offline_message_names_the_last_pull():
    assert door.offline_message("19:55") == ("Not in local list (last sync 19:55), check the purchase e-mail or "
                                              "admit provisionally")
