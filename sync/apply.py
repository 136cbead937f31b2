"""Contract JSON → local rows (API.md §2.1, §3.1, §4.1): parse every item of a batch first (a malformed answer
raises MalformedData and changes nothing), then upsert by natural key in bulk. The server wins for reference data
except rows with pending outbox entries (DESIGN.md §Sync); unknown order statuses are kept verbatim.
The caller owns the transaction and keeps batches ≤ BATCH rows so door scans are never locked out (BC-21).
Freshness (issue 8 item 4): an order or definition whose `updated` is older than the server time last applied
to it (`server_updated`) changes nothing — a replayed older answer never undoes a newer central change."""
from __future__ import annotations

import logging

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from core.changes import note
from core.contract_parse import parse_definition, parse_event, parse_order, parse_ticket  # noqa: F401 (re-exported)
from core.events import zone_of
from core.models import Event, Order, Ticket, TicketDefinition
from core.outbox import pending_keys  # the pull never overwrites pending local changes
from core.review import ReviewKind, raise_item
from core.timeutil import shown, to_rfc3339, utcnow

BATCH = 500
logger = logging.getLogger(__name__)


# -- events ----------------------------------------------------------------------------------------------------
def ensure_event(session: Session, event_id: str, currency: str | None) -> None:
    """Create a placeholder Event when a plain server (which has no event call) sends rows of an unknown
    event; the title is the id until the organiser names it. Currency defaults to EUR only when unknown."""
    if session.get(Event, event_id) is None:
        now = utcnow()
        session.add(Event(id=event_id, title=event_id, time_zone="UTC", currency=currency or "EUR",
                          registration_type="TICKETS", currency_locked=False, created=now, updated=now))
        session.flush()
        note(session, sync=True, events=[event_id])


def event_from_api(session: Session, data: dict) -> Event:
    """Upsert an Event from core.contract.event_to_api JSON (`id, title, timeZone, start, end, currency,
    registrationType, currencyLocked`). Raises MalformedData."""
    row = parse_event(data)
    event_id, start, end = row.pop("id"), row.pop("start"), row.pop("end")
    ev = session.get(Event, event_id)
    now = utcnow()
    if ev is None:
        ev = Event(id=event_id, title=row.get("title") or event_id, time_zone=row.get("time_zone") or "UTC",
                   currency=row.get("currency") or "EUR", registration_type=row.get("registration_type") or "RSVP",
                   currency_locked=row.get("currency_locked", False), start=start, end=end, created=now, updated=now)
        session.add(ev)
    else:
        for key, value in row.items():
            setattr(ev, key, value)
        ev.start, ev.end, ev.updated = start, end, now
    session.flush()
    note(session, sync=True, events=[event_id])
    return ev


# -- bulk upsert --------------------------------------------------------------------------------------------
def _existing(session: Session, column, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(keys), BATCH):
        found.update(session.scalars(select(column).where(column.in_(keys[i:i + BATCH]))))
    return found


def _upsert(session: Session, model, pk: str, rows: list[dict], defaults: dict, skip: set[str]) -> list[str]:
    """Insert new rows (with `defaults` filled in) and update existing ones by primary key; rows whose key is in
    `skip` (pending local changes) are left alone. Returns the keys written."""
    if not rows:
        return []
    merged: dict[str, dict] = {}
    for row in rows:  # a page may repeat an entity: the last one wins
        merged[row[pk]] = {**merged.get(row[pk], {}), **row}
    existing = _existing(session, getattr(model, pk), list(merged))
    now = utcnow()
    inserts, updates = [], []
    for key, row in merged.items():
        if key in skip:
            continue
        if key in existing:
            updates.append(row)
        else:
            new = {**defaults, "created": now, **row}
            if "updated" in model.__table__.c:
                new.setdefault("updated", now)
            inserts.append(new)
    if inserts:
        session.execute(insert(model), inserts)
    if updates:
        for group in _same_keys(updates):
            session.execute(update(model), group)
    return [k for k in merged if k not in skip]


