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

from collections import namedtuple
from functools import lru_cache

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core import contract
from core.timeutil import to_rfc3339
from core.checkin_merge import checked_in_rows_query, row_to_api
from core.definitions import definition_counts
from core.errors import InvalidArgument
from core.entrances import view as entrance_view
from core.models import CheckIn, Entrance, Event, Order, Ticket, TicketDefinition
from sync.hub import changes as ch
from sync.hub.models import HubChange

MAX_LIMIT = 5000  # feed entries per page (clamped; the answer's `limit` says what was used)
ORDER_SETS = ("DETAILS", "FORM")  # no TICKETS: each ticket is its own feed entry (sent once)
TICKET_SETS = contract.TICKET_FIELDSETS + ("GUEST_FORM",)
_CHUNK = 500  # keys per IN (...) list
_ORDER_OF_TICKET = ("status", "archived", "first_name", "last_name", "channel", "updated")


class _Page:
    """The feed rows of one page: seq in (lo, hi] of `event_ids` (empty = every event). `keys(type)` is the
    SELECT of that type's keys in the page, used as `IN (SELECT …)` so no statement carries a key list."""

    def __init__(self, lo: int, hi: int, event_ids: list[str]):
        self.lo, self.hi, self.event_ids = lo, hi, list(event_ids)

    def keys(self, type_: str):
        q = select(HubChange.key).where(HubChange.seq > self.lo, HubChange.seq <= self.hi, HubChange.type == type_)
        return q.where(HubChange.event_id.in_(self.event_ids)) if self.event_ids else q


@lru_cache(maxsize=64)
def _record_type(fields: tuple[str, ...]):
    """A light immutable record class with these attributes (the shape core.contract reads): built from a
    row in one C call, where a SimpleNamespace per row cost ~1 s per 100,000 tickets."""
    return namedtuple("Record", fields)


def _rows(session: Session, stmt) -> tuple[tuple[str, ...], list]:
    """(column names, rows) of `stmt` through the Core connection (no ORM loading), in one fetchall."""
    result = session.connection().execute(stmt)
    return tuple(result.keys()), result.all()


def _records(session: Session, stmt, key: str, extra: tuple[str, ...] = (), values=lambda row: ()) -> dict:
    """{row[key] as str: record} of `stmt`'s rows; a record has the row's columns plus the attributes
    `extra`, set to `values(row)`."""
    names, rows = _rows(session, stmt)
    make, at = _record_type(names + extra), names.index(key)
    return {str(row[at]): make(*row, *values(row)) for row in rows}


def _orders(session: Session, page: _Page) -> dict:
    """Order records with `tickets` = records of their ticket numbers (for ticketsQuantity/fullyCheckedIn)."""
    in_page = Order.order_number.in_(page.keys(ch.ORDER))
    orders = _records(session, select(Order.__table__).where(in_page), "order_number", ("tickets",),
                      lambda row: ([],))
    q = (select(Ticket.ticket_number, Ticket.order_number)
         .where(Ticket.order_number.in_(page.keys(ch.ORDER))).order_by(Ticket.ticket_number))
    number = _record_type(("ticket_number",))
    for tn, on in _rows(session, q)[1]:
        orders[on].tickets.append(number(tn))
    return orders


def _tickets(session: Session, page: _Page) -> dict:
    """Ticket records with `order` = a record of the order fields a ticket's JSON shows (None: no order)."""
    order_cols = [getattr(Order, c).label("o_" + c) for c in _ORDER_OF_TICKET]
    q = (select(Ticket.__table__, *order_cols).outerjoin(Order, Order.order_number == Ticket.order_number)
         .where(Ticket.ticket_number.in_(page.keys(ch.TICKET))))
    names, rows = _rows(session, q)
    n = len(names) - len(_ORDER_OF_TICKET)  # the ticket's own columns come first, then o_status, …
    make, order, at = _record_type(names[:n] + ("order",)), _record_type(_ORDER_OF_TICKET), names.index("ticket_number")
    return {row[at]: make(*row[:n], order(*row[n:]) if row[n] is not None else None) for row in rows}


