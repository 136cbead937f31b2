"""TicketManagement routes (API.md §3): ListTickets, GetTicket, CheckIn, DeleteCheckIn over core.tickets.
Check-ins arriving through the plain CheckIn call are recorded with the calling station's name."""
from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request

from core import contract
from core.errors import InvalidArgument
from core.tickets import checked_in_map, check_in, delete_check_in, get_ticket, list_tickets
from sync.hub.changes import last_checkin_id, touch_checkins_after
from sync.hub.params import require_str, same_param, str_list
from sync.hub.render import TICKET_SETS, facet_counts, fieldsets, tickets_json
from sync.hub.runner import Call, run

router = APIRouter()
FULL = contract.TICKET_FIELDSETS


@router.get("/events/v1/tickets")
async def list_tickets_route(request: Request):
    """ListTickets (API.md §3.2) → {total, offset, limit (clamped to 100), tickets, facets}."""
    return await run(request, "tickets.read", _list)


@router.get("/events/v1/events/{eventId}/tickets")
async def list_event_tickets_route(request: Request):
    """ListTickets, older path with the event in the path (API.md §3.2)."""
    return await run(request, "tickets.read", _list)


@router.post("/events/v1/tickets/check-in")
async def check_in_route(request: Request):
    """CheckIn (API.md §3.4) body {eventId, ticketNumber: [1..100]} → {tickets}."""
    return await run(request, "tickets.checkin", _check_in, write=True)


@router.delete("/events/v1/tickets/check-in")
async def delete_check_in_route(request: Request):
    """DeleteCheckIn (API.md §3.5) query eventId + repeated ticketNumber → {tickets}."""
    return await run(request, "tickets.checkin", _delete_check_in, write=True)


@router.get("/events/v1/tickets/{ticketNumber}")
async def get_ticket_route(request: Request):
    """GetTicket (API.md §3.3) → {ticket}."""
    return await run(request, "tickets.read", _get)


@router.get("/events/v1/events/{eventId}/tickets/{ticketNumber}")
async def get_event_ticket_route(request: Request):
    """GetTicket, older path with the event in the path (API.md §3.3)."""
    return await run(request, "tickets.read", _get)


def _event_ids(c: Call) -> list[str] | None:
    if "eventId" in c.path:
        return [same_param("eventId", c.path["eventId"], c.query.all("eventId"))]
    return c.query.all("eventId") or None


def _list(c: Call) -> dict:
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


def _get(c: Call) -> dict:
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


def _check_in(c: Call) -> dict:
    event_id, numbers = _numbers_and_event(c)
    c.lock(*("ticket:" + n for n in numbers))
    before = last_checkin_id(c.session, numbers)
    tickets = check_in(c.session, event_id, numbers, station=c.station.name, method="SYNC", now=c.now)
    touch_checkins_after(c.session, numbers, before, c.now)
    return {"tickets": tickets_json(c.session, tickets, FULL)}


def _delete_check_in(c: Call) -> dict:
    event_id, numbers = _numbers_and_event(c)
    c.lock(*("ticket:" + n for n in numbers))
    before = last_checkin_id(c.session, numbers)
    tickets = delete_check_in(c.session, event_id, numbers, station=c.station.name, now=c.now)
    touch_checkins_after(c.session, numbers, before, c.now)
    return {"tickets": tickets_json(c.session, tickets, FULL)}
