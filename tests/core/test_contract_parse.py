"""Contract JSON parsers (core.contract_parse): round trips with core.contract's renderers, the one error type
(ContractError, a 400 InvalidArgument shared by the hub and the station's sync engine), lenient reading of
pulled answers and strict reading of what the hub stores."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from core.contract import definition_to_api, event_to_api, order_to_api
from core.contract_parse import (parse_checkin_rows, parse_definition, parse_event, parse_order, parse_ticket,
                                 parse_upload)
from core.definitions import create_definition
from core.errors import ContractError, DomainError, InvalidArgument
from core.events import create_event
from core.sales import sell
from sync.errors import MalformedData

NOW = datetime(2026, 3, 7, 18, 0, tzinfo=timezone.utc)


@pytest.fixture
def sale(session):
    ev = create_event(session, title="Gala", time_zone="Europe/Zurich", currency="EUR",
                      start="2026-03-07T19:00:00Z")
    d = create_definition(session, ev.id, {"name": "Adult", "price": {"value": "12.50", "currency": "EUR"},
                                           "limited": True, "quantity": 50})
    done = sell(session, ev.id, {d.id: 2}, {"firstName": "Ana", "lastName": "Moreira", "email": "a@example.org"},
                payment="card", station="till-1")
    return ev, d, done.order


def test_one_error_type_for_hub_and_station():
    assert issubclass(ContractError, InvalidArgument) and issubclass(ContractError, DomainError)
    assert MalformedData is ContractError  # the station's sync engine raises and catches the same class
    assert ContractError("x").status == 400


def test_event_round_trip(session, sale):
    ev = sale[0]
    row = parse_event(event_to_api(ev))
    assert row["id"] == ev.id and row["title"] == "Gala" and row["time_zone"] == "Europe/Zurich"
    assert row["currency"] == "EUR" and row["currency_locked"] is True and row["start"] == ev.start
    assert parse_event({"id": "e1"}) == {"id": "e1", "start": None, "end": None}  # only fields present


def test_definition_round_trip_in_minor_units(session, sale):
    _, d, _ = sale
    row = parse_definition(definition_to_api(d))
    assert (row["id"], row["event_id"], row["price_minor"], row["currency"]) == (d.id, d.event_id, 1250, "EUR")
    assert row["name"] == "Adult" and row["limit_per_checkout"] == d.limit_per_checkout


def test_order_round_trip_with_tickets(session, sale):
    order = sale[2]
    row, tickets = parse_order(order_to_api(order))
    assert (row["order_number"], row["status"], row["total_minor"]) == (order.order_number, "PAID", 2500)
    assert sorted(t["ticket_number"] for t in tickets) == sorted(t.ticket_number for t in order.tickets)
    assert all(t["event_id"] == order.event_id and t["_checkin"] is None for t in tickets)
    row, tickets = parse_order(order_to_api(order, fieldsets=()))
    assert "status" not in row and tickets is None  # NA_ORDER_STATUS / no TICKETS fieldset: keep ours


@pytest.mark.parametrize("call, match", [
    (lambda: parse_event([]), "not an object"),
    (lambda: parse_definition({"id": "d1"}), "eventId"),
    (lambda: parse_order({"orderNumber": "O-1", "eventId": "e", "totalPrice": "12"}), "Money"),
    (lambda: parse_order({"orderNumber": "O-1", "eventId": "e", "archived": "yes"}), "boolean"),
    (lambda: parse_ticket({"ticketNumber": "T-1"}, "e"), "orderNumber"),
    (lambda: parse_ticket({"ticketNumber": "T-1", "orderNumber": "O", "created": "yesterday"}, "e"), "created"),
])
def test_malformed_answers_raise_contract_error(call, match):
    with pytest.raises(ContractError, match=match):
        call()


def test_checkin_rows_are_checked_and_normalised():
    rows = parse_checkin_rows([{"nonce": "n1", "ticketNumber": " t-1 ", "deviceTime": "2026-03-07T19:00:00Z"}],
                              "e1", "door-a")
    assert rows[0]["ticketNumber"] == "T-1" and rows[0]["station"] == "door-a"
    with pytest.raises(ContractError) as err:
        parse_checkin_rows([], "e1", "door-a")
    assert err.value.field == "checkIns"
    with pytest.raises(ContractError) as err:
        parse_checkin_rows([{"nonce": "n1", "ticketNumber": "T-1"}], "e1", "door-a")  # no time
    assert err.value.field == "correctedTime"


def test_upload_round_trip_keeps_the_station_numbers(session, sale):
    ev, _, order = sale
    body = dict(order_to_api(order), payments=[{"method": "cash", "amount": {"value": "25", "currency": "EUR"}}])
    up = parse_upload(body, ev.id, "EUR", station="till-9", now=NOW)
    assert up.order["order_number"] == order.order_number and up.order["station"] == "till-1"
    assert sorted(t["ticket_number"] for t in up.tickets) == sorted(t.ticket_number for t in order.tickets)
    assert up.payments[0]["amount_minor"] == 2500 and up.payments[0]["station"] == "till-9"


@pytest.mark.parametrize("change, field", [
    ({"status": "NA_ORDER_STATUS"}, "status"),
    ({"tickets": []}, "tickets"),
    ({"totalPrice": {"value": "25", "currency": "USD"}}, "totalPrice"),
    ({"firstName": "x" * 201}, "firstName"),
    ({"payments": "cash"}, "payments"),
])
def test_upload_refusals_name_the_field(session, sale, change, field):
    ev, _, order = sale
    with pytest.raises(ContractError) as err:
        parse_upload(dict(order_to_api(order), **change), ev.id, "EUR", station="t", now=NOW)
    assert err.value.field == field and err.value.to_api()["details"]["validationError"]


# -- a plain contract server's answer shapes within the contract (h7-wire) ---------------------------------------
_ORDER = {"orderNumber": "O-1", "eventId": "e", "status": "PAID", "totalPrice": {"value": "12.50", "currency": "EUR"}}


def test_optional_fields_absent_or_null_leave_local_data_and_unknown_fields_are_ignored():
    absent, _ = parse_order(dict(_ORDER))
    nulls, _ = parse_order(dict(_ORDER, firstName=None, email=None, checkoutForm=None, archived=None, created=None))
    extra, _ = parse_order(dict(_ORDER, loyaltyTier={"x": 1}, newField=[1, 2], utm="mail"))
    assert absent == nulls == extra and "first_name" not in absent and "archived" not in absent


@pytest.mark.parametrize("status", ["REFUNDED", "PARTIALLY_PAID", "AUTHORIZED"])
def test_bc17_an_order_status_we_do_not_know_is_kept_verbatim_and_never_admits(status):
    from core.status import StatusClass, classify_ticket, is_admitted
    row, _ = parse_order(dict(_ORDER, status=status))
    assert row["status"] == status  # kept, shown as it came
    assert classify_ticket(row["status"]) is StatusClass.UNKNOWN and not is_admitted(classify_ticket(status))


@pytest.mark.parametrize("money", [{"amount": "12.5", "currency": "EUR"}, {"value": "12.50", "currency": "EUR"},
                                   {"value": "12.5", "currency": "eur"}, {"value": "12.5", "amount": "99",
                                                                          "currency": " EUR"}])
def test_bc07_money_as_amount_or_value_any_scale_and_currency_case_is_the_same_minor_units(money):
    row, _ = parse_order(dict(_ORDER, totalPrice=money))
    assert (row["total_minor"], row["currency"]) == (1250, "EUR")


@pytest.mark.parametrize("stamp", ["2026-03-07T19:12:00Z", "2026-03-07T19:12:00+00:00", "2026-03-07T20:12:00+01:00",
                                   "2026-03-07T19:12:00.0Z", "2026-03-07T19:12:00.000000000Z", "2026-03-07T19:12Z",
                                   "2026-03-07T19:12:00.123456789Z"])
def test_bc11_datetimes_with_z_offset_1_to_9_fraction_digits_or_no_seconds_read_as_one_instant(stamp):
    row = parse_ticket({"ticketNumber": "T-1", "orderNumber": "O-1", "created": stamp,
                        "checkIn": {"created": stamp}}, "e")
    assert row["created"].replace(microsecond=0) == datetime(2026, 3, 7, 19, 12, tzinfo=timezone.utc)
    assert row["_checkin"] == row["created"] and row["created"].tzinfo is not None


def test_wr07b_a_ticket_number_in_another_case_is_stored_as_scans_read_it():
    row = parse_ticket({"ticketNumber": " tq4m-88ra-kd021 ", "orderNumber": "TQ4M-88RA-KD"}, "e")
    assert row["ticket_number"] == "TQ4M-88RA-KD021"
    _row, tickets = parse_order(dict(_ORDER, tickets=[{"ticketNumber": "o-1021"}]))
    assert tickets[0]["ticket_number"] == "O-1021" and tickets[0]["order_number"] == "O-1"
