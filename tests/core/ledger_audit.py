"""Helpers of the robustness tests: audit a ledger file for half-written use cases, and cap its size with
SQLite's `PRAGMA max_page_count` to simulate a full disk ("database or disk is full")."""
from __future__ import annotations

import json
import sqlite3
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import event

from core.definitions import create_definition
from core.events import create_event
from core.sales import sell

BUYER = {"firstName": "Ana", "lastName": "Moreira", "email": "ana@example.org"}
NO_LIMIT = 1073741823  # SQLite's historical default max_page_count: effectively no cap


def make_shop(ledger, tickets: int = 300) -> dict:
    """Event (EUR, Europe/Berlin) with "Standing" 25.00 unlimited, and one PAID order of `tickets` tickets."""
    with ledger.uow() as uow:
        s = uow.session
        ev = create_event(s, title="Robust Gala", time_zone="Europe/Berlin", currency="EUR")
        standing = create_definition(s, ev.id, {"name": "Standing", "price": {"value": "25.00", "currency": "EUR"}})
        sale = sell(s, ev.id, {standing.id: tickets}, BUYER, payment="card", station="Till 1")
        shop = {"event": ev.id, "standing": standing.id,
                "tickets": [t.ticket_number for t in sale.order.tickets]}
        uow.commit()
    return shop


def audit(path: str | Path) -> dict:
    """Open the ledger file with plain sqlite3 and check that no use case is half-written; returns row counts
    {"checkins", "orders", "tickets", "outbox", "payments"}. AssertionError listing every problem found:
    integrity_check not ok, foreign-key violations, a check-in row without its outbox row (or the reverse),
    an order without tickets, without exactly one "order.create" outbox row whose tickets are the stored
    ones, a total that is not the sum of its tickets, a PAID box-office order without exactly one Payment."""
    con = sqlite3.connect(str(path))
    try:
        problems = _problems(con)
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("checkins", "orders", "tickets", "outbox", "payments")}
    finally:
        con.close()
    assert not problems, "ledger is not whole:\n" + "\n".join(problems)
    return counts


def _problems(con: sqlite3.Connection) -> list[str]:
    problems = []
    integrity = [r[0] for r in con.execute("PRAGMA integrity_check")]
    if integrity != ["ok"]:
        problems.append(f"integrity_check: {integrity[:5]}")
    fk = con.execute("PRAGMA foreign_key_check").fetchall()
    if fk:
        problems.append(f"foreign_key_check: {fk[:5]}")
    problems += _checkin_problems(con)
    problems += _order_problems(con)
    return problems


def _checkin_problems(con: sqlite3.Connection) -> list[str]:
    rows = {nonce: (tn, kind) for nonce, tn, kind in
            con.execute("SELECT nonce, ticket_number, kind FROM checkins WHERE method != 'SYNC'")}
    queued = {}
    for key, kind, entity, payload in con.execute(
            "SELECT idempotency_key, kind, entity_key, payload FROM outbox WHERE kind LIKE 'checkin.%'"):
        queued[json.loads(payload)["nonce"]] = (entity, kind, key)
    out = []
    for nonce, (tn, kind) in rows.items():
        want = "checkin.create" if kind == "CHECK_IN" else "checkin.delete"
        if queued.get(nonce) != (tn, want, nonce):
            out.append(f"check-in {tn} {kind} nonce {nonce}: outbox row {queued.get(nonce)}")
    for nonce in queued.keys() - rows.keys():
        out.append(f"outbox {queued[nonce]} has no check-in row with nonce {nonce}")
    return out


def _order_problems(con: sqlite3.Connection) -> list[str]:
    tickets: dict[str, list[tuple[str, int]]] = {}
    for number, tn, price in con.execute("SELECT order_number, ticket_number, price_minor FROM tickets"):
        tickets.setdefault(number, []).append((tn, price))
    creates: dict[str, list[dict]] = {}
    for entity, payload in con.execute("SELECT entity_key, payload FROM outbox WHERE kind = 'order.create'"):
        creates.setdefault(entity, []).append(json.loads(payload))
    payments = Counter(r[0] for r in con.execute("SELECT order_number FROM payments"))
    out = []
    orders = con.execute("SELECT order_number, status, total_minor, channel FROM orders").fetchall()
    for number, status, total, channel in orders:
        mine = tickets.get(number, [])
        if not mine:
            out.append(f"order {number} has no tickets")
        if total != sum(p for _, p in mine):
            out.append(f"order {number}: total {total} ≠ sum of its tickets")
        if channel != "OFFLINE_POS":
            continue
        if len(creates.get(number, [])) != 1:
            out.append(f"order {number}: {len(creates.get(number, []))} order.create outbox rows")
        else:
            sent = sorted(t["ticketNumber"] for t in creates[number][0]["order"].get("tickets", []))
            if sent != sorted(tn for tn, _ in mine):
                out.append(f"order {number}: outbox tickets {sent} ≠ stored {sorted(tn for tn, _ in mine)}")
        want = 1 if status == "PAID" and total > 0 else 0
        if payments[number] != want:
            out.append(f"order {number} ({status}): {payments[number]} payments, expected {want}")
    for number in creates.keys() - {o[0] for o in orders}:
        out.append(f"outbox order.create {number} has no order")
    return out


def page_count(path: str | Path) -> int:
    """The ledger's current size in pages (WAL content included)."""
    con = sqlite3.connect(str(path))
    try:
        return con.execute("PRAGMA page_count").fetchone()[0]
    finally:
        con.close()


def _limiter(state: dict):
    def on_checkout(dbapi_conn, _record, _proxy) -> None:
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA max_page_count={int(state['max'] or NO_LIMIT)}")
        cur.close()
    return on_checkout


@contextmanager
def page_limit(target) -> Iterator[dict]:
    """While inside, every connection `target` (an Engine, or sqlalchemy.pool.Pool for every engine, e.g.
    the CLI's) hands out gets `PRAGMA max_page_count = state["max"]` (None = no cap). SQLite never lets the
    cap go below the current size, so state["max"] = page_count(path) means "the disk is full now"."""
    state: dict = {"max": None}
    listener = _limiter(state)
    event.listen(target, "checkout", listener)
    try:
        yield state
    finally:
        event.remove(target, "checkout", listener)
