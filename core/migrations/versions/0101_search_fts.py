"""Guest search on a full-text index (issue 11 item 4): SQLite FTS5 tables with the trigram tokenizer (SQLite
3.34+) over the searched ticket and order columns, kept in step by triggers, filled for the existing rows.

- `ticket_search` holds, per ticket, its guest first/last name and e-mail and ticket number plus its order's
  buyer first/last name, e-mail and order number (the 8 columns core.tickets searches); one FTS column each, so
  a match never spans two columns (as LIKE per column). `ticket_search_keys` maps the FTS rowid to the ticket
  number: FTS5 deletes by rowid only, and the tickets' implicit rowid may change on VACUUM or a table rebuild.
- `order_search` holds per order "first last", e-mail and order number (what core.orders searches), keyed the
  same way by `order_search_keys`.
The text is stored as written; trigram's case_sensitive 0 folds case, and core.textsearch confirms each
candidate with the exact LIKE rule, so results are what the LIKE search gave. PostgreSQL (the hub) gets
nothing: its search stays the escaped (I)LIKE. A later migration that rebuilds `tickets` or `orders` (batch
"move and copy") drops these triggers and must re-create them (run TRIGGERS again).

Revision ID: 0101
Revises: 0004
"""
from alembic import op

revision = "0101"
down_revision = "0004"
branch_labels = None
depends_on = None

TICKET_COLS = ("guest_first_name, guest_last_name, guest_email, ticket_number, "
               "first_name, last_name, email, order_number")
_TICKET_SRC = ("FROM tickets t LEFT JOIN orders o ON o.order_number = t.order_number "
               "WHERE t.ticket_number = new.ticket_number")
_TICKET_VALUES = ("t.guest_first_name, t.guest_last_name, t.guest_email, t.ticket_number, "
                  "coalesce(o.first_name, ''), coalesce(o.last_name, ''), coalesce(o.email, ''), t.order_number")
_ORDER_SRC = "FROM orders o WHERE o.order_number = new.order_number"
_ORDER_VALUES = "o.first_name || ' ' || o.last_name, o.email, o.order_number"
# Characters whose str.casefold gives letters the trigram index cannot see in them (ß -> ss, ﬁ -> fi, İ -> i̇
# ...), by the letter: a key row's `odd` lists the letters its row's characters stand for, and
# core.textsearch adds such rows to the index's matches when a probe holds one of those letters.
ODD = {"a": "ẚ", "f": "ﬀﬁﬂﬃﬄ", "h": "ẖ", "i": "İﬁﬃ", "j": "ǰ", "l": "ﬂﬄ", "n": "ŉ", "s": "ßẞﬅﬆ",
       "t": "ẗﬅﬆ", "w": "ẘ", "y": "ẙ"}


_TICKET_TEXT = ("t.guest_first_name || t.guest_last_name || t.guest_email || t.ticket_number || t.order_number "
                "|| coalesce(o.first_name, '') || coalesce(o.last_name, '') || coalesce(o.email, '')")
_ORDER_TEXT = "o.first_name || o.last_name || o.email || o.order_number"


def _odd(text: str) -> str:
    """SQL: the ODD letters of the characters in `text` (e.g. 's' for 'Weiß'), '' for none."""
    return " || ".join(f"(CASE WHEN ({text}) GLOB '*[{chars}]*' THEN '{letter}' ELSE '' END)"
                       for letter, chars in ODD.items())


def _refresh(index: str, cols: str, values: str, src: str) -> list[str]:
    """Trigger body: write the index row of key row `new` (its id is new: AUTOINCREMENT never reuses one)."""
    return [f"INSERT INTO {index} (rowid, {cols}) SELECT new.id, {values} {src}"]


def _add_key(keys: str, key: str, text: str, src: str) -> str:
    """Statement: the key row of `new.<key>` with its ODD letters (its insert trigger writes the index row)."""
    return f"INSERT INTO {keys} ({key}, odd) SELECT new.{key}, {_odd(text)} {src}"


_TICKET_SEARCHED = "guest_first_name, guest_last_name, guest_email, ticket_number, order_number"
_ORDER_SEARCHED = "first_name, last_name, email, order_number"
# Touching a key row (UPDATE ... SET id = id) re-writes its index row from the current ticket/order: FTS5
# finds rows by rowid only, so every change goes through the key tables' per-row triggers.
_TOUCH_ORDER_TICKETS = ("UPDATE ticket_search_keys SET id = id WHERE ticket_number IN "
                        "(SELECT ticket_number FROM tickets WHERE order_number IN ({}))")
_TICKET_REFRESH = _refresh("ticket_search", TICKET_COLS, _TICKET_VALUES, _TICKET_SRC)
_ORDER_REFRESH = _refresh("order_search", "full_name, email, order_number", _ORDER_VALUES, _ORDER_SRC)

