"""Roles on the station and "say what is wrong" (issue 8 items 5 and 6), end to end against the real hub on
loopback: a key limited to an event, the role cached in the ledger, the CLI's role guard, the connect
self-test, `tessera sync` exit codes per class, and a 403 on definitions that keeps the cached ones."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.cli.main import main
from core import roles
from core.db import Ledger
from core.models import TicketDefinition
from sync import state
from sync.connection import self_test
from sync.hub.auth import add_station
from sync.outcome import REFUSED
from sync.station import StationConfig, connect, make_api
from tests.sync.hub_fixtures import expect_error, ok


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TESSERA_KEYRING", "file")
    return str(tmp_path / "station.db")


def _scoped_key(hub, name: str, role: str, events: list[str]) -> str:
    with hub.ledger.uow() as uow:
        key = add_station(uow.session, name, role, events=events)
        uow.commit()
    return key


def test_a_door_key_limited_to_an_event_cannot_check_in_another_events_ticket(hub):
    a, b = hub.seed_event("Gala A"), hub.seed_event("Gala B")
    ta = hub.seed_sale(a, {hub.seed_definition(a): 1})["tickets"][0]
    tb = hub.seed_sale(b, {hub.seed_definition(b): 1})["tickets"][0]
    with hub.client(key=_scoped_key(hub, "Door A", "door", [a])) as c:
        found = ok(c.get("/tessera/v1/discovery"))
        assert found["events"] == [a] and "tickets.checkin" in found["permissions"]
        assert "orders.write" not in found["permissions"]
        body = expect_error(c.post("/events/v1/tickets/check-in", json={"eventId": b, "ticketNumber": [tb]}),
                            403, "EVENT_NOT_ALLOWED")
        assert body["details"]["applicationError"]["data"] == {"permission": f"event:{b}"}
        expect_error(c.get("/events/v1/tickets", params={"eventId": b}), 403, "EVENT_NOT_ALLOWED")
        ok(c.post("/events/v1/tickets/check-in", json={"eventId": a, "ticketNumber": [ta]}))
        assert [e["id"] for e in ok(c.get("/events/v1/events"))["events"]] == [a]  # lists only its events
    with hub.client(key=_scoped_key(hub, "Door any", "door", [])) as c:  # no scope: every event
        ok(c.get("/events/v1/tickets", params={"eventId": b}))


def test_connect_takes_the_keys_events_and_caches_role_and_scope(hub, tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TESSERA_KEYRING", "file")
    a, _b = hub.seed_event("Gala A"), hub.seed_event("Gala B")
    key = _scoped_key(hub, "Door A", "door", [a])
    ledger = Ledger.open(str(tmp_path / "s.db"))
    try:
        with ledger.uow() as uow:
            assert state.station_role(uow.session) is None  # never connected: every action allowed
            cfg = connect(uow.session, hub.url, key)
            uow.commit()
        assert cfg.event_ids == [a]
        with ledger.uow() as uow:
            scope = state.role_scope(uow.session)
            assert (scope.role, scope.events) == ("door", (a,)) and "tickets.checkin" in scope.permissions
            assert state.station_role(uow.session) == "door"
    finally:
        ledger.close()


def test_self_test_reports_what_the_role_needs_and_lacks(hub):
    ev = hub.seed_event()
    api = make_api(StationConfig(url=hub.url), hub.add_station("Till", "box-office"))
    try:
        probes = self_test(api, "box-office", [ev], tuple(roles.permissions("door")), hub=True)
    finally:
        api.http.close()
    by = {p.permission: p for p in probes}
    assert by["orders.read"].ok and by["orders.read"].call.startswith("GET /events/v1/orders")
    assert by["changes.read"].ok and by["tickets.read"].ok and by["definitions.read"].ok
    # the hub stated only a door's permissions here: the writes a box office needs are reported missing
    assert sorted(p.permission for p in probes if not p.ok) == ["orders.upload", "orders.write"]


def test_cli_refuses_what_a_door_station_may_not_do(hub, env, capsys):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=10)
    key = hub.add_station("Door 1", "door")
    assert main(["station", "connect", hub.url, "--key", key, "--event", ev, "--db", env, "--json"]) == 0
    out, err = capsys.readouterr()
    shown = json.loads(out)
    assert shown["role"] == "door" and shown["missing"] == [] and shown["selfTest"]
    assert "permission self-test" in err and "check(s) passed" in err
    assert main(["sync", "--db", env]) == 0
    capsys.readouterr()
    assert main(["station", "show", "--json", "--db", env]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["role"] == "door" and shown["lastOutcome"]["kind"] == "ok" and shown["keyEvents"] == []
    assert main(["sell", "--db", env, "--ticket", f"{d}=1", "--first-name", "A", "--last-name", "B"]) == 2
    assert "ROLE_FORBIDS" in capsys.readouterr().err
    assert main(["definitions", "create", "--db", env, "--name", "VIP", "--price", "20"]) == 2
    assert "can't edit ticket definitions" in capsys.readouterr().err
    assert main(["events", "update", ev, "--db", env, "--title", "Renamed"]) == 2
    assert "can't edit events" in capsys.readouterr().err


def test_a_403_on_definitions_keeps_the_cached_ones_and_says_so(hub_factory, env, capsys, monkeypatch):
    """Plain contract server: the key may no longer list definitions; the cached ones stay, the run goes on,
    `tessera sync` exits 5 (refused) naming the endpoint and the missing permission."""
    hub = hub_factory(plain=True)
    ev = hub.seed_event()
    hub.seed_definition(ev, name="Adult")
    key = hub.add_station("Door 1", "door")
    assert main(["station", "connect", hub.url, "--key", key, "--event", ev, "--db", env]) == 0
    assert main(["sync", "--db", env]) == 0
    capsys.readouterr()
    monkeypatch.setitem(roles.PERMISSIONS, roles.DOOR, roles.PERMISSIONS[roles.DOOR] - {"definitions.read"})
    assert main(["sync", "--json", "--db", env]) == 5
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["ok"] and report["outcome"]["kind"] == REFUSED
    assert report["outcome"]["endpoint"] == "GET /events/v1/ticket-definitions"
    assert report["outcome"]["permission"] == "definitions.read"
    assert any("cached definitions are kept" in w for w in report["warnings"])
    assert report["lastSync"] is not None
    ledger = Ledger.open(env)
    try:
        with ledger.uow() as uow:
            assert uow.session.scalar(select(func.count()).select_from(TicketDefinition)) == 1
    finally:
        ledger.close()
