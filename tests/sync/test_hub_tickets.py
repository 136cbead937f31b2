"""TicketManagement on the hub (API.md §3): ListTickets, GetTicket, CheckIn, DeleteCheckIn, and the
"only 200 + JSON body is success" rule of the vendor's client (BC-19)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.models import CheckIn
from tests.sync.hub_fixtures import expect_error, ok


@pytest.fixture
def door(hub):
    ev = hub.seed_event()
    d = hub.seed_definition(ev)
    sale = hub.seed_sale(ev, {d: 3}, first="Łucja", last="Ørsted-Núñez")
    return {"event": ev, "definition": d, "sale": sale, "tickets": sale["tickets"],
            "c": hub.client("door", name="door-north")}


def test_list_tickets_fieldsets(door):
    c, ev = door["c"], door["event"]
    bare = ok(c.get("/events/v1/tickets", params={"eventId": ev}))
    assert bare["total"] == 3 and all(set(t) == {"memberId", "anonymized"} for t in bare["tickets"])
    full = ok(c.get("/events/v1/tickets", params=[("eventId", ev), ("fieldset", "TICKET_DETAILS"),
                                                  ("fieldset", "GUEST_DETAILS"), ("limit", "2")]))
    assert full["limit"] == 2 and full["offset"] == 0 and len(full["tickets"]) == 2
    t = full["tickets"][0]
    assert t["ticketNumber"] == door["tickets"][0] and t["orderFullName"] == "Łucja Ørsted-Núñez"
    assert t["checkInUrl"] == f"https://www.wixevents.com/check-in/{t['ticketNumber']},{ev}"
    assert "checkIn" not in t and t["guestDetails"]["firstName"] == "Łucja"


def test_list_tickets_older_path_filters_and_clamp(door):
    c, ev, tns = door["c"], door["event"], door["tickets"]
    body = ok(c.get(f"/events/v1/events/{ev}/tickets", params=[("ticketNumber", tns[0]), ("ticketNumber", tns[2]),
                                                               ("fieldset", "TICKET_DETAILS"), ("limit", "1000")]))
    assert body["limit"] == 100 and [t["ticketNumber"] for t in body["tickets"]] == [tns[0], tns[2]]
    found = ok(c.get("/events/v1/tickets", params={"searchPhrase": tns[1][-4:]}))
    assert found["total"] == 1
    expect_error(c.get("/events/v1/tickets", params={"state": "SLEEPING"}), 400)


def test_get_ticket_with_repeated_path_params(door):
    c, ev, tn = door["c"], door["event"], door["tickets"][0]
    body = ok(c.get(f"/events/v1/tickets/{tn}", params=[("ticketNumber", tn), ("eventId", ev),
                                                         ("fieldset", "TICKET_DETAILS")]))
    assert body["ticket"]["ticketNumber"] == tn and body["ticket"]["orderStatus"] == "PAID"
    older = ok(c.get(f"/events/v1/events/{ev}/tickets/{tn}", params={"fieldset": "TICKET_DETAILS"}))
    assert older["ticket"]["ticketNumber"] == tn
    expect_error(c.get(f"/events/v1/tickets/{tn}", params={"ticketNumber": "OTHER-1"}), 400)
    expect_error(c.get(f"/events/v1/tickets/{tn}", params={"eventId": "another-event"}), 404)
    expect_error(c.get("/events/v1/tickets/NOPE-NOPE-NO021"), 404)


def test_check_in_records_station_and_is_idempotent(hub, door):
    c, ev, tns = door["c"], door["event"], door["tickets"]
    tickets = ok(c.post("/events/v1/tickets/check-in", json={"eventId": ev, "ticketNumber": tns[:2]}))["tickets"]
    assert [t["ticketNumber"] for t in tickets] == tns[:2] and all("created" in t["checkIn"] for t in tickets)
    again = ok(c.post("/events/v1/tickets/check-in", json={"eventId": ev, "ticketNumber": [tns[0]]}))["tickets"]
    assert again[0]["checkIn"] == tickets[0]["checkIn"]
    with hub.ledger.uow() as uow:
        rows = [(r.station, r.server_time) for r in
                uow.session.scalars(select(CheckIn).where(CheckIn.ticket_number.in_(tns)))]
    assert len(rows) == 2 and {station for station, _ in rows} == {"door-north"}
    assert all(server_time is not None for _, server_time in rows)
    listed = ok(c.get("/events/v1/tickets", params=[("eventId", ev), ("state", "CHECKED_IN"), ("facet", "checkedIn")]))
    assert listed["total"] == 2 and listed["facets"]["checkedIn"]["counts"] == {"true": 2}


def test_delete_check_in_query_only_repeated_ticket_numbers(door):
    c, ev, tns = door["c"], door["event"], door["tickets"]
    ok(c.post("/events/v1/tickets/check-in", json={"eventId": ev, "ticketNumber": tns}))
    resp = c.delete("/events/v1/tickets/check-in", params=[("eventId", ev), ("ticketNumber", tns[0]),
                                                           ("ticketNumber", tns[1])])
    tickets = ok(resp)["tickets"]
    assert [t["ticketNumber"] for t in tickets] == tns[:2] and not any("checkIn" in t for t in tickets)
    rest = ok(c.get("/events/v1/tickets", params=[("eventId", ev), ("state", "CHECKED_IN")]))
    assert rest["total"] == 1
    # undoing a ticket that is not checked in leaves it unchanged (API.md gap 5)
    assert "checkIn" not in ok(c.delete("/events/v1/tickets/check-in",
                                        params=[("eventId", ev), ("ticketNumber", tns[0])]))["tickets"][0]


def test_check_in_errors(door):
    c, ev = door["c"], door["event"]
    expect_error(c.post("/events/v1/tickets/check-in", json={"eventId": ev, "ticketNumber": ["NOPE-NOPE-NO021"]}),
                 404)
    expect_error(c.post("/events/v1/tickets/check-in", json={"eventId": ev, "ticketNumber": []}), 400)
    expect_error(c.post("/events/v1/tickets/check-in",
                        json={"eventId": ev, "ticketNumber": [f"T-{i}" for i in range(101)]}), 400)
    expect_error(c.post("/events/v1/tickets/check-in", json={"ticketNumber": door["tickets"][:1]}), 400)
    expect_error(c.post("/events/v1/tickets/check-in", content=b'{"eventId": ',
                        headers={"Content-Type": "application/json"}), 400)
    expect_error(c.post("/events/v1/tickets/check-in", json=[1, 2]), 400)
    expect_error(c.delete("/events/v1/tickets/check-in", params={"eventId": ev}), 400)


def test_only_200_with_json_body_is_success_bc19(hub, door):
    """Every successful call of the contract answers 200 with a JSON object; DELETE and PUT answer 200 {}."""
    org, ev, tns, d = hub.client("organiser"), door["event"], door["tickets"], door["definition"]
    number = door["sale"]["orderNumber"]
    new_def = ok(org.post("/events/v1/ticket-definitions", json={"eventId": ev, "definition": {"name": "Kid"}}))
    calls = [
        ("GET", "/events/v1/orders", {}), ("GET", f"/events/v1/events/{ev}/orders/{number}", {}),
        ("PATCH", f"/events/v1/events/{ev}/orders/{number}", {"json": {"fields": "archived", "archived": False}}),
        ("PATCH", f"/events/v1/events/{ev}/orders", {"json": {"orderNumber": [number], "archived": False}}),
        ("POST", f"/events/v1/events/{ev}/orders/confirm", {"json": {"orderNumber": [number]}}),
        ("GET", "/events/v1/orders/summary", {}), ("GET", "/events/v1/tickets", {}),
        ("GET", f"/events/v1/tickets/{tns[0]}", {}),
        ("POST", "/events/v1/tickets/check-in", {"json": {"eventId": ev, "ticketNumber": [tns[0]]}}),
        ("DELETE", "/events/v1/tickets/check-in", {"params": {"eventId": ev, "ticketNumber": tns[0]}}),
        ("GET", "/events/v1/ticket-definitions", {}), ("GET", f"/events/v1/ticket-definitions/{d}", {}),
        ("POST", "/events/v1/ticket-definitions/query", {"json": {}}),
        ("PATCH", f"/events/v1/ticket-definitions/{d}", {"json": {"definition": {"name": "A"}, "fields": "name"}}),
        ("GET", "/events/v1/events", {}), ("GET", f"/events/v1/events/{ev}", {}),
    ]
    for method, path, kw in calls:
        ok(org.request(method, path, **kw))
    empty = [("DELETE", "/events/v1/ticket-definitions",
              {"params": {"eventId": ev, "byId.definitionId": new_def["definition"]["id"]}}),
             ("PUT", "/events/v1/ticket-definitions/currency", {"json": {"eventId": ev, "currency": "EUR"}})]
    for method, path, kw in empty:
        resp = org.request(method, path, **kw)
        assert resp.status_code == 200 and resp.content == b"{}", (path, resp.status_code, resp.content)


def test_list_tickets_search_ignores_accents(hub):
    """ListTickets / ListOrders `searchPhrase` folds accents on both sides (core.textsearch_fold), on the
    SQLite hub through its index and on PostgreSQL in SQL without the `unaccent` extension."""
    ev = hub.seed_event()
    d = hub.seed_definition(ev)
    hub.seed_sale(ev, {d: 2}, first="Jürgen", last="Müller")
    hub.seed_sale(ev, {d: 1}, first="Jurgen", last="Łukasiewicz")
    c = hub.client("organiser")

    def total(path: str, phrase: str) -> int:
        return ok(c.get(f"/events/v1/{path}", params={"eventId": ev, "searchPhrase": phrase}))["total"]

    assert [total("tickets", p) for p in ("jurgen", "JÜRGEN", "jür", "ju")] == [3, 3, 3, 3]
    assert [total("tickets", p) for p in ("muller", "müller", "lukasiewicz", "jurgen muller")] == [2, 2, 1, 2]
    assert total("orders", "jurgen muller") == 1 and total("orders", "LUKASIEWICZ") == 1
    assert total("tickets", "mueller") == 2 and total("orders", "jurgen mueller") == 1  # ü typed as ue (trial)
