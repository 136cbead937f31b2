"""Several hub processes on one PostgreSQL (issue 11 item 3; sync.hub.server): stations spread over two real hub
processes upload check-in rows and box-office sales, every call retried with the same Idempotency-Key through
both processes at once → every change stored exactly once; a station pulling the change feed through either
process while the writes run sees every change, no gap (a row committed behind its cursor), no duplicate.
`--workers N` on SQLite is refused before anything starts; on PostgreSQL it serves."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from core.db import Ledger
from core.definitions import create_definition
from core.events import create_event
from core.models import CheckIn, Order
from core.sales import sell
from core.timeutil import to_rfc3339, utcnow
from sync.hub.auth import add_station
from sync.hub.models import HubChange, HubIdempotency, ensure_schema
from sync.hub.server import WorkersRefused, calls_at_once, check_workers
from tests.sync.hub_fixtures import PgSchema, free_port, pg_url
from tests.sync.test_hub_upload import station_sale

ROOT = Path(__file__).resolve().parents[2]
DOORS, TILLS, CALLS, ROWS, SALES = 4, 2, 6, 3, 3  # bounded: 72 check-in rows, 6 sales, each sent twice


def start_hub(db: str, *extra: str) -> tuple[subprocess.Popen, str]:
    """`python -m sync.hub.server` on a free port (its own interpreter); returns (process, base URL)."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "sync.hub.server", "--db", db, "--port", str(port), *extra],
                            cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    return proc, f"http://127.0.0.1:{port}"


def wait_up(proc: subprocess.Popen, url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "hub process exited during start"
        try:
            if httpx.get(url + "/tessera/v1/discovery", timeout=2).status_code == 401:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"hub on {url} did not start")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@pytest.fixture
def pg_db():
    if not pg_url():
        pytest.skip("needs TESSERA_TEST_PG_URL (a PostgreSQL server)")
    schema = PgSchema(pg_url())
    try:
        yield schema.url
    finally:
        schema.drop()


def seed(db: str, tickets: int) -> tuple[str, str, list[str], dict[str, str]]:
    """One event, one definition, `tickets` PAID tickets and the stations; (event, definition, numbers, keys)."""
    ledger = Ledger.open(db)
    try:
        ensure_schema(ledger.engine)
        with ledger.uow() as uow:
            s = uow.session
            ev = create_event(s, title="Two hubs", time_zone="Europe/Zurich", currency="EUR").id
            d = create_definition(s, ev, {"name": "Early Bird", "price": {"value": "12.50", "currency": "EUR"},
                                          "limited": True, "quantity": 1000}).id
            sale = sell(s, ev, {d: tickets}, {"firstName": "Ana", "lastName": "Moreira"}, payment="card",
                        station="seed")
            numbers = [t.ticket_number for t in sale.order.tickets]
            keys = {f"door-{i}": add_station(s, f"door-{i}", "door") for i in range(DOORS)}
            keys.update({f"till-{i}": add_station(s, f"till-{i}", "box-office") for i in range(TILLS)})
            keys["reader"] = add_station(s, "reader", "door")
            uow.commit()
        return ev, d, numbers, keys
    finally:
        ledger.close()


def twice(urls: list[str], key: str, path: str, body: dict) -> list[httpx.Response]:
    """The same call with one Idempotency-Key through both hub processes at once (a retry racing the first)."""
    idem = uuid.uuid4().hex
    headers = {"Authorization": key, "Idempotency-Key": idem}
    with ThreadPoolExecutor(len(urls)) as pool:
        futures = [pool.submit(httpx.post, u + path, json=body, headers=headers, timeout=60) for u in urls]
        return [f.result() for f in futures]


class FeedReader:
    """Pulls the feed page by page, alternating hub processes; remembers each page's (after, upto] range and the
    seqs it returned (an entity's first position in the page), to find a row that committed behind the cursor."""

    def __init__(self, urls: list[str], key: str):
        self.urls, self.key, self.cursor, self.pages, self.seqs, self.calls = urls, key, "", [], [], 0

    def pull_once(self) -> bool:
        url = self.urls[self.calls % len(self.urls)]
        self.calls += 1
        answer = httpx.get(url + "/tessera/v1/changes", params={"since": self.cursor, "limit": 7},
                           headers={"Authorization": self.key}, timeout=60)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        after = int(self.cursor.partition(".")[0][1:] or 0)
        upto = int(page["cursor"].partition(".")[0][1:])
        self.pages.append((after, upto, {c["seq"] for c in page["changes"]}))
        self.seqs += [c["seq"] for c in page["changes"]]
        self.cursor = page["cursor"]
        return page["hasMore"]

    def drain(self) -> None:
        for _ in range(1000):
            if not self.pull_once():
                return


