"""Box-office sync against the real hub and the plain contract server: offline sales over the last seats
(BC-26 b), door sales that stay local-only against a plain server (WR-15), ConfirmOrder checking state first
(WR-03 b), and a 428 refusal kept as rejected."""
from __future__ import annotations

from sqlalchemy import func, select

from core import review
from core.definitions import definition_counts
from core.money import Money
from core.models import Order, Payment, Ticket
from core.orders import complete_order
from core.sales import pay_and_complete, sell
from sync.hub.models import HubIdempotency

BUYER = {"firstName": "Walk", "lastName": "In", "email": ""}


def _sell(st, ev, d, qty=1, payment="cash", **kw):
    with st.ledger.uow() as uow:
        sale = sell(uow.session, ev, {d: qty}, BUYER, payment=payment, station=st.name,
                    tendered=Money.of("50.00", "EUR") if payment == "cash" else None, **kw)
        uow.commit()
        return sale.order.order_number


def test_bc26b_two_offline_sales_of_the_last_seat_are_both_kept_and_the_oversell_reported(hub, stations):
    """BC-26 b: quantity 3, 2 sold at the last sync; two offline stations each sell the last seat for cash.
    Both sales are kept (money was taken); the second upload reports the definition oversold 4/3."""
    ev = hub.seed_event()
    d = hub.seed_definition(ev, name="Early Bird", quantity=3)
    hub.seed_sale(ev, {d: 2})
    a, b = stations("A", "box-office", [ev], on=hub), stations("B", "box-office", [ev], on=hub)
    assert a.sync().ok and b.sync().ok
    a.faults.offline = b.faults.offline = True
    oa, ob = _sell(a, ev, d), _sell(b, ev, d)          # each station still sees 1 seat left
    a.faults.offline = b.faults.offline = False
    ra, rb = a.sync(), b.sync()
    assert ra.ok and rb.ok and ra.oversold == []
    [over] = rb.oversold
    assert over["definitionId"] == d and (over["sold"], over["quantity"]) == (4, 3) and over["orderNumber"] == ob
    assert any("oversold" in w for w in rb.warnings)
    with hub.ledger.uow() as uow:
        assert {oa, ob} <= set(uow.session.scalars(select(Order.order_number)))
        assert definition_counts(uow.session, ev)[d].sold == 4     # 4/3: nothing silently dropped
    assert a.sync().ok
    with a.ledger.uow() as uow:                                     # A now knows B's sale too
        assert uow.session.get(Order, ob) is not None and definition_counts(uow.session, ev)[d].sold == 4


def test_wr15_plain_server_keeps_door_sales_local_only_and_reports_them(hub_factory, stations):
    """WR-15: a plain contract server has no order-creation call: the door sale and the check-in of its
    ticket stay queued (never dropped, never rejected) and every run reports them."""
    from core.checkin import Verdict, scan_and_commit

    plain = hub_factory(plain=True)
    ev = plain.seed_event()
    d = plain.seed_definition(ev, quantity=10)
    a = stations("A", "box-office", [ev], on=plain)
    assert a.sync().ok
    order_number = _sell(a, ev, d, qty=2)
    with a.ledger.uow() as uow:
        tn = uow.session.scalars(select(Ticket.ticket_number).where(Ticket.order_number == order_number)).first()
    assert scan_and_commit(a.ledger, tn, event_ids=[ev], station="A").verdict == Verdict.OK
    for _ in range(2):
        report = a.sync()
        assert report.ok and report.local_only == [order_number] and report.pushed == 0
        assert any("local-only" in w for w in report.warnings)
        assert report.pending == 2
    assert [e.state for e in a.outbox()] == ["pending", "pending"]
    with plain.ledger.uow() as uow:
        assert uow.session.get(Order, order_number) is None
    with a.ledger.uow() as uow:                                    # the pull did not drop the local sale
        assert uow.session.get(Order, order_number).channel == "OFFLINE_POS"
        assert uow.session.scalar(select(func.count()).select_from(Payment)) == 1


