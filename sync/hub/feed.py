"""Reading the hub's change feed (docs/HUB_EXTENSIONS.md "Change feed"; recording is sync.hub.changes).

Why this module: a station's first pull reads the whole feed (100,000 tickets and more, issue 11). The feed is
rendered from plain SQL selects (SQLAlchemy Core: rows, no ORM objects, no identity map), batched per page,
and every entity is sent ONCE per page: an `order` carries no embedded tickets (its tickets are `ticket`
entries of their own, which the feed always records with their order), a `ticket` carries its guest form.
The JSON of each entity is still the contract's own (core.contract), fed with light row records that have the
attributes the contract functions read.

Pages hold up to MAX_LIMIT entries (5,000; bigger than the contract lists' 100): the station applies a page in
one transaction with its cursor (sync.pull). The cursor and its fingerprint are sync.hub.changes /
sync.hub.identity's; this module only reads.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import contract
from core.checkin_merge import checked_in_rows_query, row_to_api
from core.definitions import definition_counts
from core.errors import InvalidArgument
from core.models import CheckIn, Event, Order, Ticket, TicketDefinition
from sync.hub import changes as ch
from sync.hub.models import HubChange

MAX_LIMIT = 5000  # feed entries per page (clamped; the answer's `limit` says what was used)
ORDER_SETS = ("DETAILS", "FORM")  # no TICKETS: each ticket is its own feed entry (sent once)
TICKET_SETS = contract.TICKET_FIELDSETS + ("GUEST_FORM",)
_CHUNK = 500  # keys per IN (...) list
_ORDER_OF_TICKET = ("status", "archived", "first_name", "last_name", "channel")


def _records(session: Session, stmt_of, keys: list, key: str) -> dict:
    """{row[key] as str: record} for `stmt_of(chunk)` run over `keys` in chunks of _CHUNK; a record is a
    SimpleNamespace of the row's columns (the attribute shape core.contract reads)."""
    found: dict = {}
    for i in range(0, len(keys), _CHUNK):
        for row in session.execute(stmt_of(keys[i:i + _CHUNK])):
            rec = SimpleNamespace(**row._mapping)
            found[str(getattr(rec, key))] = rec
    return found


def _checked_in(session: Session, numbers: list[str]) -> dict[str, SimpleNamespace]:
    """{ticket_number: its accepted CHECK_IN row as a record} (core.checkin_merge's rule, as SQL)."""
    cols = (CheckIn.ticket_number, CheckIn.corrected_time)
    return _records(session, lambda chunk: checked_in_rows_query(chunk).with_only_columns(*cols),
                    numbers, "ticket_number")


def _orders(session: Session, numbers: list[str]) -> dict[str, SimpleNamespace]:
    """Order records with `tickets` = records of their ticket numbers (for ticketsQuantity/fullyCheckedIn)."""
    orders = _records(session, lambda c: select(Order.__table__).where(Order.order_number.in_(c)), numbers,
                      "order_number")
    for rec in orders.values():
        rec.tickets = []
    for i in range(0, len(numbers), _CHUNK):
        q = (select(Ticket.ticket_number, Ticket.order_number)
             .where(Ticket.order_number.in_(numbers[i:i + _CHUNK])).order_by(Ticket.ticket_number))
        for tn, on in session.execute(q):
            orders[on].tickets.append(SimpleNamespace(ticket_number=tn))
    return orders


def _tickets(session: Session, numbers: list[str]) -> dict[str, SimpleNamespace]:
    """Ticket records with `order` = a record of the order fields a ticket's JSON shows."""
    order_cols = [getattr(Order, c).label("o_" + c) for c in _ORDER_OF_TICKET]
    tickets = _records(session, lambda c: select(Ticket.__table__, *order_cols)
                       .outerjoin(Order, Order.order_number == Ticket.order_number)
                       .where(Ticket.ticket_number.in_(c)), numbers, "ticket_number")
    for rec in tickets.values():
        values = {c: rec.__dict__.pop("o_" + c) for c in _ORDER_OF_TICKET}
        rec.order = SimpleNamespace(**values) if values["status"] is not None else None
    return tickets


