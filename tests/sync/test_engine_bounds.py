"""Only the server's own refusals reject (issue 8 item 10), a known hub is never downgraded (item 13), and the
bounds of a run (item 14): against the real hub on loopback, with httpx.MockTransport (engine_helpers.Faults)
only for answers a real server cannot produce (proxy pages, endless or trickling bodies, a stuck cursor)."""
from __future__ import annotations

import json
import time

import httpx
import pytest
from sqlalchemy import select

from core.db import Ledger
from core.models import CheckIn, Order, Ticket, TicketDefinition
from sync import state
from sync.station import connect
from tests.sync.engine_helpers import UPLOAD, count, door_with_scans

def _door(server, stations, n=1):
    return door_with_scans(server, stations, n)


def _answer(status: int, body: bytes, ctype: str = "application/json"):
    return lambda request: httpx.Response(status, content=body, request=request, headers={"Content-Type": ctype})


FOREIGN = [(404, b"<html><body>Not Found (nginx)</body></html>", "text/html"),
           (400, b"Bad Request", "text/plain"),
           (409, b'{"error": "conflict at the proxy"}', "application/json"),
           (418, b'{"message": "teapot", "details": {"applicationError": {"code": "X"}}}', "application/json"),
           (403, b"<html>Access denied by the firewall</html>", "text/html"),
           (400, b'{"message": "truncated', "application/json")]


@pytest.mark.parametrize("status,body,ctype", FOREIGN)
def test_an_answer_not_in_the_servers_error_shape_is_retried_never_rejected(server, stations, status, body, ctype):
    ev, tickets, a = _door(server, stations)
    a.faults.add("POST", UPLOAD[server.plain], _answer(status, body, ctype))
    first = a.sync()
    assert not first.ok and not first.rejected and str(status) in first.error
    [entry] = a.outbox()
    assert entry.state == "pending" and entry.attempts == 1 and "not a refusal" in entry.last_error
    second = a.sync()
    assert second.ok and second.pushed == 1 and a.outbox()[0].state == "sent"


def test_a_known_hub_is_never_downgraded_by_a_bad_discovery_answer(hub, stations):
    ev, tickets, a = _door(hub, stations)
    with a.ledger.uow() as uow:
        assert state.server_mode(uow.session).plain is False  # fixed by the first run
    a.faults.add("GET", "/tessera/v1/discovery", _answer(404, b"<html>gateway</html>", "text/html"))
    bad = a.sync()
    assert not bad.ok and "hub mode" in bad.error
    assert not [p for m, p in a.faults.seen if p.startswith("/events/v1/tickets/check-in")]
    assert a.outbox()[0].state == "pending"
    good = a.sync()
    assert good.ok and good.mode == "hub" and good.pushed == 1
    with hub.ledger.uow() as uow:
        rows = list(uow.session.scalars(select(CheckIn).where(CheckIn.ticket_number == tickets[0])))
    assert len(rows) == 1  # one row per ticket: never sent again through the contract call