def _same_keys(rows: list[dict]) -> list[list[dict]]:
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return list(groups.values())


_DEF_DEFAULTS = {"name": "", "description": "", "price_minor": 0, "limited": False, "quantity": None,
                 "limit_per_checkout": 20, "order_index": 0, "policy": "", "hidden": False, "sale_start": None,
                 "sale_end": None, "hide_not_on_sale": False, "reserved": 0, "reserved_until": None}
_ORDER_DEFAULTS = {"status": "NA_ORDER_STATUS", "first_name": "", "last_name": "", "email": "", "checkout_form": [],
                   "method": "", "total_minor": 0, "archived": False, "channel": "ONLINE", "station": ""}
_TICKET_DEFAULTS = {"definition_id": "", "name": "", "price_minor": 0, "guest_first_name": "", "guest_last_name": "",
                    "guest_email": "", "guest_form": [], "archived": False, "canceled": False}


def _fill_currency(session: Session, rows: list[dict]) -> None:
    """Rows without a currency (no money in the answer) take their event's; unknown events get a placeholder.
    One lookup per event, not per row."""
    currencies: dict[str, str] = {}
    for row in rows:
        if "currency" in row:
            continue
        event_id = row["event_id"]
        if event_id not in currencies:
            ensure_event(session, event_id, None)
            currencies[event_id] = session.scalar(select(Event.currency).where(Event.id == event_id))
        row["currency"] = currencies[event_id]


def _ensure_events(session: Session, rows: list[dict]) -> None:
    """Every event the rows name exists (placeholder for a plain server's unknown event)."""
    for event_id in {r["event_id"] for r in rows}:
        ensure_event(session, event_id, next((r.get("currency") for r in rows
                                              if r["event_id"] == event_id and r.get("currency")), None))


def stale_keys(session: Session, model, pk: str, rows: list[dict]) -> set[str]:
    """Keys of `rows` older than what the ledger holds: the row's `updated` (the server's time) is before the
    held `server_updated` (issue 8 item 4). Rows without `updated` are never stale. Every row that carries
    `updated` gets `server_updated` set to it, so the next comparison is server time against server time (a
    station's own edits stamp `updated` with its device clock, which may be skewed). Each stale row ignored is
    a review item (STALE_IGNORED, once per key and time)."""
    dated = {}
    for row in rows:
        if row.get("updated") is not None:
            row["server_updated"] = row["updated"]
            dated[row[pk]] = max(dated.get(row[pk], row["updated"]), row["updated"])
    if not dated:
        return set()
    key_col, held_col = getattr(model, pk), model.server_updated
    keys, held = list(dated), {}
    for i in range(0, len(keys), BATCH):
        held.update(session.execute(select(key_col, held_col).where(key_col.in_(keys[i:i + BATCH]),
                                                                     held_col.is_not(None))).all())
    stale = {k for k, at in held.items() if dated[k] < at}
    for k in sorted(stale):
        what = model.__tablename__.replace("_", " ").rstrip("s")
        event_id = next((r.get("event_id") or "" for r in rows if r[pk] == k), "")
        tz = zone_of(session, event_id)  # shown in the event's zone; the key keeps UTC (stable)
        raise_item(session, ReviewKind.STALE_IGNORED, f"{model.__tablename__}:{k}:{to_rfc3339(dated[k])}",
                   f"a replayed answer for {what} {k} (of {shown(dated[k], tz, seconds=True)}) is older than the one "
                   f"held (of {shown(held[k], tz, seconds=True)}): ignored, nothing changed", entity=k,
                   happened=dated[k], event_id=event_id)
    if stale:
        logger.info("ignored %d stale %s row(s) older than the ledger's: %s", len(stale), model.__tablename__,
                    ", ".join(sorted(stale)[:10]))
    return stale


