"""Events on the hub (docs/HUB_EXTENSIONS.md "Events"): organisers create/update, every station reads;
instants round-trip unchanged (case BC-11)."""
from __future__ import annotations

from tests.sync.hub_fixtures import expect_error, ok

GALA = {"title": "Spring Gala", "timeZone": "Europe/Zurich", "currency": "EUR", "start": "2025-10-26T07:30:00Z"}


def test_organiser_creates_and_every_role_reads(hub):
    org = hub.client("organiser")
    ev = ok(org.post("/events/v1/events", json={"event": GALA}))["event"]
    assert ev["start"] == "2025-10-26T07:30:00.000Z" and ev["registrationType"] == "RSVP"
    for role in ("door", "box-office"):
        c = hub.client(role)
        assert ok(c.get(f"/events/v1/events/{ev['id']}", params={"eventId": ev["id"]}))["event"] == ev
        assert [e["id"] for e in ok(c.get("/events/v1/events"))["events"]] == [ev["id"]]
        expect_error(c.post("/events/v1/events", json={"event": GALA}), 403, "PERMISSION_DENIED")
    expect_error(org.get("/events/v1/events/no-such-event"), 404)
    expect_error(org.get(f"/events/v1/events/{ev['id']}", params={"eventId": "x"}), 400)


def test_create_with_given_id_and_validation(hub):
    org = hub.client("organiser")
    given = "5b0c7e2a-1111-4c2d-9e0f-0a1b2c3d4e5f"
    assert ok(org.post("/events/v1/events", json={"event": dict(GALA, id=given)}))["event"]["id"] == given
    expect_error(org.post("/events/v1/events", json={"event": dict(GALA, id=given)}), 409)
    expect_error(org.post("/events/v1/events", json={"event": dict(GALA, start="2025-10-26 08:30")}), 400)
    expect_error(org.post("/events/v1/events", json={"event": dict(GALA, timeZone="Mars/Olympus")}), 400)
    expect_error(org.post("/events/v1/events", json={"event": dict(GALA, currency="XXY")}), 400)
    expect_error(org.post("/events/v1/events", json={}), 400)
    expect_error(org.post("/events/v1/events", json={"event": dict(GALA, id="x" * 50)}), 400)


def test_bc11_update_by_mask_keeps_the_instant(hub):
    org = hub.client("organiser")
    ev = ok(org.post("/events/v1/events", json={"event": GALA}))["event"]
    for i in range(3):
        ev = ok(org.patch(f"/events/v1/events/{ev['id']}",
                          json={"event": {"title": f"Gala {i}", "start": "ignored"}, "fields": "title"}))["event"]
    assert ev["title"] == "Gala 2" and ev["start"] == "2025-10-26T07:30:00.000Z"
    moved = ok(org.patch(f"/events/v1/events/{ev['id']}",
                         json={"event": {"start": "2025-10-26T09:30:00+01:00"}, "fields": {"paths": ["start"]}}))
    assert moved["event"]["start"] == "2025-10-26T08:30:00.000Z"
    expect_error(org.patch(f"/events/v1/events/{ev['id']}", json={"event": {"currency": "USD"},
                                                                  "fields": "currency"}), 400)


def test_list_paging_and_filter(hub):
    org = hub.client("organiser")
    ids = [ok(org.post("/events/v1/events", json={"event": dict(GALA, title=f"E{i}")}))["event"]["id"]
           for i in range(3)]
    body = ok(org.get("/events/v1/events", params={"limit": "1000", "offset": "1"}))
    assert body["total"] == 3 and body["limit"] == 100 and len(body["events"]) == 2
    picked = ok(org.get("/events/v1/events", params=[("eventId", ids[0]), ("eventId", ids[2])]))
    assert sorted(e["id"] for e in picked["events"]) == sorted([ids[0], ids[2]])