def _checked_in(session: Session, page: _Page) -> dict:
    """{ticket_number: its accepted CHECK_IN row as a record} for the page's tickets and its orders' tickets
    (core.checkin_merge's rule, as SQL)."""
    of_orders = select(Ticket.ticket_number).where(Ticket.order_number.in_(page.keys(ch.ORDER)))
    q = (checked_in_rows_query(None).with_only_columns(CheckIn.ticket_number, CheckIn.corrected_time)
         .where(or_(CheckIn.ticket_number.in_(page.keys(ch.TICKET)), CheckIn.ticket_number.in_(of_orders))))
    return _records(session, q, "ticket_number")


def _checkins(session: Session, ids: list[int]) -> dict:
    found: dict = {}
    for i in range(0, len(ids), _CHUNK):
        found.update(_records(session, select(CheckIn.__table__).where(CheckIn.id.in_(ids[i:i + _CHUNK])), "id"))
    return found


def render_changes(session: Session, rows: list, page: _Page) -> list[dict]:
    """Feed rows (seq, type, key, event_id; one per entity) of `page` → [{seq, type, data}] with the
    entities' current contract JSON (docs/HUB_EXTENSIONS.md). Entities deleted since are skipped (a
    definition.deleted row follows)."""
    types = {row.type for row in rows}
    events = _records(session, select(Event.__table__).where(Event.id.in_(page.keys(ch.EVENT))), "id") \
        if ch.EVENT in types else {}
    defs = _records(session, select(TicketDefinition.__table__)
                    .where(TicketDefinition.id.in_(page.keys(ch.DEFINITION))), "id") if ch.DEFINITION in types else {}
    orders = _orders(session, page) if ch.ORDER in types else {}
    tickets = _tickets(session, page) if ch.TICKET in types else {}
    checkins = _checkins(session, [int(r.key) for r in rows if r.type == ch.CHECKIN and r.key.isdigit()])
    checked = _checked_in(session, page) if orders or tickets else {}
    counts = {ev: definition_counts(session, ev) for ev in {d.event_id for d in defs.values()}}
    entrances = {e.id: e for e in session.scalars(select(Entrance).where(Entrance.id.in_(page.keys(ch.ENTRANCE))))} \
        if ch.ENTRANCE in types else {}
    out = []
    for row in rows:
        data = _render_one(row, events, defs, orders, tickets, checkins, checked, counts) \
            if row.type != ch.ENTRANCE else _render_entrance(row, entrances)
        if data is not None:
            out.append({"seq": row.seq, "type": row.type, "data": data})
    return out


def _render_entrance(row, entrances: dict) -> dict:
    """An entrance's current JSON (core.entrances.EntranceView.to_api), or {id, eventId, deleted: true}."""
    if row.key in entrances:
        return entrance_view(entrances[row.key]).to_api()
    return {"id": row.key, "eventId": row.event_id, "deleted": True}


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
        ticket = tickets[key]
        data = contract.ticket_to_api(ticket, checked.get(key), fieldsets=TICKET_SETS)
        if ticket.order is not None:  # tickets have no time of their own: their order's (freshness, issue 8)
            data["updated"] = to_rfc3339(ticket.order.updated)
        return data
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
    rows = _rows(session, q.order_by(HubChange.seq).limit(limit + 1))[1]
    has_more = len(rows) > limit
    rows = rows[:limit]
    first: dict[tuple[str, str], object] = {}
    for row in rows:
        first.setdefault((row.type, row.key), row)
    page = _Page(start, rows[-1].seq if rows else start, event_ids)
    changes = render_changes(session, list(first.values()), page)
    cursor = ch.encode_cursor(rows[-1].seq if rows else start)
    return {"changes": changes, "cursor": cursor, "hasMore": has_more, "limit": limit}
