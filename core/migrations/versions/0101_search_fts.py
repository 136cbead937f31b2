"""Guest search on a full-text index (issue 11 item 4): SQLite FTS5 tables with the trigram tokenizer (SQLite
3.34+) over the searched ticket and order columns, kept in step by triggers, filled for the existing rows.

- `ticket_search` holds, per ticket, its guest first/last name and e-mail and ticket number plus its order's
  buyer first/last name, e-mail and order number (the 8 columns core.tickets searches); one FTS column each, so
  a match never spans two columns (as LIKE per column). `ticket_search_keys` maps the FTS rowid to the ticket
  number (FTS5 finds rows by rowid only, and the tickets' implicit rowid may change on VACUUM or a rebuild)
  and records its `odd` letters (core.textsearch.ODD).
- `order_search` holds per order "first last", e-mail and order number (what core.orders searches), keyed the
  same way by `order_search_keys`.
- The triggers only queue the changed ticket / order numbers (`ticket_search_queue`, `order_search_queue`):
  FTS5 writes from inside a trigger cost ~5x a plain statement's (the index flushes at every nested
  statement). core.textsearch_index.catch_up writes the queued rows in a few set statements before each
  commit of a ledger connection, and the search counts queued rows as candidates meanwhile (exact results).
The text is stored as written; trigram's case_sensitive 0 folds case, and core.textsearch confirms each
candidate with the exact LIKE rule. PostgreSQL (the hub) gets nothing: its search stays the escaped (I)LIKE.
A later migration that rebuilds `tickets` or `orders` (batch "move and copy") drops these triggers and must
re-create them (run TRIGGERS again).

Revision ID: 0101
Revises: 0004
"""
from alembic import op

from core import textsearch_index

revision = "0101"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = (
    "CREATE TABLE ticket_search_keys (id INTEGER PRIMARY KEY AUTOINCREMENT, ticket_number VARCHAR(36) NOT NULL "
    "UNIQUE, odd VARCHAR(16) NOT NULL DEFAULT '')",
    "CREATE INDEX ix_ticket_search_keys_odd ON ticket_search_keys (odd) WHERE odd != ''",
    "CREATE VIRTUAL TABLE ticket_search USING fts5(guest_first_name, guest_last_name, guest_email, ticket_number, "
    "first_name, last_name, email, order_number, tokenize='trigram case_sensitive 0')",
    "CREATE TABLE ticket_search_queue (ticket_number VARCHAR(36) PRIMARY KEY) WITHOUT ROWID",
    "CREATE TABLE order_search_keys (id INTEGER PRIMARY KEY AUTOINCREMENT, order_number VARCHAR(36) NOT NULL "
    "UNIQUE, odd VARCHAR(16) NOT NULL DEFAULT '')",
    "CREATE INDEX ix_order_search_keys_odd ON order_search_keys (odd) WHERE odd != ''",
    "CREATE VIRTUAL TABLE order_search USING fts5(full_name, email, order_number, "
    "tokenize='trigram case_sensitive 0')",
    "CREATE TABLE order_search_queue (order_number VARCHAR(36) PRIMARY KEY) WITHOUT ROWID",
)
# "WHERE NOT EXISTS", not "OR IGNORE": inside a trigger fired by an upsert (INSERT … ON CONFLICT DO UPDATE, the
# bulk first pull, sync/bulk_apply.py) SQLite applies the outer statement's conflict policy, so OR IGNORE would
# not ignore and a second queueing of the same number would fail.
_QUEUE_TICKET = ("INSERT INTO ticket_search_queue (ticket_number) SELECT {0} "
                 "WHERE NOT EXISTS (SELECT 1 FROM ticket_search_queue WHERE ticket_number = {0})")
_QUEUE_ORDER = ("INSERT INTO order_search_queue (order_number) SELECT {0} "
                "WHERE NOT EXISTS (SELECT 1 FROM order_search_queue WHERE order_number = {0})")
_QUEUE_ORDER_TICKETS = ("INSERT INTO ticket_search_queue (ticket_number) "
                        "SELECT t.ticket_number FROM tickets t WHERE t.order_number IN ({}) AND NOT EXISTS "
                        "(SELECT 1 FROM ticket_search_queue q WHERE q.ticket_number = t.ticket_number)")
_TICKET_SEARCHED = "guest_first_name, guest_last_name, guest_email, ticket_number, order_number"
_ORDER_SEARCHED = "first_name, last_name, email, order_number"
TRIGGERS = {
    "ticket_search_ai": ("AFTER INSERT ON tickets", [_QUEUE_TICKET.format("new.ticket_number")]),
    "ticket_search_au": (f"AFTER UPDATE OF {_TICKET_SEARCHED} ON tickets",
                         [_QUEUE_TICKET.format("old.ticket_number"), _QUEUE_TICKET.format("new.ticket_number")]),
    "ticket_search_ad": ("AFTER DELETE ON tickets", [_QUEUE_TICKET.format("old.ticket_number")]),
    "order_search_ai": ("AFTER INSERT ON orders", [_QUEUE_ORDER.format("new.order_number")]),
    "order_search_ai_tickets": ("AFTER INSERT ON orders WHEN EXISTS "  # tickets stored before their order
                                "(SELECT 1 FROM tickets WHERE order_number = new.order_number)",
                                [_QUEUE_ORDER_TICKETS.format("new.order_number")]),
    "order_search_au": (f"AFTER UPDATE OF {_ORDER_SEARCHED} ON orders",
                        [_QUEUE_ORDER.format("old.order_number"), _QUEUE_ORDER.format("new.order_number"),
                         _QUEUE_ORDER_TICKETS.format("old.order_number, new.order_number")]),
    "order_search_ad": ("AFTER DELETE ON orders",
                        [_QUEUE_ORDER.format("old.order_number"), _QUEUE_ORDER_TICKETS.format("old.order_number")]),
}
FILL = ("INSERT INTO ticket_search_queue (ticket_number) SELECT ticket_number FROM tickets",
        "INSERT INTO order_search_queue (order_number) SELECT order_number FROM orders")


def create_all(execute) -> None:
    """Create the search tables and triggers and queue every existing row; `execute(sql)` runs one statement."""
    for sql in TABLES:
        execute(sql)
    for name, (when, body) in TRIGGERS.items():
        event, _, condition = when.partition(" WHEN ")
        condition = f" WHEN {condition}" if condition else ""
        execute(f"CREATE TRIGGER {name} {event} FOR EACH ROW{condition} BEGIN {'; '.join(body)}; END")
    for sql in FILL:
        execute(sql)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    create_all(op.execute)
    textsearch_index.catch_up(op.get_bind().connection.driver_connection)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for table in ("ticket_search_keys", "ticket_search", "ticket_search_queue", "order_search_keys",
                  "order_search", "order_search_queue"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
