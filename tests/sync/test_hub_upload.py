"""Box-office order upload (POST /tessera/v1/orders): stored with the station's numbers even over capacity,
oversold reported (case BC-26 b), idempotent by orderNumber (BC-15), confirmation e-mail queued (WR-03)."""
from __future__ import annotations

from sqlalchemy import select

from core.db import Ledger
from core.definitions import create_definition
from core.events import create_event
from core.models import Event, OutboxEntry, Payment
from core.money import Money
from core.sales import sell
from sync.hub.models import HubMail
from tests.sync.hub_fixtures import expect_error, ok
from tests.ledgers import new_ledger


def station_sale(tmp_path, name: str, event_id: str, definition_id: str, qty: int = 1,
                 email: str = "walk-in@example.org") -> dict:
    """Sell `qty` at an offline station's own ledger (copy of the event and definition) and return the
    order exactly as its outbox would upload it ("order.create" payload's `order`)."""
    led = new_ledger(tmp_path / f"{name}.db")
    try:
        with led.uow() as uow:
            s = uow.session
            if s.get(Event, event_id) is None:
                create_event(s, title="Spring Gala", time_zone="Europe/Zurich", currency="EUR", event_id=event_id)
                create_definition(s, event_id, {"name": "Early Bird", "price": {"value": "12.50", "currency": "EUR"},
                                                "limited": True, "quantity": 100}, definition_id=definition_id)
            sale = sell(s, event_id, {definition_id: qty}, {"firstName": "Walk", "lastName": "In", "email": email},
                        payment="cash", tendered=Money.of("50", "EUR"), station=name)
            payload = s.scalar(select(OutboxEntry.payload).where(OutboxEntry.kind == "order.create",
                                                                 OutboxEntry.entity_key == sale.order.order_number))
            uow.commit()
        return payload["order"]
    finally:
        led.close()


def test_bc26_two_offline_stations_sell_the_last_seat_both_kept(hub, tmp_path):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, name="Early Bird", quantity=100)
    hub.seed_sale(ev, {d: 99})
    a_order = station_sale(tmp_path, "till-a", ev, d)
    b_order = station_sale(tmp_path, "till-b", ev, d)
    a, b = hub.client("box-office", name="till-a"), hub.client("box-office", name="till-b")
    first = ok(a.post("/tessera/v1/orders", json={"eventId": ev, "order": a_order}))
    second = ok(b.post("/tessera/v1/orders", json={"eventId": ev, "order": b_order}))
    assert first["oversold"] == []
    assert second["oversold"] == [{"definitionId": d, "name": "Early Bird", "sold": 101, "quantity": 100}]
    assert first["order"]["orderNumber"] == a_order["orderNumber"]  # the station's own numbers
    assert [t["ticketNumber"] for t in second["order"]["tickets"]] == [t["ticketNumber"] for t in b_order["tickets"]]
    assert second["order"]["status"] == "PAID" and second["order"]["channel"] == "OFFLINE_POS"
    dash = ok(a.get(f"/events/v1/ticket-definitions/{d}", params={"fieldset": "DASHBOARD"}))["definition"]["dashboard"]
    assert (dash["ticketsSold"], dash["quantity"], dash["unsold"]) == (101, 100, 0)  # 101/100, nothing hidden


def test_upload_is_idempotent_by_order_number_and_queues_one_mail(hub, tmp_path):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, name="Early Bird", quantity=100)
    order = station_sale(tmp_path, "till-a", ev, d, qty=2)
    box = hub.client("box-office")
    first = ok(box.post("/tessera/v1/orders", json={"eventId": ev, "order": order}))
    again = ok(box.post("/tessera/v1/orders", json={"eventId": ev, "order": order}))
    assert again["order"] == first["order"]
    listed = ok(box.get("/events/v1/orders", params={"eventId": ev, "fieldset": "TICKETS"}))
    assert listed["total"] == 1 and len(listed["orders"][0]["tickets"]) == 2
    with hub.ledger.uow() as uow:
        mails = [(m.order_number, m.recipient, m.state) for m in uow.session.scalars(select(HubMail))]
    assert mails == [(order["orderNumber"], "walk-in@example.org", "pending")]


def test_upload_records_payments_and_locks_the_currency(hub, tmp_path):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, name="Early Bird", quantity=100)
    order = station_sale(tmp_path, "till-a", ev, d, qty=2)
    ok(hub.client("box-office").post("/tessera/v1/orders", json={"eventId": ev, "order": order}))
    with hub.ledger.uow() as uow:
        pay = uow.session.scalar(select(Payment).where(Payment.order_number == order["orderNumber"]))
        assert (pay.method, pay.amount_minor, pay.tendered_minor, pay.change_minor) == ("cash", 2500, 5000, 2500)
        assert pay.station == "till-a" and uow.session.get(Event, ev).currency_locked


def test_upload_errors(hub, tmp_path):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, name="Early Bird", quantity=100)
    order = station_sale(tmp_path, "till-a", ev, d)
    box = hub.client("box-office")
    expect_error(box.post("/tessera/v1/orders", json={"eventId": "no-such-event", "order": order}), 400)
    expect_error(box.post("/tessera/v1/orders", json={"eventId": ev, "order": dict(order, status="NA_ORDER_STATUS")}),
                 400)
    expect_error(box.post("/tessera/v1/orders", json={"eventId": ev, "order": dict(order, tickets=[])}), 400)
    usd = dict(order, totalPrice={"value": "12.50", "currency": "USD"})
    expect_error(box.post("/tessera/v1/orders", json={"eventId": ev, "order": usd}), 400)
    ok(box.post("/tessera/v1/orders", json={"eventId": ev, "order": order}))
    clash = dict(order, orderNumber="ZZZZ-ZZZZ-ZZ")
    expect_error(box.post("/tessera/v1/orders", json={"eventId": ev, "order": clash}), 409, "TICKET_NUMBER_TAKEN")
    other = hub.seed_event(title="Other")
    expect_error(box.post("/tessera/v1/orders", json={"eventId": other, "order": dict(order, eventId=other)}), 409)
    expect_error(hub.client("door").post("/tessera/v1/orders", json={"eventId": ev, "order": order}), 403)


def test_unknown_event_is_404(hub, tmp_path):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, name="Early Bird", quantity=100)
    order = station_sale(tmp_path, "till-a", ev, d)
    order = dict(order, eventId="3f2c0d51-0000-4000-8000-000000000000")
    expect_error(hub.client("box-office").post("/tessera/v1/orders", json={"eventId": order["eventId"],
                                                                            "order": order}), 404)
