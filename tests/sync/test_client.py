"""sync.client.TicketingApi against the real hub (contract calls, typed errors, discovery, plain mode) and a
small real HTTP server on 127.0.0.1 that records requests and answers what a test tells it (wire shape, BC-19:
only 200 + a JSON object is success)."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from sync.client import TicketingApi
from sync.errors import ApiError, BadAnswer, Forbidden, NetworkError, NotFound, Unauthorized


class Recorder:
    """A real HTTP server: records (method, path, query pairs, headers, body) and answers from `answers`
    (status, body bytes, headers) in turn, then 200 {} forever."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[tuple[int, bytes, dict]] = []
        rec = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                url = urlsplit(self.path)
                rec.requests.append({"method": self.command, "path": url.path,
                                     "query": parse_qsl(url.query, keep_blank_values=True),
                                     "headers": {k.lower(): v for k, v in self.headers.items()},
                                     "body": self.rfile.read(length) if length else b""})
                status, body, headers = rec.answers.pop(0) if rec.answers else (200, b"{}", {})
                self.send_response(status)
                for k, v in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder():
    rec = Recorder()
    api = TicketingApi(httpx.Client(base_url=rec.url, timeout=10), "raw-key-123", "site-9")
    yield rec, api
    api.http.close()
    rec.stop()


def _api(url: str, key: str) -> TicketingApi:
    return TicketingApi(httpx.Client(base_url=url, timeout=10), key)


def test_wire_shape_raw_key_site_id_repeated_keys_and_bodies(recorder):
    rec, api = recorder
    rec.answers = [(200, b'{"tickets": []}', {})] * 2 + [(200, b'{}', {})] * 2
    api.list_tickets(["e1", "e2"], fieldsets=["TICKET_DETAILS", "GUEST_DETAILS"], ticket_numbers=["T-1", "T-2"])
    api.delete_check_in("e1", ["T-1", "T-2"], idempotency_key="idem-1")
    api.delete_definitions("e1", ["d1", "d2"])
    api.change_currency("e1", "JPY")
    get, delete, defs, put = rec.requests
    assert get["headers"]["authorization"] == "raw-key-123" and get["headers"]["wix-site-id"] == "site-9"
    assert "content-type" not in get["headers"] and get["body"] == b""
    assert [v for k, v in get["query"] if k == "fieldset"] == ["TICKET_DETAILS", "GUEST_DETAILS"]
    assert [v for k, v in get["query"] if k == "eventId"] == ["e1", "e2"]
    assert [v for k, v in get["query"] if k == "ticketNumber"] == ["T-1", "T-2"]
    assert delete["method"] == "DELETE" and delete["body"] == b"" and delete["path"] == "/events/v1/tickets/check-in"
    assert delete["headers"]["idempotency-key"] == "idem-1"
    assert [v for k, v in defs["query"] if k == "byId.definitionId"] == ["d1", "d2"]
    assert put["headers"]["content-type"] == "application/json"
    assert json.loads(put["body"]) == {"eventId": "e1", "currency": "JPY"}


@pytest.mark.parametrize("status,body,error", [
    (201, b'{"message": "already checked in"}', BadAnswer),
    (204, b"", BadAnswer),
    (200, b"", BadAnswer),
    (200, b"<html>captive portal</html>", BadAnswer),
    (200, b"[1, 2]", BadAnswer),
    (200, b'{"unexpected": true}', BadAnswer),     # CheckIn answer without `tickets`
])
def test_bc19_only_200_with_a_json_object_of_the_right_shape_is_success(recorder, status, body, error):
    rec, api = recorder
    rec.answers = [(status, body, {})]
    with pytest.raises(error) as info:
        api.check_in("e1", ["T-1"])
    assert info.value.transient and not info.value.rejects  # retried later, never recorded as sent


@pytest.mark.parametrize("status,transient,rejects", [(503, True, False), (429, True, False), (500, True, False),
                                                       (400, False, True), (409, False, True), (428, False, True)])
def test_error_statuses_are_classified(recorder, status, transient, rejects):
    rec, api = recorder
    body = b"" if status >= 500 else json.dumps({"message": "no", "details": {"applicationError": {
        "code": "ORDER_ACTION_NOT_AVAILABLE", "description": "no", "data": {}}}}).encode()
    rec.answers = [(status, body, {})]
    with pytest.raises(ApiError) as info:
        api.confirm_orders("e1", ["O-1"])
    assert (info.value.status, info.value.transient, info.value.rejects) == (status, transient, rejects)
    assert info.value.code == ("HTTP_%d" % status if status >= 500 else "ORDER_ACTION_NOT_AVAILABLE")


