"""sync.apply on a real SQLite ledger: contract JSON → rows, server wins except pending rows, malformed answers
change nothing, unknown statuses kept verbatim, plain check-in state → SYNC rows."""
import pytest
from sqlalchemy import func, select

from core.definitions import create_definition, update_definition
from core.events import create_event
from core.models import CheckIn, Order, Ticket, TicketDefinition
from core.tickets import checked_in_map
from sync.apply import (apply_orders, apply_tickets, definition_from_api, order_from_api, parse_ticket,
                        ticket_from_api)
from sync.errors import MalformedData
from sync.appliers import derive_checkins

EV = "5b0c7e2a-1111-4c2d-9e0f-0a1b2c3d4e5f"
DEF = "0d6f5c2e-2222-4c2d-9e0f-0a1b2c3d4e5f"


def _def(**over):
    data = {"id": DEF, "eventId": EV, "name": "Early Bird", "description": "first 100",
            "price": {"value": "19.99", "currency": "EUR"}, "limitPerCheckout": 20, "orderIndex": 0,
            "policy": "no refunds", "salePeriod": None,
            "dashboard": {"hidden": False, "limited": True, "quantity": 100, "ticketsSold": 99,
                          "ticketsReserved": 0}}
    data.update(over)
    return data


def _ticket(tn, on="FM9X-EHKF-ZO", checked=None, **over):
    data = {"ticketNumber": tn, "orderNumber": on, "ticketDefinitionId": DEF, "name": "Early Bird",
            "price": {"value": "19.99", "currency": "EUR"}, "orderStatus": "PAID", "archived": False,
            "orderFullName": "Ana Moreira", "guestDetails": {"firstName": "Ana", "lastName": "Moreira",
                                                            "email": "ana@example.org"}}
    if checked:
        data["checkIn"] = {"created": checked}
    data.update(over)
    return data


def _order(on="FM9X-EHKF-ZO", status="PAID", tickets=None, **over):
    data = {"orderNumber": on, "eventId": EV, "status": status, "firstName": "Ana", "lastName": "Moreira",
            "email": "ana@example.org", "totalPrice": {"value": "39.98", "currency": "EUR"},
            "created": "2025-06-14T10:00:00.000Z", "updated": "2025-06-14T10:00:00.000Z", "archived": False,
            "channel": "ONLINE", "checkoutForm": {"inputValues": [{"inputName": "firstName", "value": "Ana"}]},
            "tickets": tickets if tickets is not None else [_ticket(on + "021", on), _ticket(on + "022", on)]}
    data.update(over)
    return data


@pytest.fixture
def event(ledger):
    with ledger.uow() as uow:
        create_event(uow.session, title="Gala", time_zone="Europe/Zurich", currency="EUR", event_id=EV)
        uow.commit()
    return EV


def test_definition_upsert_reads_money_as_minor_units_and_dashboard(ledger, event):
    with ledger.uow() as uow:
        defn = definition_from_api(uow.session, _def())
        uow.commit()
    assert (defn.price_minor, defn.currency, defn.quantity, defn.limited) == (1999, "EUR", 100, True)
    assert defn.policy == "no refunds" and defn.limit_per_checkout == 20


def test_server_wins_unless_the_definition_has_a_pending_local_edit(ledger, event):
    with ledger.uow() as uow:
        definition_from_api(uow.session, _def())
        uow.commit()
    with ledger.uow() as uow:
        definition_from_api(uow.session, _def(name="Early Bird II"))
        uow.commit()
    with ledger.uow() as uow:
        assert uow.session.get(TicketDefinition, DEF).name == "Early Bird II"
        update_definition(uow.session, DEF, {"name": "Mine"}, ["name"])  # pending outbox row
        uow.commit()
    with ledger.uow() as uow:
        definition_from_api(uow.session, _def(name="Theirs"))
        uow.commit()
    with ledger.uow() as uow:
        assert uow.session.get(TicketDefinition, DEF).name == "Mine"


def test_order_with_tickets_and_unknown_status_kept_verbatim(ledger, event):
    with ledger.uow() as uow:
        order = order_from_api(uow.session, _order(status="AUTHORIZED_SOMEDAY"))
        uow.commit()
    assert order.status == "AUTHORIZED_SOMEDAY"
    with ledger.uow() as uow:
        tickets = uow.session.scalars(select(Ticket).order_by(Ticket.ticket_number)).all()
        assert [t.ticket_number for t in tickets] == ["FM9X-EHKF-ZO021", "FM9X-EHKF-ZO022"]
        assert tickets[0].guest_email == "ana@example.org" and tickets[0].price_minor == 1999


