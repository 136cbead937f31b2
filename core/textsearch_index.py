"""Writing the search indexes of migration 0101 (issue 11 item 4): the triggers queue changed ticket and order
numbers; `catch_up` indexes the queued rows in a few set statements (an FTS5 write inside a trigger costs ~5x
a plain one), and `keep_index(engine)` runs it before every commit of a ledger connection. Until then the
search counts queued rows as candidates (core.textsearch.indexed_keys), so results never lag.

Bulk writes (the first pull, sync.bulk_apply) may run with the queueing triggers off (`triggers_off`) and
queue what they wrote in three set statements instead (`queue_written`): the row-by-row triggers made a
100,000-ticket executemany ~2.7x slower (issue 11). The index ends up the same, since catch_up indexes a
queued row from its stored values, however it was queued. A bulk write of many transactions may also leave
the queue to one catch_up at its end (`leave_queued`)."""
from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import Engine, event

from core.textsearch_fold import SQL_NAME, install

# The index holds every searched column folded (core.textsearch_fold, migration 0110); `odd` (migration 0101's
# key tables) is no longer used and stays ''.
_F = SQL_NAME
_TICKET_STEPS = (
    "DELETE FROM ticket_search WHERE rowid IN (SELECT k.id FROM ticket_search_keys k JOIN ticket_search_queue q "
    "ON q.ticket_number = k.ticket_number)",
    "DELETE FROM ticket_search_keys WHERE ticket_number IN (SELECT ticket_number FROM ticket_search_queue)",
    "INSERT INTO ticket_search_keys (ticket_number) SELECT t.ticket_number "
    "FROM ticket_search_queue q JOIN tickets t ON t.ticket_number = q.ticket_number",
    "INSERT INTO ticket_search (rowid, guest_first_name, guest_last_name, guest_email, ticket_number, first_name, "
    f"last_name, email, order_number) SELECT k.id, {_F}(t.guest_first_name), {_F}(t.guest_last_name), "
    f"{_F}(t.guest_email), {_F}(t.ticket_number), {_F}(coalesce(o.first_name, '')), "
    f"{_F}(coalesce(o.last_name, '')), {_F}(coalesce(o.email, '')), {_F}(t.order_number) "
    "FROM ticket_search_queue q JOIN ticket_search_keys k ON k.ticket_number = q.ticket_number "
    "JOIN tickets t ON t.ticket_number = q.ticket_number LEFT JOIN orders o ON o.order_number = t.order_number",
    "DELETE FROM ticket_search_queue",
)
_ORDER_STEPS = (
    "DELETE FROM order_search WHERE rowid IN (SELECT k.id FROM order_search_keys k JOIN order_search_queue q "
    "ON q.order_number = k.order_number)",
    "DELETE FROM order_search_keys WHERE order_number IN (SELECT order_number FROM order_search_queue)",
    "INSERT INTO order_search_keys (order_number) SELECT o.order_number "
    "FROM order_search_queue q JOIN orders o ON o.order_number = q.order_number",
    f"INSERT INTO order_search (rowid, full_name, email, order_number) SELECT k.id, "
    f"{_F}(o.first_name || ' ' || o.last_name), {_F}(o.email), {_F}(o.order_number) FROM order_search_queue q "
    "JOIN order_search_keys k ON k.order_number = q.order_number JOIN orders o ON o.order_number = q.order_number",
    "DELETE FROM order_search_queue",
)


# The triggers of migration 0101 that queue inserted and updated rows (the delete triggers stay on).
QUEUE_TRIGGERS = ("ticket_search_ai", "ticket_search_au", "order_search_ai", "order_search_ai_tickets",
                  "order_search_au")
_QUEUE_SQL = (
    "INSERT OR IGNORE INTO ticket_search_queue (ticket_number) SELECT value FROM json_each(:tickets)",
    "INSERT OR IGNORE INTO order_search_queue (order_number) SELECT value FROM json_each(:orders)",
    "INSERT OR IGNORE INTO ticket_search_queue (ticket_number) SELECT ticket_number FROM tickets "
    "WHERE order_number IN (SELECT value FROM json_each(:orders))",
)


