"""Writing the search indexes of migration 0101 (issue 11 item 4): the triggers queue changed ticket and order
numbers; `catch_up` indexes the queued rows in a few set statements (an FTS5 write inside a trigger costs ~5x
a plain one), and `keep_index(engine)` runs it before every commit of a ledger connection. Until then the
search counts queued rows as candidates (core.textsearch.indexed_keys), so results never lag."""
from __future__ import annotations

from sqlalchemy import Engine, event

from core.textsearch import ODD

_TICKET_TEXT = ("t.guest_first_name || t.guest_last_name || t.guest_email || t.ticket_number || t.order_number "
                "|| coalesce(o.first_name, '') || coalesce(o.last_name, '') || coalesce(o.email, '')")
_ORDER_TEXT = "o.first_name || o.last_name || o.email || o.order_number"


def odd_sql(text: str) -> str:
    """SQL: the ODD letters of the characters in `text` (e.g. 's' for 'Weiß'), '' for none."""
    return " || ".join(f"(CASE WHEN ({text}) GLOB '*[{chars}]*' THEN '{letter}' ELSE '' END)"
                       for letter, chars in ODD.items())


_TICKET_STEPS = (
    "DELETE FROM ticket_search WHERE rowid IN (SELECT k.id FROM ticket_search_keys k JOIN ticket_search_queue q "
    "ON q.ticket_number = k.ticket_number)",
    "DELETE FROM ticket_search_keys WHERE ticket_number IN (SELECT ticket_number FROM ticket_search_queue)",
    f"INSERT INTO ticket_search_keys (ticket_number, odd) SELECT t.ticket_number, {odd_sql(_TICKET_TEXT)} "
    "FROM ticket_search_queue q JOIN tickets t ON t.ticket_number = q.ticket_number "
    "LEFT JOIN orders o ON o.order_number = t.order_number",
    "INSERT INTO ticket_search (rowid, guest_first_name, guest_last_name, guest_email, ticket_number, first_name, "
    "last_name, email, order_number) SELECT k.id, t.guest_first_name, t.guest_last_name, t.guest_email, "
    "t.ticket_number, coalesce(o.first_name, ''), coalesce(o.last_name, ''), coalesce(o.email, ''), t.order_number "
    "FROM ticket_search_queue q JOIN ticket_search_keys k ON k.ticket_number = q.ticket_number "
    "JOIN tickets t ON t.ticket_number = q.ticket_number LEFT JOIN orders o ON o.order_number = t.order_number",
    "DELETE FROM ticket_search_queue",
)
_ORDER_STEPS = (
    "DELETE FROM order_search WHERE rowid IN (SELECT k.id FROM order_search_keys k JOIN order_search_queue q "
    "ON q.order_number = k.order_number)",
    "DELETE FROM order_search_keys WHERE order_number IN (SELECT order_number FROM order_search_queue)",
    f"INSERT INTO order_search_keys (order_number, odd) SELECT o.order_number, {odd_sql(_ORDER_TEXT)} "
    "FROM order_search_queue q JOIN orders o ON o.order_number = q.order_number",
    "INSERT INTO order_search (rowid, full_name, email, order_number) SELECT k.id, "
    "o.first_name || ' ' || o.last_name, o.email, o.order_number FROM order_search_queue q "
    "JOIN order_search_keys k ON k.order_number = q.order_number JOIN orders o ON o.order_number = q.order_number",
    "DELETE FROM order_search_queue",
)


def has_queues(dbapi_conn) -> bool:
    """True when the sqlite3 connection's database holds both search queues (migration 0101)."""
    return dbapi_conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                              "('order_search_queue', 'ticket_search_queue')").fetchone()[0] == 2


def catch_up(dbapi_conn, *, known: bool = False) -> int:
    """Index the queued tickets and orders on a sqlite3 connection, inside its current transaction (`known`:
    the caller already knows the queues exist). Returns how many rows were queued (0: nothing done, e.g. a
    ledger without the index, or no change)."""
    queued = 0
    if not known and not has_queues(dbapi_conn):
        return 0
    for queue, steps in (("order_search_queue", _ORDER_STEPS), ("ticket_search_queue", _TICKET_STEPS)):
        if dbapi_conn.execute(f"SELECT 1 FROM {queue} LIMIT 1").fetchone() is None:
            continue
        queued += dbapi_conn.execute(f"SELECT count(*) FROM {queue}").fetchone()[0]
        for sql in steps:
            dbapi_conn.execute(sql)
    return queued


def _before_commit(conn) -> None:
    # The pool's per-connection `info` remembers a positive schema look-up, so a commit with nothing queued —
    # every door scan — costs two tiny probes (a ledger migrated later is simply asked again).
    fairy = conn.connection
    raw = fairy.driver_connection
    if not fairy.info.get("search_queues"):
        if not has_queues(raw):
            return
        fairy.info["search_queues"] = True
    catch_up(raw, known=True)


def keep_index(engine: Engine) -> None:
    """Run catch_up before every commit on `engine` (a SQLite ledger's; core.db installs it)."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "commit", _before_commit)
