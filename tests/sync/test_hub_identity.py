"""sync.hub.identity on a real hub: discovery names the hub (hubId, epoch, stable across restarts) and
advertises order-cancel; feed cursors are fingerprinted and a cursor of another or earlier database is refused
with 400 CURSOR_UNKNOWN; a bare cursor is refused only beyond the feed's end."""
from __future__ import annotations


def _feed(client, ev, since=None):
    params = {"eventId": ev} | ({"since": since} if since else {})
    return client.get("/tessera/v1/changes", params=params)


def test_discovery_names_the_hub_and_keeps_the_name_across_restarts(hub):
    body = hub.client("door").get("/tessera/v1/discovery").json()
    assert body["hubId"] and body["epoch"] and {"order-cancel", "hub-identity"} <= set(body["extensions"])
    hub.restart()
    again = hub.client("door").get("/tessera/v1/discovery").json()
    assert (again["hubId"], again["epoch"]) == (body["hubId"], body["epoch"])


def test_cursors_are_fingerprinted_and_foreign_ones_refused(hub_factory):
    hub, other = hub_factory(), hub_factory()
    assert hub.client("door").get("/tessera/v1/discovery").json()["hubId"] != \
        other.client("door").get("/tessera/v1/discovery").json()["hubId"]
    ev = hub.seed_event()
    hub.seed_definition(ev)
    door = hub.client("door")
    page = _feed(door, ev).json()
    cursor = page["cursor"]
    assert "." in cursor and page["changes"]
    assert _feed(door, ev, cursor).json()["changes"] == []
    seq, token = cursor.split(".")
    bad = _feed(door, ev, f"{seq}.{'0' * len(token)}")
    assert bad.status_code == 400 and bad.json()["details"]["validationError"]["fieldViolations"][0]["field"] == "since"
    assert "CURSOR_UNKNOWN" in bad.text
    assert _feed(door, ev, seq).status_code == 200                 # a bare cursor within the feed
    assert _feed(door, ev, "c999999").status_code == 400            # … beyond its end
    other_ev = other.seed_event()
    assert _feed(other.client("door"), other_ev, cursor).status_code == 400
