"""The hub's answer to a sale over a definition's per-order limit (case WR-04; fresh-user trial): 428 with the
hub's code TICKET_LIMIT_PER_ORDER_EXCEEDED (API.md §1.3 names none for v1 orders; docs/HUB_EXTENSIONS.md "Error
codes") and the limit in applicationError.data; a sale past the quantity keeps TICKET_CAPACITY_EXCEEDED; the
station reads both codes back unchanged (sync.answers). The hub stores box-office uploads even over the limits
(the money was taken), so no contract route refuses this: a test route sells through core.sales.sell inside the
hub's real call machinery (sync.hub.runner.run: auth, one write transaction, the contract's error body)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.models import Order
from core.sales import sell
from sync.answers import parse_answer
from sync.errors import ApiError
from sync.hub.routes import Route, register
from tests.sync.hub_fixtures import expect_error, ok

PATH = "/tessera-test/sell"


def _sell_call(call) -> dict:
    sale = sell(call.session, call.body["eventId"], call.body["lines"], {"firstName": "A", "lastName": "B"},
                payment="card", station=call.station.name, now=call.now)
    return {"orderNumber": sale.order.order_number}


@pytest.fixture
def shop(hub):
    register(hub.app, plain=False, routes=(Route("POST", PATH, _sell_call, "orders.upload", True),))
    ev = hub.seed_event()
    vip = hub.seed_definition(ev, name="VIP", price="80.00", quantity=2, limitPerCheckout=4)
    return hub, ev, vip, hub.client("box-office")


def _orders(hub) -> int:
    with hub.ledger.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(Order))


def test_wr04_hub_answers_the_per_order_limit_with_its_code_and_the_limit(shop):
    hub, ev, vip, box = shop
    resp = box.post(PATH, json={"eventId": ev, "lines": {vip: 5}})
    body = expect_error(resp, 428, "TICKET_LIMIT_PER_ORDER_EXCEEDED")
    app_error = body["details"]["applicationError"]
    assert app_error["data"] == {"definitionId": vip, "name": "VIP", "limitPerOrder": 4, "requested": 5}
    assert "over the per-order limit of 4 (5 requested)" in body["message"] and "only 2 left" in body["message"]
    with pytest.raises(ApiError) as err:  # what a station makes of it: the code unchanged, a rejection
        parse_answer("POST", PATH, resp.status_code, resp.content)
    assert err.value.code == "TICKET_LIMIT_PER_ORDER_EXCEEDED" and err.value.rejects
    assert _orders(hub) == 0  # nothing stored


def test_sold_out_keeps_the_capacity_code(shop):
    hub, ev, vip, box = shop
    body = expect_error(box.post(PATH, json={"eventId": ev, "lines": {vip: 3}}), 428, "TICKET_CAPACITY_EXCEEDED")
    assert "only 2 left" in body["message"] and "per-order" not in body["message"]
    assert body["details"]["applicationError"]["data"] == {}
    assert ok(box.post(PATH, json={"eventId": ev, "lines": {vip: 2}}))["orderNumber"] and _orders(hub) == 1
