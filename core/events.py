"""Event services: create, get, list, update, change the currency (IANA zone, ISO-4217 currency, aware
datetimes; case BC-11), and the currency lock with its reason (API.md §4.2 ChangeCurrency, CURRENCY_LOCKED).
The GUI's Events tab and `tessera events` call these same functions (issue 10, item 1)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.changes import note
from core.errors import AlreadyExists, CurrencyLocked, InvalidArgument, NotFound
from core.models import Event, Order, TicketDefinition
from core.money import Money, check_currency
from core.outbox import enqueue
from core.status import TITLE_MAX as MAX_TITLE, OutboxKind
from core.timeutil import parse_rfc3339, require_aware, to_rfc3339, utcnow, zone



def _title(title: str | None) -> str:
    if not isinstance(title, str) or not title.strip():
        raise InvalidArgument("title is required", field="title")
    if len(title) > MAX_TITLE:
        raise InvalidArgument(f"title is longer than {MAX_TITLE} characters", field="title")
    return title


def _time_zone(name: str | None) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidArgument("timeZone is required", field="timeZone")
    zone(name.strip())  # raises InvalidArgument for an unknown IANA zone
    return name.strip()


def as_instant(value: datetime | str | None, field: str) -> datetime | None:
    """An aware UTC datetime from a datetime or RFC 3339 string; naive values raise InvalidArgument (BC-11)."""
    if value is None:
        return None
    if isinstance(value, str):
        return parse_rfc3339(value, field)
    if not isinstance(value, datetime):
        raise InvalidArgument(f"{field} must be an aware datetime or RFC 3339 text", field=field)
    return require_aware(value, field)


def _check_order(start: datetime | None, end: datetime | None) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidArgument("end is before start", field="end")


def create_event(session: Session, *, title: str, time_zone: str, currency: str,
                 start: datetime | str | None = None, end: datetime | str | None = None,
                 event_id: str | None = None) -> Event:
    """Create an event (registration type RSVP until its first ticket definition).

    `time_zone` is an IANA name (InvalidArgument if unknown); `currency` ISO-4217 (InvalidArgument);
    `start`/`end` aware datetimes or RFC 3339 strings with an offset, stored as UTC — naive ones are refused
    (case BC-11). `event_id` defaults to a new uuid4 string; an existing id raises AlreadyExists.
    The caller commits."""
    title = _title(title)
    tz_name = _time_zone(time_zone)
    cur = check_currency(currency)
    start_utc, end_utc = as_instant(start, "start"), as_instant(end, "end")
    _check_order(start_utc, end_utc)
    event_id = event_id or str(uuid.uuid4())
    if session.get(Event, event_id) is not None:
        raise AlreadyExists(f"event {event_id} exists already", field=None)
    now = utcnow()
    ev = Event(id=event_id, title=title, time_zone=tz_name, start=start_utc, end=end_utc, currency=cur,
               registration_type="RSVP", currency_locked=False, created=now, updated=now)
    session.add(ev)
    session.flush()
    note(session, events=[ev.id])
    # The centre learns of an event made at a station (a hub accepts it from an organiser's station; the
    # plain contract has no such call, so there the row is rejected with that reason and kept).
    enqueue(session, OutboxKind.EVENT_CREATE, ev.id, ev.id, {"eventId": ev.id, "event": {
        "id": ev.id, "title": ev.title, "timeZone": ev.time_zone, "currency": ev.currency,
        "start": to_rfc3339(ev.start), "end": to_rfc3339(ev.end)}})
    return ev


def get_event(session: Session, event_id: str) -> Event:
    """The event `event_id`; NotFound if there is none."""
    ev = session.get(Event, event_id) if event_id else None
    if ev is None:
        raise NotFound(f"event {event_id} not found")
    return ev


def zone_of(session: Session, event_id: str | None) -> str:
    """The IANA zone times about `event_id` are shown in (core.timeutil.shown, case BC-11): the event's, or
    "UTC" when there is no such event (a plain server's placeholder, a message about no event)."""
    event = session.get(Event, event_id) if event_id else None
    return (event.time_zone if event is not None else None) or "UTC"


def list_events(session: Session) -> list[Event]:
    """Every event, ordered by start (events without a start last), then title, then id."""
    q = select(Event).order_by(Event.start.is_(None), Event.start, Event.title, Event.id)
    return list(session.scalars(q))


def update_event(session: Session, event_id: str, *, title: str | None = None, time_zone: str | None = None,
                 start: datetime | str | None = None, end: datetime | str | None = None,
                 currency: str | None = None) -> Event:
    """Change the given fields (None = unchanged) and bump `updated`.

    The stored instants never move: an event at 08:30 Europe/Zurich stays 07:30Z after any number of updates,
    whatever the machine's TZ (case BC-11). Changing `time_zone` keeps the instants (only the display zone
    changes). A `currency` different from the event's goes through `change_currency` (refused once locked).
    Everything is validated before anything changes. Raises NotFound, InvalidArgument (naive datetime,
    unknown zone or currency, end before start), CurrencyLocked."""
    ev = get_event(session, event_id)
    new_title = _title(title) if title is not None else ev.title
    new_zone = _time_zone(time_zone) if time_zone is not None else ev.time_zone
    new_start = as_instant(start, "start") if start is not None else ev.start
    new_end = as_instant(end, "end") if end is not None else ev.end
    _check_order(new_start, new_end)
    new_currency = check_currency(currency) if currency is not None else ev.currency
    if new_currency != ev.currency:
        change_currency(session, ev.id, new_currency)
    ev.title, ev.time_zone, ev.start, ev.end = new_title, new_zone, new_start, new_end
    ev.updated = utcnow()
    session.flush()
    note(session, events=[ev.id])
    return ev


def is_currency_locked(session: Session, event: Event) -> bool:
    """True once the event's currency may no longer change: the lock flag is set or any order exists
    (API.md §4.2 ChangeCurrency, CURRENCY_LOCKED)."""
    if event.currency_locked:
        return True
    return session.scalar(select(Order.order_number).where(Order.event_id == event.id).limit(1)) is not None


def currency_lock_reason(session: Session, event: Event) -> str | None:
    """Why the event's currency may no longer change (the text the GUI puts on the disabled control), or
    None while it may. Same rule as `is_currency_locked`."""
    if not is_currency_locked(session, event):
        return None
    return (f"Locked: orders exist and their amounts were taken in {event.currency}. Prices are never "
            "converted, so the currency cannot change after the first order; create a new event to sell "
            "in another currency.")


def change_currency(session: Session, event_id: str, currency: str) -> None:
    """Set the currency of the event and all its definitions (API.md §4.2 ChangeCurrency). Price values are
    not converted (10 USD -> 10 EUR); a value the new currency cannot hold (19.99 -> JPY) raises
    InvalidArgument rather than rounding (BC-07). Raises CurrencyLocked (428) once the event has an order or
    its lock flag is set; NotFound; InvalidArgument (unknown code). Same currency: no-op, no outbox row.
    Outbox `event.change_currency` {eventId, currency}. (Also importable as core.definitions.change_currency.)"""
    ev = get_event(session, event_id)
    cur = check_currency(currency)
    if cur == ev.currency:
        return
    if is_currency_locked(session, ev):
        raise CurrencyLocked(f"the currency of event {ev.id} is locked: an order exists")
    now = utcnow()
    defs = list(session.scalars(select(TicketDefinition).where(TicketDefinition.event_id == ev.id)))
    prices = {}
    for defn in defs:
        amount = Money.from_minor(defn.price_minor, defn.currency).amount
        try:
            prices[defn.id] = Money.of(amount, cur).minor
        except InvalidArgument:
            raise InvalidArgument(f"price {amount} of {defn.name!r} cannot be expressed in {cur}",
                                  field="currency") from None
    for defn in defs:
        defn.price_minor, defn.currency, defn.updated = prices[defn.id], cur, now
    ev.currency, ev.updated = cur, now
    session.flush()
    note(session, definitions=[d.id for d in defs], events=[ev.id])
    enqueue(session, OutboxKind.EVENT_CHANGE_CURRENCY, ev.id, ev.id, {"eventId": ev.id, "currency": cur})


@dataclass(frozen=True)
class EventSummary:
    """An event as plain values for lists and forms: instants aware UTC (None when unset); `lock_reason`
    None while the currency may change (see currency_lock_reason)."""

    id: str
    title: str
    time_zone: str
    start: datetime | None
    end: datetime | None
    currency: str
    registration_type: str
    lock_reason: str | None

    @property
    def currency_locked(self) -> bool:
        return self.lock_reason is not None


def event_summary(session: Session, event_id: str) -> EventSummary:
    """The EventSummary of `event_id`; NotFound if there is none."""
    ev = get_event(session, event_id)
    return EventSummary(id=ev.id, title=ev.title, time_zone=ev.time_zone, start=ev.start, end=ev.end,
                        currency=ev.currency, registration_type=ev.registration_type,
                        lock_reason=currency_lock_reason(session, ev))


def event_summaries(session: Session) -> list[EventSummary]:
    """Every event as an EventSummary, in list_events order."""
    return [event_summary(session, ev.id) for ev in list_events(session)]
