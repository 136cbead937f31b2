"""Capacity-lease benchmark (issue 10 item 6): how many sales per minute a box office makes from lease to
close-out — sync (lease the block), N offline sales within the lease, sync (upload; the hub counts them
against the lease and tops it up), release — against a real hub on 127.0.0.1.

    .venv/bin/python bench/lease_bench.py [--rounds 5] [--sales 50] [--max-seconds 300] [--quick]

Prints the time of each phase per round and the sales per minute over whole rounds; exit code 0, 1 when the
hub's counts do not match what was sold (or the station oversold its lease), 2 when --max-seconds was passed
(checked after every sale: the run is bounded). Uses temporary SQLite files only.
"""
from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core import leases  # noqa: E402
from core.db import Ledger  # noqa: E402
from core.definitions import create_definition  # noqa: E402
from core.errors import CapacityExceeded  # noqa: E402
from core.events import create_event  # noqa: E402
from core.money import Money  # noqa: E402
from core.sales import sell  # noqa: E402
from core.timeutil import utcnow  # noqa: E402
from sync import leases as station_leases  # noqa: E402
from sync.engine import SyncEngine  # noqa: E402
from sync.hub.app import create_app  # noqa: E402
from sync.hub.auth import add_station  # noqa: E402
from sync.hub.models import ensure_schema  # noqa: E402
from sync.hub.server import ServerThread  # noqa: E402
from sync.station import StationConfig, make_api  # noqa: E402

BUYER = {"firstName": "Walk", "lastName": "In", "email": ""}


def seed(hub: Ledger, quantity: int, block: int) -> tuple[str, str, str]:
    """An event with one limited definition leased by `block`; returns (event id, definition id, till key)."""
    ensure_schema(hub.engine)
    with hub.uow() as uow:
        ev = create_event(uow.session, title="Lease bench", time_zone="UTC", currency="EUR").id
        d = create_definition(uow.session, ev, {"name": "Adult", "price": {"value": "12.50", "currency": "EUR"},
                                                "limited": True, "quantity": quantity}).id
        leases.set_block(uow.session, d, block)
        key = add_station(uow.session, "Bench till", "box-office")
        uow.commit()
    return ev, d, key


def offline_sales(ledger: Ledger, ev: str, d: str, n: int, deadline: float) -> int:
    """Up to `n` one-ticket cash sales, each its own transaction, until the lease refuses; returns how many."""
    done = 0
    for _ in range(n):
        if time.perf_counter() > deadline:
            break
        try:
            with ledger.uow() as uow:
                sell(uow.session, ev, {d: 1}, BUYER, payment="cash", station="Bench till",
                     tendered=Money.of("20.00", "EUR"))
                uow.commit()
        except CapacityExceeded:
            break
        done += 1
    return done


def run(tmpdir: Path, rounds: int, sales: int, max_seconds: float) -> int:
    hub = Ledger.open(tmpdir / "hub.db")
    ev, d, key = seed(hub, quantity=rounds * sales * 2, block=sales)
    server = ServerThread(create_app(hub)).start()
    ledger = Ledger.open(tmpdir / "till.db")
    api = make_api(StationConfig(url=server.url), key)
    engine = SyncEngine(ledger, api, "Bench till", [ev], clock_warn_s=120.0, cooldown_s=0.0)
    deadline = time.perf_counter() + max_seconds
    total, elapsed, over = 0, 0.0, False
    try:
        for r in range(rounds):
            t0 = time.perf_counter()
            if not engine.run_once(force=True).ok:
                raise SystemExit("lease sync failed")
            t1 = time.perf_counter()
            sold = offline_sales(ledger, ev, d, sales + 1, deadline)   # one more than the lease: refused
            t2 = time.perf_counter()
            report = engine.run_once(force=True)
            t3 = time.perf_counter()
            released = station_leases.release(ledger, api, ev)
            t4 = time.perf_counter()
            if not report.ok or report.oversold:
                raise SystemExit(f"upload failed or oversold: {report.error} {report.oversold}")
            over |= sold > sales
            total, elapsed = total + sold, elapsed + (t4 - t0)
            print(f"round {r + 1}: lease {1000 * (t1 - t0):.0f} ms, {sold} offline sales {1000 * (t2 - t1):.0f} ms "
                  f"({1000 * (t2 - t1) / max(sold, 1):.1f} ms each), sync {1000 * (t3 - t2):.0f} ms, "
                  f"release {1000 * (t4 - t3):.0f} ms ({released} seats back)")
            if time.perf_counter() > deadline:
                print(f"stopped after {max_seconds} s")
                return 2
        with hub.uow() as uow:
            board = leases.dashboard(uow.session, ev, utcnow())[d]
    finally:
        api.http.close()
        ledger.close()
        server.stop()
        hub.close()
    print(f"{total} sales in {elapsed:.2f} s from lease to close-out: {60 * total / elapsed:.0f} sales per minute; "
          f"hub: sold {board.sold}, leased {board.leased}, left {board.left}")
    return 0 if board.sold == total and board.leased == 0 and not over else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sales", type=int, default=50, help="lease block = offline sales per round")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="bound of the whole run")
    parser.add_argument("--quick", action="store_true", help="2 rounds of 10 sales (a smoke run)")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.sales = 2, 10
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="tessera-lease-bench-") as tmp:
        return run(Path(tmp), max(1, args.rounds), max(1, args.sales), args.max_seconds)


if __name__ == "__main__":
    sys.exit(main())
