"""OrderManagement on the hub (API.md §2): ListOrders fieldsets and paging, GetOrder, UpdateOrder,
BulkUpdateOrders, ConfirmOrder (428 ORDER_ACTION_NOT_AVAILABLE), GetSummary."""
from __future__ import annotations

import pytest

from core.models import Order
from tests.sync.hub_fixtures import expect_error, ok


@pytest.fixture
def shop(hub):
    """An event with one definition and two sales: an unpaid one (OFFLINE_PENDING) and a paid one."""
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=50)
    unpaid = hub.seed_sale(ev, {d: 2}, payment="unpaid", first="Mira", last="Castell", email="mira@example.org")
    paid = hub.seed_sale(ev, {d: 1}, payment="card", first="Ana", last="Moreira", email="")
    return {"event": ev, "definition": d, "unpaid": unpaid, "paid": paid, "box": hub.client("box-office")}


def test_list_without_details_shows_only_default_fields(shop):
    body = ok(shop["box"].get("/events/v1/orders", params={"eventId": shop["event"]}))
    assert body["total"] == 2
    for order in body["orders"]:
        assert order["status"] == "NA_ORDER_STATUS"
        assert "firstName" not in order and "tickets" not in order and "checkoutForm" not in order
        assert set(order) >= {"orderNumber", "eventId", "fullyCheckedIn"}


def test_list_with_repeated_fieldsets_and_event_ids(hub, shop):
    other = hub.seed_event(title="Other")
    params = [("eventId", shop["event"]), ("eventId", other), ("fieldset", "DETAILS"), ("fieldset", "TICKETS"),
              ("fieldset", "FORM"), ("sort", "created:asc")]
    body = ok(shop["box"].get("/events/v1/orders", params=params))
    first = next(o for o in body["orders"] if o["orderNumber"] == shop["unpaid"]["orderNumber"])
    assert first["status"] == "OFFLINE_PENDING" and first["fullName"] == "Mira Castell"
    assert [t["ticketNumber"] for t in first["tickets"]] == shop["unpaid"]["tickets"]
    assert {"inputName": "email", "value": "mira@example.org", "values": []} in first["checkoutForm"]["inputValues"]


def test_list_limit_clamped_to_100_and_said_so(shop):
    body = ok(shop["box"].get("/events/v1/orders", params={"limit": "400", "offset": "1"}))
    assert body["limit"] == 100 and body["offset"] == 1 and len(body["orders"]) == 1
    expect_error(shop["box"].get("/events/v1/orders", params={"offset": "-3"}), 400)


def test_list_filters_status_tag_search_and_facets(shop):
    box = shop["box"]
    paid = ok(box.get("/events/v1/orders", params=[("status", "PAID"), ("fieldset", "DETAILS")]))
    assert [o["orderNumber"] for o in paid["orders"]] == [shop["paid"]["orderNumber"]]
    unconfirmed = ok(box.get("/events/v1/orders", params=[("tag", "UNCONFIRMED")]))
    assert [o["orderNumber"] for o in unconfirmed["orders"]] == [shop["unpaid"]["orderNumber"]]
    found = ok(box.get("/events/v1/orders", params={"searchPhrase": "castell"}))
    assert found["total"] == 1
    facets = ok(box.get("/events/v1/orders", params=[("eventId", shop["event"]), ("facet", "status")]))["facets"]
    assert facets == {"status": {"counts": {"OFFLINE_PENDING": 1, "PAID": 1}}}
    assert ok(box.get("/events/v1/orders", params={"memberId": "m-1"}))["total"] == 0
    expect_error(box.get("/events/v1/orders", params={"tag": "SHINY"}), 400)


def test_get_order_with_path_params_repeated_in_query(shop):
    ev, number = shop["event"], shop["unpaid"]["orderNumber"]
    path = f"/events/v1/events/{ev}/orders/{number}"
    body = ok(shop["box"].get(path, params=[("eventId", ev), ("orderNumber", number), ("fieldset", "DETAILS")]))
    assert body["order"]["orderNumber"] == number and body["order"]["status"] == "OFFLINE_PENDING"
    assert "calendarLinks" in body
    assert ok(shop["box"].get(path))["order"]["status"] == "NA_ORDER_STATUS"
    expect_error(shop["box"].get(path, params={"orderNumber": "OTHER"}), 400)
    expect_error(shop["box"].get(f"/events/v1/events/{ev}/orders/NOPE-NOPE-NO"), 404)


