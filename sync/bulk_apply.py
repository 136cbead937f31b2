"""The first pull's fast path (issue 11): orders and tickets of a feed page written with prepared
`executemany` upserts on the raw DB-API cursor, inside the caller's transaction (sync.pull applies a whole page
and its cursor in one transaction, so a kill mid-pull leaves the ledger at a page boundary).

Why: an empty ledger pulling 100,000 tickets spent most of its time in ORM bulk inserts and the UPDATEs of rows it
had just inserted. Here each row is parsed once by the contract's own parser (core.contract_parse) and written by
one `INSERT … ON CONFLICT DO UPDATE` per page and table; statement text, parameter order and bind conversions
come from SQLAlchemy's compiler (core.checkin_store's prepared-statement style), so stored values are the ORM's.

The rules of the normal appliers (sync.apply) hold here too, so the path is also safe for a pull from scratch
into a ledger that holds data (after a hub reset):
- rows of orders with pending outbox entries are left alone (core.outbox.pending_keys), tickets of such orders too;
- freshness (issue 8 item 4): an order whose `updated` is older than the held `server_updated` changes nothing
  (the ON CONFLICT clause's WHERE), and `server_updated` takes the server's `updated`;
- a ticket whose order is unknown gets the same placeholder order as in sync.apply.
Differences: a field the JSON lacks is written with its default on insert AND on update (the feed always sends
whole entities). SQLite only (`supported`); other dialects use the normal appliers.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, or_
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.changes import note
from core.checkin_store import Prepared
from core.models import Order, Ticket
from core.outbox import pending_keys
from core.textsearch_index import queue_written, triggers_off
from core.timeutil import utcnow
from sync.apply import (_ORDER_DEFAULTS, _TICKET_DEFAULTS, _ensure_events, _existing, _fill_currency,
                        _placeholder_order)

ORDER_COLUMNS = tuple(c.name for c in Order.__table__.c)
TICKET_COLUMNS = tuple(c.name for c in Ticket.__table__.c)


def supported(session: Session) -> bool:
    """True when the session's database can take the fast path (SQLite)."""
    return session.get_bind().dialect.name == "sqlite"


def _upsert_statement(table, pk: str, columns: tuple[str, ...], fresh: bool):
    """INSERT … ON CONFLICT(pk) DO UPDATE SET every column; with `fresh`, only when the incoming `updated`
    is not older than the held `server_updated` (which then keeps its value when the row has no `updated`)."""
    stmt = sqlite_insert(table).values({c: bindparam(c, type_=table.c[c].type) for c in columns})
    new = stmt.excluded
    set_ = {c: new[c] for c in columns if c != pk}
    where = None
    if fresh:
        held = table.c.server_updated
        set_["server_updated"] = func.coalesce(new.server_updated, held)
        where = or_(held.is_(None), new.updated.is_(None), new.updated >= held)
    return stmt.on_conflict_do_update(index_elements=[pk], set_=set_, where=where)


class BulkWriter:
    """Prepared upserts for one session's connection; `orders_seen` remembers the orders written so far in
    this pull (their tickets need no placeholder look-up)."""

    def __init__(self, session: Session):
        dialect = session.get_bind().dialect
        self.orders = Prepared(_upsert_statement(Order.__table__, "order_number", ORDER_COLUMNS, True), dialect)
        self.tickets = Prepared(_upsert_statement(Ticket.__table__, "ticket_number", TICKET_COLUMNS, False),
                                 dialect)
        self.orders_seen: set[str] = set()

    def _run(self, session: Session, prepared: Prepared, rows: list[dict], *, tickets: list[str] = (),
             orders: list[str] = ()) -> None:
        """executemany `prepared` over `rows` with the search index's queueing triggers off, then queue the
        written `tickets` / `orders` numbers in set statements (core.textsearch_index)."""
        if not rows:
            return
        session.flush()  # ORM work of this transaction lands before the raw statements
        raw = session.connection().connection.driver_connection
        params = [prepared.params(r) for r in rows]
        with triggers_off(raw) as indexed:
            cursor = raw.cursor()
            try:
                cursor.executemany(prepared.sql, params)
            finally:
                cursor.close()
            if indexed:
                queue_written(raw, list(tickets), list(orders))

    def write_orders(self, session: Session, rows: list[dict], now: datetime | None = None) -> list[str]:
        """Upsert parsed order rows (core.contract_parse.parse_order's dicts, without tickets); returns the
        order numbers written (those with pending local changes are skipped)."""
        if not rows:
            return []
        now = now or utcnow()
        _ensure_events(session, rows)
        _fill_currency(session, rows)
        skip = pending_keys(session, [r["order_number"] for r in rows])
        full = [_complete(r, _ORDER_DEFAULTS, now, ORDER_COLUMNS) for r in rows if r["order_number"] not in skip]
        written = [r["order_number"] for r in full]
        self._run(session, self.orders, full, orders=written)
        self.orders_seen.update(written)
        note(session, sync=True, orders=written)
        return written

    def write_tickets(self, session: Session, rows: list[dict], now: datetime | None = None) -> list[str]:
        """Upsert parsed ticket rows (core.contract_parse.parse_ticket's dicts); returns the ticket numbers
        written. Tickets of orders with pending local changes are skipped; unknown orders get a placeholder."""
        if not rows:
            return []
        now = now or utcnow()
        _ensure_events(session, rows)
        numbers = list(dict.fromkeys(r["order_number"] for r in rows))
        unknown = [n for n in numbers if n not in self.orders_seen]
        if unknown:
            known = _existing(session, Order.order_number, unknown)
            first = {r["order_number"]: r for r in reversed(rows)}
            for number in unknown:
                if number not in known:
                    _placeholder_order(session, first[number])
            self.orders_seen.update(unknown)
        skip = pending_keys(session, numbers)
        keep = [r for r in rows if r["order_number"] not in skip]
        _fill_currency(session, keep)
        full = [_complete(r, _TICKET_DEFAULTS, now, TICKET_COLUMNS) for r in keep]
        written = [r["ticket_number"] for r in full]
        self._run(session, self.tickets, full, tickets=written)
        note(session, sync=True, tickets=written, orders=[r["order_number"] for r in keep])
        return written


def _complete(row: dict, defaults: dict, now: datetime, columns: tuple[str, ...]) -> dict[str, Any]:
    """Every column of `columns`: the row's value, else the default (`created`/`updated` = now; the
    server's `updated` also becomes `server_updated`). Private keys (`_checkin`, …) are dropped."""
    out = {c: row[c] if c in row else defaults.get(c) for c in columns}
    if out.get("created") is None:
        out["created"] = now
    if "updated" in out:
        out["server_updated"] = row.get("updated")
        if out["updated"] is None:
            out["updated"] = now
    return out
