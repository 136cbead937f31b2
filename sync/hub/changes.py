"""The hub's change feed (docs/HUB_EXTENSIONS.md "Change feed"): recording `hub_changes` rows.

Recording: every hub write runs in `UnitOfWork(..., outbox=False)` (core.db), so the core services write no
outbox rows and only say what they changed (core.changes: `note()`, `enqueue()`). Before commit `record()`
turns that change set into one hub_changes row per (type, key), in the same transaction:

- events, definitions, orders, tickets, entrances as noted (a deleted entrance is an "entrance" row too, rendered
  {id, eventId, deleted: true}); a noted definition that no longer exists is a
  `definition.deleted` row (its event is read from the definition's earlier feed rows);
- an order also brings its tickets (their JSON embeds the order's status and archived flag), a ticket its
  order, and both their definitions (dashboard counts move);
- an order that got a payment (a new sale, core.sales.sell) brings its event (the first order locks the
  event's currency);
- a ticket whose check-in log changed brings every check-in row of that ticket (a late row may re-mark older
  ones DUPLICATE, BC-13/BC-14) and its ticket; rows without a server time get the hub's `now`.

Writes made to the hub database by other tools are picked up by `backfill()` at the hub's start.
Reading the feed is sync.hub.render.read_feed.

Ordering on PostgreSQL: `record()` takes a transaction-scoped advisory lock before inserting, so feed rows
are numbered in commit order and a reader can never pass over a lower `seq` that commits later. SQLite
serialises writers anyway.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Iterable

from sqlalchemy import bindparam, exists, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.changes import Changes, changes_of
from core.checkin_store import Prepared
from core.errors import InvalidArgument
from core.models import CheckIn, Entrance, Event, Order, Ticket, TicketDefinition
from sync.hub.models import HubChange

EVENT, DEFINITION, DEFINITION_DELETED = "event", "definition", "definition.deleted"
ORDER, TICKET, CHECKIN = "order", "ticket", "checkin"
ENTRANCE = "entrance"  # an entrance upserted or deleted (core.entrances; rendered with deleted: true when gone)
TYPES = (EVENT, DEFINITION, DEFINITION_DELETED, ORDER, TICKET, CHECKIN, ENTRANCE)
_RANK = {EVENT: 0, DEFINITION: 1, ENTRANCE: 2, ORDER: 3, TICKET: 4, CHECKIN: 5, DEFINITION_DELETED: 6}
FEED_LOCK = 0x7E55E4A  # advisory lock id serialising feed appends on PostgreSQL
MAX_FEED_LIMIT = 1000
_CHUNK = 500


def _keys(values: Iterable[str]) -> list[str]:
    """Concrete keys, sorted (the "*" wildcard of Changes.everything is not a key)."""
    return sorted(v for v in set(values) if v != "*")


def _pairs(session: Session, key_col, other_col, keys: Iterable[str]) -> list[tuple]:
    """(key, other) for the rows whose `key_col` is in `keys`, queried in chunks."""
    keys = list(keys)
    out: list[tuple] = []
    for i in range(0, len(keys), _CHUNK):
        out += list(session.execute(select(key_col, other_col).where(key_col.in_(keys[i:i + _CHUNK]))))
    return out


def _deleted_event(session: Session, definition_id: str, type_: str = DEFINITION) -> str | None:
    """The event of a deleted definition (or entrance: `type_`), from its latest earlier feed row (None when it
    never had one)."""
    q = (select(HubChange.event_id).where(HubChange.type == type_, HubChange.key == definition_id)
         .order_by(HubChange.seq.desc()).limit(1))
    return session.scalar(q)


def _stamp_server_time(session: Session, ticket_numbers: list[str], now: datetime) -> None:
    """Check-in rows of these tickets the hub received without a server time get `now` (the hub is the server)."""
    for i in range(0, len(ticket_numbers), _CHUNK):
        session.execute(update(CheckIn).where(CheckIn.ticket_number.in_(ticket_numbers[i:i + _CHUNK]),
                                              CheckIn.server_time.is_(None)).values(server_time=now),
                        execution_options={"synchronize_session": False})


def touched(session: Session, changes: Changes, now: datetime) -> dict[tuple[str, str], str]:
    """The feed entries of `changes` (see the module docstring): {(type, key): event_id}, in insertion order
    per type. Stamps missing check-in server times with `now`."""
    out: dict[tuple[str, str], str] = {}
    for ev in _keys(changes.events):
        out[(EVENT, ev)] = ev
    for _number, ev in _pairs(session, Order.order_number, Order.event_id, _keys(changes.payments)):
        out[(EVENT, ev)] = ev
    wanted = _keys(changes.definitions)
    found = dict(_pairs(session, TicketDefinition.id, TicketDefinition.event_id, wanted))
    for def_id in wanted:
        ev = found.get(def_id) or _deleted_event(session, def_id)
        if ev is not None:
            out[(DEFINITION if def_id in found else DEFINITION_DELETED, def_id)] = ev
    wanted = _keys(changes.entrances)
    found = dict(_pairs(session, Entrance.id, Entrance.event_id, wanted))
    for entrance_id in wanted:
        ev = found.get(entrance_id) or _deleted_event(session, entrance_id, ENTRANCE)
        if ev is not None:
            out[(ENTRANCE, entrance_id)] = ev
    ticket_keys = _keys(changes.tickets)
    orders = set(changes.orders) | {o for _t, o in _pairs(session, Ticket.ticket_number, Ticket.order_number,
                                                           ticket_keys)}
    for number, ev in _pairs(session, Order.order_number, Order.event_id, _keys(orders)):
        out[(ORDER, number)] = ev
    checkin_tickets = _keys(changes.checkins)
    ticket_cols = (Ticket.ticket_number, Ticket.event_id, Ticket.definition_id)
    rows = set()
    for col, keys in ((Ticket.order_number, _keys(orders)), (Ticket.ticket_number,
                                                             _keys(set(ticket_keys) | set(checkin_tickets)))):
        for i in range(0, len(keys), _CHUNK):
            rows.update(session.execute(select(*ticket_cols).where(col.in_(keys[i:i + _CHUNK]))))
    for number, ev, _def in sorted(rows):
        out[(TICKET, number)] = ev
    if checkin_tickets:
        _stamp_server_time(session, checkin_tickets, now)
        for i in range(0, len(checkin_tickets), _CHUNK):
            q = (select(CheckIn.id, CheckIn.event_id)
                 .where(CheckIn.ticket_number.in_(checkin_tickets[i:i + _CHUNK])).order_by(CheckIn.id))
            for cid, ev in session.execute(q):
                out[(CHECKIN, str(cid))] = ev
    for _number, ev, def_id in sorted(rows):  # orders and tickets move their definitions' dashboard counts
        if def_id:
            out.setdefault((DEFINITION, def_id), ev)
    return out


def checkin_entries(tickets: Iterable[tuple[str, str, str | None, Iterable[int]]]) -> dict[tuple[str, str], str]:
    """The feed entries of tickets whose check-in log changed, from what the writer already holds (the hub's
    CheckIn, issue 11: no re-reading): `tickets` as (ticket number, event id, definition id, ids of every
    check-in row of the ticket). The same entries `touched` gives for `changes.checkins`: the ticket, every
    row of it in id order (a late row may re-mark older ones, BC-13/BC-14), its definition (dashboard
    counts). The rows must already carry their server time."""
    out: dict[tuple[str, str], str] = {}
    tickets = sorted(tickets, key=lambda t: t[0])
    for number, ev, _def, _ids in tickets:
        out[(TICKET, number)] = ev
    for _number, ev, _def, ids in tickets:
        for cid in sorted(ids):
            out[(CHECKIN, str(cid))] = ev
    for _number, ev, def_id, _ids in tickets:
        if def_id:
            out.setdefault((DEFINITION, def_id), ev)
    return out


# PostgreSQL: the feed lock and every row in ONE statement (one round trip, issue 11): the materialised lock
# row is joined to each inserted row and the rows are sorted first, so no `seq` is drawn before the lock is
# held; the rows keep their given order (WITH ORDINALITY).
_APPEND_PG = text(
    "WITH feed_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock(:lock) AS held) "
    "INSERT INTO hub_changes (event_id, type, key, created) "
    "SELECT u.e, u.t, u.k, :created FROM feed_lock CROSS JOIN "
    "unnest(CAST(:events AS text[]), CAST(:types AS text[]), CAST(:keys AS text[])) WITH ORDINALITY AS u(e, t, k, n) "
    "ORDER BY u.n"
).bindparams(bindparam("created", type_=HubChange.__table__.c.created.type))


_COMPILED: dict[type, Prepared] = {}


def _append_pg(dialect) -> Prepared:
    """_APPEND_PG compiled once for `dialect` (its SQL text and the `created` column's conversion)."""
    if type(dialect) not in _COMPILED:
        _COMPILED[type(dialect)] = Prepared(_APPEND_PG, dialect)
    return _COMPILED[type(dialect)]


def _append(session: Session, rows: list[dict], *, postgres: bool, commit: bool = False) -> bool:
    """Insert feed `rows` (dicts of event_id, type, key, created) in their order; True when it also committed.
    PostgreSQL, one `created` for all (every call's rows): _APPEND_PG on psycopg's cursor (SQLAlchemy's
    execution would cost about as much Python again, issue 11) and, with `commit`, COMMIT in the same round
    trip (psycopg pipeline): the feed lock, which every writer of every hub process waits for, is then held
    only between the two statements on the server, never while a hub thread waits for its interpreter lock."""
    if postgres and len({r["created"] for r in rows}) == 1:
        conn = session.connection()
        prepared = _append_pg(conn.dialect)
        params = prepared.params({"lock": FEED_LOCK, "created": rows[0]["created"],
                                  "events": [r["event_id"] for r in rows], "types": [r["type"] for r in rows],
                                  "keys": [r["key"] for r in rows]})
        dbapi, dbapi_error = conn.connection.dbapi_connection, conn.dialect.loaded_dbapi.Error
        try:
            with dbapi.cursor() as cur:
                if not commit:
                    cur.execute(prepared.sql, params)
                    return False
                with dbapi.pipeline():
                    cur.execute(prepared.sql, params)
                    cur.execute("COMMIT")  # the unit of work's commit then finds the transaction closed
                return True
        except dbapi_error as exc:  # as SQLAlchemy raises it (the runner answers database errors)
            raise DBAPIError.instance(prepared.sql, params, exc, dbapi_error) from exc
    if postgres:
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": FEED_LOCK})
    session.connection().execute(insert(HubChange.__table__), rows)  # Core: no ORM bulk-insert machinery
    return False


def record(session: Session, now: datetime, *, postgres: bool,
           given: tuple[dict[tuple[str, str], str], Iterable[str]] | None = None, commit: bool = False) -> int:
    """Append feed rows for what this transaction changed so far (core.changes.changes_of) in the caller's
    transaction, parents first (event → definition → order → ticket → checkin → definition.deleted).
    `given`: (entries a handler built itself, e.g. checkin_entries; the ticket numbers whose noted check-in
    changes they cover, not re-read). Returns the rows added. Call once, as the transaction's last write, just
    before the unit of work commits. `commit` (PostgreSQL): send the rows and COMMIT in one round trip (see
    _append); the unit of work's commit must still follow (it finds nothing left to send)."""
    session.flush()
    found = changes_of(session)
    if given is not None:
        found = replace(found, checkins=found.checkins - frozenset(given[1]))
    entries = {**(given[0] if given else {}), **touched(session, found, now)}
    if not entries:
        return 0
    ordered = sorted(entries.items(), key=lambda item: _RANK[item[0][0]])  # stable: keeps order within a type
    _append(session, [{"event_id": ev or "", "type": t, "key": k, "created": now} for (t, k), ev in ordered],
            postgres=postgres, commit=commit)
    return len(ordered)


def backfill(session: Session, now: datetime, *, postgres: bool) -> int:
    """Append feed rows for entities that have none (written to the hub database by other tools, e.g. a
    CLI or a test seeding the ledger directly). Idempotent; the caller commits. Returns the rows added."""
    specs = [(EVENT, Event.id, Event.id), (DEFINITION, TicketDefinition.id, TicketDefinition.event_id),
             (ORDER, Order.order_number, Order.event_id), (TICKET, Ticket.ticket_number, Ticket.event_id)]
    rows: list[dict] = []
    for type_, key_col, ev_col in specs:  # in FK order: events, definitions, orders, tickets, check-ins
        missing = ~exists().where(HubChange.type == type_, HubChange.key == key_col)
        for key, ev in session.execute(select(key_col, ev_col).where(missing)):
            rows.append({"event_id": ev, "type": type_, "key": str(key), "created": now})
    # feed keys of check-ins are their ids as text
    seen = {int(k) for k in session.scalars(select(HubChange.key).where(HubChange.type == CHECKIN))}
    for cid, ev in session.execute(select(CheckIn.id, CheckIn.event_id).order_by(CheckIn.id)):
        if cid not in seen:
            rows.append({"event_id": ev, "type": CHECKIN, "key": str(cid), "created": now})
    if rows:
        _append(session, rows, postgres=postgres)
    return len(rows)


def encode_cursor(seq: int) -> str:
    """The opaque cursor for feed position `seq`."""
    return f"c{seq}"


def decode_cursor(cursor: str | None) -> int:
    """The feed position of `cursor` (None/'' = 0, the beginning); InvalidArgument for a foreign string."""
    if not cursor:
        return 0
    if not cursor.startswith("c") or not cursor[1:].isdigit():
        raise InvalidArgument(f"not a cursor of this hub: {cursor!r}", field="since")
    return int(cursor[1:])
