"""Tickets: listing/search, "checked in" for many tickets, and the contract's CheckIn/DeleteCheckIn (API.md §3).
Check-in state is derived from the append-only `checkins` log by the one rule of core.checkin_merge
(current_check_in / latest_accepted_id); rows are written by its one writer, checkin_merge.append."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Iterable

from sqlalchemy import Select, and_, func, not_, or_, select
from sqlalchemy.orm import Session

from core.checkin_merge import (CHECK_IN, UNDO, append, checked_in_rows_query, current_check_in, entry_check_for,
                                is_checked_in_sql, local_row)
from core.checkin_store import SessionSink, rules_for
from core.errors import InvalidArgument, NotFound
from core.models import CheckIn, Order, Ticket
from core.paging import Page, clamp
from core.textsearch import TICKET_INDEX, contains, narrowed, unindexed

_CHUNK = 500  # SQLite bound-parameter headroom per IN (...) list
STATE_GROUPS = {
    "CHECKED_IN": "checkin", "NON_CHECKED_IN": "checkin",
    "ORDER_ARCHIVED": "order", "ORDER_ACTIVE": "order",
    "TICKET_ARCHIVED": "ticket", "TICKET_ACTIVE": "ticket",
    "FREE": "price", "PAID": "price", "MEMBER": "member",
}
SORTS = {"ticketNumber": Ticket.ticket_number, "orderStatus": Order.status, "price": Ticket.price_minor,
         "orderFullName": func.lower(Order.first_name + " " + Order.last_name),
         "guestFullName": func.lower(Ticket.guest_first_name + " " + Ticket.guest_last_name)}


def checked_in_map(session: Session, ticket_numbers: Iterable[str] | None) -> dict[str, CheckIn]:
    """{ticket_number: its accepted CHECK_IN row} for the tickets that ARE checked in (the rule of
    core.checkin_merge: the latest ACCEPTED row by (corrected_time, id) is a CHECK_IN; SQL form).
    `ticket_numbers` None = every ticket. One query per 500 numbers over ix_checkins_ticket_id."""
    numbers = None if ticket_numbers is None else list(dict.fromkeys(ticket_numbers))
    chunks = [None] if numbers is None else [numbers[i:i + _CHUNK] for i in range(0, len(numbers), _CHUNK)]
    found: dict[str, CheckIn] = {}
    for chunk in chunks:
        found.update((row.ticket_number, row) for row in session.scalars(checked_in_rows_query(chunk)))
    return found


def is_checked_in_expr():
    """SQL boolean: the outer Ticket row is checked in (correlated; core.checkin_merge.is_checked_in_sql)."""
    return is_checked_in_sql(Ticket.ticket_number)


def _state_filter(states: list[str]):
    """AND across groups, OR within a group (e.g. [CHECKED_IN, ORDER_ACTIVE]); MEMBER matches nothing
    (no member data offline). InvalidArgument for an unknown state."""
    groups: dict[str, list] = {}
    for state in states:
        key = STATE_GROUPS.get(state)
        if key is None:
            raise InvalidArgument(f"unknown ticket state {state!r}", field="state")
        expr = {"CHECKED_IN": is_checked_in_expr(), "NON_CHECKED_IN": not_(is_checked_in_expr()),
                "ORDER_ARCHIVED": Order.archived.is_(True), "ORDER_ACTIVE": Order.archived.is_(False),
                "TICKET_ARCHIVED": Ticket.archived.is_(True), "TICKET_ACTIVE": Ticket.archived.is_(False),
                "FREE": Ticket.price_minor == 0, "PAID": Ticket.price_minor > 0,
                "MEMBER": Ticket.ticket_number.is_(None)}[state]
        groups.setdefault(key, []).append(expr)
    return and_(*(or_(*exprs) for exprs in groups.values()))


def _search_filter(session: Session, search: str):
    """(filter, narrowed): every word must match one of: buyer or guest first/last name, e-mail (buyer or
    guest), order number, ticket number — a substring match, so the last 4 characters of a ticket number find
    it (WR-11). ASCII words use LIKE (case-insensitive for ASCII on SQLite, ILIKE elsewhere); a word with other
    letters ('łucja') goes through core.textsearch's Unicode case folding, which SQLite's LIKE lacks. On a
    SQLite ledger the trigram index of migration 0101 narrows the rows first (`narrowed` True then)."""
    words = search.strip().split()[:10]
    cols = (Order.first_name, Order.last_name, Ticket.guest_first_name, Ticket.guest_last_name, Order.email,
            Ticket.guest_email, Order.order_number, Ticket.ticket_number)
    exact = and_(*(or_(*(contains(session, col, w) for col in cols)) for w in words))
    fast = narrowed(session, Ticket.ticket_number, TICKET_INDEX, words)
    return (exact, False) if fast is None else (and_(fast, exact), True)


def _sort(q: Select, sort: str) -> Select:
    name, _, direction = (sort or "ticketNumber:asc").partition(":")
    col = SORTS.get(name)
    if col is None or direction.lower() not in ("", "asc", "desc"):
        raise InvalidArgument(f"unsupported sort {sort!r}", field="sort")
    primary = col.desc() if direction.lower() == "desc" else col.asc()
    return q.order_by(primary, Ticket.ticket_number.asc())


def tickets_query(session: Session, event_ids=None, *, ticket_numbers=None, order_numbers=None,
                  definition_ids=None, states=None, order_statuses=None, search=None) -> Select:
    """The SELECT of Ticket (joined with its Order) that ListTickets' filters match, unsorted and unpaged:
    list_tickets pages it; a reader of more than one page (app.queries) counts it once and reads its rows
    with one LIMIT (sort_tickets). Filters and errors as list_tickets."""
    q, fast = select(Ticket).join(Order, Order.order_number == Ticket.order_number), False
    if search and search.strip():
        if len(search) > 200:
            raise InvalidArgument("searchPhrase is limited to 200 characters", field="searchPhrase")
        found, fast = _search_filter(session, search)
        q = q.where(found)
    for values, col in ((event_ids, Ticket.event_id), (ticket_numbers, Ticket.ticket_number),
                        (order_numbers, Ticket.order_number), (definition_ids, Ticket.definition_id),
                        (order_statuses, Order.status)):
        if values:
            q = q.where(unindexed(col, fast).in_(list(values)))
    if states:
        q = q.where(_state_filter(list(states)))
    return q


def sort_tickets(q: Select, sort: str = "ticketNumber:asc") -> Select:
    """`q` (a tickets_query) ordered by ListTickets' `sort`, ticket number last. InvalidArgument for an
    unknown sort."""
    return _sort(q, sort)


def list_tickets(session: Session, event_ids=None, *, ticket_numbers=None, order_numbers=None,
                 definition_ids=None, states=None, order_statuses=None, search=None, offset=0, limit=100,
                 sort="ticketNumber:asc") -> Page[Ticket]:
    """ListTickets (API.md §3.2): filters combine with AND; `states` see _state_filter; `search` (≤200
    chars) see _search_filter; sort ticketNumber|orderStatus|price|orderFullName|guestFullName[:asc|desc].
    Limit clamps to 100. InvalidArgument for an unknown state/sort or a search over 200 characters."""
    q = tickets_query(session, event_ids, ticket_numbers=ticket_numbers, order_numbers=order_numbers,
                      definition_ids=definition_ids, states=states, order_statuses=order_statuses, search=search)
    offset, limit = clamp(offset, limit)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    items = list(session.scalars(_sort(q, sort).offset(offset).limit(limit)))
    return Page(items=items, total=total, offset=offset, limit=limit)


def get_ticket(session: Session, ticket_number: str, event_id: str | None = None) -> Ticket:
    """GetTicket (API.md §3.3). NotFound when unknown or (with `event_id`) in another event."""
    ticket = session.get(Ticket, ticket_number)
    if ticket is None or (event_id is not None and ticket.event_id != event_id):
        raise NotFound(f"ticket {ticket_number} not found", code="TICKET_NOT_FOUND")
    return ticket


def _nonces(nonce: str | None, numbers: list[str]) -> list[str]:
    """One nonce per ticket: a given nonce is used as is for one ticket, and as the namespace of
    deterministic per-ticket nonces for several (so a replay dedups, BC-15); otherwise uuid4."""
    if nonce is None:
        return [str(uuid.uuid4()) for _ in numbers]
    if len(numbers) == 1:
        return [nonce]
    return [str(uuid.uuid5(uuid.NAMESPACE_URL, f"{nonce}/{tn}")) for tn in numbers]


def append_row(session: Session, ticket, rows: list[CheckIn], kind: str, *, station: str, operator: str,
               method: str, now: datetime | None, nonce: str | None, device_time: datetime | None,
               clock_offset_s: float, rule=None) -> CheckIn:
    """Append one local CHECK_IN/UNDO row for `ticket` (anything with ticket_number and event_id; its loaded
    `rows`) plus its outbox row through the one writer (core.checkin_merge.append) in the session. Times:
    checkin_merge.local_row (corrected = device + clock_offset_s, BC-13). `rule`: the ticket's entry rule when
    the caller read it already (else the sink reads it)."""
    values = local_row(ticket.ticket_number, ticket.event_id, kind, station=station, operator=operator,
                       method=method, now=now, nonce=nonce, device_time=device_time, clock_offset_s=clock_offset_s)
    row, _ = append(SessionSink(session), rows, values, rule=rule)
    return row


def _load(session: Session, event_id: str, ticket_numbers: list[str]) -> tuple[list[Ticket], dict[str, list]]:
    """The tickets (NotFound for an unknown one or one of another event) and their check-in rows."""
    numbers = list(dict.fromkeys(ticket_numbers or []))
    if not numbers or len(numbers) > 100:
        raise InvalidArgument("ticketNumber needs 1..100 values", field="ticketNumber")
    tickets = {t.ticket_number: t for t in session.scalars(select(Ticket).where(Ticket.ticket_number.in_(numbers)))}
    for tn in numbers:
        if tn not in tickets or tickets[tn].event_id != event_id:
            raise NotFound(f"ticket {tn} not found in event {event_id}", code="TICKET_NOT_FOUND")
    rows: dict[str, list] = {tn: [] for tn in numbers}
    for row in session.scalars(select(CheckIn).where(CheckIn.ticket_number.in_(numbers))):
        rows[row.ticket_number].append(row)
    return [tickets[tn] for tn in numbers], rows


def _known_nonces(session: Session, nonces: list[str]) -> set[str]:
    return set(session.scalars(select(CheckIn.nonce).where(CheckIn.nonce.in_(nonces))))


def check_in(session: Session, event_id: str, ticket_numbers, *, station="", operator="", method="MANUAL",
             now=None, nonce=None, device_time=None, clock_offset_s=0.0) -> list[Ticket]:
    """CheckIn (API.md §3.4) in the caller's transaction: appends a CHECK_IN row + outbox "checkin.create"
    for each ticket its entry rule admits now (checkin_merge.entry_check_for: not yet checked in, for DAILY
    not today, for MULTI fewer than N entries); already checked-in tickets and replayed nonces write nothing
    (idempotent, API.md gap 4, BC-15). Order status is not checked here (the door verdict does that:
    core.checkin.scan). Returns the tickets in request order. NotFound / InvalidArgument (1..100 numbers)."""
    tickets, rows = _load(session, event_id, list(ticket_numbers))
    nonces = _nonces(nonce, [t.ticket_number for t in tickets])
    known = _known_nonces(session, nonces)
    rules = rules_for(session, [t.ticket_number for t in tickets])  # one read for the call, not one per ticket
    for ticket, n in zip(tickets, nonces):
        if n in known or not entry_check_for(session, ticket.ticket_number, rows[ticket.ticket_number], now=now,
                                             device_time=device_time, clock_offset_s=clock_offset_s,
                                             rule=rules[ticket.ticket_number]).allowed:
            continue  # the definition's entry rule (core.entry_rules) refuses another entry
        append_row(session, ticket, rows[ticket.ticket_number], CHECK_IN, station=station, operator=operator,
                   method=method, now=now, nonce=n, device_time=device_time, clock_offset_s=clock_offset_s,
                   rule=rules[ticket.ticket_number])
    return tickets


def delete_check_in(session: Session, event_id: str, ticket_numbers, *, station="", operator="", now=None,
                    nonce=None, device_time=None, clock_offset_s=0.0) -> list[Ticket]:
    """DeleteCheckIn (API.md §3.5): appends an UNDO row (a tombstone, never a deletion) + outbox
    "checkin.delete" for each checked-in ticket; others are left unchanged (API.md gap 5).
    Times as check_in (corrected = device + clock_offset_s, BC-13). Returns the tickets in request order.
    NotFound / InvalidArgument as check_in."""
    tickets, rows = _load(session, event_id, list(ticket_numbers))
    nonces = _nonces(nonce, [t.ticket_number for t in tickets])
    known = _known_nonces(session, nonces)
    for ticket, n in zip(tickets, nonces):
        if n in known or current_check_in(rows[ticket.ticket_number]) is None:
            continue
        append_row(session, ticket, rows[ticket.ticket_number], UNDO, station=station, operator=operator,
                   method="MANUAL", now=now, nonce=n, device_time=device_time, clock_offset_s=clock_offset_s)
    return tickets