def _by_type(rows: Iterable) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for row in rows:
        keys.setdefault(row.type, []).append(row.key)
    return keys


def render_changes(session: Session, rows: list) -> list[dict]:
    """Feed rows (seq, type, key, event_id; one per entity) → [{seq, type, data}] with the entities' current
    contract JSON (docs/HUB_EXTENSIONS.md). Entities deleted since are skipped (a definition.deleted row
    follows)."""
    keys = _by_type(rows)
    events = _records(session, lambda c: select(Event.__table__).where(Event.id.in_(c)), keys.get(ch.EVENT, []),
                      "id")
    defs = _records(session, lambda c: select(TicketDefinition.__table__).where(TicketDefinition.id.in_(c)),
                    keys.get(ch.DEFINITION, []), "id")
    orders = _orders(session, keys.get(ch.ORDER, []))
    tickets = _tickets(session, keys.get(ch.TICKET, []))
    ids = [int(k) for k in keys.get(ch.CHECKIN, []) if k.isdigit()]
    checkins = _records(session, lambda c: select(CheckIn.__table__).where(CheckIn.id.in_(c)), ids, "id")
    numbers = [t.ticket_number for o in orders.values() for t in o.tickets] + list(tickets)
    checked = _checked_in(session, list(dict.fromkeys(numbers))) if numbers else {}
    counts = {ev: definition_counts(session, ev) for ev in {d.event_id for d in defs.values()}}
    out = []
    for row in rows:
        data = _render_one(row, events, defs, orders, tickets, checkins, checked, counts)
        if data is not None:
            out.append({"seq": row.seq, "type": row.type, "data": data})
    return out


def _render_one(row, events, defs, orders, tickets, checkins, checked, counts) -> dict | None:
    key = row.key
    if row.type == ch.EVENT and key in events:
        return contract.event_to_api(events[key])
    if row.type == ch.DEFINITION and key in defs:
        d = defs[key]
        return contract.definition_to_api(d, counts.get(d.event_id, {}).get(d.id))
    if row.type == ch.DEFINITION_DELETED:
        return {"id": key, "eventId": row.event_id}
    if row.type == ch.ORDER and key in orders:
        return contract.order_to_api(orders[key], checked_in=checked, fieldsets=ORDER_SETS)
    if row.type == ch.TICKET and key in tickets:
        return contract.ticket_to_api(tickets[key], checked.get(key), fieldsets=TICKET_SETS)
    if row.type == ch.CHECKIN and key in checkins:
        return dict(row_to_api(checkins[key]), id=int(key))
    return None


def read_feed(session: Session, event_ids: list[str], since: str | None, limit: int | None) -> dict:
    """One page of the feed after `since`: {changes: [{seq, type, data}], cursor, hasMore, limit}.
    `event_ids` empty = every event. `limit` 1..MAX_LIMIT (clamped, default MAX_LIMIT); InvalidArgument for
    a negative limit or a foreign cursor. Each entity's *current* JSON, once per page at its first position
    (parents — event, definition, order — come before their dependents)."""
    start = ch.decode_cursor(since)
    if limit is not None and limit < 0:
        raise InvalidArgument("limit must not be negative", field="limit")
    limit = MAX_LIMIT if not limit or limit > MAX_LIMIT else limit
    q = select(HubChange.seq, HubChange.type, HubChange.key, HubChange.event_id).where(HubChange.seq > start)
    if event_ids:
        q = q.where(HubChange.event_id.in_(event_ids))
    rows = session.execute(q.order_by(HubChange.seq).limit(limit + 1)).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    first: dict[tuple[str, str], object] = {}
    for row in rows:
        first.setdefault((row.type, row.key), row)
    changes = render_changes(session, list(first.values()))
    cursor = ch.encode_cursor(rows[-1].seq if rows else start)
    return {"changes": changes, "cursor": cursor, "hasMore": has_more, "limit": limit}
