"""Contract JSON for lists and the change feed, respecting fieldsets (API.md §2.2, §3.1, §4.1, [D-fieldset]),
batching the check-in and dashboard look-ups per page; reading the change feed (`read_feed`; recording is
sync.hub.changes)."""
from __future__ import annotations

from datetime import datetime
from typing import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core import contract
from core.checkin_merge import row_to_api
from core.definitions import definition_counts
from core.entrances import view as entrance_view
from core.models import CheckIn, Entrance, Event, Order, Ticket, TicketDefinition
from core.errors import InvalidArgument
from core.tickets import checked_in_map
from sync.hub import changes as ch
from sync.hub.models import HubChange

ORDER_SETS = ("DETAILS", "TICKETS", "FORM", "INVOICE")
TICKET_SETS = ("TICKET_DETAILS", "GUEST_DETAILS", "GUEST_FORM")
DEFINITION_SETS = ("POLICY", "DASHBOARD")
FACET_PAGES = 100  # facets are counted over at most 100 pages (10,000 rows) of the filtered list


def fieldsets(values: Iterable[str], allowed: tuple[str, ...]) -> tuple[str, ...]:
    """The known fieldsets among `values` (upper-cased); unknown ones are ignored, as the vendor does."""
    seen = []
    for value in values:
        name = str(value).strip().upper()
        if name in allowed and name not in seen:
            seen.append(name)
    return tuple(seen)


def orders_json(session: Session, orders: list[Order], sets: tuple[str, ...]) -> list[dict]:
    """Orders as contract JSON with `sets`; without DETAILS only the default fields (status NA_ORDER_STATUS)."""
    numbers = [t.ticket_number for o in orders for t in o.tickets]
    checked = checked_in_map(session, numbers) if numbers else {}
    return [contract.order_to_api(o, checked_in=checked, fieldsets=sets) for o in orders]


def tickets_json(session: Session, tickets: list[Ticket], sets: tuple[str, ...]) -> list[dict]:
    """Tickets as contract JSON with `sets`; without TICKET_DETAILS only memberId and anonymized."""
    checked = checked_in_map(session, [t.ticket_number for t in tickets]) if tickets else {}
    return [contract.ticket_to_api(t, checked.get(t.ticket_number), fieldsets=sets) for t in tickets]


def definitions_json(session: Session, defs: list[TicketDefinition], sets: tuple[str, ...],
                     now: datetime | None = None) -> list[dict]:
    """Definitions as contract JSON: `policy` only with POLICY, `dashboard` only with DASHBOARD (the
    other fields are always sent: a plain-contract pull needs them)."""
    counts: dict[str, dict] = {}
    if "DASHBOARD" in sets:
        for event_id in {d.event_id for d in defs}:
            counts[event_id] = definition_counts(session, event_id, now)
    out = []
    for d in defs:
        data = contract.definition_to_api(d, counts.get(d.event_id, {}).get(d.id), now=now)
        if "POLICY" not in sets:
            data.pop("policy", None)
        out.append(data)
    return out


def facet_counts(fetch: Callable[[int], object], facets: list[str],
                 extract: dict[str, Callable[[object], object]]) -> dict:
    """Facets {name: {counts: {value: n}}} over the whole filtered list: `fetch(offset)` returns a Page;
    `extract[name](item)` gives an item's facet value. Unknown facet names are ignored."""
    wanted = [f for f in facets if f in extract]
    if not wanted:
        return {}
    counts: dict[str, dict[str, int]] = {f: {} for f in wanted}
    offset = 0
    for _ in range(FACET_PAGES):
        page = fetch(offset)
        for item in page.items:
            for name in wanted:
                value = extract[name](item)
                key = str(value).lower() if isinstance(value, bool) else str(value)
                counts[name][key] = counts[name].get(key, 0) + 1
        offset += page.limit
        if not page.items or offset >= page.total:
            break
    return {name: {"counts": c} for name, c in counts.items()}


def _load(session: Session, model, key_col, keys: list[str], options=()) -> dict:
    found = {}
    for i in range(0, len(keys), 500):
        q = select(model).where(key_col.in_(keys[i:i + 500])).options(*options)
        for obj in session.scalars(q):
            found[str(getattr(obj, key_col.key))] = obj
    return found


def render_changes(session: Session, rows: list) -> list[dict]:
    """Feed rows (HubChange, one per entity) → [{seq, type, data}] with the entities' current contract JSON
    (docs/HUB_EXTENSIONS.md). Entities deleted since are skipped (a definition.deleted row follows)."""
    keys: dict[str, list[str]] = {}
    for row in rows:
        keys.setdefault(row.type, []).append(row.key)
    events = _load(session, Event, Event.id, keys.get(ch.EVENT, []))
    defs = _load(session, TicketDefinition, TicketDefinition.id, keys.get(ch.DEFINITION, []))
    orders = _load(session, Order, Order.order_number, keys.get(ch.ORDER, []),
                   (selectinload(Order.tickets).selectinload(Ticket.order),))
    tickets = _load(session, Ticket, Ticket.ticket_number, keys.get(ch.TICKET, []), (selectinload(Ticket.order),))
    ids = [int(k) for k in keys.get(ch.CHECKIN, []) if k.isdigit()]
    checkins = {str(c.id): c for i in range(0, len(ids), 500)
                for c in session.scalars(select(CheckIn).where(CheckIn.id.in_(ids[i:i + 500])))}
    numbers = [t.ticket_number for o in orders.values() for t in o.tickets] + list(tickets)
    checked = checked_in_map(session, numbers) if numbers else {}
    counts = {ev: definition_counts(session, ev) for ev in {d.event_id for d in defs.values()}}
    entrances = _load(session, Entrance, Entrance.id, keys.get(ch.ENTRANCE, []))
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
    if row.type == ch.EVENT and row.key in events:
        return contract.event_to_api(events[row.key])
    if row.type == ch.DEFINITION and row.key in defs:
        d = defs[row.key]
        return contract.definition_to_api(d, counts.get(d.event_id, {}).get(d.id))
    if row.type == ch.DEFINITION_DELETED:
        return {"id": row.key, "eventId": row.event_id}
    if row.type == ch.ORDER and row.key in orders:
        return contract.order_to_api(orders[row.key], checked_in=checked, fieldsets=contract.ORDER_FIELDSETS)
    if row.type == ch.TICKET and row.key in tickets:
        return contract.ticket_to_api(tickets[row.key], checked.get(row.key), fieldsets=contract.TICKET_FIELDSETS)
    if row.type == ch.CHECKIN and row.key in checkins:
        return dict(row_to_api(checkins[row.key]), id=int(row.key))
    return None


def read_feed(session: Session, event_ids: list[str], since: str | None, limit: int | None) -> dict:
    """One page of the feed after `since`: {changes: [{seq, type, data}], cursor, hasMore, limit}.
    `event_ids` empty = every event. `limit` 1..1000 (clamped, default 1000); InvalidArgument for a negative
    limit or a foreign cursor. Each entity's *current* JSON, once per page at its first position."""
    start = ch.decode_cursor(since)
    limit = ch.MAX_FEED_LIMIT if not limit or limit > ch.MAX_FEED_LIMIT else limit
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
    cursor = ch.encode_cursor(rows[-1].seq if rows else start)
    return {"changes": changes, "cursor": cursor, "hasMore": has_more, "limit": limit}
