"""Push and pull under faults a real server cannot produce on demand (httpx.MockTransport around the real
transport): 5xx / 429 / refused connections keep rows pending and are retried after a cool-down; a 201 error
answer or an empty 200 is never success (BC-19); a malformed page changes nothing; the feed cursor advances only
after a page is applied; a canceled run keeps what it did."""
from __future__ import annotations

import json
import threading

import httpx
import pytest
from sqlalchemy import func, select

from core.events import get_event
from core.models import Order, Ticket
from core.timeutil import shown
from sync.engine import SyncEngine
from sync import state
from tests.sync.engine_helpers import UPLOAD, count, door_with_scans

def _door(server, stations, n=2):
    return door_with_scans(server, stations, n)


@pytest.mark.parametrize("fault", [503, 429, 500, "refuse"])
def test_transient_failures_keep_rows_pending_and_are_retried(server, stations, fault):
    ev, tickets, a = _door(server, stations)
    a.faults.add("POST", UPLOAD[server.plain], fault)
    first = a.sync()
    assert not first.ok and first.pushed == 0 and first.pending == 2
    assert [(e.state, e.attempts) for e in a.outbox()] == [("pending", 1)] * 2
    assert all(e.last_error for e in a.outbox())
    second = a.sync()
    assert second.ok and second.pushed == 2 and second.pending == 0


def test_cool_down_after_a_failure_then_forced_run(server, stations):
    ev, tickets, a = _door(server, stations, 1)
    engine = SyncEngine(a.ledger, a.api, "A", [ev], clock_warn_s=120.0, cooldown_s=600)
    a.faults.offline = True
    failed = engine.run_once()
    assert not failed.ok and "unreachable" in failed.error
    a.faults.offline = False
    skipped = engine.run_once()
    assert skipped.skipped and "cooling down" in skipped.error and skipped.pending == 1
    until = engine.cooling_down_until()
    assert until is not None
    with a.ledger.uow() as uow:  # shown in the event's zone, like every time a person reads (not UTC ISO)
        tz = get_event(uow.session, ev).time_zone
    assert skipped.error.endswith(f"until {shown(until, tz, seconds=True)}") and "+00:00" not in skipped.error
    done = engine.run_once(force=True)
    assert done.ok and done.pushed == 1 and engine.cooling_down_until() is None


def _answer(status: int, body: bytes):
    return lambda request: httpx.Response(status, content=body, request=request,
                                          headers={"Content-Type": "application/json"})


@pytest.mark.parametrize("status,body", [(201, b'{"message": "already checked in"}'), (200, b""),
                                         (204, b""), (200, b"<html>proxy login</html>")])
def test_bc19_an_error_dressed_as_success_is_never_recorded_as_sent(server, stations, status, body):
    ev, tickets, a = _door(server, stations, 1)
    a.faults.add("POST", UPLOAD[server.plain], _answer(status, body))
    report = a.sync()
    assert not report.ok and report.pushed == 0
    [entry] = a.outbox()
    assert entry.state == "pending" and entry.sent_at is None and str(status) in entry.last_error
    assert a.sync().ok and a.outbox()[0].state == "sent"


def _corrupt_first_order(request: httpx.Request, real) -> httpx.Response:
    resp = real.handle_request(request)
    resp.read()
    data = json.loads(resp.content)
    for change in data.get("changes", data.get("orders", [])):
        target = change.get("data", change)
        if "totalPrice" in target:
            target["totalPrice"]["value"] = "12,50"  # a decimal comma: not contract money
            break
    return httpx.Response(200, json=data, headers={"X-Server-Time": resp.headers.get("X-Server-Time", "")},
                          request=request)


def test_a_malformed_entity_is_set_aside_never_stored_half_filled(server, stations):
    """Issue 8 item 10: the malformed order (and its tickets) is set aside with the reason; the rest of the page
    is applied and the feed moves on (one bad entity never blocks the pull)."""
    ev = server.seed_event()
    d = server.seed_definition(ev, quantity=50)
    server.seed_sale(ev, {d: 2})
    server.seed_sale(ev, {d: 1})
    a = stations("A", "box-office", [ev], on=server)
    path = "/events/v1/orders" if server.plain else "/tessera/v1/changes"
    a.faults.add("GET", path, lambda req: _corrupt_first_order(req, a.faults.real))
    report = a.sync()
    assert report.ok and len([e for e in report.set_aside if e["type"] == "order"]) == 1
    assert "totalPrice" in report.set_aside[0]["reason"] and any("set aside" in w for w in report.warnings)
    assert count(a.ledger, Order) == 1 and count(a.ledger, Ticket) == 1  # only the good sale
    with a.ledger.uow() as uow:
        assert state.cursor(uow.session, ev) is not None or server.plain
        assert [e["type"] for e in state.aside(uow.session)] == ["order", "ticket", "ticket"]
    assert a.sync().ok
    if server.plain:  # a full re-list brings the order again, now well-formed
        assert count(a.ledger, Order) == 2 and count(a.ledger, Ticket) == 3


def test_feed_cursor_is_stored_only_after_a_page_is_applied(hub, stations, monkeypatch):
    monkeypatch.setattr("sync.pull.FEED_LIMIT", 3)
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=50)
    hub.seed_sale(ev, {d: 6})
    a = stations("A", "door", [ev], on=hub)
    calls = {"n": 0}

    def second_page_lost(request):
        calls["n"] += 1
        if calls["n"] == 2:
            raise httpx.ReadTimeout("page 2 lost", request=request)
        resp = a.faults.real.handle_request(request)
        resp.read()
        return httpx.Response(resp.status_code, headers=resp.headers, content=resp.content, request=request)
    a.faults.add("GET", "/tessera/v1/changes", second_page_lost, times=2)
    report = a.sync()
    assert not report.ok and "page 2 lost" in report.error
    with a.ledger.uow() as uow:
        assert state.cursor(uow.session, ev).partition(".")[0] == "c3"  # fingerprinted (hub identity)
    assert a.sync().ok and count(a.ledger, Ticket) == 6


def test_a_canceled_run_keeps_what_it_did_and_does_not_count_as_failure(server, stations):
    ev, tickets, a = _door(server, stations)
    token = threading.Event()

    def progress(msg: str) -> None:
        if msg.startswith("downloading"):
            token.set()  # the operator cancels after the upload, before the download
    report = a.engine.run_once(progress=progress, cancel=token, force=True)
    assert not report.ok and report.error == "sync canceled" and report.pushed == 2 and report.pending == 0
    assert a.engine.cooling_down_until() is None and "push" in report.last_success
    assert "tickets" not in report.last_success or report.last_success["tickets"] < report.last_success["push"]
    assert a.sync().ok
    with server.ledger.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Ticket)) == 2
