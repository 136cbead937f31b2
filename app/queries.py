"""Read queries for the GUI: core services called inside a worker's session, turned into frozen row DTOs.

Every function takes the Session first (use with app.tasks.query_op) and returns plain values only —
ORM objects never leave the worker thread nor enter a Qt model (STYLE.md §2, §3)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import definitions, leases, orders, reports, sales, tickets
from core.events import get_event, is_currency_locked, list_events
from core.models import Event, Order, Payment, Ticket
from core.money import Money
from core.timeutil import local, utcnow

MAX_ROWS = 1000  # rows a table loads at most (10 pages of 100); the footer says when there are more


@dataclass(frozen=True)
class EventInfo:
    """The event a station works on: id, title, IANA zone, currency and whether that is locked."""

    id: str
    title: str
    time_zone: str
    currency: str
    currency_locked: bool


@dataclass(frozen=True)
class DefinitionRow:
    """One ticket definition with its derived counts; `available` None = unlimited; `data` is the
    contract's TicketDefinitionData (the edit dialog's starting values)."""

    id: str
    name: str
    price: Money
    limited: bool
    quantity: int | None
    limit_per_checkout: int
    sold: int
    reserved: int
    checked_in: int
    available: int | None
    sale_status: str
    hidden: bool
    order_index: int
    data: dict = field(hash=False, compare=False)
    leased: int = 0  # unused seats leased to box offices (core.leases.leased_counts)


@dataclass(frozen=True)
class TicketRow:
    """One ticket for tables and the door's search: guest, definition, order status, check-in state."""

    ticket_number: str
    order_number: str
    definition_id: str
    definition_name: str
    guest_name: str
    email: str
    order_status: str
    price: Money
    checked_in_at: datetime | None
    checked_in_station: str
    archived: bool
    canceled: bool
    order_archived: bool

    @property
    def checked_in(self) -> bool:
        """True when the ticket is checked in (its latest accepted check-in row is a CHECK_IN)."""
        return self.checked_in_at is not None


@dataclass(frozen=True)
class OrderRow:
    """One order: buyer, status, totals, ticket and check-in counts, its registration form answers."""

    order_number: str
    status: str
    buyer_name: str
    email: str
    tickets: int
    checked_in: int
    total: Money
    created: datetime
    archived: bool
    channel: str
    method: str
    checkout_form: tuple = ()

    @property
    def fully_checked_in(self) -> bool:
        """True when the order has tickets and all of them are checked in."""
        return self.tickets > 0 and self.checked_in == self.tickets


@dataclass(frozen=True)
class SaleRow:
    """One payment taken at the box office: when, order, buyer, method, amount, tendered and change."""

    created: datetime
    order_number: str
    buyer_name: str
    method: str
    amount: Money
    tendered: Money | None
    change: Money | None
    station: str


@dataclass(frozen=True)
class Loaded:
    """A list loaded for a table: `rows` (at most MAX_ROWS) and the `total` matching rows (`capped`: more
    than `total` match, not counted — a capped search, core.paging.Page.total_capped)."""

    rows: tuple
    total: int
    capped: bool = False


def event_info(ev: Event, session: Session) -> EventInfo:
    """An EventInfo of `ev` (read inside the session)."""
    return EventInfo(ev.id, ev.title, ev.time_zone, ev.currency, is_currency_locked(session, ev))


def load_event(session: Session, event_id: str | None) -> EventInfo | None:
    """The event `event_id`, or the first event of the ledger when None; None when the ledger has none.
    Raises NotFound for an unknown id."""
    if event_id:
        return event_info(get_event(session, event_id), session)
    events = list_events(session)
    return event_info(events[0], session) if events else None


def load_events(session: Session) -> list[tuple[str, str]]:
    """Every event as (id, title)."""
    return [(e.id, e.title) for e in list_events(session)]


