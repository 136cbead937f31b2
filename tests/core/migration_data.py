"""A populated ledger written with plain SQL (no ORM: the models are at head, the file may be older), and a
snapshot of every row to compare before and after an upgrade. Used by tests/core/test_migrations.py."""
from __future__ import annotations

import json

from sqlalchemy import Connection, text

from core.schema import FIRST_TABLES

STATUSES = ("INITIATED", "PENDING", "OFFLINE_PENDING", "PAID", "FREE", "CANCELED", "DECLINED", "SOME_NEW_STATUS")
OUTBOX_STATES = ("pending", "sent", "rejected", "dismissed")
T0 = "2026-03-07 19:00:00.000000"
BIG = 2_147_483_000  # near the 32-bit limit (valid before 0003 on PostgreSQL), kept through the BigInteger retype


def _rows(event: str) -> dict[str, list[dict]]:
    stamp = {"created": T0, "updated": T0}
    rows: dict[str, list[dict]] = {
        "events": [dict(stamp, id=event, title="Gala «Ørsted»", time_zone="Europe/Zurich", start=T0, end=None,
                        currency="EUR", registration_type="TICKETS", currency_locked=True)],
        "ticket_definitions": [dict(stamp, id=f"{event}-def{i}", event_id=event, name=f"Adult {i}",
                                    description="", price_minor=BIG if i else 0, currency="EUR", limited=bool(i),
                                    quantity=100 if i else None, limit_per_checkout=10, order_index=i, policy="",
                                    hidden=False, sale_start=None, sale_end=None, hide_not_on_sale=False,
                                    reserved=0, reserved_until=None) for i in range(2)],
        "orders": [], "tickets": [], "payments": [], "checkins": [], "outbox": [],
        "sync_state": [{"key": f"{event}:cursor", "value": json.dumps({"cursor": "2026-03-07T18:00:00Z"})}],
    }
    for n, status in enumerate(STATUSES):
        order = f"{event}-O{n}"
        rows["orders"].append(dict(stamp, order_number=order, event_id=event, status=status, first_name="Ana",
                                   last_name="Moreira", email="ana@example.org",
                                   checkout_form=json.dumps({"inputValues": []}), method="cash",
                                   total_minor=BIG, currency="EUR", archived=n % 2 == 0, channel="BOX_OFFICE",
                                   station="till-1"))
        ticket = f"{event}-T{n}"
        rows["tickets"].append(dict(ticket_number=ticket, order_number=order, event_id=event,
                                    definition_id=f"{event}-def1", name="Adult 1", price_minor=BIG,
                                    currency="EUR", guest_first_name="Ana", guest_last_name="Moreira",
                                    guest_email="ana@example.org", guest_form=json.dumps({}), archived=False,
                                    canceled=status == "CANCELED", created=T0))
        rows["payments"].append(dict(order_number=order, method="cash", amount_minor=BIG, currency="EUR",
                                     tendered_minor=BIG + 500, change_minor=500, station="till-1", created=T0))
        for kind in ("CHECK_IN", "UNDO"):
            rows["checkins"].append(dict(ticket_number=ticket, event_id=event, kind=kind, status="ACCEPTED",
                                         device_time=T0, corrected_time=T0, server_time=None, station="door-1",
                                         operator="op", method="scan", nonce=f"{ticket}-{kind}"))
        rows["outbox"].append(dict(kind="order.create", event_id=event, entity_key=order,
                                   payload=json.dumps({"orderNumber": order}), idempotency_key=f"{order}-idem",
                                   created=T0, attempts=n, state=OUTBOX_STATES[n % 4], last_error="", sent_at=None))
    return rows


def populate(conn: Connection, events: int = 2) -> None:
    """Insert `events` events, each with 2 definitions, an order (+ ticket, payment, check-in and undo, outbox
    row) in every status, and a sync-state row. Parents first, so foreign keys hold."""
    order = ("events", "ticket_definitions", "orders", "tickets", "payments", "checkins", "outbox", "sync_state")
    assert set(order) == FIRST_TABLES
    for e in range(events):
        rows = _rows(f"ev{e}")
        for table in order:
            for row in rows[table]:
                cols = ", ".join(f'"{c}"' for c in row)
                conn.execute(text(f'INSERT INTO "{table}" ({cols}) VALUES ({", ".join(":" + c for c in row)})'),
                             row)


# columns added by later revisions (0004, 0102, 0104): NULL or a default for old rows; "table.column" or any table's column
ADDED_LATER = {"server_updated", "payments.payment_id", "payments.operator", "max_inside", "entrance_id", "direction"}


def snapshot(conn: Connection) -> dict[str, list[tuple]]:
    """Every row of every Tessera table, as sorted tuples of text (types may change across revisions)."""
    out = {}
    for table in sorted(FIRST_TABLES):
        result = conn.execute(text(f'SELECT * FROM "{table}"'))
        cols = list(result.keys())
        out[table] = sorted(tuple(f"{c}={_norm(v)}" for c, v in zip(cols, row)
                              if c not in ADDED_LATER and f"{table}.{c}" not in ADDED_LATER)
                            for row in result)
    return out


def _norm(value) -> str:
    if isinstance(value, bool):
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ")
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)