def test_wr03b_confirm_checks_the_order_state_first(server, stations):
    """WR-03 b: the station took the cash and queued ConfirmOrder; meanwhile the order was confirmed
    centrally. A plain server: the push reads the order first and does not confirm it again. The hub (payments
    extension, issue 8 item 12): the payment goes up and is refused 409 ORDER_ALREADY_PAID (row rejected).
    Either way the money taken twice is a review item to refund, raised once."""
    ev = server.seed_event()
    d = server.seed_definition(ev, quantity=10)
    unpaid = server.seed_sale(ev, {d: 3}, payment="unpaid")
    a = stations("A", "box-office", [ev], on=server)
    assert a.sync().ok
    with a.ledger.uow() as uow:
        pay_and_complete(uow.session, ev, unpaid["orderNumber"], payment="cash", tendered=Money.of("45.00", "EUR"),
                         station="A")
        uow.commit()
    with server.uow() as s:
        complete_order(s, ev, [unpaid["orderNumber"]])
    report = a.sync()
    [entry] = a.outbox()
    if server.plain:
        assert report.ok and report.pushed == 1
        assert ("POST", f"/events/v1/events/{ev}/orders/confirm") not in a.faults.seen
        assert entry.state == "sent" and "already settled" in entry.last_error
    else:
        assert report.ok and report.pushed == 0 and [r["entity"] for r in report.rejected] == [unpaid["orderNumber"]]
        assert entry.state == "rejected" and "ORDER_ALREADY_PAID" in entry.last_error
    assert a.sync().ok
    with a.ledger.uow() as uow:
        assert uow.session.get(Order, unpaid["orderNumber"]).status == "PAID"
        assert uow.session.scalar(select(func.count()).select_from(Payment)) == 1  # the till keeps the cash once
        [item] = review.list_open(uow.session)
    assert item.kind == "second_payment" and item.entity == unpaid["orderNumber"]
    assert item.message.startswith("refund the customer")


def test_wr03b_confirm_after_a_500_is_retried_once(server, stations):
    """WR-03 b: ConfirmOrder fails with a 500; the cash stays recorded, the retry confirms exactly once."""
    ev = server.seed_event()
    d = server.seed_definition(ev, quantity=10)
    unpaid = server.seed_sale(ev, {d: 1}, payment="unpaid")
    a = stations("A", "box-office", [ev], on=server)
    assert a.sync().ok
    with a.ledger.uow() as uow:
        pay_and_complete(uow.session, ev, unpaid["orderNumber"], payment="card", station="A")
        uow.commit()
    a.faults.add("POST", f"/events/v1/events/{ev}/orders/confirm", 500)
    first = a.sync()
    assert not first.ok and first.pending == 1 and "500" in first.error
    second = a.sync()
    assert second.ok and second.pushed == 1
    with server.ledger.uow() as uow:
        assert uow.session.get(Order, unpaid["orderNumber"]).status == "PAID"
    if not server.plain:
        with server.ledger.uow() as uow:  # one stored confirm (idempotency key), not two
            assert uow.session.scalar(select(func.count()).select_from(HubIdempotency)
                                      .where(HubIdempotency.path.contains("confirm"))) == 1


def test_428_refusal_is_rejected_kept_shown_and_the_server_wins(server, stations):
    """A confirm the server refuses (order canceled centrally: 428 ORDER_ACTION_NOT_AVAILABLE) is rejected,
    kept with its error, not retried; the pull then brings the server's status."""
    ev = server.seed_event()
    d = server.seed_definition(ev, quantity=10)
    unpaid = server.seed_sale(ev, {d: 1}, payment="unpaid")
    a = stations("A", "box-office", [ev], on=server)
    assert a.sync().ok
    with a.ledger.uow() as uow:
        complete_order(uow.session, ev, [unpaid["orderNumber"]])
        uow.commit()
    with server.uow() as s:
        s.get(Order, unpaid["orderNumber"]).status = "CANCELED"
    report = a.sync()
    assert report.ok and report.pushed == 0
    [rej] = report.rejected
    assert rej["kind"] == "order.confirm" and "ORDER_ACTION_NOT_AVAILABLE" in rej["error"]
    [entry] = a.outbox()
    assert entry.state == "rejected" and entry.attempts == 1
    again = a.sync()
    assert again.ok and again.rejected == [] and a.outbox()[0].attempts == 1
    with a.ledger.uow() as uow:
        assert uow.session.get(Order, unpaid["orderNumber"]).status == "CANCELED"
        from core.outbox import rejected_entries
        assert [r["entity"] for r in rejected_entries(uow.session)] == [unpaid["orderNumber"]]


def test_door_sale_uploaded_with_its_numbers_and_paid_status(hub, stations):
    """orders-upload: the hub keeps the station's order and ticket numbers; the station's row is marked sent."""
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=10)
    a = stations("A", "box-office", [ev], on=hub)
    assert a.sync().ok
    number = _sell(a, ev, d, qty=2, payment="card")
    report = a.sync()
    assert report.ok and report.pushed == 1 and report.oversold == []
    with hub.ledger.uow() as uow:
        order = uow.session.get(Order, number)
        assert order.status == "PAID" and order.channel == "OFFLINE_POS" and len(order.tickets) == 2
