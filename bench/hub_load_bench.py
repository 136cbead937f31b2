"""Hub load benchmark: contract CheckIn calls (POST /events/v1/tickets/check-in, one ticket per call) from 20
and 100 concurrent door stations, SQLite (one hub process) vs PostgreSQL with 1, 2 and 4 hub processes (issue 11).

Run: `.venv/bin/python bench/hub_load_bench.py [--stations 20,100] [--workers 1,2,4] [--requests 2000]
[--seconds 20] [--pace 1.0] [--repeat 1] [--pg postgresql://tessera:tessera@127.0.0.1/tessera_test] [--quick]` (or set
TESSERA_TEST_PG_URL). For each configuration it seeds a fresh hub database with one event and enough PAID
tickets, registers one door station per client thread, starts the real hub (`python -m sync.hub.server
--workers N`) in a subprocess on 127.0.0.1, and runs two loads per station count:

- **peak**: every station sends its next CheckIn as soon as the last one is answered (a closed loop: the
  hub's capacity, calls/s). Latency here is queueing: 20 stations waiting on each other.
- **door pace**: every station scans one ticket every `--pace` seconds (default 1.0 s, a busy lane: real
  lanes admit a guest every 2–5 s), phases spread at random; latency is measured from the scheduled scan time
  (no coordinated omission), so a hub that falls behind shows it in p99. The p99 ≤ 50 ms target applies here.

Client: one keep-alive connection per station thread on a plain socket, the request pre-built (cheaper than
http.client or httpx, so the 2-core machine's CPU goes to the hub). Bounded: at most `requests` calls and `seconds` per row. `--quick` is
a smoke run (tiny counts). Prints one table and the ratios the issue's targets name; verifies the stored
check-in count equals the successes. The client threads share the machine with the hub: on a 2-core machine
the figures are a lower bound. Each row also prints the CPU time per call of the hub processes, the database's
processes (PostgreSQL backends) and the client threads, and the share of the machine's CPU its host took away
(steal, on a virtual machine). With every part on the same N cores and one hub process held to one core by
its interpreter lock, no process count can pass N / (hub + database + clients CPU per call) calls/s whatever
the hub does: the ratio lines print that bound as a multiple of one process's rate.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.cpu_use import cpu_snapshot, cpu_split, steal_ticks  # noqa: E402
from core.db import Ledger  # noqa: E402
from core.db import make_url as ledger_url  # noqa: E402
from core.definitions import create_definition  # noqa: E402
from core.events import create_event  # noqa: E402
from core.models import CheckIn  # noqa: E402
from core.sales import sell  # noqa: E402
from sync.hub.auth import add_station  # noqa: E402
from sync.hub.models import ensure_schema  # noqa: E402

PER_ORDER = 500


def pg_schema_url(base: str) -> tuple[str, callable]:
    """A fresh schema on `base` and a URL whose search_path points at it; returns (url, drop)."""
    name = "bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(ledger_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()

    url = make_url(ledger_url(base)).update_query_dict({"options": f"-csearch_path={name}"})
    return url.render_as_string(hide_password=False), drop


def seed(db: str, n_tickets: int, n_stations: int) -> tuple[str, list[str], list[str]]:
    """One event, one unlimited definition, n_tickets PAID tickets; one door station per thread.
    Returns (event id, ticket numbers, station keys)."""
    ledger = Ledger.open(db)
    try:
        ensure_schema(ledger.engine)
        with ledger.uow() as uow:
            s = uow.session
            ev = create_event(s, title="Bench night", time_zone="Europe/Zurich", currency="EUR").id
            d = create_definition(s, ev, {"name": "Standing", "price": {"value": "10", "currency": "EUR"}}).id
            tickets: list[str] = []
            left = n_tickets
            while left > 0:
                sale = sell(s, ev, {d: min(PER_ORDER, left)}, {"firstName": "Bench", "lastName": "Guest"},
                            payment="card", station="bench")
                tickets += [t.ticket_number for t in sale.order.tickets]
                left -= PER_ORDER
            keys = [add_station(s, f"door-{i:02d}", "door") for i in range(n_stations)]
            uow.commit()
        return ev, tickets, keys
    finally:
        ledger.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_hub(db: str, port: int, workers: int = 1) -> subprocess.Popen:
    """The real hub in a subprocess (its own interpreters: the client threads do not share their GIL); with
    `workers` > 1 every worker has answered once before the load starts (each answers 401 without a key)."""
    proc = subprocess.Popen([sys.executable, "-m", "sync.hub.server", "--db", db, "--port", str(port),
                             "--log-level", "warning", "--workers", str(workers)],
                            cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/tessera/v1/discovery", timeout=1)
            time.sleep(2.0 if workers > 1 else 0)  # the other workers finish importing
            return proc
        except httpx.HTTPError:
            if proc.poll() is not None:
                raise RuntimeError("hub exited during start")
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("hub did not start")


class Station:
    """One door station: a keep-alive HTTP/1.1 connection with its key, on a plain socket with the request
    pre-built (only the ticket number changes) and the answer read by its Content-Length: the load generator
    shares the hub's cores, so it should cost as little CPU as it can (about a fifth of http.client's).
    Only an answer `200` with its whole body counts as a success."""

    def __init__(self, url: str, key: str, event_id: str):
        parts = urlsplit(url)
        self.addr = (parts.hostname, parts.port)
        self.sock: socket.socket | None = None
        self.head = (f"POST /events/v1/tickets/check-in HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\n"
                     f"Authorization: {key}\r\nContent-Type: application/json\r\nContent-Length: ").encode()
        before, after = json.dumps({"eventId": event_id, "ticketNumber": ["\0"]}).split("\\u0000")
        self.body = (before.encode(), after.encode())

    def _connect(self):
        self.sock = socket.create_connection(self.addr, timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rfile = self.sock.makefile("rb")

    def check_in(self, ticket: str) -> str | None:
        """One CheckIn call; None on 200, else the failure."""
        body = self.body[0] + ticket.encode() + self.body[1]
        try:
            if self.sock is None:
                self._connect()
            self.sock.sendall(self.head + str(len(body)).encode() + b"\r\n\r\n" + body)
            status, length = self.rfile.readline().split(b" ", 2)[1], None
            while (line := self.rfile.readline()) not in (b"\r\n", b""):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length is None or len(self.rfile.read(length)) != length:
                raise http.client.HTTPException("answer without its whole body")
            return None if status == b"200" else f"HTTP {status.decode()}"
        except (OSError, ValueError, IndexError, http.client.HTTPException) as exc:
            self.close()
            return type(exc).__name__

    def close(self) -> None:
        if self.sock is not None:
            self.rfile.close()
            self.sock.close()
            self.sock = None


def load(url: str, event_id: str, tickets: list[str], keys: list[str], seconds: float,
         pace: float | None = None) -> dict:
    """Each station thread checks in tickets from a shared queue until it is empty or time is up: back to
    back (`pace` None, peak) or one every `pace` seconds from a random phase (door pace; latency counted
    from the scheduled time)."""
    work: queue.Queue = queue.Queue()
    for t in tickets:
        work.put(t)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = time.perf_counter() + 0.5  # every thread connected first
    stop_at = start + seconds

    def station(key: str, phase: float) -> None:
        client = Station(url, key, event_id)
        due = start + phase
        time.sleep(max(0.0, start - time.perf_counter()))  # every station starts at `start`, as the wall clock
        while True:
            if pace is not None:
                time.sleep(max(0.0, min(due, stop_at) - time.perf_counter()))
            t0 = due if pace is not None else time.perf_counter()
            if t0 >= stop_at:
                break
            try:
                ticket = work.get_nowait()
            except queue.Empty:
                break
            failed = client.check_in(ticket)
            elapsed = time.perf_counter() - t0
            with lock:
                (errors.append(failed) if failed else latencies.append(elapsed))
            due += pace or 0.0
        client.close()

    rng = random.Random(11)
    threads = [threading.Thread(target=station, args=(k, rng.uniform(0, pace or 0.0))) for k in keys]
    for th in threads:
        th.start()
    for th in threads:
        th.join(seconds + 60)
    wall = max(1e-9, min(time.perf_counter(), stop_at + 30) - start)
    lat = sorted(latencies)
    pick = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000) if lat else (lambda q: float("nan"))
    return {"ok": len(lat), "errors": len(errors), "wall": wall, "rps": len(lat) / wall,
            "p50": pick(0.50), "p99": pick(0.99), "mean": statistics.fmean(lat) * 1000 if lat else float("nan"),
            "error_kinds": sorted(set(errors)), "mode": "peak" if pace is None else f"pace={pace:g}s"}


def stored_checkins(db: str) -> int:
    ledger = Ledger.open(db, migrate=False)
    try:
        with ledger.uow() as uow:
            return uow.session.scalar(select(func.count()).select_from(CheckIn)) or 0
    finally:
        ledger.close()


def run_config(name: str, db: str, workers: int, stations: list[int], args) -> list[dict]:
    """One hub configuration (backend, processes) loaded with each station count in turn."""
    rows = [(n, pace) for n in stations for pace in (None, args.pace)]
    ev, tickets, keys = seed(db, args.requests * len(rows), max(stations))
    port = free_port()
    proc = start_hub(db, port, workers)
    results = []
    try:
        for i, (n, pace) in enumerate(rows):
            mine = tickets[i * args.requests:(i + 1) * args.requests]
            snap, client0, steal0 = cpu_snapshot(), time.process_time(), steal_ticks()
            result = load(f"http://127.0.0.1:{port}", ev, mine, keys[:n], args.seconds, pace)
            hub_cpu, db_cpu = cpu_split(snap, cpu_snapshot())
            calls = max(1, result["ok"] + result["errors"])
            steal1 = steal_ticks()
            result["steal"] = 100 * (steal1[1] - steal0[1]) / max(1, steal1[0] - steal0[0])
            result.update(hub_ms=hub_cpu * 1000 / calls, db_ms=db_cpu * 1000 / calls,
                          client_ms=(time.process_time() - client0) * 1000 / calls)
            results.append(dict(result, backend=name, workers=workers, stations=n))
    finally:
        proc.terminate()
        proc.wait(30)
    stored = stored_checkins(db)
    for r in results:
        r["stored"] = stored if r is results[-1] else None
    results[-1]["expected"] = sum(r["ok"] for r in results)
    return results


def _table(results: list[dict], args) -> None:
    print(f"\nhub CheckIn load: ≤{args.requests} calls and ≤{args.seconds:.0f} s per row, one ticket per call; "
          f"peak = back to back, pace = one scan per station every {args.pace:g} s")
    print(f"{'backend':<11} {'procs':>5} {'stations':>8} {'mode':>9} {'ok':>6} {'errors':>6} {'wall s':>7} "
          f"{'calls/s':>8} {'p50 ms':>7} {'p99 ms':>7}  CPU ms per call: hub / database / clients; stolen")
    for r in results:
        print(f"{r['backend']:<11} {r['workers']:>5} {r['stations']:>8} {r['mode']:>9} {r['ok']:>6} {r['errors']:>6} "
              f"{r['wall']:>7.1f} {r['rps']:>8.1f} {r['p50']:>7.1f} {r['p99']:>7.1f}"
              f"  {r['hub_ms']:.2f} / {r['db_ms']:.2f} / {r['client_ms']:.2f}; {r['steal']:.0f} %"
              + (f"  errors: {', '.join(r['error_kinds'])}" if r["error_kinds"] else ""))


def _ceiling(results: list[dict], workers: int, stations: int) -> float:
    """The most calls/s any process count could reach on this machine's cores, as a multiple of one process's
    rate: cores / (hub + database + clients CPU per call of the `workers`-process peak row), over the
    one-process peak rate. Clients, database and hub share the cores; one hub process is held to one core."""
    rows = {(r["backend"], r["workers"], r["stations"], r["mode"]): r for r in results}
    r, one = rows[("postgresql", workers, stations, "peak")], rows[("postgresql", 1, stations, "peak")]
    per_call_s = (r["hub_ms"] + r["db_ms"] + r["client_ms"]) / 1000
    return (os.cpu_count() or 1) / per_call_s / one["rps"] if per_call_s and one["rps"] else float("nan")


def _ratios(results: list[dict]) -> None:
    rate = {(r["backend"], r["workers"], r["stations"]): r["rps"] for r in results if r["mode"] == "peak"}
    for n in sorted({r["stations"] for r in results}):
        lite, pg1 = rate.get(("sqlite", 1, n)), rate.get(("postgresql", 1, n))
        parts = []
        for w in (2, 4):
            pgw = rate.get(("postgresql", w, n))
            if pgw and pg1:
                parts.append(f"PostgreSQL {w} processes / 1: {pgw / pg1:.2f}x"
                             f" (this machine's CPU allows at most {_ceiling(results, w, n):.2f}x)")
            if pgw and lite:
                parts.append(f"PostgreSQL {w} processes / SQLite: {pgw / lite:.2f}x")
        if pg1 and lite:
            parts.insert(0, f"PostgreSQL 1 process / SQLite: {pg1 / lite:.2f}x")
        if parts:
            print(f"{n} stations, peak calls/s: " + "; ".join(parts))
    for r in results:
        if r["mode"] != "peak" and r["stations"] == 20:
            print(f"20 stations at door pace, {r['backend']} x{r['workers']}: p99 {r['p99']:.1f} ms "
                  f"(target ≤ 50 ms: {'met' if r['p99'] <= 50 else 'NOT met'})")


def _one_run(stations: list[int], workers: list[int], args) -> list[dict]:
    """Every configuration once: SQLite (one process), then PostgreSQL with each process count."""
    results: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        results += run_config("sqlite", str(Path(tmp) / "hub.db"), 1, stations, args)
    for n in workers if args.pg else []:
        url, drop = pg_schema_url(args.pg)
        try:
            results += run_config("postgresql", url, n, stations, args)
        finally:
            drop()
    return results


def _ratio_values(results: list[dict]) -> dict[tuple[int, str], float]:
    """{(stations, "what / what"): ratio} of the peak rates the issue's targets name."""
    rate = {(r["backend"], r["workers"], r["stations"]): r["rps"] for r in results if r["mode"] == "peak"}
    out: dict[tuple[int, str], float] = {}
    for n in sorted({r["stations"] for r in results}):
        lite, pg1 = rate.get(("sqlite", 1, n)), rate.get(("postgresql", 1, n))
        if pg1 and lite:
            out[(n, "PostgreSQL 1 process / SQLite")] = pg1 / lite
        for w in (2, 4):
            pgw = rate.get(("postgresql", w, n))
            if pgw and pg1:
                out[(n, f"PostgreSQL {w} processes / 1")] = pgw / pg1
            if pgw and lite:
                out[(n, f"PostgreSQL {w} processes / SQLite")] = pgw / lite
    return out