def apply_definitions(session: Session, items: list[dict], event_id: str | None = None) -> list[str]:
    """Upsert ticket definitions (contract JSON); returns the ids written (pending local edits are skipped)."""
    rows = [parse_definition(item, event_id) for item in items]
    _ensure_events(session, rows)
    _fill_currency(session, rows)
    skip = pending_keys(session, [r["id"] for r in rows]) | stale_keys(session, TicketDefinition, "id", rows)
    written = _upsert(session, TicketDefinition, "id", rows, _DEF_DEFAULTS, skip)
    note(session, sync=True, definitions=written)
    return written


def apply_orders(session: Session, items: list[dict], event_id: str | None = None) -> tuple[list[str], list[dict]]:
    """Upsert orders and their embedded tickets; returns (order numbers written, parsed ticket dicts written)."""
    parsed = [parse_order(item, event_id) for item in items]
    rows = [row for row, _ in parsed]
    _ensure_events(session, rows)
    _fill_currency(session, rows)
    skip = pending_keys(session, [r["order_number"] for r in rows])
    skip |= stale_keys(session, Order, "order_number", rows)
    written = _upsert(session, Order, "order_number", rows, _ORDER_DEFAULTS, skip)
    note(session, sync=True, orders=written)
    tickets = [t for (row, ts) in parsed if ts and row["order_number"] not in skip for t in ts]
    return written, apply_ticket_rows(session, tickets)


def apply_tickets(session: Session, items: list[dict], event_id: str) -> list[dict]:
    """Upsert tickets (contract JSON of one event); returns the parsed rows written (with `_checkin`)."""
    return apply_ticket_rows(session, [parse_ticket(item, event_id) for item in items])


def apply_ticket_rows(session: Session, rows: list[dict]) -> list[dict]:
    """Upsert parsed ticket dicts. A ticket whose order is unknown gets a placeholder order from the ticket's
    orderStatus/orderFullName (filled by the next pull); tickets of orders with pending changes are skipped."""
    if not rows:
        return []
    orders = {r["order_number"]: r for r in rows}
    _ensure_events(session, rows)
    known = _existing(session, Order.order_number, list(orders))
    for number, row in orders.items():
        if number not in known:
            _placeholder_order(session, row)
    skip_orders = pending_keys(session, list(orders))
    keep = [r for r in rows if r["order_number"] not in skip_orders]
    _fill_currency(session, keep)
    clean = [{k: v for k, v in r.items() if not k.startswith("_")} for r in keep]
    written = _upsert(session, Ticket, "ticket_number", clean, _TICKET_DEFAULTS, set())
    note(session, sync=True, tickets=written, orders=[r["order_number"] for r in keep])
    return keep


def _placeholder_order(session: Session, ticket: dict) -> None:
    currency = ticket.get("currency") or session.scalar(select(Event.currency).where(Event.id == ticket["event_id"]))
    first, _, last = (ticket.get("_order_full_name") or "").partition(" ")
    now = utcnow()
    session.execute(insert(Order), [{**_ORDER_DEFAULTS, "order_number": ticket["order_number"],
                                     "event_id": ticket["event_id"], "currency": currency,
                                     "status": ticket.get("_order_status") or "NA_ORDER_STATUS",
                                     "first_name": first, "last_name": last, "created": now, "updated": now}])


# -- single-entity forms (the names other modules use) ---------------------------------------------------------
def definition_from_api(session: Session, data: dict, event_id: str | None = None) -> TicketDefinition | None:
    """Upsert one definition; returns the local row (None if it doesn't exist locally, e.g. skipped & new)."""
    apply_definitions(session, [data], event_id)
    return session.get(TicketDefinition, data["id"], populate_existing=True)


def order_from_api(session: Session, data: dict, event_id: str | None = None) -> Order | None:
    """Upsert one order (with its tickets when the TICKETS fieldset is present); returns the local row."""
    apply_orders(session, [data], event_id)
    return session.get(Order, data["orderNumber"], populate_existing=True)


def ticket_from_api(session: Session, data: dict, event_id: str) -> Ticket | None:
    """Upsert one ticket of `event_id`; returns the local row."""
    apply_tickets(session, [data], event_id)
    return session.get(Ticket, str(data["ticketNumber"]).strip().upper(), populate_existing=True)
