"""Tickets: listing/search, "checked in" for many tickets, and the contract's CheckIn/DeleteCheckIn (API.md §3).
Check-in state is derived from the append-only `checkins` log by the one rule of core.checkin_merge
(current_check_in / latest_accepted_id); rows are written by its one writer, checkin_merge.append."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import Select, and_, func, not_, or_, select
from sqlalchemy.orm import Session

from core.checkin_merge import (CHECK_IN, UNDO, append, checked_in_rows_query, current_check_in, entry_check_for,
                                is_checked_in_sql, local_row, ticket_rows)
from core.checkin_runner import session_runner
from core.checkin_store import LogRow, SessionSink, TicketView
from core.codes import typed_candidates
from core.errors import InvalidArgument, NotFound
from core.models import CheckIn, Order, Ticket
from core.paging import Page, clamp
from core.textsearch import (TICKET_INDEX, contains_any, extra_keys, has_index, index_join, is_short, narrowed, probe,
                             starts, starts_ranged, unindexed)
from core.textsearch_page import DEFAULT_CAP, first_matches, ordered

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


SEARCHED = (Order.first_name, Order.last_name, Ticket.guest_first_name, Ticket.guest_last_name, Order.email,
            Ticket.guest_email, Order.order_number, Ticket.ticket_number)
# a short word (1–2 characters) is looked up where B-tree indexes answer "starts with" (migration 0109)
SHORT_SEARCHED = (Ticket.ticket_number, Ticket.order_number, Ticket.guest_first_name, Ticket.guest_last_name,
                  Order.first_name, Order.last_name)


def _word_rule(session: Session, word: str):
    """The exact rule for one word: a word of 3+ characters is contained in one of SEARCHED (substring, so the
    last 4 characters of a ticket number find it, WR-11); a shorter one starts one of SHORT_SEARCHED (a name,
    the ticket or order number). Case and accents are ignored on both sides ('jurgen' finds "Jürgen"):
    core.textsearch.contains_any / starts compare the one fold, core.textsearch_fold."""
    if is_short(word):
        return or_(*(starts(session, col, word) for col in SHORT_SEARCHED))
    return contains_any(session, word, SEARCHED)


def _search_words(search: str) -> list[str]:
    """The phrase's words (at most 10); InvalidArgument over 200 characters."""
    if len(search) > 200:
        raise InvalidArgument("searchPhrase is limited to 200 characters", field="searchPhrase")
    return search.strip().split()[:10]


def _sort_by(sort: str):
    """(sort column, descending) of 'ticketNumber|orderStatus|price|orderFullName|guestFullName[:asc|desc]';
    InvalidArgument otherwise."""
    name, _, direction = (sort or "ticketNumber:asc").partition(":")
    col = SORTS.get(name)
    if col is None or direction.lower() not in ("", "asc", "desc"):
        raise InvalidArgument(f"unsupported sort {sort!r}", field="sort")
    return col, direction.lower() == "desc"


def _filters(session: Session, words: list[str], filters: dict, states, fast: bool) -> list:
    """WHERE terms of list_tickets (every word's _word_rule first); `fast`: an index drives the query, so the
    other filters must not (core.textsearch.unindexed)."""
    terms = [_word_rule(session, w) for w in words]
    for col, values in ((Ticket.event_id, filters["event_ids"]), (Ticket.ticket_number, filters["ticket_numbers"]),
                        (Ticket.order_number, filters["order_numbers"]),
                        (Ticket.definition_id, filters["definition_ids"]), (Order.status, filters["order_statuses"])):
        if values:
            terms.append(unindexed(col, fast).in_(list(values)))
    if states:
        terms.append(_state_filter(list(states)))
    return terms


def _drivers(session: Session, words: list[str], sort_col) -> list | None:
    """Selects of (ticket number, sort value) walking an index for the words (core.textsearch_page), or
    None when no index serves them (PostgreSQL; no probe and no short word): the trigram index for the
    words with a probe (plus the queued and ODD rows), else the B-tree indexes of SHORT_SEARCHED for the
    longest short word."""
    base = select(Ticket.ticket_number, sort_col).select_from(Ticket).join(
        Order, Order.order_number == Ticket.order_number)
    long = [w for w in words if not is_short(w)]  # a probe stands for `contains`, not for `starts`
    if any(probe(w) for w in long) and has_index(session, TICKET_INDEX):
        return [index_join(base, Ticket.ticket_number, TICKET_INDEX, long),
                base.where(Ticket.ticket_number.in_(extra_keys(TICKET_INDEX, long)))]
    short = sorted((w for w in words if is_short(w)), key=len)
    if not short or session.get_bind().dialect.name != "sqlite":
        return None
    return [base.where(starts_ranged(session, col, short[-1])) for col in SHORT_SEARCHED]


