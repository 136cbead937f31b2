"""First-pull benchmark (issue 11): a station's first sync of N tickets (default 100,000) from a real hub on
127.0.0.1 (`python -m sync.hub.server` in its own process, as on a venue's LAN), as a ratio to parsing the same change-feed JSON and bulk-inserting it with executemany in one
transaction. The baseline's JSON is fetched once before any timing, so it never goes through the hub's renderer
inside the timing; it parses with json.loads and inserts orders and tickets with SQLAlchemy Core executemany.

    .venv/bin/python bench/sync_pull_bench.py [--tickets 100000] [--per-order 4] [--max-seconds 900] [--quick]

Prints both times (and the CPU seconds of each phase: wall times swing on a shared machine) and the ratio of
the wall times (target <= 2x); exit code 0 when within target (always 0 with --quick, a smoke run
of 2,000 tickets), 1 over target, 2 when a phase ran over --max-seconds. Uses temporary SQLite files only.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.db import Ledger  # noqa: E402
from core.definitions import create_definition  # noqa: E402
from core.events import create_event  # noqa: E402
from core.models import Event, Order, Ticket, TicketDefinition  # noqa: E402
from core.money import Money  # noqa: E402
from core.timeutil import parse_rfc3339, utcnow  # noqa: E402
from sync.engine import SyncEngine  # noqa: E402
from sync.hub import changes  # noqa: E402
from bench.hub_load_bench import free_port, start_hub  # noqa: E402
from sync.hub.auth import add_station  # noqa: E402
from sync.hub.models import ensure_schema  # noqa: E402
from sync.station import StationConfig, make_api  # noqa: E402


def seed(hub: Ledger, n: int, per_order: int) -> tuple[str, str]:
    """An event, one definition and `n` PAID tickets in orders of `per_order`, bulk-inserted with their feed
    rows; returns (event id, door station key)."""
    ensure_schema(hub.engine)
    now = utcnow()
    with hub.uow() as uow:
        ev = create_event(uow.session, title="Bench", time_zone="UTC", currency="EUR").id
        d = create_definition(uow.session, ev, {"name": "Adult", "price": {"value": "12.50", "currency": "EUR"}}).id
        key = add_station(uow.session, "Bench door", "door")
        orders, tickets = [], []
        for i in range(0, n, per_order):
            on = f"BNCH-{i // per_order:07d}"
            k = min(per_order, n - i)
            orders.append(dict(order_number=on, event_id=ev, status="PAID", first_name="Guest", last_name=str(i),
                               email=f"g{i}@example.org", checkout_form=[], method="card", total_minor=1250 * k,
                               currency="EUR", archived=False, channel="ONLINE", station="", created=now,
                               updated=now))
            tickets += [dict(ticket_number=f"{on}{21 + j:03d}", order_number=on, event_id=ev, definition_id=d,
                             name="Adult", price_minor=1250, currency="EUR", guest_first_name="Guest",
                             guest_last_name=str(i + j), guest_email="", guest_form=[], archived=False,
                             canceled=False, created=now) for j in range(k)]
        for rows, model in ((orders, Order), (tickets, Ticket)):
            for k in range(0, len(rows), 5000):
                uow.session.execute(insert(model), rows[k:k + 5000])
        changes.backfill(uow.session, now, postgres=False)
        uow.commit()
    return ev, key


def timed_sync(url: str, key: str, ev: str, path: Path) -> tuple[float, int, float]:
    """The real thing: SyncEngine.run_once on a fresh station ledger (hub rendering and HTTP included).
    Returns (seconds, changes applied, CPU seconds of this process: the station's)."""
    ledger = Ledger.open(path)
    api = make_api(StationConfig(url=url), key)
    t0, c0 = time.perf_counter(), time.process_time()
    report = SyncEngine(ledger, api, "Bench door", [ev], clock_warn_s=120.0).run_once(force=True)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    api.http.close()
    ledger.close()
    if not report.ok:
        raise SystemExit(f"sync failed: {report.error}")
    return elapsed, report.pulled, cpu


def fetch_feed(url: str, key: str, ev: str, deadline: float) -> list[bytes]:
    """The feed's raw JSON pages, fetched once (outside every timing)."""
    bodies: list[bytes] = []
    with httpx.Client(base_url=url, headers={"Authorization": key}, timeout=120) as http:
        cursor = None
        for _ in range(100_000):
            params = {"eventId": ev, "limit": "5000", **({"since": cursor} if cursor else {})}
            raw = http.get("/tessera/v1/changes", params=params).content
            bodies.append(raw)
            page = json.loads(raw)
            cursor = page["cursor"]
            if not page["hasMore"] or time.perf_counter() > deadline:
                break
    return bodies


def _money_minor(obj: dict) -> tuple[int, str]:
    m = Money.from_api(obj)
    return m.minor, m.currency


def _collect(ch: dict, ev: str, now, events: list, defs: list, orders: dict, tickets: dict) -> None:
    """Turn one feed entry into a row dict of the baseline (no validation beyond what parsing needs)."""
    data, kind = ch["data"], ch["type"]
    if kind == "event":
        events.append(dict(id=data["id"], title=data["title"], time_zone=data["timeZone"], currency=data["currency"],
                           registration_type=data["registrationType"], currency_locked=data["currencyLocked"],
                           created=now, updated=now))
    elif kind == "definition":
        minor, cur = _money_minor(data["price"])
        defs.append(dict(id=data["id"], event_id=data["eventId"], name=data["name"], price_minor=minor,
                         currency=cur, created=now, updated=now))
    elif kind == "order":
        minor, cur = _money_minor(data["totalPrice"])
        orders[data["orderNumber"]] = dict(
            order_number=data["orderNumber"], event_id=data["eventId"], status=data["status"],
            first_name=data["firstName"], last_name=data["lastName"], email=data["email"],
            checkout_form=data["checkoutForm"]["inputValues"], total_minor=minor, currency=cur,
            created=parse_rfc3339(data["created"]), updated=parse_rfc3339(data["updated"]))
    elif kind == "ticket":
        minor, cur = _money_minor(data["price"])
        tickets[data["ticketNumber"]] = dict(
            ticket_number=data["ticketNumber"], order_number=data["orderNumber"], event_id=ev,
            definition_id=data["ticketDefinitionId"], name=data["name"], price_minor=minor, currency=cur,
            guest_first_name=data["guestDetails"]["firstName"], guest_last_name=data["guestDetails"]["lastName"],
            created=parse_rfc3339(data["created"]))


def timed_baseline(bodies: list[bytes], ev: str, path: Path) -> tuple[float, float]:
    """Parse the feed JSON and insert its rows with Core executemany in one transaction, no checks.
    Returns (seconds, CPU seconds)."""
    ledger = Ledger.open(path)
    t0, c0 = time.perf_counter(), time.process_time()
    now = utcnow()
    events, defs, orders, tickets = [], [], {}, {}
    for raw in bodies:
        for ch in json.loads(raw)["changes"]:
            _collect(ch, ev, now, events, defs, orders, tickets)
    with ledger.engine.begin() as conn:
        for model, rows in ((Event, events), (TicketDefinition, defs), (Order, list(orders.values())),
                            (Ticket, list(tickets.values()))):
            if rows:
                conn.execute(insert(model), rows)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    ledger.close()
    return elapsed, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--per-order", type=int, default=4)
    parser.add_argument("--max-seconds", type=float, default=900.0, help="bound of each phase")
    parser.add_argument("--target", type=float, default=2.0)
    parser.add_argument("--quick", action="store_true", help="smoke run: 2,000 tickets, exit 0 whatever the ratio")
    args = parser.parse_args(argv)
    if args.quick:
        args.tickets, args.max_seconds = min(args.tickets, 2000), min(args.max_seconds, 120.0)
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="tessera-bench-") as tmp:
        tmpdir = Path(tmp)
        hub = Ledger.open(tmpdir / "hub.db")
        t0 = time.perf_counter()
        ev, key = seed(hub, args.tickets, args.per_order)
        hub.close()
        print(f"seeded {args.tickets} tickets in {time.perf_counter() - t0:.1f} s")
        port = free_port()  # the real hub in its own process, as on a venue's LAN (not sharing the station's GIL)
        proc = start_hub(str(tmpdir / "hub.db"), port)
        url = f"http://127.0.0.1:{port}"
        try:
            t0 = time.perf_counter()
            bodies = fetch_feed(url, key, ev, t0 + args.max_seconds)
            print(f"feed fetched once for the baseline: {len(bodies)} page(s), "
                  f"{sum(map(len, bodies)) / 1e6:.1f} MB in {time.perf_counter() - t0:.2f} s (not timed)")
            sync_s, pulled, sync_cpu = timed_sync(url, key, ev, tmpdir / "station.db")
            print(f"station first pull (SyncEngine.run_once, the hub in its own process): {sync_s:.2f} s (station "
                  f"CPU {sync_cpu:.2f} s), {pulled} changes applied, {args.tickets / sync_s:.0f} tickets/s")
            runs = [timed_baseline(bodies, ev, tmpdir / f"base{i}.db") for i in range(2)]
            base, base_cpu = min(runs)
            print(f"baseline (parse feed JSON + executemany insert, one transaction): "
                  f"{' / '.join(f'{r:.2f}' for r, _c in runs)} s, best {base:.2f} s (CPU {base_cpu:.2f} s)")
        finally:
            proc.terminate()
            proc.wait(30)
    if max(base, sync_s) > args.max_seconds:
        print(f"a phase ran over {args.max_seconds} s")
        return 2
    ratio = sync_s / base
    verdict = "OK" if ratio <= args.target else "OVER"
    print(f"ratio first pull/baseline = {ratio:.2f}x (target <= {args.target}x): {verdict}; "
          f"CPU ratio {sync_cpu / base_cpu:.2f}x (information only)")
    return 0 if args.quick or ratio <= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
