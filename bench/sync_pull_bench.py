"""Initial pull benchmark: a station's first sync of N tickets (default 100,000) from a real hub on 127.0.0.1,
against a baseline that downloads the same change-feed JSON and bulk-inserts it with no checks at all.

    .venv/bin/python bench/sync_pull_bench.py [--tickets 100000] [--per-order 4] [--max-seconds 900]

Prints both times and the ratio (target ≤ 3×); exit code 0 when within target, 1 otherwise, 2 when a phase
ran over --max-seconds (every phase is bounded). Uses temporary SQLite files only.
"""
from __future__ import annotations

import argparse
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
from sync.hub.app import create_app  # noqa: E402
from sync.hub.auth import add_station  # noqa: E402
from sync.hub.models import ensure_schema  # noqa: E402
from sync.hub.server import ServerThread  # noqa: E402
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


def timed_sync(url: str, key: str, ev: str, path: Path) -> tuple[float, int]:
    """The real thing: SyncEngine.run_once on a fresh station ledger."""
    ledger = Ledger.open(path)
    api = make_api(StationConfig(url=url), key)
    t0 = time.perf_counter()
    report = SyncEngine(ledger, api, "Bench door", [ev], clock_warn_s=120.0).run_once(force=True)
    elapsed = time.perf_counter() - t0
    api.http.close()
    ledger.close()
    if not report.ok:
        raise SystemExit(f"sync failed: {report.error}")
    return elapsed, report.pulled


def _money_minor(obj: dict) -> tuple[int, str]:
    m = Money.from_api(obj)
    return m.minor, m.currency


def _collect(ch: dict, ev: str, events: list, defs: list, orders: dict, tickets: dict) -> None:
    """Turn one feed entry into a row dict of the baseline (no validation beyond what parsing needs)."""
    data, kind = ch["data"], ch["type"]
    if kind == "event":
        events.append(dict(id=data["id"], title=data["title"], time_zone=data["timeZone"], currency=data["currency"],
                           registration_type=data["registrationType"], currency_locked=data["currencyLocked"],
                           created=utcnow(), updated=utcnow()))
    elif kind == "definition":
        minor, cur = _money_minor(data["price"])
        defs.append(dict(id=data["id"], event_id=data["eventId"], name=data["name"], price_minor=minor,
                         currency=cur, created=utcnow(), updated=utcnow()))
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
            created=utcnow())


def timed_baseline(url: str, key: str, ev: str, path: Path, deadline: float) -> float:
    """Download the same feed JSON and bulk-insert orders and tickets in one transaction, no checks."""
    ledger = Ledger.open(path)
    t0 = time.perf_counter()
    events, defs, orders, tickets = [], [], {}, {}
    with httpx.Client(base_url=url, headers={"Authorization": key}, timeout=60) as http:
        cursor = None
        for _ in range(100_000):
            params = {"eventId": ev, "limit": "1000", **({"since": cursor} if cursor else {})}
            page = http.get("/tessera/v1/changes", params=params).json()
            for ch in page["changes"]:
                _collect(ch, ev, events, defs, orders, tickets)
            cursor = page["cursor"]
            if not page["hasMore"] or time.perf_counter() > deadline:
                break
    with ledger.uow() as uow:
        for model, rows in ((Event, events), (TicketDefinition, defs), (Order, list(orders.values())),
                            (Ticket, list(tickets.values()))):
            if rows:
                uow.session.execute(insert(model), rows)
        uow.commit()
    elapsed = time.perf_counter() - t0
    ledger.close()
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--per-order", type=int, default=4)
    parser.add_argument("--max-seconds", type=float, default=900.0, help="bound of each phase")
    parser.add_argument("--target", type=float, default=3.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="tessera-bench-") as tmp:
        tmpdir = Path(tmp)
        hub = Ledger.open(tmpdir / "hub.db")
        t0 = time.perf_counter()
        ev, key = seed(hub, args.tickets, args.per_order)
        print(f"seeded {args.tickets} tickets in {time.perf_counter() - t0:.1f} s")
        server = ServerThread(create_app(hub)).start()
        try:
            first = timed_baseline(server.url, key, ev, tmpdir / "base1.db", time.perf_counter() + args.max_seconds)
            sync_s, pulled = timed_sync(server.url, key, ev, tmpdir / "station.db")
            print(f"station initial sync (SyncEngine.run_once): {sync_s:.2f} s, {pulled} changes applied, "
                  f"{args.tickets / sync_s:.0f} tickets/s")
            second = timed_baseline(server.url, key, ev, tmpdir / "base2.db", time.perf_counter() + args.max_seconds)
            base = min(first, second)  # before and after the sync, so neither side gets a cold hub alone
            print(f"baseline (download feed JSON + bulk insert): {first:.2f} s / {second:.2f} s, best {base:.2f} s")
        finally:
            server.stop()
            hub.close()
    if max(base, sync_s) > args.max_seconds:
        print(f"a phase ran over {args.max_seconds} s")
        return 2
    ratio = sync_s / base
    print(f"ratio sync/baseline = {ratio:.2f}x (target <= {args.target}x): {'OK' if ratio <= args.target else 'OVER'}")
    return 0 if ratio <= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
