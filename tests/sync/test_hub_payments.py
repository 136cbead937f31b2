"""Payments reach the hub (issue 8 item 12, docs/HUB_EXTENSIONS.md "Payments"): a box office's payment goes up with
its ConfirmOrder and is stored as a core Payment on the hub; a second payment for a settled order is refused
409 ORDER_ALREADY_PAID, and the second box office keeps its row rejected and gets one review item to refund.
Against a plain server the payment stays local and is reported."""
from __future__ import annotations

import re

from sqlalchemy import select

from core import review
from core.models import Order, Payment
from core.money import Money
from core.sales import pay_and_complete, sell
from tests.sync.hub_fixtures import expect_error, ok

BUYER = {"firstName": "Walk", "lastName": "In", "email": ""}


def _pay(st, ev, number, payment="cash", tendered="50.00", operator="Ana"):
    with st.ledger.uow() as uow:
        pay_and_complete(uow.session, ev, number, payment=payment, station=st.name, operator=operator,
                         tendered=Money.of(tendered, "EUR") if payment == "cash" else None)
        uow.commit()


def _hub_payments(hub, number=None) -> list[Payment]:
    with hub.ledger.uow() as uow:
        q = select(Payment).order_by(Payment.id)
        if number:
            q = q.where(Payment.order_number == number)
        rows = list(uow.session.scalars(q))
        uow.session.expunge_all()
        return rows


def test_two_offline_box_offices_take_cash_for_one_order_one_payment_one_refund_item(hub, stations):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, price="12.50", quantity=10)
    unpaid = hub.seed_sale(ev, {d: 2}, payment="unpaid")["orderNumber"]
    a, b = stations("A", "box-office", [ev], on=hub), stations("B", "box-office", [ev], on=hub)
    assert a.sync().ok and b.sync().ok
    a.faults.offline = b.faults.offline = True
    _pay(a, ev, unpaid, operator="Ana")
    _pay(b, ev, unpaid, payment="card", operator="Bo")
    a.faults.offline = b.faults.offline = False
    ra = a.sync()
    assert ra.ok and ra.rejected == [] and ra.review_open == 0
    rb = b.sync()
    assert rb.ok and [r["entity"] for r in rb.rejected] == [unpaid]
    assert "ORDER_ALREADY_PAID" in rb.rejected[0]["error"] and "station A" in rb.rejected[0]["error"]
    [paid] = _hub_payments(hub, unpaid)                        # one payment on the hub: A's
    assert (paid.station, paid.operator, paid.method, paid.amount_minor, paid.currency) == ("A", "Ana", "cash",
                                                                                            2500, "EUR")
    assert (paid.tendered_minor, paid.change_minor) == (5000, 2500)
    with a.ledger.uow() as uow:
        mine = uow.session.scalars(select(Payment)).one()
        assert paid.payment_id == mine.payment_id and review.open_count(uow.session) == 0
    with hub.ledger.uow() as uow:
        assert uow.session.get(Order, unpaid).status == "PAID"
    for _ in range(2):                                           # the item stays, once, until acknowledged
        again = b.sync()
        assert again.ok and again.review_new == 0 and again.review_open == 1
    [entry] = b.outbox()
    assert entry.state == "rejected" and "ORDER_ALREADY_PAID" in entry.last_error
    with b.ledger.uow() as uow:
        [item] = review.list_open(uow.session)
        assert item.kind == "second_payment" and item.entity == unpaid
        assert "refund the customer" in item.message and "station A" in item.message
        # when A was paid: the event's wall time (the hub's answer shows it so), never UTC ISO
        assert re.search(r"station A \(\d{4}-\d\d-\d\d \d\d:\d\d CES?T\)", item.message), item.message
        assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", item.message)
        review.acknowledge(uow.session, [item.id], by="B")
        uow.commit()
    assert b.sync().review_open == 0
    assert len(_hub_payments(hub, unpaid)) == 1


def test_a_replayed_paid_confirm_stores_the_payment_once(hub, stations):
    """The answer of the paid ConfirmOrder is lost; the retry (same idempotency key and payment id) stores
    nothing new and raises no review item."""
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=10)
    unpaid = hub.seed_sale(ev, {d: 1}, payment="unpaid")["orderNumber"]
    a = stations("A", "box-office", [ev], on=hub)
    assert a.sync().ok
    _pay(a, ev, unpaid, payment="card")
    a.faults.add("POST", f"/events/v1/events/{ev}/orders/confirm", "drop")
    assert not a.sync().ok
    report = a.sync()
    assert report.ok and report.pushed == 1 and report.review_open == 0
    assert len(_hub_payments(hub, unpaid)) == 1


def test_a_sale_uploads_its_payment_with_id_and_operator(hub, stations):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=10)
    a = stations("A", "box-office", [ev], on=hub)
    assert a.sync().ok
    with a.ledger.uow() as uow:
        number = sell(uow.session, ev, {d: 1}, BUYER, payment="card", station="A").order.order_number
        uow.commit()
        pid = uow.session.scalars(select(Payment.payment_id)).one()
    assert a.sync().ok
    [paid] = _hub_payments(hub, number)
    assert paid.payment_id == pid and paid.station == "A"


def test_plain_server_keeps_the_payment_local_and_says_so(hub_factory, stations):
    plain = hub_factory(plain=True)
    ev = plain.seed_event()
    d = plain.seed_definition(ev, quantity=10)
    unpaid = plain.seed_sale(ev, {d: 1}, payment="unpaid")["orderNumber"]
    a = stations("A", "box-office", [ev], on=plain)
    assert a.sync().ok
    _pay(a, ev, unpaid)
    report = a.sync()
    assert report.ok and report.pushed == 1
    assert any("stays on this station" in w for w in report.warnings)
    assert _hub_payments(plain, unpaid) == []
    with plain.ledger.uow() as uow:
        assert uow.session.get(Order, unpaid).status == "PAID"


def test_hub_paid_confirm_refusals(hub):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, price="10.00", quantity=10)
    unpaid = hub.seed_sale(ev, {d: 1}, payment="unpaid")["orderNumber"]
    c = hub.client("box-office", name="till-9")
    path = f"/events/v1/events/{ev}/orders/confirm"
    pay = {"paymentId": "6f0c2a51-8a43-4c59-9d3a-3d3f4a1b2c01", "method": "card",
           "amount": {"value": "10.00", "currency": "EUR"}, "operator": "Cy"}
    expect_error(c.post(path, json={"orderNumber": [unpaid], "payment": {**pay, "amount": {"value": "9.00",
                                                                                            "currency": "EUR"}}}), 400)
    expect_error(c.post(path, json={"orderNumber": [unpaid], "payment": {**pay, "paymentId": ""}}), 400)
    body = ok(c.post(path, json={"orderNumber": [unpaid], "payment": pay}))
    assert body["orders"][0]["status"] == "PAID" and body["payment"]["station"] == "till-9"
    assert ok(c.post(path, json={"orderNumber": [unpaid], "payment": pay}))["payment"] == body["payment"]  # replay
    second = expect_error(c.post(path, json={"orderNumber": [unpaid], "payment": {**pay, "paymentId": "x-2"}}),
                          409, "ORDER_ALREADY_PAID")
    assert "till-9" in second["message"]
    assert ok(c.post(path, json={"orderNumber": [unpaid]}))["orders"][0]["status"] == "PAID"  # plain confirm: as before
    [paid] = _hub_payments(hub, unpaid)
    assert (paid.payment_id, paid.operator, paid.amount_minor) == (pay["paymentId"], "Cy", 1000)