def _medians(runs: list[list[dict]]) -> None:
    """The median (and every value) of each ratio over the runs, and the worst door-pace p99."""
    values = [_ratio_values(results) for results in runs]
    print(f"\nover {len(runs)} runs (median; every run):")
    for key in values[0]:
        got = [v[key] for v in values if key in v]
        print(f"{key[0]} stations, {key[1]}: {statistics.median(got):.2f}x ("
              + ", ".join(f"{g:.2f}" for g in got) + ")")
    for r0 in runs[0]:
        if r0["mode"] != "peak" and r0["stations"] == 20:
            worst = max(r["p99"] for results in runs for r in results if (r["backend"], r["workers"], r["mode"],
                        r["stations"]) == (r0["backend"], r0["workers"], r0["mode"], 20))
            print(f"20 stations at door pace, {r0['backend']} x{r0['workers']}: worst p99 {worst:.1f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stations", default="20,100", help="concurrent station counts, comma-separated")
    parser.add_argument("--workers", default="1,2,4", help="PostgreSQL hub process counts, comma-separated")
    parser.add_argument("--requests", type=int, default=2000, help="check-ins per row (upper bound)")
    parser.add_argument("--seconds", type=float, default=20.0, help="time limit per row")
    parser.add_argument("--pace", type=float, default=1.0, help="door pace: seconds between one station's scans")
    parser.add_argument("--pg", default=os.environ.get("TESSERA_TEST_PG_URL"), help="PostgreSQL base URL")
    parser.add_argument("--repeat", type=int, default=1, help="runs of every configuration, one after the other "
                        "(a shared or virtual machine's figures vary from run to run: the medians are printed)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 and 4 stations, 40 calls, 1 and 2 "
                        "processes")
    args = parser.parse_args(argv)
    if args.quick:
        args.stations, args.workers, args.requests, args.seconds = "2,4", "1,2", 40, 10.0
    stations = [int(x) for x in args.stations.split(",")]
    workers = [int(x) for x in args.workers.split(",")]
    runs = [_one_run(stations, workers, args) for _ in range(max(1, args.repeat))]
    for i, results in enumerate(runs, 1):
        if len(runs) > 1:
            print(f"\n=== run {i} of {len(runs)}")
        _table(results, args)
        _ratios(results)
    if len(runs) > 1:
        _medians(runs)
    if not args.pg:
        print("PostgreSQL skipped: give --pg URL or set TESSERA_TEST_PG_URL")
    bad = [r for results in runs for r in results if r.get("stored") is not None and r["stored"] != r["expected"]]
    for r in bad:
        print(f"stored check-ins {r['stored']} != successful calls {r['expected']} ({r['backend']} x{r['workers']})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
