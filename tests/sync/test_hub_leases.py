"""The hub's capacity-lease calls (sync/hub/routes_leases.py, issue 10 item 6): roles, shapes, the top-up
arithmetic seen over HTTP, release and the dashboard (consumption by the order upload: test_engine_leases)."""
from __future__ import annotations

from tests.sync.hub_fixtures import expect_error, ok


def test_door_keys_are_refused_and_bad_bodies_are_400(hub):
    ev = hub.seed_event()
    door, box = hub.client("door"), hub.client("box-office")
    expect_error(door.post("/tessera/v1/leases", json={"eventId": ev}), 403, "PERMISSION_DENIED")
    expect_error(box.put("/tessera/v1/leases/block", json={"eventId": ev, "block": 3}), 403, "PERMISSION_DENIED")
    expect_error(box.post("/tessera/v1/leases", json={}), 400)
    expect_error(box.post("/tessera/v1/leases/release", json={"eventId": ev, "definitionIds": "x"}), 400)
    org = hub.client("organiser")
    expect_error(org.put("/tessera/v1/leases/block", json={"eventId": ev, "block": "ten"}), 400)


def test_top_up_upload_consumes_release_and_dashboard(hub):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=6)
    org = hub.client("organiser")
    assert ok(org.put("/tessera/v1/leases/block", json={"eventId": ev, "definitionId": d, "block": 4})) \
        == {"scopeId": d, "block": 4}
    a, b = hub.client("box-office", name="A"), hub.client("box-office", name="B")
    [la] = ok(a.post("/tessera/v1/leases", json={"eventId": ev}))["leases"]
    [lb] = ok(b.post("/tessera/v1/leases", json={"eventId": ev}))["leases"]
    assert (la["seats"], lb["seats"], lb["leased"], lb["left"], lb["block"]) == (4, 2, 6, 0, 4)
    assert ok(a.post("/tessera/v1/leases", json={"eventId": ev}))["leases"][0]["leaseId"] == la["leaseId"]
    board = ok(org.get("/tessera/v1/leases", params={"eventId": ev}))["definitions"]
    assert board == [{"definitionId": d, "sold": 0, "leased": 6, "left": 0, "block": 4}]
    assert ok(b.post("/tessera/v1/leases/release", json={"eventId": ev, "definitionIds": [d]})) == {"released": 2}
    board = ok(org.get("/tessera/v1/leases", params={"eventId": ev}))["definitions"]
    assert (board[0]["leased"], board[0]["left"]) == (4, 2)