def test_validation_error_code_is_the_rule_name(recorder):
    rec, api = recorder
    rec.answers = [(400, json.dumps({"message": "bad", "details": {"validationError": {"fieldViolations": [
        {"field": "limit", "description": "bad", "ruleName": "MAX"}]}}}).encode(), {})]
    with pytest.raises(ApiError) as info:
        api.list_orders(["e1"])
    assert info.value.code == "MAX" and info.value.body["message"] == "bad"


def test_refused_connection_is_a_network_error():
    rec = Recorder()
    url = rec.url
    rec.stop()
    with pytest.raises(NetworkError):
        _api(url, "k").discover()


def test_real_hub_discovery_typed_errors_and_contract_calls(hub):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=10)
    sale = hub.seed_sale(ev, {d: 2})
    door = _api(hub.url, hub.add_station("Door 1", "door"))
    disc = door.discover()
    assert disc.has("changes") and disc.has("checkin-rows") and (disc.station, disc.role) == ("Door 1", "door")
    assert door.last_clock.source == "X-Server-Time"
    body = door.list_tickets([ev], fieldsets=["TICKET_DETAILS", "GUEST_DETAILS"], ticket_numbers=sale["tickets"])
    assert [t["ticketNumber"] for t in body["tickets"]] == sale["tickets"]
    assert body["tickets"][0]["guestDetails"]["firstName"] == "Ana"
    assert door.get_ticket(sale["tickets"][0], ev)["orderNumber"] == sale["orderNumber"]
    with pytest.raises(NotFound):
        door.get_ticket("NOPE-0000-XX021", ev)
    with pytest.raises(Forbidden):
        door.list_orders([ev])
    with pytest.raises(Unauthorized):
        _api(hub.url, "tsk_not-a-key").discover()
    box = _api(hub.url, hub.add_station("Till", "box-office"))
    order = box.get_order(ev, sale["orderNumber"])
    assert order["status"] == "PAID" and len(order["tickets"]) == 2 and "checkoutForm" in order
    with pytest.raises(ApiError) as info:
        box.list_orders([ev], offset=-1)
    assert info.value.status == 400 and info.value.rejects
    page = box.changes(ev, None, 2)
    assert 1 <= len(page["changes"]) <= 2 and page["hasMore"] and page["cursor"]  # a page may fold repeats
    for api in (door, box):
        api.http.close()


def test_plain_hub_has_no_discovery_and_dates_the_clock(hub_factory):
    plain = hub_factory(plain=True)
    api = _api(plain.url, plain.add_station("Door", "door"))
    disc = api.discover()
    assert disc.plain and disc.station is None
    assert api.last_clock.source == "Date"
    api.http.close()


def test_bc13_retry_after_in_seconds_or_as_a_date_from_the_servers_clock():
    from datetime import datetime, timezone
    from sync.client import MAX_RETRY_AFTER_S, retry_after
    server_now = datetime(2025, 6, 14, 10, 0, tzinfo=timezone.utc)
    assert retry_after("120", server_now) == 120.0
    assert retry_after("Sat, 14 Jun 2025 10:02:30 GMT", server_now) == 150.0
    assert retry_after("Sat, 14 Jun 2025 09:00:00 GMT", server_now) == 0.0  # already past
    assert retry_after("99999999", server_now) == MAX_RETRY_AFTER_S
    assert retry_after(None, server_now) is None and retry_after("soon", server_now) is None


def test_a_429_carries_the_servers_retry_after(recorder):
    rec, api = recorder
    rec.answers.append((429, b"", {"Retry-After": "30"}))
    with pytest.raises(ApiError) as err:
        api.list_orders(["ev"])
    assert err.value.status == 429 and err.value.transient and err.value.retry_after_s == 30.0


def test_a_redirect_is_never_followed_and_names_the_new_address(recorder):
    rec, api = recorder
    rec.answers.append((301, b"", {"Location": "https://tickets.example.org/events/v1/orders"}))
    with pytest.raises(ApiError) as err:
        api.list_orders(["ev"])
    assert err.value.transient and not err.value.rejects
    assert "https://tickets.example.org" in err.value.message and "connect the station again" in err.value.message
    assert len(rec.requests) == 1  # the key went nowhere else
