"""Entrances through the real hub (extension `entrances`, issue 9 items 7–8): the routes and their roles; the
entrance matrix — definition × entrance, station-local offline verdict vs the hub's CheckIn naming its
entrance — gives identical verdicts; entrances made at an organiser station reach a door station through the
hub; exits lower "inside now" across two stations after sync."""
from __future__ import annotations

from datetime import timedelta

import pytest

from core.checkin import Verdict
from core.door import Door, scan
from core.entrances import EXIT, create_entrance, list_entrances
from core.headcount import headcount
from tests.sync.engine_helpers import hour_ago
from tests.sync.hub_fixtures import expect_error, ok

PATH = "/tessera/v1/entrances"


@pytest.fixture
def shop(hub):
    """An event with Standing and VIP tickets (2 each) and, on the hub, entrances Main (all) and VIP gate."""
    ev = hub.seed_event()
    standing, vip = hub.seed_definition(ev, "Standing", quantity=10), hub.seed_definition(ev, "VIP", quantity=10)
    s_tickets = hub.seed_sale(ev, {standing: 2})["tickets"]
    v_tickets = hub.seed_sale(ev, {vip: 2})["tickets"]
    with hub.uow() as s:
        main = create_entrance(s, ev, "Main")
        gate = create_entrance(s, ev, "VIP gate", [vip])
    return {"event": ev, "standing": s_tickets, "vip": v_tickets, "main": main, "gate": gate}


def test_routes_and_roles(hub, shop):
    org, door = hub.client("organiser"), hub.client("door")
    listed = ok(door.get(PATH, params={"eventId": shop["event"]}))["entrances"]
    assert [e["name"] for e in listed] == ["Main", "VIP gate"]
    body = {"eventId": shop["event"], "entrance": {"id": "ent-exit", "name": "Exit", "direction": "EXIT"}}
    expect_error(door.post(PATH, json=body), 403)
    made = ok(org.post(PATH, json=body))["entrance"]
    assert made == {"id": "ent-exit", "eventId": shop["event"], "name": "Exit", "definitionIds": [],
                    "direction": "EXIT"}
    renamed = ok(org.post(PATH, json=dict(body, entrance=dict(body["entrance"], name="Way out"))))["entrance"]
    assert renamed["name"] == "Way out"
    assert ok(door.get(f"{PATH}/ent-exit"))["entrance"]["name"] == "Way out"
    expect_error(org.post(PATH, json={"eventId": shop["event"], "entrance": {"id": "x", "name": "main"}}), 409)
    ok(org.delete(f"{PATH}/ent-exit"))
    expect_error(door.get(f"{PATH}/ent-exit"), 404, "ENTRANCE_NOT_FOUND")
    assert "entrances" in ok(door.get("/tessera/v1/discovery"))["extensions"]


def _hub_verdict(client, event_id, ticket, entrance) -> Verdict:
    resp = client.post("/events/v1/tickets/check-in",
                       json={"eventId": event_id, "ticketNumber": [ticket], "entranceId": entrance.id})
    if resp.status_code == 428:
        assert resp.json()["details"]["applicationError"]["code"] == "WRONG_ENTRANCE"
        return Verdict.WRONG_ENTRANCE
    body = ok(resp)
    return Verdict.OK if body["tickets"][0].get("checkIn") else Verdict.UNKNOWN


def test_entrance_matrix_station_offline_equals_hub_check_in(hub, shop, stations):
    st = stations("A", "door", [shop["event"]], on=hub)
    assert st.sync().ok
    with st.ledger.uow() as uow:
        assert {e.name for e in list_entrances(uow.session, shop["event"])} == {"Main", "VIP gate"}
    st.faults.offline = True
    door_client = hub.client("door")
    matrix = []
    for kind in ("standing", "vip"):
        for ent, ticket in (("main", shop[kind][0]), ("gate", shop[kind][1])):
            local = scan(st.ledger, Door((shop["event"],), "A", entrance=shop[ent]), ticket).verdict
            online = _hub_verdict(door_client, shop["event"], ticket, shop[ent])
            matrix.append((kind, ent, local, online))
    assert [(k, e, lv) for k, e, lv, _ in matrix] == [
        ("standing", "main", Verdict.OK), ("standing", "gate", Verdict.WRONG_ENTRANCE),
        ("vip", "main", Verdict.OK), ("vip", "gate", Verdict.OK)]
    assert all(lv is hv for _k, _e, lv, hv in matrix)


def test_entrances_made_at_an_organiser_station_reach_a_door_station(hub, shop, stations):
    org = stations("Office", "organiser", [shop["event"]], on=hub)
    door = stations("Door", "door", [shop["event"]], on=hub)
    assert org.sync().ok
    with org.ledger.uow() as uow:
        out = create_entrance(uow.session, shop["event"], "Back exit", direction=EXIT)
        uow.commit()
    result = org.sync()
    assert result.ok and [r.state for r in org.outbox() if r.kind.startswith("entrance.")] == ["sent"]
    assert door.sync().ok
    with door.ledger.uow() as uow:
        found = {e.name: e for e in list_entrances(uow.session, shop["event"])}
    assert found["Back exit"] == out and found["Back exit"].is_exit


def test_exits_lower_inside_now_across_two_stations_after_sync(hub, shop, stations):
    a, b = stations("A", "door", [shop["event"]], on=hub), stations("B", "door", [shop["event"]], on=hub)
    assert a.sync().ok and b.sync().ok
    t = hour_ago()
    entry_a = Door((shop["event"],), "A", entrance=shop["main"])
    exit_b = Door((shop["event"],), "B", exit_mode=True)
    for i, tn in enumerate(shop["standing"] + shop["vip"]):
        assert scan(a.ledger, entry_a, tn, now=t + timedelta(seconds=i)).verdict is Verdict.OK
    # B has not seen the entries yet: its exit is recorded all the same
    assert scan(b.ledger, exit_b, shop["vip"][0], now=t + timedelta(minutes=5)).admitted
    assert a.sync().ok and b.sync().ok and a.sync().ok
    for ledger in (a.ledger, b.ledger, hub.ledger):
        with ledger.uow() as uow:
            hc = headcount(uow.session, shop["event"])
        assert hc.inside == 3 and hc.by_entrance == {shop["main"].id: 3} and hc.exits == {None: 1}


def test_a_plain_server_keeps_entrances_at_the_station(hub_factory, stations):
    plain = hub_factory(plain=True)
    ev = plain.seed_event()
    org = stations("Office", "organiser", [ev], on=plain)
    assert org.sync().ok
    with org.ledger.uow() as uow:  # a plain station stored its event at connect (sync.plain_events)
        create_entrance(uow.session, ev, "Main")
        uow.commit()
    assert org.sync().ok
    [row] = [r for r in org.outbox() if r.kind == "entrance.upsert"]
    assert row.state == "sent" and "kept at this station" in row.last_error
    with org.ledger.uow() as uow:
        assert [e.name for e in list_entrances(uow.session, ev)] == ["Main"]
