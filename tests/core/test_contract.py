"""Contract JSON serialisers (API.md §2.1, §3.1, §4.1): field names, fieldsets, Money strings, timestamps."""
import json
from datetime import datetime, timedelta, timezone

import pytest

from core.contract import definition_to_api, event_to_api, order_to_api, ticket_to_api
from core.definitions import create_definition, definition_counts
from core.events import create_event
from core.models import CheckIn, Order, Ticket
from core.tickets import checked_in_map

T0 = datetime(2025, 10, 26, 7, 30, tzinfo=timezone.utc)
EVENT_ID = "5b0c7e2a-1111-4c2d-9e0f-0a1b2c3d4e5f"


@pytest.fixture
def ev(session):
    event = create_event(session, title="Konzert", time_zone="Europe/Zurich", currency="EUR", start=T0,
                         event_id=EVENT_ID)
    session.commit()
    return event


def make_order(session, status="PAID", number="TQ4M-88RA-KD", n=2, price_minor=1999, currency="EUR",
               def_id="def-1"):
    session.add(Order(order_number=number, event_id=EVENT_ID, status=status, first_name="Mira",
                      last_name="Castell", email="mira@example.org", method="cash", currency=currency,
                      total_minor=n * price_minor, channel="OFFLINE_POS", station="box-1", created=T0,
                      updated=T0 + timedelta(minutes=1),
                      checkout_form=[{"inputName": "firstName", "value": "Mira"},
                                     {"inputName": "diet", "values": ["vegan", "nuts"]}]))
    for i in range(n):
        session.add(Ticket(ticket_number=f"{number}{21 + i:03d}", order_number=number, event_id=EVENT_ID,
                           definition_id=def_id, name="Adult", price_minor=price_minor, currency=currency,
                           created=T0, guest_first_name="Ana" if i == 0 else "",
                           guest_last_name="Moreira" if i == 0 else "",
                           guest_form=[{"inputName": "tshirt", "value": "M"}] if i == 0 else []))
    session.flush()
    return session.get(Order, number)


def check_in(session, ticket, at=T0, kind="CHECK_IN"):
    session.add(CheckIn(ticket_number=ticket, event_id=EVENT_ID, kind=kind, status="ACCEPTED", device_time=at,
                        corrected_time=at, station="door-1", nonce=f"n-{ticket}-{kind}-{at.timestamp()}"))
    session.flush()


def test_event_to_api_bc11(ev):
    """BC-11: start is the UTC instant of 08:30 Europe/Zurich, with the zone alongside."""
    out = event_to_api(ev)
    assert out == {"id": EVENT_ID, "title": "Konzert", "timeZone": "Europe/Zurich",
                   "start": "2025-10-26T07:30:00.000Z", "end": None, "currency": "EUR",
                   "registrationType": "RSVP", "currencyLocked": False,
                   "created": out["created"], "updated": out["updated"]}
    assert out["created"].endswith("Z")


def test_definition_to_api_without_counts(session, ev):
    d = create_definition(session, ev.id, {"name": "Adult", "price": {"value": "19.99"}, "policy": "No refunds",
                                           "description": "Standing", "limitPerCheckout": 6},
                          definition_id="def-1", now=T0)
    out = definition_to_api(d, now=T0)
    assert out == {"id": "def-1", "eventId": EVENT_ID, "name": "Adult", "description": "Standing",
                   "price": {"value": "19.99", "amount": "19.99", "currency": "EUR"}, "free": False,
                   "limitPerCheckout": 6, "orderIndex": 0, "policy": "No refunds", "salePeriod": None,
                   "saleStatus": "SALE_STARTED", "created": "2025-10-26T07:30:00.000Z",
                   "updated": "2025-10-26T07:30:00.000Z"}
    json.dumps(out)