def test_connect_fixes_the_mode(hub, hub_factory, tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TESSERA_KEYRING", "file")
    ev = hub.seed_event()
    plain = hub_factory(plain=True)
    plain_ev = plain.seed_event()
    for server, event_id, expect_plain in ((hub, ev, False), (plain, plain_ev, True)):
        ledger = Ledger.open(tmp_path / f"st-{expect_plain}.db")
        with ledger.uow() as uow:
            connect(uow.session, server.url, server.add_station(f"S{expect_plain}", "door"), event_ids=[event_id])
            uow.commit()
        with ledger.uow() as uow:
            assert state.server_mode(uow.session).plain is expect_plain
        ledger.close()


def _endless(request):
    def body():
        while True:
            yield b" " * 65536
    return httpx.Response(200, content=body(), request=request)


def test_an_answer_past_the_size_limit_stops_reading_and_changes_nothing(server, stations):
    ev = server.seed_event()
    d = server.seed_definition(ev, quantity=5)
    server.seed_sale(ev, {d: 2})
    a = stations("A", "box-office", [ev], on=server)
    a.api.max_answer_bytes = 1_000_000
    a.faults.add("GET", "/events/v1/orders" if server.plain else "/tessera/v1/changes", _endless)
    report = a.sync()
    assert not report.ok and "1000000 bytes" in report.error
    assert count(a.ledger, Order) == 0
    with a.ledger.uow() as uow:
        assert state.cursor(uow.session, ev) is None
    a.api.max_answer_bytes = 64 * 1024 * 1024
    assert a.sync().ok and count(a.ledger, Order) == 1


def _trickle(request):
    def body():
        for _ in range(200):
            time.sleep(0.05)
            yield b" "
    return httpx.Response(200, content=body(), request=request)


def test_a_trickling_answer_hits_the_run_time_limit(hub, stations):
    ev, tickets, a = _door(hub, stations)
    a.engine.run_limit_s = 1.0
    a.faults.add("POST", "/tessera/v1/checkins", _trickle)
    started = time.monotonic()
    report = a.sync()
    assert not report.ok and "time limit" in report.error and time.monotonic() - started < 5
    [entry] = a.outbox()
    assert entry.state == "pending" and entry.attempts == 0  # the ledger is as it was
    a.engine.run_limit_s = 60.0
    assert a.sync().ok and a.outbox()[0].state == "sent"


def test_a_feed_cursor_that_does_not_move_stops_the_run(hub, stations):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=5)
    a = stations("A", "door", [ev], on=hub)
    pages = {"n": 0, "first": None}

    def stuck(request):  # the first real page, replayed with a cursor that never moves
        pages["n"] += 1
        if pages["first"] is None:
            resp = a.faults.real.handle_request(request)
            resp.read()
            pages["first"] = dict(json.loads(resp.content), cursor="c-stuck", hasMore=True)
        return httpx.Response(200, json=pages["first"], request=request)
    a.faults.add("GET", "/tessera/v1/changes", stuck, times=1000)
    report = a.sync()
    assert not report.ok and "does not move" in report.error and pages["n"] == 2
    with a.ledger.uow() as uow:
        assert state.cursor(uow.session, ev) == "c-stuck"  # the first page was applied whole, nothing more
    assert d


def test_a_feed_order_with_only_a_number_is_set_aside(hub, stations):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=5)
    sale = hub.seed_sale(ev, {d: 1})
    a = stations("A", "door", [ev], on=hub)

    def bare_orders(request):
        resp = a.faults.real.handle_request(request)
        resp.read()
        data = json.loads(resp.content)
        for change in data["changes"]:
            if change["type"] == "order":
                change["data"] = {"orderNumber": change["data"]["orderNumber"], "eventId": ev}
        return httpx.Response(200, json=data, request=request)
    a.faults.add("GET", "/tessera/v1/changes", bare_orders)
    report = a.sync()
    assert report.ok and [e["key"] for e in report.set_aside if e["type"] == "order"] == [sale["orderNumber"]]
    assert "no status or totalPrice" in report.set_aside[0]["reason"]
    assert count(a.ledger, Order) == 0 and count(a.ledger, Ticket) == 0


def test_a_plain_server_that_ignores_the_offset_stops_the_run(hub_factory, stations):
    plain = hub_factory(plain=True)
    ev = plain.seed_event()
    d = plain.seed_definition(ev, quantity=5)
    plain.seed_sale(ev, {d: 1})
    a = stations("A", "box-office", [ev], on=plain)
    pages = {"n": 0, "first": None}

    def same_page(request):  # the first real page again and again, claiming 1000 orders
        pages["n"] += 1
        if pages["first"] is None:
            resp = a.faults.real.handle_request(request)
            resp.read()
            pages["first"] = dict(json.loads(resp.content), total=1000)
        return httpx.Response(200, json=pages["first"], request=request)
    a.faults.add("GET", "/events/v1/orders", same_page, times=1000)
    report = a.sync()
    assert not report.ok and "same page" in report.error and pages["n"] == 2
    assert count(a.ledger, Order) == 1


def test_a_plain_server_refusing_the_definition_listing_keeps_the_cache_and_pulls_the_rest(hub_factory, stations):
    plain = hub_factory(plain=True)
    ev = plain.seed_event()
    d = plain.seed_definition(ev, quantity=5)
    a = stations("A", "door", [ev], on=plain)
    assert a.sync().ok
    plain.seed_sale(ev, {d: 2})
    refusal = json.dumps({"message": "no", "details": {"applicationError": {"code": "PERMISSION_DENIED"}}})
    a.faults.add("GET", "/events/v1/ticket-definitions", _answer(403, refusal.encode()))
    report = a.sync()
    assert report.ok and any("may not list ticket definitions" in w for w in report.warnings)
    assert count(a.ledger, Ticket) == 2
    with a.ledger.uow() as uow:
        assert uow.session.get(TicketDefinition, d) is not None  # the cache is kept