@contextmanager
def triggers_off(dbapi_conn) -> Iterator[bool]:
    """Inside the sqlite3 connection's transaction (begun here if none is open): drop QUEUE_TRIGGERS, and
    create them again from their stored SQL on leaving, so no other connection ever sees them missing (a
    rollback or a kill restores them too). Yields whether the ledger has them (False: no search index).
    The caller must queue what it inserts or updates meanwhile with `queue_written`."""
    names = ", ".join(f"'{n}'" for n in QUEUE_TRIGGERS)
    stored = dbapi_conn.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({names})"
                                ).fetchall()
    if stored and not dbapi_conn.in_transaction:
        dbapi_conn.execute("BEGIN")  # DDL outside a transaction would commit at once
    for name, _sql in stored:
        dbapi_conn.execute(f"DROP TRIGGER {name}")
    try:
        yield bool(stored)
    finally:
        for _name, sql in stored:
            dbapi_conn.execute(sql)


def queue_written(dbapi_conn, tickets: list[str], orders: list[str]) -> None:
    """Queue for catch_up what the triggers would have queued after inserting or updating the tickets
    `tickets` and the orders `orders` (numbers): those tickets, those orders and every ticket of those orders
    (a superset of the triggers' rows is harmless: a row is indexed from its stored values)."""
    if tickets:
        dbapi_conn.execute(_QUEUE_SQL[0], {"tickets": json.dumps(tickets)})
    if orders:
        for sql in _QUEUE_SQL[1:]:
            dbapi_conn.execute(sql, {"orders": json.dumps(orders)})


def has_queues(dbapi_conn) -> bool:
    """True when the sqlite3 connection's database holds both search queues (migration 0101)."""
    return dbapi_conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                              "('order_search_queue', 'ticket_search_queue')").fetchone()[0] == 2


def catch_up(dbapi_conn, *, known: bool = False) -> int:
    """Index the queued tickets and orders, folded (core.textsearch_fold.fold: the index holds what the
    search compares), on a sqlite3 connection, inside its current transaction (`known`:
    the caller already knows the queues exist). Returns how many rows were queued (0: nothing done, e.g. a
    ledger without the index, or no change)."""
    queued = 0
    if not known and not has_queues(dbapi_conn):
        return 0
    for queue, steps in (("order_search_queue", _ORDER_STEPS), ("ticket_search_queue", _TICKET_STEPS)):
        if dbapi_conn.execute(f"SELECT 1 FROM {queue} LIMIT 1").fetchone() is None:
            continue
        queued += dbapi_conn.execute(f"SELECT count(*) FROM {queue}").fetchone()[0]
        install(dbapi_conn)  # the fold, also on a connection core.db did not open (a migration's)
        for sql in steps:
            dbapi_conn.execute(sql)
    return queued


def rebuild(dbapi_conn) -> int:
    """Empty both search indexes and index every ticket and order again (folded) on a sqlite3 connection,
    inside its current transaction (migration 0110: an index written before the fold). Returns the rows
    indexed; 0 without the index."""
    if not has_queues(dbapi_conn):
        return 0
    for sql in ("DELETE FROM ticket_search", "DELETE FROM ticket_search_keys", "DELETE FROM order_search",
                "DELETE FROM order_search_keys",
                "INSERT OR IGNORE INTO ticket_search_queue (ticket_number) SELECT ticket_number FROM tickets",
                "INSERT OR IGNORE INTO order_search_queue (order_number) SELECT order_number FROM orders"):
        dbapi_conn.execute(sql)
    return catch_up(dbapi_conn, known=True)


_LATER = "search_index_later"  # key in a pooled connection's `info` (see leave_queued)


def leave_queued(connection) -> None:
    """Let the commit of the current transaction of `connection` (a SQLAlchemy Connection of a ledger engine)
    leave the search queues for a later catch_up. For a bulk write of many pages (the first pull), which
    indexes once at its end: filling the FTS5 index in one go costs about half of filling it page by page
    (issue 11). Queued rows are search candidates meanwhile (core.textsearch), so results stay exact, and
    any later commit on any connection indexes them. One transaction only: its commit or rollback clears it."""
    connection.info[_LATER] = True


def _before_commit(conn) -> None:
    # The pool's per-connection `info` remembers a positive schema look-up, so a commit with nothing queued —
    # every door scan — costs two tiny probes (a ledger migrated later is simply asked again).
    fairy = conn.connection
    if fairy.info.pop(_LATER, False):
        return
    raw = fairy.driver_connection
    if not fairy.info.get("search_queues"):
        if not has_queues(raw):
            return
        fairy.info["search_queues"] = True
    catch_up(raw, known=True)


def keep_index(engine: Engine) -> None:
    """Run catch_up before every commit on `engine` (a SQLite ledger's; core.db installs it), except the
    commit of a transaction marked with leave_queued."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "commit", _before_commit)
        event.listen(engine, "rollback", _after_rollback)


def _after_rollback(conn) -> None:
    conn.connection.info.pop(_LATER, None)
