"""The hub's change feed (docs/HUB_EXTENSIONS.md "Change feed"): recording and reading `hub_changes`.

Recording: every hub write runs in a session watched by `track()`. A SQLAlchemy `after_flush` listener
notes each Event / TicketDefinition / Order / Ticket / CheckIn the core services added, changed or deleted;
`record()` appends one hub_changes row per (type, key) in the same transaction, just before commit. So any
core service (and the check-in merge re-marking old rows DUPLICATE, BC-13/BC-14) is captured without the
services knowing about the hub. Writes made to the hub database by other tools are picked up by
`backfill()` at the hub's start.

Ordering on PostgreSQL: `record()` takes a transaction-scoped advisory lock before inserting, so feed rows
are numbered in commit order and a reader can never pass over a lower `seq` that commits later. SQLite
serialises writers anyway.

Reading: `read_feed()` returns the *current* contract JSON of each changed entity (a feed may repeat an
entity; the client upserts by key), de-duplicated within a page.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import event, exists, func, insert, select, text, update
from sqlalchemy.orm import Session

from core.errors import InvalidArgument
from core.models import CheckIn, Event, Order, Ticket, TicketDefinition
from sync.hub.models import HubChange

EVENT, DEFINITION, DEFINITION_DELETED = "event", "definition", "definition.deleted"
ORDER, TICKET, CHECKIN = "order", "ticket", "checkin"
TYPES = (EVENT, DEFINITION, DEFINITION_DELETED, ORDER, TICKET, CHECKIN)
_RANK = {EVENT: 0, DEFINITION: 1, ORDER: 2, TICKET: 3, CHECKIN: 4, DEFINITION_DELETED: 5}
FEED_LOCK = 0x7E55E4A  # advisory lock id serialising feed appends on PostgreSQL
MAX_FEED_LIMIT = 1000
_INFO = "hub_touched"


def track(session: Session) -> dict:
    """Start noting the entities this session's flushes touch; returns the (ordered) touched map
    {(type, key): event_id}. New check-in rows get their `server_time` here if the service left it empty."""
    touched: dict = session.info.setdefault(_INFO, {})
    if not session.info.get("hub_tracking"):
        event.listen(session, "before_flush", _before_flush)
        event.listen(session, "after_flush", _after_flush)
        session.info["hub_tracking"] = True
    return touched


def touch(session: Session, type_: str, key: str, event_id: str) -> None:
    """Note a change the ORM cannot see (e.g. a bulk statement)."""
    session.info.setdefault(_INFO, {})[(type_, str(key))] = event_id


def last_checkin_id(session: Session, ticket_numbers: list[str]) -> int:
    """The highest check-in row id of these tickets (0 when none): call before a service that appends rows."""
    q = select(func.max(CheckIn.id)).where(CheckIn.ticket_number.in_(ticket_numbers))
    return session.scalar(q) or 0


def touch_checkins_after(session: Session, ticket_numbers: list[str], after_id: int, now: datetime) -> None:
    """Note the check-in rows of these tickets added after `after_id` (and stamp their server time), also when
    the service wrote them without the ORM (e.g. a prepared-statement fast path)."""
    session.flush()
    q = select(CheckIn.id, CheckIn.ticket_number, CheckIn.event_id, CheckIn.server_time).where(
        CheckIn.ticket_number.in_(ticket_numbers), CheckIn.id > after_id)
    missing = []
    for cid, tn, ev, server_time in session.execute(q):
        touch(session, CHECKIN, str(cid), ev)
        touch(session, TICKET, tn, ev)
        if server_time is None:
            missing.append(cid)
    if missing:
        session.execute(update(CheckIn).where(CheckIn.id.in_(missing)).values(server_time=now),
                        execution_options={"synchronize_session": False})


def _before_flush(session: Session, _ctx, _instances) -> None:
    now = session.info.get("hub_now")
    for obj in session.new:
        if isinstance(obj, CheckIn) and obj.server_time is None and now is not None:
            obj.server_time = now


def _note(touched: dict, obj, deleted: bool) -> None:
    if isinstance(obj, CheckIn):
        if obj.id is not None:
            touched[(CHECKIN, str(obj.id))] = obj.event_id
        touched[(TICKET, obj.ticket_number)] = obj.event_id
    elif isinstance(obj, Ticket):
        touched[(TICKET, obj.ticket_number)] = obj.event_id
        touched[(ORDER, obj.order_number)] = obj.event_id
    elif isinstance(obj, Order):
        touched[(ORDER, obj.order_number)] = obj.event_id
    elif isinstance(obj, TicketDefinition):
        touched[(DEFINITION_DELETED if deleted else DEFINITION, obj.id)] = obj.event_id
    elif isinstance(obj, Event):
        touched[(EVENT, obj.id)] = obj.id


def _after_flush(session: Session, _ctx) -> None:
    touched = session.info.setdefault(_INFO, {})
    for obj in list(session.new) + list(session.dirty):
        _note(touched, obj, False)
    for obj in list(session.deleted):
        _note(touched, obj, True)


def _expand(session: Session, touched: dict) -> None:
    """Orders and tickets change their definitions' dashboard counts: note those definitions too."""
    orders = [k for (t, k) in touched if t == ORDER]
    tickets = [k for (t, k) in touched if t == TICKET]
    pairs: set[tuple[str, str]] = set()
    for i in range(0, len(orders), 500):
        q = select(Ticket.definition_id, Ticket.event_id).where(Ticket.order_number.in_(orders[i:i + 500]))
        pairs.update((d, e) for d, e in session.execute(q))
    for i in range(0, len(tickets), 500):
        q = select(Ticket.definition_id, Ticket.event_id).where(Ticket.ticket_number.in_(tickets[i:i + 500]))
        pairs.update((d, e) for d, e in session.execute(q))
    for def_id, event_id in sorted(pairs):
        touched.setdefault((DEFINITION, def_id), event_id)


