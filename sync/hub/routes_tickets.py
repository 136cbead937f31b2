"""TicketManagement calls (API.md §3): ListTickets, GetTicket, CheckIn, DeleteCheckIn over core.tickets;
their routes are declared in sync.hub.routes. Check-ins arriving through the plain CheckIn call are recorded
with the calling station's name."""
from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from core import contract
from core.changes import note
from core.checkin_merge import current_check_in
from core.checkin_runner import ticket_lock_keys
from core.entrances import check_admitted
from core.errors import InvalidArgument
from core.models import CheckIn, Order, Ticket
from core.checkin_store import TicketView
from core.tickets import check_in_rows, checked_in_map, delete_check_in, get_ticket, list_tickets
from sync.hub import changes
from sync.hub.params import require_str, same_param, str_list
from sync.hub.render import TICKET_SETS, facet_counts, fieldsets, tickets_json
from sync.hub.runner import Call

FULL = contract.TICKET_FIELDSETS


def _event_ids(c: Call) -> list[str] | None:
    if "eventId" in c.path:
        return [same_param("eventId", c.path["eventId"], c.query.all("eventId"))]
    return c.query.all("eventId") or None


def list_call(c: Call) -> dict:
    q = c.query
    sets = fieldsets(q.all("fieldset", split=True), TICKET_SETS)
    args = {"event_ids": _event_ids(c), "ticket_numbers": q.all("ticketNumber") or None,
            "order_numbers": q.all("orderNumber") or None, "definition_ids": q.all("ticketDefinitionId") or None,
            "states": q.all("state", split=True) or None, "order_statuses": q.all("orderStatus", split=True) or None,
            "search": q.one("searchPhrase"), "sort": q.one("sort", default="ticketNumber:asc")}
    if q.all("memberId", "contactId", "seatId"):
        args["states"] = (args["states"] or []) + ["MEMBER"]  # no members/contacts/seats here: matches nothing
    page = list_tickets(c.session, offset=q.int("offset", 0), limit=q.int("limit"), **args)
    checked: dict = {}

    def fetch(offset: int):
        facet_page = list_tickets(c.session, offset=offset, limit=100, **args)
        checked.update(checked_in_map(c.session, [t.ticket_number for t in facet_page.items]))
        return facet_page

    facets = facet_counts(fetch, q.all("facet", split=True),
                          {"free": lambda t: not t.price_minor, "archived": lambda t: bool(t.archived),
                           "checkedIn": lambda t: t.ticket_number in checked})
    return {"total": page.total, "offset": page.offset, "limit": page.limit,
            "tickets": tickets_json(c.session, page.items, sets), "facets": facets}


def get_call(c: Call) -> dict:
    number = same_param("ticketNumber", c.path["ticketNumber"], c.query.all("ticketNumber"))
    event_ids = _event_ids(c)
    ticket = get_ticket(c.session, number, event_ids[0] if event_ids else None)
    sets = fieldsets(c.query.all("fieldset", split=True), TICKET_SETS)
    return {"ticket": tickets_json(c.session, [ticket], sets)[0]}


def _numbers_and_event(c: Call) -> tuple[str, list[str]]:
    """eventId and ticket numbers from the body (CheckIn) or the query (DeleteCheckIn; a body is tolerated)."""
    event_id = c.body.get("eventId") or c.query.one("eventId")
    event_id = require_str(event_id, "eventId")
    if c.body.get("eventId") and c.query.one("eventId") and c.query.one("eventId") != event_id:
        raise InvalidArgument("eventId in the query differs from the body", field="eventId")
    raw = c.body.get("ticketNumber") if c.body.get("ticketNumber") is not None else c.query.all("ticketNumber")
    return event_id, str_list(raw, "ticketNumber", min_len=1, max_len=100)


def check_in_call(c: Call) -> dict:
    event_id, numbers = _numbers_and_event(c)
    locks = ticket_lock_keys(numbers)  # PostgreSQL: taken in the lookup's round trip (core.checkin_runner)
    if c.body.get("entranceId"):  # hub extension field: the station's entrance, the door's rule (core.entrances)
        c.lock(*locks)  # the entrance check reads first: lock before it
        locks = []
        check_admitted(c.session, event_id, require_str(c.body["entranceId"], "entranceId"), numbers)
    writes = check_in_rows(c.session, event_id, numbers, station=c.station.name, method="SYNC", now=c.now,
                           server_time=c.now, lock_keys=locks)
    written = [w.view for w in writes if w.row is not None]  # a refused or replayed entry changes nothing
    c.feed = (changes.checkin_entries((v.ticket_number, v.event_id, v.definition_id, [r.id for r in v.rows])
                                      for v in written), [w.view.ticket_number for w in writes])
    return lambda: {"tickets": views_json(c.session, [w.view for w in writes])}  # rendered after the commit


