"""Hub authentication and roles (docs/HUB_EXTENSIONS.md), discovery, headers and the plain mode."""
from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from core.errors import AlreadyExists, InvalidArgument
from core.timeutil import parse_rfc3339
from sync.hub.auth import add_station, hash_key
from sync.hub.models import HubStation
from tests.sync.hub_fixtures import expect_error, ok


def test_missing_and_unknown_key_answer_401(hub):
    anon = httpx.Client(base_url=hub.url)
    expect_error(anon.get("/events/v1/tickets"), 401, "UNAUTHENTICATED")
    bad = httpx.Client(base_url=hub.url, headers={"Authorization": "tsk_not-a-key"})
    expect_error(bad.get("/events/v1/tickets"), 401, "UNAUTHENTICATED")
    anon.close(), bad.close()


def test_raw_key_and_bearer_prefix_both_work_and_site_id_is_ignored(hub):
    key = hub.add_station("door-a", "door")
    raw = httpx.Client(base_url=hub.url, headers={"Authorization": key, "wix-site-id": "site-1",
                                                  "x-wix-bi-gateway": "x"})
    bearer = httpx.Client(base_url=hub.url, headers={"Authorization": f"Bearer {key}"})
    assert ok(raw.get("/tessera/v1/discovery"))["station"] == "door-a"
    assert ok(bearer.get("/tessera/v1/discovery"))["role"] == "door"
    raw.close(), bearer.close()


@pytest.mark.parametrize("role, method, path, allowed", [
    ("door", "GET", "/events/v1/tickets", True),
    ("door", "GET", "/events/v1/orders", False),
    ("door", "POST", "/events/v1/events/E/orders/confirm", False),
    ("door", "POST", "/tessera/v1/orders", False),
    ("door", "PUT", "/events/v1/ticket-definitions/currency", False),
    ("box-office", "GET", "/events/v1/orders", True),
    ("box-office", "POST", "/events/v1/ticket-definitions", False),
    ("box-office", "POST", "/events/v1/events", False),
    ("organiser", "GET", "/events/v1/orders", True),
    ("organiser", "GET", "/tessera/v1/changes", True),
])
def test_roles_decide_access_403(hub, role, method, path, allowed):
    c = hub.client(role)
    resp = c.request(method, path, json={} if method != "GET" else None)
    if allowed:
        assert resp.status_code != 403, resp.text
    else:
        expect_error(resp, 403, "PERMISSION_DENIED")


def test_discovery_advertises_extensions_and_server_time(hub):
    c = hub.client("box-office", name="till-1")
    resp = c.get("/tessera/v1/discovery")
    body = ok(resp)
    assert body["tessera"] == 1 and body["station"] == "till-1" and body["role"] == "box-office"
    assert set(body["extensions"]) == {"idempotency", "changes", "checkin-rows", "orders-upload", "server-time",
                                      "order-cancel", "hub-identity", "entrances", "payments"}
    assert parse_rfc3339(body["serverTime"]) is not None
    stamp = resp.headers["X-Server-Time"]
    assert stamp.endswith("Z") and len(stamp) == 24  # RFC 3339 UTC with milliseconds
    assert resp.headers["X-Wix-Request-Id"]


def test_every_answer_has_request_id_and_server_time_even_errors(hub):
    c = hub.client("door")
    resp = c.get("/no/such/path")
    expect_error(resp, 404, "NOT_FOUND")
    assert resp.headers["X-Server-Time"]
    # API.md §2.2: GET /events/v1/events/{eventId}/orders is not a list route (only PATCH) → 404
    expect_error(c.get("/events/v1/events/some-event/orders"), 404, "NOT_FOUND")


def test_plain_mode_has_no_extensions(hub_factory):
    plain = hub_factory(plain=True)
    c = plain.client("organiser")
    expect_error(c.get("/tessera/v1/discovery"), 404)
    expect_error(c.get("/tessera/v1/changes"), 404)
    expect_error(c.post("/tessera/v1/checkins", json={}), 404)
    resp = c.get("/events/v1/tickets")
    assert ok(resp)["tickets"] == []
    assert "X-Server-Time" not in resp.headers and resp.headers["Date"]
    expect_error(httpx.get(plain.url + "/events/v1/tickets"), 401)  # still authenticated


def test_clock_parameter_sets_server_time(hub_factory):
    fixed = parse_rfc3339("2025-06-14T10:00:00Z")
    h = hub_factory(clock=lambda: fixed)
    resp = h.client("door").get("/tessera/v1/discovery")
    assert resp.headers["X-Server-Time"] == "2025-06-14T10:00:00.000Z"
    assert ok(resp)["serverTime"] == "2025-06-14T10:00:00.000Z"


def test_add_station_stores_only_a_hash(hub):
    key = hub.add_station("door-b", "door")
    with hub.ledger.uow() as uow:
        row = uow.session.scalar(select(HubStation).where(HubStation.name == "door-b"))
        assert row.key_hash == hash_key(key) and key not in row.key_hash
        with pytest.raises(AlreadyExists):
            add_station(uow.session, "door-b", "door")
        with pytest.raises(InvalidArgument):
            add_station(uow.session, "door-c", "janitor")
        new_key = add_station(uow.session, "door-b", "organiser", replace=True)
        uow.commit()
    assert new_key != key
    c = httpx.Client(base_url=hub.url, headers={"Authorization": new_key})
    assert ok(c.get("/tessera/v1/discovery"))["role"] == "organiser"
    c.close()
