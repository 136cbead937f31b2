"""Contract JSON → local rows (API.md §2.1, §3.1, §4.1): parse every item of a batch first (a malformed answer
raises MalformedData and changes nothing), then upsert by natural key in bulk. The server wins for reference data
except rows with pending outbox entries (DESIGN.md §Sync); unknown order statuses are kept verbatim.
The caller owns the transaction and keeps batches ≤ BATCH rows so door scans are never locked out (BC-21)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from core.changes import note
from core.errors import DomainError
from core.models import Event, Order, Ticket, TicketDefinition
from core.money import Money
from core.outbox import pending_keys  # the pull never overwrites pending local changes
from core.timeutil import parse_rfc3339, utcnow
from sync.errors import MalformedData

BATCH = 500


# -- field readers -------------------------------------------------------------------------------------------
def _req(data: dict, key: str, what: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedData(f"{what}: missing or empty {key!r}")
    return value


def _opt_str(data: dict, key: str, what: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedData(f"{what}: {key!r} is not a string")
    return value


def _bool(value: Any, key: str, what: str) -> bool:
    if not isinstance(value, bool):
        raise MalformedData(f"{what}: {key!r} is not a boolean")
    return value


def _int(value: Any, key: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise MalformedData(f"{what}: {key!r} is not an integer")
    try:
        return int(value)
    except ValueError:
        raise MalformedData(f"{what}: {key!r} is not an integer") from None


def _time(data: dict, key: str, what: str) -> datetime | None:
    try:
        return parse_rfc3339(data.get(key), key)
    except DomainError as exc:
        raise MalformedData(f"{what}: {exc.message}") from None


def _money(obj: Any, key: str, what: str, default_currency: str | None = None) -> Money | None:
    if obj is None:
        return None
    if not isinstance(obj, dict):
        raise MalformedData(f"{what}: {key!r} is not a Money object")
    try:
        return Money.from_api(obj, default_currency)
    except DomainError as exc:
        raise MalformedData(f"{what}: {key}: {exc.message}") from None


def _form(obj: Any, key: str, what: str) -> list | None:
    """FormResponse {inputValues: [...]} → the inputValues list (None when absent)."""
    if obj is None:
        return None
    values = obj.get("inputValues") if isinstance(obj, dict) else None
    if not isinstance(obj, dict) or not isinstance(values if values is not None else [], list):
        raise MalformedData(f"{what}: {key!r} is not a form response")
    return list(values or [])


def _set(row: dict, key: str, value: Any) -> None:
    """Only fields the answer carried are written (a missing fieldset never blanks local data)."""
    if value is not None:
        row[key] = value


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
    if not isinstance(data, dict):
        raise MalformedData("event: not an object")
    what = f"event {data.get('id')!r}"
    event_id = _req(data, "id", what)
    row: dict[str, Any] = {}
    _set(row, "title", _opt_str(data, "title", what))
    _set(row, "time_zone", _opt_str(data, "timeZone", what))
    _set(row, "currency", _opt_str(data, "currency", what))
    _set(row, "registration_type", _opt_str(data, "registrationType", what))
    if data.get("currencyLocked") is not None:
        row["currency_locked"] = _bool(data["currencyLocked"], "currencyLocked", what)
    start, end = _time(data, "start", what), _time(data, "end", what)
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


# -- parsing ----------------------------------------------------------------------------------------------
def parse_definition(data: dict, event_id: str | None = None) -> dict:
    """TicketDefinition JSON (API.md §4.1) → a TicketDefinition column dict (only fields present)."""
    if not isinstance(data, dict):
        raise MalformedData("ticket definition: not an object")
    what = f"ticket definition {data.get('id')!r}"
    dash = data.get("dashboard") if isinstance(data.get("dashboard"), dict) else {}
    row: dict[str, Any] = {"id": _req(data, "id", what), "event_id": data.get("eventId") or event_id}
    if not row["event_id"]:
        raise MalformedData(f"{what}: missing 'eventId'")
    _set(row, "name", _opt_str(data, "name", what))
    _set(row, "description", _opt_str(data, "description", what))
    _set(row, "policy", _opt_str(data, "policy", what))
    pricing = data.get("pricing") if isinstance(data.get("pricing"), dict) else {}
    price = _money(data.get("price") or pricing.get("fixedPrice"), "price", what)
    if price is not None:
        row["price_minor"], row["currency"] = price.minor, price.currency
    for key, col, src in (("limitPerCheckout", "limit_per_checkout", data), ("orderIndex", "order_index", data),
                          ("ticketsReserved", "reserved", dash)):
        if src.get(key) is not None:
            row[col] = _int(src[key], key, what)
    for key, col in (("hidden", "hidden"), ("limited", "limited")):
        value = data.get(key, dash.get(key))
        if value is not None:
            row[col] = _bool(value, key, what)
    if "quantity" in data or "quantity" in dash:
        qty = data.get("quantity", dash.get("quantity"))
        row["quantity"] = None if qty is None else _int(qty, "quantity", what)
    period = data.get("salePeriod")
    if isinstance(period, dict):
        row["sale_start"] = _time(period, "startDate", what)
        row["sale_end"] = _time(period, "endDate", what)
        row["hide_not_on_sale"] = bool(period.get("hideNotOnSale", False))
    elif period is None and "salePeriod" in data:
        row["sale_start"] = row["sale_end"] = None
    _set(row, "created", _time(data, "created", what))
    _set(row, "updated", _time(data, "updated", what) or _time(data, "modified", what))
    return row


def parse_order(data: dict, event_id: str | None = None) -> tuple[dict, list[dict] | None]:
    """Order JSON (API.md §2.1) → (Order column dict, ticket dicts or None when the TICKETS fieldset is absent)."""
    if not isinstance(data, dict):
        raise MalformedData("order: not an object")
    what = f"order {data.get('orderNumber')!r}"
    row: dict[str, Any] = {"order_number": _req(data, "orderNumber", what),
                           "event_id": data.get("eventId") or event_id}
    if not row["event_id"]:
        raise MalformedData(f"{what}: missing 'eventId'")
    status = _opt_str(data, "status", what)
    if status and status != "NA_ORDER_STATUS":  # NA = the DETAILS fieldset was not sent: keep ours
        row["status"] = status  # unknown values (AUTHORIZED, VOIDED, ...) kept verbatim
    for key, col in (("firstName", "first_name"), ("lastName", "last_name"), ("email", "email"),
                     ("method", "method"), ("channel", "channel"), ("station", "station")):
        _set(row, col, _opt_str(data, key, what))
    _set(row, "checkout_form", _form(data.get("checkoutForm"), "checkoutForm", what))
    total = _money(data.get("totalPrice"), "totalPrice", what)
    if total is not None:
        row["total_minor"], row["currency"] = total.minor, total.currency
    if data.get("archived") is not None:
        row["archived"] = _bool(data["archived"], "archived", what)
    _set(row, "created", _time(data, "created", what))
    _set(row, "updated", _time(data, "updated", what))
    tickets = data.get("tickets")
    if tickets is None:
        return row, None
    if not isinstance(tickets, list):
        raise MalformedData(f"{what}: 'tickets' is not a list")
    parsed = [parse_ticket(t, row["event_id"], row["order_number"]) for t in tickets]
    return row, parsed


def parse_ticket(data: dict, event_id: str, order_number: str | None = None) -> dict:
    """Ticket JSON (API.md §3.1; tickets carry no eventId, so the caller names it) → a Ticket column dict plus
    the private keys `_checkin` (checkIn.created or None), `_order_status`, `_order_full_name`."""
    if not isinstance(data, dict):
        raise MalformedData("ticket: not an object")
    what = f"ticket {data.get('ticketNumber')!r}"
    row: dict[str, Any] = {"ticket_number": _req(data, "ticketNumber", what),
                           "order_number": data.get("orderNumber") or order_number, "event_id": event_id}
    if not row["order_number"]:
        raise MalformedData(f"{what}: missing 'orderNumber'")
    _set(row, "definition_id", _opt_str(data, "ticketDefinitionId", what))
    _set(row, "name", _opt_str(data, "name", what))
    price = _money(data.get("price"), "price", what)
    if price is not None:
        row["price_minor"], row["currency"] = price.minor, price.currency
    for key in ("archived", "canceled"):
        if data.get(key) is not None:
            row[key] = _bool(data[key], key, what)
    guest = data.get("guestDetails")
    if guest is not None:
        if not isinstance(guest, dict):
            raise MalformedData(f"{what}: 'guestDetails' is not an object")
        for key, col in (("firstName", "guest_first_name"), ("lastName", "guest_last_name"), ("email", "guest_email")):
            row[col] = _opt_str(guest, key, what) or ""
        _set(row, "guest_form", _form(guest.get("form"), "guestDetails.form", what))
    _set(row, "created", _time(data, "created", what))
    check_in = data.get("checkIn")
    if check_in is not None and not isinstance(check_in, dict):
        raise MalformedData(f"{what}: 'checkIn' is not an object")
    row["_checkin"] = _time(check_in, "created", what) if check_in else None
    row["_order_status"] = data.get("orderStatus")
    row["_order_full_name"] = data.get("orderFullName") or ""
    return row


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


def apply_definitions(session: Session, items: list[dict], event_id: str | None = None) -> list[str]:
    """Upsert ticket definitions (contract JSON); returns the ids written (pending local edits are skipped)."""
    rows = [parse_definition(item, event_id) for item in items]
    _ensure_events(session, rows)
    _fill_currency(session, rows)
    skip = pending_keys(session, [r["id"] for r in rows])
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
    return session.get(Ticket, data["ticketNumber"], populate_existing=True)