def delete_check_in_call(c: Call) -> dict:
    event_id, numbers = _numbers_and_event(c)
    c.lock(*ticket_lock_keys(numbers))
    tickets = delete_check_in(c.session, event_id, numbers, station=c.station.name, now=c.now)
    note(c.session, checkins=numbers)
    return lambda: {"tickets": written_tickets_json(c.session, tickets)}


_TICKET_FIELDS = ("ticket_number", "order_number", "definition_id", "name", "price_minor", "currency", "archived",
                  "canceled", "guest_first_name", "guest_last_name", "guest_email", "guest_form", "event_id",
                  "created")  # what contract.ticket_to_api reads of a ticket …
_ORDER_FIELDS = ("status", "archived", "first_name", "last_name", "channel")  # … and of its order
_ANSWER = (select(*(getattr(Ticket, f) for f in _TICKET_FIELDS),
                  *(getattr(Order, f).label("order_" + f) for f in _ORDER_FIELDS), Order.order_number.label("o_key"))
           .outerjoin(Order, Order.order_number == Ticket.order_number)
           .where(Ticket.ticket_number.in_(bindparam("tns", expanding=True))))


def views_json(session: Session, views: list[TicketView]) -> list[dict]:
    """The answer of CheckIn (every fieldset) for the tickets a call looked up and wrote (core.tickets.
    check_in_rows): their check-in state from the rows the call already holds (the rule's Python form,
    core.checkin_merge.current_check_in); the ticket and order fields from the lookup itself where it read
    them (`TicketView.answer`: PostgreSQL, no second round trip), else from one Core query (no ORM objects:
    issue 11, building them was a third of a CheckIn)."""
    found = {v.ticket_number: _from_view(v) for v in views if v.answer is not None}
    missing = [v.ticket_number for v in views if v.answer is None]
    for r in session.connection().execute(_ANSWER, {"tns": missing}) if missing else ():
        m = r._mapping
        order = SimpleNamespace(**{f: m["order_" + f] for f in _ORDER_FIELDS}) if m["o_key"] else None
        found[m["ticket_number"]] = SimpleNamespace(**{f: m[f] for f in _TICKET_FIELDS}, order=order)
    return [contract.ticket_to_api(found[v.ticket_number], current_check_in(v.rows), fieldsets=FULL)
            for v in views]


def _from_view(v: TicketView) -> SimpleNamespace:
    """The ticket (with its order) as contract.ticket_to_api reads it, from a lookup's view and `answer`."""
    a = v.answer
    order = SimpleNamespace(status=v.order_status, archived=v.order_archived, first_name=v.first_name,
                            last_name=v.last_name, channel=a["channel"])
    return SimpleNamespace(ticket_number=v.ticket_number, order_number=v.order_number, definition_id=v.definition_id,
                           name=v.name, price_minor=a["price_minor"], currency=a["ticket_currency"],
                           archived=v.archived, canceled=v.canceled, guest_first_name=v.guest_first_name,
                           guest_last_name=v.guest_last_name, guest_email=a["guest_email"],
                           guest_form=a["guest_form"], event_id=v.event_id, created=a["created"], order=order)


def written_tickets_json(session: Session, tickets: list[Ticket]) -> list[dict]:
    """The answer of CheckIn / DeleteCheckIn (every fieldset): the tickets just written, their check-in state
    from one plain SELECT of their rows and the rule's Python form (core.checkin_merge.current_check_in),
    instead of the correlated SQL form a listing needs (issue 11: that query was a third of a CheckIn)."""
    rows: dict[str, list[CheckIn]] = {t.ticket_number: [] for t in tickets}
    for row in session.scalars(select(CheckIn).where(CheckIn.ticket_number.in_(list(rows)))):
        rows[row.ticket_number].append(row)
    return [contract.ticket_to_api(t, current_check_in(rows[t.ticket_number]), fieldsets=FULL) for t in tickets]