def definition_rows(session: Session, event_id: str) -> list[DefinitionRow]:
    """The event's definitions (by order index) with sold/reserved/checked-in/available counts."""
    counts = definitions.definition_counts(session, event_id)
    leased = leases.leased_counts(session, event_id, utcnow())
    out, offset = [], 0
    while True:
        page = definitions.list_definitions(session, [event_id], offset=offset, limit=100, sort="orderIndex:asc")
        for d in page.items:
            c = counts.get(d.id)
            out.append(DefinitionRow(
                id=d.id, name=d.name, price=Money.from_minor(d.price_minor, d.currency), limited=bool(d.limited),
                quantity=d.quantity, limit_per_checkout=d.limit_per_checkout, sold=c.sold if c else 0,
                reserved=c.reserved if c else 0, checked_in=c.checked_in if c else 0,
                available=c.available if c else d.quantity, sale_status=definitions.sale_status(d),
                hidden=bool(d.hidden), order_index=d.order_index, data=definitions.definition_data(d),
                leased=leased.get(d.id, 0)))
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return out


def _ticket_row(t: Ticket, checkins: dict) -> TicketRow:
    ci = checkins.get(t.ticket_number)
    guest = f"{t.guest_first_name} {t.guest_last_name}".strip()
    buyer = f"{t.order.first_name} {t.order.last_name}".strip()
    return TicketRow(
        ticket_number=t.ticket_number, order_number=t.order_number, definition_id=t.definition_id,
        definition_name=t.name, guest_name=guest or buyer, email=t.guest_email or t.order.email,
        order_status=t.order.status, price=Money.from_minor(t.price_minor, t.currency),
        checked_in_at=ci.corrected_time if ci else None, checked_in_station=ci.station if ci else "",
        archived=bool(t.archived), canceled=bool(t.canceled), order_archived=bool(t.order.archived))


def _preload_orders(session: Session, numbers: set[str]) -> list[Order]:
    # One query fills the identity map, so each ticket's many-to-one `order` is found without SQL. The
    # caller keeps the list while it reads the tickets: the identity map holds objects only weakly.
    return list(session.scalars(select(Order).where(Order.order_number.in_(list(numbers))))) if numbers else []


def ticket_rows(session: Session, event_id: str, *, search: str | None = None, states: list[str] | None = None,
                order_statuses: list[str] | None = None, order_numbers: list[str] | None = None,
                max_rows: int = MAX_ROWS, count_cap: int | None = None) -> Loaded:
    """Tickets of the event matching the filters (ListTickets' filters, core.tickets), by ticket number, at
    most `max_rows`, and how many match. A search goes through core.tickets.list_tickets (an index drives its
    pages; with `count_cap` at most that many matches are counted: Loaded.capped); without one, one COUNT and
    one LIMIT query (core.tickets.tickets_query), whatever `max_rows`; then the rows' orders and check-ins."""
    if search and search.strip():
        return _searched_rows(session, event_id, search, states, order_statuses, order_numbers, max_rows,
                              count_cap)
    q = tickets.tickets_query(session, [event_id], states=states or None, order_statuses=order_statuses or None,
                              order_numbers=order_numbers or None)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    items = list(session.scalars(tickets.sort_tickets(q).limit(max_rows))) if total else []
    held = [_preload_orders(session, {t.order_number for t in items[i:i + 500]}) for i in range(0, len(items), 500)]
    checkins = tickets.checked_in_map(session, [t.ticket_number for t in items])
    rows = tuple(_ticket_row(t, checkins) for t in items)
    del held
    return Loaded(rows, total)


def _searched_rows(session: Session, event_id: str, search: str, states, order_statuses, order_numbers,
                   max_rows: int, count_cap: int | None) -> Loaded:
    """ticket_rows for a search: list_tickets' pages (index-driven, capped count with `count_cap`)."""
    rows: list[TicketRow] = []
    offset, total, capped = 0, 0, False
    while len(rows) < max_rows:
        page = tickets.list_tickets(session, [event_id], search=search, states=states or None,
                                    order_statuses=order_statuses or None, order_numbers=order_numbers or None,
                                    offset=offset, limit=min(100, max_rows - len(rows)), count_cap=count_cap)
        total, capped = page.total, page.total_capped
        _preload_orders(session, {t.order_number for t in page.items})  # the page's items hold them
        checkins = tickets.checked_in_map(session, [t.ticket_number for t in page.items])
        rows.extend(_ticket_row(t, checkins) for t in page.items)
        offset += len(page.items)
        if not page.items or offset >= total:
            break
    return Loaded(tuple(rows), total, capped)