def test_definition_to_api_free_period_and_dashboard(session, ev):
    d = create_definition(session, ev.id, {"name": "Kids", "quantity": 10, "hidden": True, "salePeriod": {
        "startDate": "2025-10-27T00:00:00Z", "endDate": "2025-10-28T00:00:00Z", "hideNotOnSale": True}})
    make_order(session, def_id=d.id, n=3, price_minor=0)
    d.reserved, d.reserved_until = 2, T0 + timedelta(minutes=20)
    check_in(session, "TQ4M-88RA-KD021")
    counts = definition_counts(session, ev.id, now=T0)[d.id]
    out = definition_to_api(d, counts, now=T0)
    assert out["free"] is True and out["price"]["value"] == "0.00"
    assert out["saleStatus"] == "SALE_SCHEDULED"
    assert out["salePeriod"] == {"startDate": "2025-10-27T00:00:00.000Z", "endDate": "2025-10-28T00:00:00.000Z",
                                 "hideNotOnSale": True}
    assert out["dashboard"] == {"hidden": True, "sold": 5, "limited": True, "quantity": 10, "unsold": 5,
                                "ticketsSold": 3, "ticketsReserved": 2}


def test_bc09_definition_price_jpy(session):
    event = create_event(session, title="Tokyo", time_zone="Asia/Tokyo", currency="JPY")
    d = create_definition(session, event.id, {"name": "Seat", "price": {"value": "1500", "currency": "JPY"}})
    assert definition_to_api(d)["price"] == {"value": "1500", "amount": "1500", "currency": "JPY"}
    counts = definition_counts(session, event.id)[d.id]
    assert definition_to_api(d, counts)["dashboard"]["unsold"] is None   # unlimited


def test_order_to_api_default_fieldsets(session, ev):
    order = make_order(session)
    check_in(session, "TQ4M-88RA-KD021", at=T0 + timedelta(hours=1))
    out = order_to_api(order)
    json.dumps(out)
    assert {k: out[k] for k in ("orderNumber", "eventId", "status", "firstName", "lastName", "fullName", "email",
                                "method", "archived", "confirmed", "ticketsQuantity", "channel",
                                "fullyCheckedIn")} == {
        "orderNumber": "TQ4M-88RA-KD", "eventId": EVENT_ID, "status": "PAID", "firstName": "Mira",
        "lastName": "Castell", "fullName": "Mira Castell", "email": "mira@example.org", "method": "cash",
        "archived": False, "confirmed": True, "ticketsQuantity": 2, "channel": "OFFLINE_POS",
        "fullyCheckedIn": False}
    assert out["totalPrice"] == {"value": "39.98", "amount": "39.98", "currency": "EUR"}   # BC-07
    assert (out["created"], out["updated"]) == ("2025-10-26T07:30:00.000Z", "2025-10-26T07:31:00.000Z")
    assert out["checkoutForm"] == {"inputValues": [
        {"inputName": "firstName", "value": "Mira", "values": []},
        {"inputName": "diet", "value": "", "values": ["vegan", "nuts"]}]}
    first, second = out["tickets"]
    assert first["checkIn"] == {"created": "2025-10-26T08:30:00.000Z"} and "checkIn" not in second
    assert first["guestDetails"]["form"] == {"inputValues": [{"inputName": "tshirt", "value": "M", "values": []}]}


@pytest.mark.parametrize("status, confirmed", [("PAID", True), ("FREE", True), ("OFFLINE_PENDING", False),
                                               ("INITIATED", False), ("CANCELED", False), ("AUTHORIZED", False)])
def test_order_confirmed_by_status(session, ev, status, confirmed):
    out = order_to_api(make_order(session, status=status), fieldsets=["DETAILS"])
    assert out["status"] == status and out["confirmed"] is confirmed
    assert "tickets" not in out and "checkoutForm" not in out


def test_order_without_fieldsets_is_minimal(session, ev):
    """API.md §2.2: without fieldsets only the identity fields come back and status is NA_ORDER_STATUS."""
    out = order_to_api(make_order(session), fieldsets=())
    assert out == {"orderNumber": "TQ4M-88RA-KD", "eventId": EVENT_ID, "status": "NA_ORDER_STATUS",
                   "anonymized": False, "fullyCheckedIn": False}