TABLES = (
    "CREATE TABLE ticket_search_keys (id INTEGER PRIMARY KEY AUTOINCREMENT, ticket_number VARCHAR(36) NOT NULL UNIQUE, "
    "odd VARCHAR(16) NOT NULL DEFAULT '')",
    "CREATE INDEX ix_ticket_search_keys_odd ON ticket_search_keys (odd) WHERE odd != ''",
    f"CREATE VIRTUAL TABLE ticket_search USING fts5({TICKET_COLS}, tokenize='trigram case_sensitive 0')",
    "CREATE TABLE order_search_keys (id INTEGER PRIMARY KEY AUTOINCREMENT, order_number VARCHAR(36) NOT NULL UNIQUE, "
    "odd VARCHAR(16) NOT NULL DEFAULT '')",
    "CREATE INDEX ix_order_search_keys_odd ON order_search_keys (odd) WHERE odd != ''",
    "CREATE VIRTUAL TABLE order_search USING fts5(full_name, email, order_number, "
    "tokenize='trigram case_sensitive 0')",
)
_TICKET_ODD = (f"UPDATE ticket_search_keys SET odd = coalesce((SELECT {_odd(_TICKET_TEXT)} {_TICKET_SRC}), '') "
               "WHERE id = new.id")
_ORDER_ODD = f"UPDATE order_search_keys SET odd = coalesce((SELECT {_odd(_ORDER_TEXT)} {_ORDER_SRC}), '') WHERE id = new.id"
TRIGGERS = {
    # the key tables write the index rows (an UPDATE of `odd` alone fires nothing)
    "ticket_search_keys_ai": ("AFTER INSERT ON ticket_search_keys", _TICKET_REFRESH),
    "ticket_search_keys_au": ("AFTER UPDATE OF id, ticket_number ON ticket_search_keys",
                              ["DELETE FROM ticket_search WHERE rowid = old.id", *_TICKET_REFRESH,
                               _TICKET_ODD]),
    "ticket_search_keys_ad": ("AFTER DELETE ON ticket_search_keys",
                              ["DELETE FROM ticket_search WHERE rowid = old.id"]),
    "order_search_keys_ai": ("AFTER INSERT ON order_search_keys", _ORDER_REFRESH),
    "order_search_keys_au": ("AFTER UPDATE OF id, order_number ON order_search_keys",
                             ["DELETE FROM order_search WHERE rowid = old.id", *_ORDER_REFRESH, _ORDER_ODD]),
    "order_search_keys_ad": ("AFTER DELETE ON order_search_keys", ["DELETE FROM order_search WHERE rowid = old.id"]),
    # tickets and orders keep their key rows in step
    "ticket_search_ai": ("AFTER INSERT ON tickets",
                         ["DELETE FROM ticket_search_keys WHERE ticket_number = new.ticket_number",  # a REPLACE
                          _add_key("ticket_search_keys", "ticket_number", _TICKET_TEXT, _TICKET_SRC)]),
    "ticket_search_au": (f"AFTER UPDATE OF {_TICKET_SEARCHED} ON tickets",
                         ["UPDATE ticket_search_keys SET ticket_number = new.ticket_number "
                          "WHERE ticket_number = old.ticket_number"]),
    "ticket_search_ad": ("AFTER DELETE ON tickets",
                         ["DELETE FROM ticket_search_keys WHERE ticket_number = old.ticket_number"]),
    "order_search_ai": ("AFTER INSERT ON orders",
                        ["DELETE FROM order_search_keys WHERE order_number = new.order_number",  # a REPLACE
                         _add_key("order_search_keys", "order_number", _ORDER_TEXT, _ORDER_SRC)]),
    "order_search_ai_tickets": ("AFTER INSERT ON orders WHEN EXISTS "  # tickets stored before their order
                                "(SELECT 1 FROM tickets WHERE order_number = new.order_number)",
                                [_TOUCH_ORDER_TICKETS.format("new.order_number")]),
    "order_search_au": (f"AFTER UPDATE OF {_ORDER_SEARCHED} ON orders",
                        ["UPDATE order_search_keys SET order_number = new.order_number "
                         "WHERE order_number = old.order_number",
                         _TOUCH_ORDER_TICKETS.format("old.order_number, new.order_number")]),
    "order_search_ad": ("AFTER DELETE ON orders",
                        ["DELETE FROM order_search_keys WHERE order_number = old.order_number",
                         _TOUCH_ORDER_TICKETS.format("old.order_number")]),
}
FILL = (  # the key tables' insert triggers write the index rows
    f"INSERT INTO ticket_search_keys (ticket_number, odd) SELECT t.ticket_number, {_odd(_TICKET_TEXT)} "
    "FROM tickets t LEFT JOIN orders o ON o.order_number = t.order_number ORDER BY t.ticket_number",
    f"INSERT INTO order_search_keys (order_number, odd) SELECT o.order_number, {_odd(_ORDER_TEXT)} "
    "FROM orders o ORDER BY o.order_number",
)


def create_all(execute) -> None:
    """Create the search tables and triggers and fill them; `execute(sql)` runs one statement."""
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


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for table in ("ticket_search_keys", "ticket_search", "order_search_keys", "order_search"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