def test_na_order_status_never_overwrites_a_known_status(ledger, event):
    with ledger.uow() as uow:
        order_from_api(uow.session, _order(status="OFFLINE_PENDING"))
        order_from_api(uow.session, {"orderNumber": "FM9X-EHKF-ZO", "eventId": EV, "status": "NA_ORDER_STATUS"})
        uow.commit()
    with ledger.uow() as uow:
        assert uow.session.get(Order, "FM9X-EHKF-ZO").status == "OFFLINE_PENDING"


@pytest.mark.parametrize("bad", [
    {"totalPrice": {"value": "12.345", "currency": "EUR"}},      # more decimals than EUR has
    {"totalPrice": {"value": 12.5, "currency": "EUR"}},           # a float never becomes money
    {"created": "2025-06-14 10:00"},                               # no offset
    {"tickets": "T-1"},                                            # not a list
    {"orderNumber": ""},
])
def test_bc19_malformed_answer_raises_and_changes_nothing(ledger, event, bad):
    with ledger.uow() as uow:
        with pytest.raises(MalformedData):
            apply_orders(uow.session, [_order("GOOD-0001-AA"), _order("BAD-0002-BB", **bad)], EV)
        uow.commit()
    with ledger.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Order)) == 0
        assert uow.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_ticket_of_unknown_order_gets_a_placeholder_order_from_its_order_status(ledger, event):
    with ledger.uow() as uow:
        ticket = ticket_from_api(uow.session, _ticket("ZZZZ-0000-AA021", "ZZZZ-0000-AA", orderStatus="PAID"), EV)
        uow.commit()
    assert ticket.order_number == "ZZZZ-0000-AA"
    with ledger.uow() as uow:
        order = uow.session.get(Order, "ZZZZ-0000-AA")
        assert (order.status, order.first_name, order.last_name) == ("PAID", "Ana", "Moreira")


def test_bulk_apply_of_1200_tickets_then_update(ledger, event):
    with ledger.uow() as uow:
        order_from_api(uow.session, _order(tickets=[]))
        apply_tickets(uow.session, [_ticket(f"FM9X-EHKF-ZO{i:04d}") for i in range(1200)], EV)
        uow.commit()
    with ledger.uow() as uow:
        apply_tickets(uow.session, [_ticket("FM9X-EHKF-ZO0007", archived=True)], EV)
        uow.commit()
    with ledger.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Ticket)) == 1200
        assert uow.session.get(Ticket, "FM9X-EHKF-ZO0007").archived is True
        assert uow.session.get(Ticket, "FM9X-EHKF-ZO0008").archived is False


def test_plain_checkin_state_becomes_a_sync_row_once_and_an_undo_when_removed(ledger, event):
    on = "FM9X-EHKF-ZO"
    with ledger.uow() as uow:
        order_from_api(uow.session, _order(tickets=[]))
        for _ in range(2):  # a repeated pull adds nothing new
            rows = apply_tickets(uow.session, [_ticket(on + "021", checked="2025-06-14T19:12:00.000Z")], EV)
            derive_checkins(uow.session, rows)
        uow.commit()
    with ledger.uow() as uow:
        rows = uow.session.scalars(select(CheckIn)).all()
        assert [(r.kind, r.method, r.status) for r in rows] == [("CHECK_IN", "SYNC", "ACCEPTED")]
        assert on + "021" in checked_in_map(uow.session, [on + "021"])
        rows = apply_tickets(uow.session, [_ticket(on + "021")], EV)  # deleted centrally
        assert derive_checkins(uow.session, rows) == 1
        uow.commit()
    with ledger.uow() as uow:
        assert checked_in_map(uow.session, [on + "021"]) == {}
        kinds = [r.kind for r in uow.session.scalars(select(CheckIn).order_by(CheckIn.id))]
        assert kinds == ["CHECK_IN", "UNDO"]


def test_parse_ticket_needs_an_order_number():
    with pytest.raises(MalformedData, match="orderNumber"):
        parse_ticket({"ticketNumber": "T-1"}, EV)


def test_definition_created_locally_keeps_its_id_when_echoed(ledger, event):
    with ledger.uow() as uow:
        local = create_definition(uow.session, EV, {"name": "Door", "price": {"value": "5.00", "currency": "EUR"}})
        uow.commit()
    with ledger.uow() as uow:
        defn = definition_from_api(uow.session, _def(id=local.id, name="Door"))
        uow.commit()
    # the create is still pending: the server's echo must not clobber it, but the row exists
    assert defn.id == local.id and defn.price_minor == 500