def test_two_hub_processes_store_every_change_once_and_the_feed_has_no_gap(pg_db, tmp_path):
    ev, d, numbers, keys = seed(pg_db, DOORS * CALLS * ROWS)
    orders = [station_sale(tmp_path, f"till-{i % TILLS}", ev, d, qty=2) for i in range(TILLS * SALES)]
    procs = [start_hub(pg_db), start_hub(pg_db)]  # both start at once: they take turns preparing the database
    urls = [url for _p, url in procs]
    try:
        for proc, url in procs:
            wait_up(proc, url)
        done = threading.Event()
        reader = FeedReader(urls, keys["reader"])

        def read_while_writing():
            while not done.is_set():
                reader.pull_once()

        def door(i: int) -> list[httpx.Response]:
            out = []
            mine = numbers[i * CALLS * ROWS:(i + 1) * CALLS * ROWS]
            for c in range(CALLS):
                now = to_rfc3339(utcnow())
                rows = [{"nonce": uuid.uuid4().hex, "ticketNumber": n, "kind": "CHECK_IN", "deviceTime": now,
                         "correctedTime": now, "station": f"door-{i}", "operator": "", "method": "SCAN"}
                        for n in mine[c * ROWS:(c + 1) * ROWS]]
                out += twice(urls[i % 2:] + urls[:i % 2], keys[f"door-{i}"], "/tessera/v1/checkins",
                             {"eventId": ev, "checkIns": rows})
            return out

        def till(i: int) -> list[httpx.Response]:
            out = []
            for order in orders[i::TILLS]:
                out += twice(urls[i % 2:] + urls[:i % 2], keys[f"till-{i}"], "/tessera/v1/orders",
                             {"eventId": ev, "order": order})
            return out

        watcher = threading.Thread(target=read_while_writing)
        watcher.start()
        with ThreadPoolExecutor(DOORS + TILLS) as pool:
            answers = [r for f in [pool.submit(door, i) for i in range(DOORS)]
                       + [pool.submit(till, i) for i in range(TILLS)] for r in f.result()]
        done.set()
        watcher.join(120)
        reader.drain()
    finally:
        for proc, _url in procs:
            stop(proc)
    assert [a.status_code for a in answers if a.status_code != 200] == [], [a.text for a in answers][:3]
    for a, b in zip(answers[::2], answers[1::2]):  # the two copies of one call answer alike
        assert a.json() == b.json()
    ledger = Ledger.open(pg_db, migrate=False)
    try:
        with ledger.uow() as uow:
            s = uow.session
            assert s.scalar(select(func.count()).select_from(CheckIn)) == DOORS * CALLS * ROWS  # exactly once
            assert s.scalar(select(func.count()).select_from(Order)) == 1 + TILLS * SALES
            assert s.scalar(select(func.count()).select_from(HubIdempotency)) == DOORS * CALLS + TILLS * SALES
            feed = list(s.execute(select(HubChange.seq, HubChange.type, HubChange.key).order_by(HubChange.seq)))
    finally:
        ledger.close()
    assert reader.seqs == sorted(set(reader.seqs)), "a change came twice or out of order"
    assert reader.pages[-1][1] == feed[-1].seq and reader.calls > 2
    for after, upto, returned in reader.pages:  # each entity of a page's range came at its first position there
        first: dict = {}
        for seq, type_, key in feed:
            if after < seq <= upto:
                first.setdefault((type_, key), seq)
        missed = sorted(set(first.values()) - returned)
        assert not missed, f"feed rows {missed} committed behind the reader's cursor (a gap)"


def test_workers_are_refused_on_sqlite_before_anything_starts(tmp_path):
    db = tmp_path / "hub.db"
    with pytest.raises(WorkersRefused, match="one process"):
        check_workers(str(db), 2)
    with pytest.raises(WorkersRefused):
        check_workers(str(db), 0)
    assert check_workers(str(db), 1) == "sqlite" and not db.exists()
    assert check_workers("postgresql://u:p@db/hub", 4) == "postgresql"


def test_serve_with_two_workers_answers_from_every_process(pg_db):
    ev, _d, _numbers, keys = seed(pg_db, 2)
    proc, url = start_hub(pg_db, "--workers", "2")
    try:
        wait_up(proc, url)
        headers = {"Authorization": keys["door-0"]}
        ids = {httpx.get(url + "/tessera/v1/discovery", headers=headers, timeout=30).json()["hubId"]
               for _ in range(6)}
        assert len(ids) == 1  # one hub identity, from the database, whichever process answers
        listed = httpx.get(url + "/events/v1/tickets", params={"eventId": ev}, headers=headers, timeout=30)
        assert listed.status_code == 200 and listed.json()["total"] == 2
    finally:
        stop(proc)


def test_a_postgresql_hub_process_runs_no_more_calls_at_once_than_its_pool_keeps(pg_db):
    """Issue 11: a one-process PostgreSQL hub ran anyio's 40 threads on a pool of 10, so under 20 stations it
    opened and closed a PostgreSQL connection per call (a backend start each: CPU on both sides). Every hub
    process on PostgreSQL, one or several, runs at most as many calls at once as the pool keeps open."""
    ledger = Ledger.open(pg_db)
    try:
        assert calls_at_once("postgresql") <= ledger.engine.pool.size()
    finally:
        ledger.close()
    assert calls_at_once("sqlite") is None  # SQLite: writes queue on the hub's one lock; anyio's default