def _order_row(o: Order, checkins: dict) -> OrderRow:
    inside = sum(1 for t in o.tickets if t.ticket_number in checkins)
    return OrderRow(
        order_number=o.order_number, status=o.status, buyer_name=f"{o.first_name} {o.last_name}".strip(),
        email=o.email, tickets=len(o.tickets), checked_in=inside, total=Money.from_minor(o.total_minor, o.currency),
        created=o.created, archived=bool(o.archived), channel=o.channel, method=o.method,
        checkout_form=tuple(dict(v) for v in (o.checkout_form or [])))


def order_rows(session: Session, event_id: str, *, statuses: list[str] | None = None, tags: list[str] | None = None,
               search: str | None = None, max_rows: int = MAX_ROWS, sort: str = "created:desc") -> Loaded:
    """Orders of the event matching the filters (core.orders.orders_query: ListOrders' filters), newest first,
    at most `max_rows`, and how many match. Cost: one COUNT and one LIMIT query (their tickets in batches),
    whatever `max_rows`, then the tickets' check-ins."""
    q = orders.orders_query(session, [event_id], statuses=statuses or None, tags=tags or None,
                            search=search or None)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    items = list(session.scalars(orders.sort_orders(q, sort).limit(max_rows))) if total else []
    checkins = tickets.checked_in_map(session, [t.ticket_number for o in items for t in o.tickets])
    return Loaded(tuple(_order_row(o, checkins) for o in items), total)


def order_detail(session: Session, event_id: str, order_number: str) -> tuple[OrderRow, tuple[TicketRow, ...]]:
    """One order and its tickets (NotFound when it is not in the event)."""
    o = orders.get_order(session, order_number, event_id)
    checkins = tickets.checked_in_map(session, [t.ticket_number for t in o.tickets])
    return _order_row(o, checkins), tuple(_ticket_row(t, checkins) for t in o.tickets)


def event_day(session: Session, event_id: str, now: datetime | None = None) -> date:
    """Today's date in the event's zone (box-office "today")."""
    return local(now or utcnow(), get_event(session, event_id).time_zone).date()


def sale_rows(session: Session, event_id: str, day: date | None = None, station: str | None = None) -> list[SaleRow]:
    """Payments taken for the event's orders on `day` (event-local; default today), newest first."""
    ev = get_event(session, event_id)
    day = day or event_day(session, event_id)
    q = (select(Payment, Order).join(Order, Payment.order_number == Order.order_number)
         .where(Order.event_id == ev.id).order_by(Payment.id.desc()))
    if station is not None:
        q = q.where(Payment.station == station)
    out = []
    for p, o in session.execute(q):
        if local(p.created, ev.time_zone).date() != day:
            continue
        cur = p.currency
        out.append(SaleRow(
            created=p.created, order_number=o.order_number, buyer_name=f"{o.first_name} {o.last_name}".strip(),
            method=p.method, amount=Money.from_minor(p.amount_minor, cur),
            tendered=Money.from_minor(p.tendered_minor, cur) if p.tendered_minor is not None else None,
            change=Money.from_minor(p.change_minor or 0, cur) if p.tendered_minor is not None else None,
            station=p.station))
    return out


def till(session: Session, event_id: str, day: date | None = None, station: str | None = None) -> dict:
    """core.sales.till_summary for the event's local `day` (default today)."""
    return sales.till_summary(session, event_id, station=station, day=day or event_day(session, event_id))


def stats(session: Session, event_id: str) -> dict:
    """core.reports.event_stats (sold / paid / unpaid / checked in, per definition)."""
    return reports.event_stats(session, event_id)