def _indexed_page(session: Session, drivers: list, terms: list, sort_by, offset: int, limit: int,
                  count_cap: int | None) -> Page[Ticket] | None:
    """The page from the drivers' first matches (core.textsearch_page): exact when at most the cap match;
    over the cap, a capped page (total = cap, total_capped) when `count_cap` is given, else None (the
    caller counts every match)."""
    cap = count_cap or DEFAULT_CAP
    found = first_matches(session, [d.where(*terms) for d in drivers], cap)
    if found.capped and count_cap is None:
        return None
    keys = ordered(found.rows, sort_by[1])[:cap]
    wanted = keys[offset:offset + limit]
    loaded = {t.ticket_number: t for t in session.scalars(select(Ticket).where(Ticket.ticket_number.in_(wanted)))
              } if wanted else {}
    return Page(items=[loaded[k] for k in wanted], total=len(keys), offset=offset, limit=limit,
                total_capped=found.capped)


def tickets_query(session: Session, event_ids=None, *, ticket_numbers=None, order_numbers=None,
                  definition_ids=None, states=None, order_statuses=None, search=None) -> Select:
    """The SELECT of Ticket (joined with its Order) that ListTickets' filters match, unsorted and unpaged (a
    search narrowed by the trigram index where it can, core.textsearch.narrowed): list_tickets pages it when
    no index drives the search; a reader of more than one page (app.queries) counts it once and reads its rows
    with one LIMIT (sort_tickets). Filters and errors as list_tickets."""
    words = _search_words(search) if search and search.strip() else []
    filters = {"event_ids": event_ids, "ticket_numbers": ticket_numbers, "order_numbers": order_numbers,
               "definition_ids": definition_ids, "order_statuses": order_statuses}
    long = [w for w in words if not is_short(w)]  # short words are matched by `starts`, which has no probe
    narrow = narrowed(session, Ticket.ticket_number, TICKET_INDEX, long) if long else None
    q = select(Ticket).join(Order, Order.order_number == Ticket.order_number)
    if narrow is not None:
        q = q.where(narrow)
    return q.where(*_filters(session, words, filters, states, narrow is not None))


def sort_tickets(q: Select, sort: str = "ticketNumber:asc") -> Select:
    """`q` (a tickets_query) ordered by ListTickets' `sort`, ticket number last. InvalidArgument for an
    unknown sort."""
    col, desc = _sort_by(sort)
    return q.order_by(col.desc() if desc else col.asc(), Ticket.ticket_number.asc())


def list_tickets(session: Session, event_ids=None, *, ticket_numbers=None, order_numbers=None,
                 definition_ids=None, states=None, order_statuses=None, search=None, offset=0, limit=100,
                 sort="ticketNumber:asc", count_cap: int | None = None) -> Page[Ticket]:
    """ListTickets (API.md §3.2): filters combine with AND; `states` see _state_filter; `search` (≤200
    chars) see _word_rule; sort ticketNumber|orderStatus|price|orderFullName|guestFullName[:asc|desc].
    Limit clamps to 100. InvalidArgument for an unknown state/sort or a search over 200 characters.
    A search on a SQLite ledger walks an index (_drivers) and sorts only what it found: with `count_cap`
    (the door, the CLI) more than `count_cap` matches give a capped page (Page.total_capped, total =
    count_cap, the page taken from the first matches); without it the total is always exact."""
    words = _search_words(search) if search and search.strip() else []
    sort_by = _sort_by(sort)
    offset, limit = clamp(offset, limit)
    filters = {"event_ids": event_ids, "ticket_numbers": ticket_numbers, "order_numbers": order_numbers,
               "definition_ids": definition_ids, "order_statuses": order_statuses}
    drivers = _drivers(session, words, sort_by[0]) if words else None
    if drivers is not None:
        page = _indexed_page(session, drivers, _filters(session, words, filters, states, True), sort_by,
                             offset, limit, count_cap)
        if page is not None:
            return page
    q = tickets_query(session, event_ids, ticket_numbers=ticket_numbers, order_numbers=order_numbers,
                      definition_ids=definition_ids, states=states, order_statuses=order_statuses, search=search)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    items = list(session.scalars(sort_tickets(q, sort).offset(offset).limit(limit)))
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


