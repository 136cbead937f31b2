"""sync.state: the typed accessors own every SyncState key; nothing else in core/, sync/ or app/ reads or writes
SyncState rows directly (issue 7 item 7)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sync import state

UTC = timezone.utc
ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 6, 14, 18, 0, tzinfo=UTC)


def test_engine_health_counts_failures_and_resets(ledger):
    with ledger.uow() as uow:
        s = uow.session
        assert state.engine_health(s) == state.EngineHealth()
        state.record_run_failed(s, "server down", T0)
        health = state.record_run_failed(s, "x" * 900, T0 + timedelta(seconds=5))
        uow.commit()
    assert health.failures == 2 and health.last_failure == T0 + timedelta(seconds=5) and len(health.last_error) == 500
    with ledger.uow() as uow:
        state.record_run_ok(uow.session, T0 + timedelta(minutes=1))
        uow.commit()
    with ledger.uow() as uow:
        assert state.engine_health(uow.session) == state.EngineHealth(0, None, None, T0 + timedelta(minutes=1))


def test_last_success_per_resource(ledger):
    with ledger.uow() as uow:
        state.mark_success(uow.session, {"push"}, T0)
        state.mark_success(uow.session, ["tickets", "orders"], T0 + timedelta(seconds=1))
        uow.commit()
    with ledger.uow() as uow:
        assert state.last_success(uow.session) == {"push": T0, "tickets": T0 + timedelta(seconds=1),
                                                   "orders": T0 + timedelta(seconds=1)}


def test_cursor_per_event(ledger):
    with ledger.uow() as uow:
        assert state.cursor(uow.session, "e1") is None
        state.set_cursor(uow.session, "e1", "c7", T0)
        state.set_cursor(uow.session, "e2", "c1", T0)
        uow.commit()
    with ledger.uow() as uow:
        assert (state.cursor(uow.session, "e1"), state.cursor(uow.session, "e2")) == ("c7", "c1")
        state.clear_cursor(uow.session, "e1")
        uow.commit()
    with ledger.uow() as uow:
        assert state.cursor(uow.session, "e1") is None and state.cursor(uow.session, "e2") == "c1"


def test_clock_reading_round_trip(ledger):
    reading = state.ClockReading(-12.5, T0, "X-Server-Time", T0 - timedelta(seconds=12.5))
    with ledger.uow() as uow:
        assert state.clock_reading(uow.session) is None
        state.set_clock_reading(uow.session, reading)
        uow.commit()
    with ledger.uow() as uow:
        assert state.clock_reading(uow.session) == reading


def test_station_and_conflict_records(ledger):
    with ledger.uow() as uow:
        s = uow.session
        assert state.station(s) is None
        state.set_station(s, {"url": "http://hub", "role": "door"})
        state.set_conflict(s, "d-local", {"definitionId": "d-local", "fields": {"name": {}}})
        uow.commit()
    with ledger.uow() as uow:
        s = uow.session
        assert state.station(s) == {"url": "http://hub", "role": "door"}
        state.rekey_conflict(s, "d-local", "d-server")
        uow.commit()
    with ledger.uow() as uow:
        s = uow.session
        assert state.conflict(s, "d-local") is None
        assert state.conflicts(s) == [("d-server", {"definitionId": "d-server", "fields": {"name": {}},
                                                    "kind": "definition"})]
        state.set_conflict(s, "ORD-1", {"fields": {}}, "order")  # orders share the mechanism (issue 8 item 3)
        assert state.conflict(s, "ORD-1", "order") == {"fields": {}} and state.conflict(s, "ORD-1") is None
        state.drop_conflict(s, "ORD-1", "order")
        state.drop_conflict(s, "d-server")
        state.drop_conflict(s, "never-there")
        uow.commit()
    with ledger.uow() as uow:
        assert state.conflicts(uow.session) == []


def test_only_sync_state_touches_the_sync_state_table():
    """SyncState is named only by core/models.py (the table) and sync/state.py (the accessors)."""
    users = []
    for layer in ("core", "sync", "app"):
        for path in (ROOT / layer).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if rel in ("core/models.py", "sync/state.py") or rel.startswith("sync/hub/"):
                continue
            if re.search(r"\bSyncState\b", path.read_text(encoding="utf-8")):
                users.append(rel)
    assert users == []


def test_hub_identity_and_clearing_every_cursor(ledger):
    with ledger.uow() as uow:
        assert state.hub_identity(uow.session) is None
        state.set_hub_identity(uow.session, "hub-1", "2026-01-01T00:00:00.000Z", T0)
        state.set_cursor(uow.session, "e1", "c7.ab", T0)
        state.set_cursor(uow.session, "e2", "c1.cd", T0)
        uow.commit()
    with ledger.uow() as uow:
        assert state.hub_identity(uow.session) == ("hub-1", "2026-01-01T00:00:00.000Z")
        assert state.clear_cursors(uow.session) == 2
        uow.commit()
    with ledger.uow() as uow:
        assert state.cursor(uow.session, "e1") is None and state.cursor(uow.session, "e2") is None


def test_role_scope_and_last_outcome_round_trip(tmp_path):
    """Issue 8 items 5–6: the role/scope the hub stated and the last run's class are kept for offline use."""
    from core.db import Ledger
    from core.timeutil import utcnow

    ledger = Ledger.open(str(tmp_path / "s.db"))
    try:
        with ledger.uow() as uow:
            s = uow.session
            assert state.role_scope(s) is None and state.station_role(s) is None and state.last_outcome(s) is None
            state.set_station(s, {"url": "http://hub", "role": "box-office"})
            assert state.station_role(s) == "box-office"  # a connection saved before roles were cached
            state.set_role_scope(s, state.RoleScope("door", ("ev-1",), ("tickets.checkin",), utcnow()))
            state.set_last_outcome(s, {"kind": "offline", "message": "down", "refusals": []}, utcnow())
            uow.commit()
        with ledger.uow() as uow:
            scope = state.role_scope(uow.session)
            assert (scope.role, scope.events, scope.permissions) == ("door", ("ev-1",), ("tickets.checkin",))
            assert state.station_role(uow.session) == "door"
            assert state.last_outcome(uow.session)["kind"] == "offline"
    finally:
        ledger.close()