@pytest.mark.parametrize("fields", ["archived", {"paths": ["archived"]}])
def test_update_order_archived_with_both_mask_forms(shop, fields):
    ev, number = shop["event"], shop["paid"]["orderNumber"]
    body = {"eventId": ev, "orderNumber": number, "fields": fields, "archived": True}
    order = ok(shop["box"].patch(f"/events/v1/events/{ev}/orders/{number}", json=body))["order"]
    assert order["archived"] is True and order["status"] == "PAID"


def test_update_order_checkout_form_updates_buyer(shop):
    ev, number = shop["event"], shop["unpaid"]["orderNumber"]
    form = {"inputValues": [{"inputName": "email", "value": "mira.castell@example.org"}]}
    order = ok(shop["box"].patch(f"/events/v1/events/{ev}/orders/{number}",
                                 json={"fields": {"paths": ["checkoutForm"]}, "checkoutForm": form}))["order"]
    assert order["email"] == "mira.castell@example.org" and order["firstName"] == "Mira"
    expect_error(shop["box"].patch(f"/events/v1/events/{ev}/orders/{number}",
                                   json={"fields": "status", "status": "PAID"}), 400)
    expect_error(shop["box"].patch(f"/events/v1/events/{ev}/orders/{number}",
                                   json={"eventId": "another", "archived": True}), 400)


def test_bulk_update_archives_many(shop):
    ev = shop["event"]
    numbers = [shop["unpaid"]["orderNumber"], shop["paid"]["orderNumber"]]
    orders = ok(shop["box"].patch(f"/events/v1/events/{ev}/orders",
                                  json={"orderNumber": numbers, "fields": "archived", "archived": True}))["orders"]
    assert sorted(o["orderNumber"] for o in orders) == sorted(numbers) and all(o["archived"] for o in orders)
    tagged = ok(shop["box"].get("/events/v1/orders", params={"tag": "ARCHIVED"}))
    assert tagged["total"] == 2
    expect_error(shop["box"].patch(f"/events/v1/events/{ev}/orders", json={"orderNumber": numbers}), 400)


def test_confirm_moves_offline_pending_to_paid_and_is_idempotent_wr03(shop):
    ev, number = shop["event"], shop["unpaid"]["orderNumber"]
    path = f"/events/v1/events/{ev}/orders/confirm"
    orders = ok(shop["box"].post(path, json={"eventId": ev, "orderNumber": [number]}))["orders"]
    assert orders[0]["status"] == "PAID" and orders[0]["confirmed"] is True
    again = ok(shop["box"].post(path, json={"orderNumber": [number, shop["paid"]["orderNumber"]]}))["orders"]
    assert [o["status"] for o in again] == ["PAID", "PAID"]
    expect_error(shop["box"].post(path, json={"eventId": "elsewhere", "orderNumber": [number]}), 400)
    expect_error(shop["box"].post(path, json={"orderNumber": []}), 400)


def test_confirm_canceled_order_is_428_order_action_not_available(hub, shop):
    number = shop["unpaid"]["orderNumber"]
    with hub.uow() as s:
        s.get(Order, number).status = "CANCELED"
    path = f"/events/v1/events/{shop['event']}/orders/confirm"
    expect_error(shop["box"].post(path, json={"orderNumber": [number, shop["paid"]["orderNumber"]]}),
                 428, "ORDER_ACTION_NOT_AVAILABLE")
    order = ok(shop["box"].get(f"/events/v1/events/{shop['event']}/orders/{number}", params={"fieldset": "DETAILS"}))
    assert order["order"]["status"] == "CANCELED"


def test_summary_counts_confirmed_orders_per_currency(shop):
    body = ok(shop["box"].get("/events/v1/orders/summary", params={"eventId": shop["event"]}))
    assert body == {"sales": [{"total": {"value": "12.50", "amount": "12.50", "currency": "EUR"},
                               "totalOrders": 1, "totalTickets": 1,
                               "revenue": {"value": "12.50", "amount": "12.50", "currency": "EUR"}}]}
