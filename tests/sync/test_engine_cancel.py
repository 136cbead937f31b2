"""Hub order cancel (issue 8 item 8) end to end against the real hub: the BC-16 class — a door offline, the
order canceled on the hub, the door admits offline; after sync its tickets are refused at every station — and
a box office voiding its own sale (`order.cancel` outbox row)."""
from __future__ import annotations

from datetime import timedelta

from core.checkin import Verdict, scan_and_commit
from core.definitions import definition_counts
from core.models import Order
from core.orders import cancel_order
from core.sales import sell
from tests.sync.engine_helpers import hour_ago

BUYER = {"firstName": "Walk", "lastName": "In", "email": ""}


def _scan(st, ev, tn, when):
    return scan_and_commit(st.ledger, tn, event_ids=[ev], station=st.name, now=when).verdict


def _cancel_on_hub(hub, ev, number, role="organiser"):
    return hub.client(role).post(f"/tessera/v1/events/{ev}/orders/{number}/cancel", json={})


def _hub_status(hub, number):
    with hub.ledger.uow() as uow:
        return uow.session.get(Order, number).status


def test_bc16_canceled_on_the_hub_while_a_door_is_offline_is_refused_everywhere_after_sync(hub, stations):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=10)
    sale = hub.seed_sale(ev, {d: 2})
    t1, t2 = sale["tickets"]
    door, other = stations("D", "door", [ev], on=hub), stations("E", "door", [ev], on=hub)
    assert door.sync().ok and other.sync().ok
    door.faults.offline = True
    answer = _cancel_on_hub(hub, ev, sale["orderNumber"])
    assert answer.status_code == 200 and answer.json()["order"]["status"] == "CANCELED"
    t = hour_ago()
    assert _scan(door, ev, t1, t) == Verdict.OK          # offline: the door does not know yet
    door.faults.offline = False
    assert door.sync().ok and other.sync().ok
    assert _scan(door, ev, t2, t + timedelta(minutes=1)) == Verdict.CANCELED
    assert _scan(other, ev, t1, t + timedelta(minutes=1)) == Verdict.CANCELED
    assert _scan(other, ev, t2, t + timedelta(minutes=1)) == Verdict.CANCELED
    with hub.ledger.uow() as uow:                         # the seats are back on sale
        assert definition_counts(uow.session, ev)[d].sold == 0
    with other.ledger.uow() as uow:
        assert definition_counts(uow.session, ev)[d].sold == 0


def test_cancel_is_idempotent_and_refused_for_a_declined_order_and_for_a_door_key(hub):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=10)
    sale = hub.seed_sale(ev, {d: 1})
    assert _cancel_on_hub(hub, ev, sale["orderNumber"], "box-office").status_code == 200
    again = _cancel_on_hub(hub, ev, sale["orderNumber"])
    assert again.status_code == 200 and again.json()["order"]["status"] == "CANCELED"
    assert _cancel_on_hub(hub, ev, "NO-SUCH-ORDER").status_code == 404
    assert _cancel_on_hub(hub, ev, sale["orderNumber"], "door").status_code == 403
    other = hub.seed_sale(ev, {d: 1})
    with hub.uow() as s:
        s.get(Order, other["orderNumber"]).status = "DECLINED"
    answer = _cancel_on_hub(hub, ev, other["orderNumber"])
    assert answer.status_code == 428 and _hub_status(hub, other["orderNumber"]) == "DECLINED"


def test_a_box_office_voids_its_own_sale_and_the_doors_refuse_it(hub, stations):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=10)
    box, door = stations("B", "box-office", [ev], on=hub), stations("D", "door", [ev], on=hub)
    assert box.sync().ok and door.sync().ok
    with box.ledger.uow() as uow:
        order = sell(uow.session, ev, {d: 1}, BUYER, payment="card", station="B").order
        number, [tn] = order.order_number, [t.ticket_number for t in order.tickets]
        uow.commit()
    assert box.sync().ok and door.sync().ok
    assert _scan(door, ev, tn, hour_ago()) == Verdict.OK
    with box.ledger.uow() as uow:
        cancel_order(uow.session, ev, number)
        uow.commit()
    assert [r.kind for r in box.outbox("pending")] == ["order.cancel"]
    report = box.sync()
    assert report.ok and report.pushed == 1 and box.outbox("pending") == []
    assert _hub_status(hub, number) == "CANCELED"
    assert door.sync().ok
    assert _scan(door, ev, tn, hour_ago() + timedelta(minutes=5)) == Verdict.CANCELED


def test_a_plain_server_keeps_the_cancel_waiting(hub_factory, stations):
    plain = hub_factory(plain=True)
    ev = plain.seed_event()
    d = plain.seed_definition(ev, quantity=10)
    sale = plain.seed_sale(ev, {d: 1})
    box = stations("B", "box-office", [ev], on=plain)
    assert box.sync().ok
    with box.ledger.uow() as uow:
        cancel_order(uow.session, ev, sale["orderNumber"])
        uow.commit()
    report = box.sync()
    assert report.ok and [r.kind for r in box.outbox("pending")] == ["order.cancel"]
    assert any("no cancel call" in w for w in report.warnings)
    assert _hub_status(plain, sale["orderNumber"]) == "PAID"