@dataclass
class CheckInWrite:
    """One ticket of a CheckIn call: `view` its lookup (ticket, order, event, entry rule and every check-in
    row, the new one included, core.checkin_store.TicketView) and `row` the row written (None when the entry
    rule refused another entry or the nonce was a replay)."""

    view: TicketView
    row: LogRow | None


def check_in_rows(session: Session, event_id: str, ticket_numbers, *, station="", operator="", method="MANUAL",
                  now=None, nonce=None, device_time=None, clock_offset_s=0.0,
                  server_time: datetime | None = None, lock_keys=()) -> list[CheckInWrite]:
    """CheckIn (API.md §3.4) in the caller's transaction on the prepared statements (core.checkin_store;
    issue 11: one lookup per call on PostgreSQL, ~50 µs a ticket on SQLite, instead of five ORM statements):
    appends a CHECK_IN row (+ outbox "checkin.create" where the session writes outbox rows) for each ticket
    its entry rule admits now (checkin_merge.entry_check_for: not yet checked in, for DAILY not today, for
    MULTI fewer than N entries); already checked-in tickets and replayed nonces write nothing (idempotent,
    API.md gap 4, BC-15). Order status is not checked here (the door verdict does that: core.checkin.scan).
    `server_time` (aware UTC) is stored on the new rows (the hub passes its clock). Returns one CheckInWrite
    per distinct ticket in request order. NotFound for an unknown ticket or one of another event;
    InvalidArgument unless 1..100 numbers. Rows bypass the session's identity map (re-read to render).
    `lock_keys` (core.checkin_runner.ticket_lock_keys of the tickets): on PostgreSQL, advisory locks taken in
    the lookup's round trip so concurrent writers of these tickets serialise (the hub); SQLite ignores them."""
    numbers = list(dict.fromkeys(ticket_numbers or []))
    if not numbers or len(numbers) > 100:
        raise InvalidArgument("ticketNumber needs 1..100 values", field="ticketNumber")
    nonces = _nonces(nonce, numbers)
    known = _known_nonces(session, nonces) if nonce is not None else set()  # a fresh uuid4 is never known
    with session_runner(session, lock_keys) as runner:
        views = runner.lookup_many(numbers)
        for tn in numbers:
            if tn not in views or views[tn].event_id != event_id:
                raise NotFound(f"ticket {tn} not found in event {event_id}", code="TICKET_NOT_FOUND")
        out = []
        for tn, n in zip(numbers, nonces):
            view, row = views[tn], None
            if n not in known and entry_check_for(session, tn, view.rows, now=now, device_time=device_time,
                                                  clock_offset_s=clock_offset_s, rule=view.rule).allowed:
                values = local_row(tn, view.event_id, CHECK_IN, station=station, operator=operator, method=method,
                                   now=now, nonce=n, device_time=device_time, clock_offset_s=clock_offset_s)
                values["server_time"] = server_time
                row, _ = append(runner, view.rows, values, rule=view.rule)
            out.append(CheckInWrite(view, row))
    return out


def check_in(session: Session, event_id: str, ticket_numbers, *, station="", operator="", method="MANUAL",
             now=None, nonce=None, device_time=None, clock_offset_s=0.0) -> list[Ticket]:
    """check_in_rows, answering with the Ticket objects in request order (one query)."""
    writes = check_in_rows(session, event_id, ticket_numbers, station=station, operator=operator, method=method,
                           now=now, nonce=nonce, device_time=device_time, clock_offset_s=clock_offset_s)
    numbers = [w.view.ticket_number for w in writes]
    found = {t.ticket_number: t for t in session.scalars(select(Ticket).where(Ticket.ticket_number.in_(numbers)))}
    return [found[tn] for tn in numbers]


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


def resolve_typed(session, text: str) -> str:
    """The ticket number a code typed or pasted by staff stands for (core.codes.typed_candidates: quotes,
    spaces, lower case, no dashes, a check-in URL): the first candidate this ledger has a ticket or
    check-in rows for; else the first candidate (or the text trimmed and upper-cased), for the caller's
    NotFound to name."""
    candidates = typed_candidates(text)
    for tn in candidates:
        if session.get(Ticket, tn) is not None or ticket_rows(session, tn):
            return tn
    return candidates[0] if candidates else str(text).strip().upper()