def record(session: Session, now: datetime, *, postgres: bool) -> int:
    """Append the touched entities to hub_changes in the caller's transaction; returns the rows added."""
    session.flush()
    touched: dict = session.info.get(_INFO, {})
    if not touched:
        return 0
    _expand(session, touched)
    session.flush()
    ordered = sorted(touched.items(), key=lambda item: _RANK[item[0][0]])  # parents first (FK order)
    rows = [{"event_id": ev or "", "type": t, "key": k, "created": now} for (t, k), ev in ordered]
    if postgres:
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": FEED_LOCK})
    session.execute(insert(HubChange), rows)
    touched.clear()
    return len(rows)


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
        if postgres:
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": FEED_LOCK})
        session.execute(insert(HubChange), rows)
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


def read_feed(session: Session, event_ids: list[str], since: str | None, limit: int | None) -> dict:
    """One page of the feed after `since`: {changes: [{seq, type, data}], cursor, hasMore, limit}.
    `event_ids` empty = every event. `limit` 1..1000 (clamped, default 1000)."""
    from sync.hub.render import render_changes  # local: render imports the core contract module

    start = decode_cursor(since)
    limit = MAX_FEED_LIMIT if not limit or limit > MAX_FEED_LIMIT else limit
    if limit < 0:
        raise InvalidArgument("limit must not be negative", field="limit")
    q = select(HubChange).where(HubChange.seq > start)
    if event_ids:
        q = q.where(HubChange.event_id.in_(event_ids))
    rows = list(session.scalars(q.order_by(HubChange.seq).limit(limit + 1)))
    has_more = len(rows) > limit
    rows = rows[:limit]
    first: dict[tuple[str, str], HubChange] = {}
    for row in rows:  # an entity's first position keeps parents (event, definition) before dependents
        first.setdefault((row.type, row.key), row)
    changes = render_changes(session, list(first.values()))
    cursor = encode_cursor(rows[-1].seq if rows else start)
    return {"changes": changes, "cursor": cursor, "hasMore": has_more, "limit": limit}
