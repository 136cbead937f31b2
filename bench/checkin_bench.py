"""Door scan benchmark: verdict + commit on a 100,000-ticket ledger vs a bare single-row INSERT + COMMIT.

Run: `.venv/bin/python bench/checkin_bench.py [--tickets 100000] [--scans 500]`. Builds the ledger in a temp
dir with bulk inserts, then times core.checkin.scan_and_commit on random tickets (each an OK check-in) and a
bare INSERT + COMMIT into a scratch table on the same engine and pragmas. Prints median/p95 of both and the
ratio (target ≤ 2×). Bounded: one build, N scans, N bare inserts; well under a minute.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text  # noqa: E402

from core import checkin_store as store  # noqa: E402
from core.checkin import Verdict, scan_and_commit  # noqa: E402
from core.checkin_merge import local_row  # noqa: E402
from core.codes import check_in_url  # noqa: E402
from core.db import Ledger  # noqa: E402
from core.models import CheckIn, Event, Order, Ticket, TicketDefinition  # noqa: E402

T0 = datetime(2025, 6, 14, 18, 0, tzinfo=timezone.utc)
PER_ORDER = 2


def build(ledger: Ledger, n_tickets: int, checked_in_share: float = 0.2) -> tuple[str, list[str]]:
    """Bulk-insert one event, one definition, n_tickets/2 PAID orders of 2 tickets, and CHECK_IN rows for
    `checked_in_share` of them (so the check-in table is not empty). Returns (event id, ticket numbers)."""
    ev = str(uuid.uuid4())
    defn = str(uuid.uuid4())
    orders, tickets, checkins = [], [], []
    for i in range(n_tickets // PER_ORDER):
        on = f"B{i:07d}-BNCH"
        orders.append(dict(order_number=on, event_id=ev, status="PAID", first_name=f"First{i}", last_name=f"Last{i}",
                           email=f"g{i}@example.org", checkout_form=[], method="card", total_minor=3000,
                           currency="EUR", archived=False, channel="ONLINE", station="", created=T0, updated=T0))
        for k in range(PER_ORDER):
            tickets.append(dict(ticket_number=f"{on}{21 + k:03d}", order_number=on, event_id=ev, definition_id=defn,
                                name="Standing", price_minor=1500, currency="EUR", guest_first_name="",
                                guest_last_name="", guest_email="", guest_form=[], archived=False, canceled=False,
                                created=T0))
    rng = random.Random(7)
    for t in rng.sample(tickets, int(len(tickets) * checked_in_share)):
        checkins.append(dict(ticket_number=t["ticket_number"], event_id=ev, kind="CHECK_IN", status="ACCEPTED",
                             device_time=T0, corrected_time=T0, server_time=None, station="BULK", operator="",
                             method="SCAN", nonce=str(uuid.uuid4())))
    with ledger.engine.begin() as conn:
        conn.execute(insert(Event), [dict(id=ev, title="Bench", time_zone="Europe/Zurich", start=T0, end=None,
                                          currency="EUR", registration_type="TICKETS", currency_locked=True,
                                          created=T0, updated=T0)])
        conn.execute(insert(TicketDefinition), [dict(id=defn, event_id=ev, name="Standing", price_minor=1500,
                                                     currency="EUR", created=T0, updated=T0)])
        conn.execute(insert(Order), orders)
        conn.execute(insert(Ticket), tickets)
        conn.execute(insert(CheckIn), checkins)
        conn.exec_driver_sql("CREATE TABLE scratch (id INTEGER PRIMARY KEY, ticket TEXT, nonce TEXT, at TEXT)")
    checked = {c["ticket_number"] for c in checkins}
    return ev, [t["ticket_number"] for t in tickets if t["ticket_number"] not in checked]


def time_scans(ledger: Ledger, event_id: str, numbers: list[str]) -> list[float]:
    out = []
    for tn in numbers:
        start = time.perf_counter()
        result = scan_and_commit(ledger, check_in_url(tn, event_id), event_ids=[event_id], station="BENCH")
        out.append(time.perf_counter() - start)
        if result.verdict is not Verdict.OK:
            raise SystemExit(f"unexpected verdict {result.verdict} for {tn}")
    return out


def time_floor(ledger: Ledger, event_id: str, numbers: list[str]) -> list[float]:
    """The SQL a scan cannot avoid, without the verdict: BEGIN IMMEDIATE, the lookup, the two INSERTs and
    COMMIT through core.checkin_store (shows how much of the ratio is SQLite's own write work)."""
    st = store.statements(ledger.engine.dialect)
    out = []
    for tn in numbers:
        start = time.perf_counter()
        raw = ledger.engine.raw_connection()
        cur = raw.cursor()
        cur.execute("BEGIN IMMEDIATE")
        db = store.RawRunner(cur, st)
        db.lookup(tn)
        values = local_row(tn, event_id, "CHECK_IN", station="FLOOR")
        db.insert_checkin(values)
        db.insert_outbox({"kind": "checkin.create", "event_id": event_id, "entity_key": tn,
                          "payload": {"nonce": values["nonce"]}, "idempotency_key": values["nonce"],
                          "created": values["device_time"], "attempts": 0, "state": "pending", "last_error": "",
                          "sent_at": None})
        cur.close()
        raw.commit()
        raw.close()
        out.append(time.perf_counter() - start)
    return out


def time_bare(ledger: Ledger, n: int) -> list[float]:
    stmt = text("INSERT INTO scratch (ticket, nonce, at) VALUES (:t, :n, :a)")
    out = []
    for i in range(n):
        start = time.perf_counter()
        with ledger.engine.connect() as conn:
            conn.execute(stmt, {"t": f"T{i}", "n": str(uuid.uuid4()), "a": "2025-06-14T18:00:00"})
            conn.commit()
        out.append(time.perf_counter() - start)
    return out


def stats(xs: list[float]) -> tuple[float, float]:
    xs = sorted(xs)
    return statistics.median(xs) * 1e3, xs[min(len(xs) - 1, int(len(xs) * 0.95))] * 1e3


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tickets", type=int, default=100_000)
    ap.add_argument("--scans", type=int, default=500)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Ledger.open(Path(tmp) / "bench.db")
        t = time.perf_counter()
        event_id, free = build(ledger, args.tickets)
        print(f"built {args.tickets} tickets in {time.perf_counter() - t:.1f} s")
        n = min(args.scans, len(free) // 2)
        picks = random.Random(11).sample(free, 2 * n)
        time_scans(ledger, event_id, picks[:20])          # warm-up: statement caches, pool
        time_bare(ledger, 20)
        scans, floor, bare = [], [], []
        for k in range(20, n, 50):                        # interleaved, so machine noise hits all three alike
            chunk = picks[k:min(k + 50, n)]
            scans += time_scans(ledger, event_id, chunk)
            floor += time_floor(ledger, event_id, picks[n + k:n + k + len(chunk)])
            bare += time_bare(ledger, len(chunk))
        ledger.close()
    s_med, s_p95 = stats(scans)
    f_med, f_p95 = stats(floor)
    b_med, b_p95 = stats(bare)
    print(f"scan_and_commit     n={len(scans)}  median {s_med:.3f} ms  p95 {s_p95:.3f} ms")
    print(f"SQL floor of a scan n={len(floor)}  median {f_med:.3f} ms  p95 {f_p95:.3f} ms  (no verdict logic)")
    print(f"bare INSERT+COMMIT  n={len(bare)}  median {b_med:.3f} ms  p95 {b_p95:.3f} ms")
    ratio = s_med / b_med
    print(f"ratio (median) {ratio:.2f}x  (p95 {s_p95 / b_p95:.2f}x)  target <= 2x: {'OK' if ratio <= 2 else 'OVER'}; "
          f"floor/bare {f_med / b_med:.2f}x, scan/floor {s_med / f_med:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