def test_fully_checked_in_from_session_and_undo(session, ev):
    order = make_order(session)
    check_in(session, "TQ4M-88RA-KD021")
    check_in(session, "TQ4M-88RA-KD022")
    assert order_to_api(order, fieldsets=())["fullyCheckedIn"] is True
    check_in(session, "TQ4M-88RA-KD022", at=T0 + timedelta(minutes=5), kind="UNDO")
    assert order_to_api(order, fieldsets=())["fullyCheckedIn"] is False
    explicit = checked_in_map(session, ["TQ4M-88RA-KD021", "TQ4M-88RA-KD022"])
    assert order_to_api(order, checked_in=explicit, fieldsets=["TICKETS"])["tickets"][1].get("checkIn") is None


def test_ticket_to_api_details(session, ev):
    order = make_order(session, status="OFFLINE_PENDING")
    order.archived = True
    ticket = order.tickets[0]
    out = ticket_to_api(ticket, None)
    json.dumps(out)
    assert "checkIn" not in out                           # present only when checked in (API.md §5)
    assert out["checkInUrl"] == f"https://www.wixevents.com/check-in/TQ4M-88RA-KD021,{EVENT_ID}"
    assert {k: out[k] for k in ("ticketNumber", "orderNumber", "ticketDefinitionId", "name", "free",
                                "orderStatus", "orderArchived", "archived", "canceled", "orderFullName",
                                "guestFullName", "channel")} == {
        "ticketNumber": "TQ4M-88RA-KD021", "orderNumber": "TQ4M-88RA-KD", "ticketDefinitionId": "def-1",
        "name": "Adult", "free": False, "orderStatus": "OFFLINE_PENDING", "orderArchived": True,
        "archived": False, "canceled": False, "orderFullName": "Mira Castell", "guestFullName": "Ana Moreira",
        "channel": "OFFLINE_POS"}
    assert out["price"] == {"value": "19.99", "amount": "19.99", "currency": "EUR"}
    assert out["guestDetails"] == {"guestAssigned": True, "firstName": "Ana", "lastName": "Moreira", "email": ""}
    unassigned = ticket_to_api(order.tickets[1], None)
    assert unassigned["guestFullName"] is None and unassigned["guestDetails"]["guestAssigned"] is False


def test_ticket_checkin_created_and_fieldsets(session, ev):
    order = make_order(session)
    check_in(session, "TQ4M-88RA-KD021", at=T0 + timedelta(hours=12, minutes=42))
    row = checked_in_map(session, ["TQ4M-88RA-KD021"])["TQ4M-88RA-KD021"]
    assert ticket_to_api(order.tickets[0], row)["checkIn"] == {"created": "2025-10-26T20:12:00.000Z"}
    assert ticket_to_api(order.tickets[0], row, fieldsets=()) == {"memberId": "", "anonymized": False}
    only_form = ticket_to_api(order.tickets[0], None, fieldsets=["GUEST_FORM"])
    assert only_form["guestDetails"] == {"form": {"inputValues": [{"inputName": "tshirt", "value": "M",
                                                                   "values": []}]}}
    details = ticket_to_api(order.tickets[0], row, fieldsets=["TICKET_DETAILS"])
    assert "guestDetails" not in details and details["ticketNumber"] == "TQ4M-88RA-KD021"


def test_bc09_order_total_jpy_and_kwd(session, ev):
    jpy = make_order(session, number="JPYY-0000-01", n=3, price_minor=1500, currency="JPY")
    assert order_to_api(jpy)["totalPrice"]["value"] == "4500"
    assert order_to_api(jpy)["tickets"][0]["price"]["value"] == "1500"
    kwd = make_order(session, number="KWDD-0000-01", n=1, price_minor=1234, currency="KWD")
    assert order_to_api(kwd)["totalPrice"]["value"] == "1.234"
