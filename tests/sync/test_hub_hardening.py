"""A hardened hub (issue 11 item 2), on a real hub on loopback: the key before the body and a body limit,
check-in rows bound to the key's station and the hub's clock, revoke and key replacement effective at once
in every hub process, wildcard/NUL searches that match nothing."""
from __future__ import annotations

import socket
import time
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import urlparse

import httpx
import pytest
from sqlalchemy import select

from core.db import Ledger
from core.models import CheckIn
from core.timeutil import parse_rfc3339, to_rfc3339, utcnow
from sync.hub.app import create_app
from sync.hub.auth import add_station, revoke
from sync.hub.routes_ext import bind_row
from sync.hub.server import ServerThread
from tests.sync.hub_fixtures import expect_error, ok

FIFTY_MB = 50 * 1024 * 1024


def raw_post(url: str, headers: dict[str, str], sent: bytes = b'{"eventId": ') -> tuple[int, float]:
    """POST with a declared Content-Length of 50 MB but only `sent` bytes; (status, seconds to the answer)."""
    parts = urlparse(url)
    start = time.monotonic()
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": parts.netloc, "Content-Type": "application/json",
                                                     "Content-Length": str(FIFTY_MB), **headers}.items())
        sock.sendall(f"POST /tessera/v1/checkins HTTP/1.1\r\n{head}\r\n".encode() + sent)
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return int(answer.split(b" ", 2)[1]), time.monotonic() - start


def test_unauthenticated_50_mb_body_is_401_without_reading_it(hub):
    status, seconds = raw_post(hub.url, {})
    assert status == 401 and seconds < 5
    status, _ = raw_post(hub.url, {"Authorization": "tsk_not-a-key"})
    assert status == 401


def test_authenticated_oversized_body_is_413(hub_factory):
    hub = hub_factory(max_body=2000)
    key = hub.add_station("till-1", "door")
    status, seconds = raw_post(hub.url, {"Authorization": key})
    assert status == 413 and seconds < 5
    c = hub.client("door")
    expect_error(c.post("/tessera/v1/checkins", content=b"x" * 2001,
                        headers={"Content-Type": "application/json"}), 413)

    def chunks():  # no Content-Length: counted as it streams
        for _ in range(10):
            yield b" " * 500
    expect_error(c.post("/tessera/v1/checkins", content=chunks(), headers={"Content-Type": "application/json"}),
                 413)
    ok(c.get("/tessera/v1/discovery"))  # bodiless calls are untouched


def _row(ticket: str, at: datetime, station: str) -> dict:
    return {"nonce": str(uuid.uuid4()), "ticketNumber": ticket, "kind": "CHECK_IN", "deviceTime": to_rfc3339(at),
            "correctedTime": to_rfc3339(at), "station": station, "operator": "op", "method": "SCAN"}


def test_spoofed_station_and_1970_row_do_not_win_over_the_real_check_in(hub):
    ev = hub.seed_event()
    d = hub.seed_definition(ev)
    t = hub.seed_sale(ev, {d: 1})["tickets"][0]
    real, spoofer = hub.client("door", name="B"), hub.client("door", name="A")
    real_row = _row(t, utcnow() - timedelta(minutes=5), "B")
    assert ok(real.post("/tessera/v1/checkins", json={"eventId": ev, "checkIns": [real_row]}))["results"][0][
        "status"] == "ACCEPTED"
    forged = _row(t, datetime(1970, 1, 1, tzinfo=timezone.utc), "B")
    res = ok(spoofer.post("/tessera/v1/checkins", json={"eventId": ev, "checkIns": [forged]}))["results"][0]
    assert res["status"] == "DUPLICATE" and res["winner"]["nonce"] == real_row["nonce"]
    with hub.ledger.uow() as uow:
        stored = uow.session.scalar(select(CheckIn).where(CheckIn.nonce == forged["nonce"]))
        assert stored.station == "A"  # rewritten to the key's station
        assert stored.device_time == datetime(1970, 1, 1, tzinfo=timezone.utc)  # kept as sent
        assert stored.corrected_time > utcnow() - timedelta(minutes=1)  # ordered by the hub's time


def test_bind_row_clamps_far_times_and_keeps_near_ones():
    now = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)
    ahead = bind_row(_row("T", now + timedelta(days=365), "X"), "door-1", now)
    assert ahead["station"] == "door-1" and parse_rfc3339(ahead["correctedTime"]) == now
    assert parse_rfc3339(ahead["deviceTime"]) == now + timedelta(days=365)
    near = bind_row(_row("T", now - timedelta(hours=3), "door-1"), "door-1", now)
    assert parse_rfc3339(near["correctedTime"]) == now - timedelta(hours=3)
    old = bind_row(_row("T", now - timedelta(days=30), "X"), "door-1", now)
    assert parse_rfc3339(old["correctedTime"]) == now


def _second_process(hub) -> tuple[Ledger, ServerThread]:
    """Another hub app over the same database (its own engine, pool and station lookup)."""
    ledger = Ledger.open(hub.ledger.engine.url.render_as_string(hide_password=False))
    return ledger, ServerThread(create_app(ledger)).start()


def test_revoke_and_replacement_take_effect_at_once_in_every_hub_process(hub):
    key = hub.add_station("door-1", "door")
    other_ledger, other = _second_process(hub)
    try:
        clients = [httpx.Client(base_url=u, headers={"Authorization": key}) for u in (hub.url, other.url)]
        assert [ok(c.get("/tessera/v1/discovery"))["station"] for c in clients] == ["door-1", "door-1"]
        with hub.ledger.uow() as uow:
            new_key = add_station(uow.session, "door-1", "door", replace=True)
            uow.commit()
        for c in clients:
            expect_error(c.get("/tessera/v1/discovery"), 401)
            c.headers["Authorization"] = new_key
            assert ok(c.get("/tessera/v1/discovery"))["station"] == "door-1"
        with hub.ledger.uow() as uow:
            assert revoke(uow.session, "door-1") == "door-1"
            uow.commit()
        for c in clients:
            expect_error(c.get("/tessera/v1/discovery"), 401)
            c.close()
    finally:
        other.stop()
        other_ledger.close()


@pytest.mark.parametrize("phrase", ["\x00", "%", "_", "\\", "%\x00%"])
def test_wildcard_and_nul_searches_match_nothing(hub, phrase):
    ev = hub.seed_event()
    d = hub.seed_definition(ev)
    hub.seed_sale(ev, {d: 2})
    c = hub.client("box-office")
    assert ok(c.get("/events/v1/tickets", params={"eventId": ev, "searchPhrase": phrase}))["total"] == 0
    assert ok(c.get("/events/v1/orders", params={"eventId": ev, "searchPhrase": phrase}))["total"] == 0
    assert ok(c.get("/events/v1/tickets", params={"eventId": ev, "searchPhrase": "ana"}))["total"] == 2
