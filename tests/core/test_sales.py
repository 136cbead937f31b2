"""The box office: sell() (INTERNAL_API.md core/sales.py); payments are in test_sales_payments.py."""
import logging
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.definitions import create_definition, definition_counts
from core.errors import CapacityExceeded, FailedPrecondition, InvalidArgument, NotFound, PerOrderLimitExceeded
from core.events import create_event, get_event
from core.models import Order, OutboxEntry, Payment, Ticket, TicketDefinition
from core.money import Money
from core.sales import sell

NOW = datetime(2026, 3, 7, 19, 0, tzinfo=timezone.utc)
BUYER = {"firstName": "Mira", "lastName": "Castell", "email": "mira@example.com"}


def make_event(session, currency="EUR", tz="Europe/Berlin"):
    return create_event(session, title="Door Night", time_zone=tz, currency=currency)


def make_def(session, ev, price="12.50", **data):
    """A definition through core.definitions (price in the event's currency)."""
    data.setdefault("name", "Adult")
    return create_definition(session, ev.id, dict(data, price={"value": price, "currency": ev.currency}),
                             now=NOW - timedelta(days=30))


def preload(session, ev, defn, count, status="PAID", number="SYNC-0000-00"):
    """`count` tickets of `defn` in one order as the last sync brought them (channel ONLINE)."""
    order = Order(order_number=number, event_id=ev.id, status=status, first_name="Online", last_name="Buyer",
                  email="o@example.com", checkout_form=[], method="creditCard",
                  total_minor=defn.price_minor * count, currency=ev.currency, archived=False, channel="ONLINE",
                  station="", created=NOW - timedelta(days=1), updated=NOW - timedelta(days=1))
    for i in range(count):
        order.tickets.append(Ticket(ticket_number=f"{number}{i:04d}", event_id=ev.id, definition_id=defn.id,
                                    name=defn.name, price_minor=defn.price_minor, currency=ev.currency,
                                    created=NOW - timedelta(days=1)))
    session.add(order)
    session.flush()
    return order


def rows(session, model):
    return list(session.scalars(select(model)))


def sales_outbox(session, kind="order.create"):
    return list(session.scalars(select(OutboxEntry).where(OutboxEntry.kind == kind).order_by(OutboxEntry.id)))


def eur(text):
    return Money.of(text, "EUR")


@pytest.fixture
def ev(session):
    return make_event(session)


# ---------------------------------------------------------------- payments and money


def test_wr15_cash_two_adults_change_five(session, ev):
    """Case WR-15 (b): 2 × 12.50 EUR, 30.00 tendered → change 5.00 in Decimal; the sale is stored whole."""
    adult = make_def(session, ev, "12.50")
    sale = sell(session, ev.id, {adult.id: 2}, dict(BUYER, seat="balcony"), payment="cash",
                tendered=eur("30.00"), station="till-1", now=NOW)
    assert sale.total == eur("25.00") and sale.change == eur("5.00")
    assert sale.change.amount == Decimal("5.00")
    order = sale.order
    assert (order.status, order.channel, order.method, order.station) == ("PAID", "OFFLINE_POS", "cash", "till-1")
    assert (order.first_name, order.last_name, order.email, order.total_minor) == ("Mira", "Castell",
                                                                                  "mira@example.com", 2500)
    assert order.checkout_form == [{"inputName": "firstName", "value": "Mira"},
                                   {"inputName": "lastName", "value": "Castell"},
                                   {"inputName": "email", "value": "mira@example.com"},
                                   {"inputName": "seat", "value": "balcony"}]
    assert [t.ticket_number for t in order.tickets] == [order.order_number + "021", order.order_number + "022"]
    for t in order.tickets:
        assert (t.definition_id, t.name, t.price_minor, t.currency) == (adult.id, "Adult", 1250, "EUR")
        assert (t.guest_first_name, t.guest_last_name, t.guest_email) == ("Mira", "Castell", "mira@example.com")
    [pay] = rows(session, Payment)
    assert (pay.method, pay.amount_minor, pay.tendered_minor, pay.change_minor, pay.station) == (
        "cash", 2500, 3000, 500, "till-1")
    assert get_event(session, ev.id).currency_locked is True


def test_order_create_outbox_payload(session, ev):
    adult = make_def(session, ev, "12.50")
    sale = sell(session, ev.id, {adult.id: 2}, BUYER, payment="cash", tendered=eur("30.00"), station="till-1",
                now=NOW)
    [row] = sales_outbox(session)
    assert (row.event_id, row.entity_key) == (ev.id, sale.order.order_number)
    body = row.payload["order"]
    assert row.payload["eventId"] == ev.id
    assert (body["orderNumber"], body["status"], body["channel"]) == (sale.order.order_number, "PAID", "OFFLINE_POS")
    assert body["totalPrice"]["value"] == "25.00" and len(body["tickets"]) == 2
    assert body["checkoutForm"]["inputValues"][0]["inputName"] == "firstName"
    [paid] = session.scalars(select(Payment)).all()
    assert len(paid.payment_id) == 36                  # the payment's id on the hub (issue 8 item 12)
    assert body["payments"] == [{"method": "cash", "amount": eur("25.00").to_api(), "station": "till-1",
                                 "operator": "", "paymentId": paid.payment_id,
                                 "created": "2026-03-07T19:00:00.000Z", "tendered": eur("30.00").to_api(),
                                 "change": eur("5.00").to_api()}]
    assert "override" not in body


def test_bc07_three_at_19_99_is_exactly_59_97(session, ev):
    """Case BC-07: 3 × 19.99 EUR = 59.97 exactly, 5997 minor units (no float anywhere)."""
    defn = make_def(session, ev, "19.99")
    sale = sell(session, ev.id, {defn.id: 3}, BUYER, payment="card", now=NOW)
    assert sale.total.amount == Decimal("59.97") and sale.order.total_minor == 5997 and sale.change is None
    assert sale.order.status == "PAID" and sale.order.method == "card"
    [pay] = rows(session, Payment)
    assert (pay.method, pay.amount_minor, pay.tendered_minor, pay.change_minor) == ("card", 5997, None, None)


def test_bc09_yen_minor_units_and_change_in_whole_yen(session):
    """Case BC-09: JPY 1500 × 3 = 4500 minor units (not 450000, not 45); change counted in whole yen."""
    ev = make_event(session, "JPY", "Asia/Tokyo")
    defn = make_def(session, ev, "1500")
    with pytest.raises(InvalidArgument):
        sell(session, ev.id, {defn.id: 3}, BUYER, payment="cash", tendered=Money.of("4000", "JPY"), now=NOW)
    sale = sell(session, ev.id, {defn.id: 3}, BUYER, payment="cash", tendered=Money.of("5000", "JPY"), now=NOW)
    assert sale.order.total_minor == 4500 and sale.total == Money.of("4500", "JPY")
    assert sale.change == Money.of("500", "JPY") and sale.change.minor == 500
    assert str(sale.change.amount) == "500"
    assert sale.total.format("ja_JP").endswith("4,500") and "." not in sale.total.format("en_US")
    [pay] = rows(session, Payment)
    assert (pay.amount_minor, pay.tendered_minor, pay.change_minor) == (4500, 5000, 500)


@pytest.mark.parametrize("tendered", [None, Money.of("24.99", "EUR"), Money.of("30.00", "USD")])
def test_cash_needs_enough_tendered_in_the_currency(session, ev, tendered):
    defn = make_def(session, ev, "12.50")
    with pytest.raises(InvalidArgument) as err:
        sell(session, ev.id, {defn.id: 2}, BUYER, payment="cash", tendered=tendered, now=NOW)
    assert err.value.field == "tendered"
    assert rows(session, Order) == [] and sales_outbox(session) == []


def test_cash_exact_amount_gives_zero_change(session, ev):
    defn = make_def(session, ev, "12.50")
    sale = sell(session, ev.id, {defn.id: 2}, BUYER, payment="cash", tendered=eur("25.00"), now=NOW)
    assert sale.change == eur("0.00")


def test_unpaid_is_offline_pending_without_payment(session, ev):
    defn = make_def(session, ev, "15.00")
    sale = sell(session, ev.id, {defn.id: 2}, BUYER, payment="unpaid", now=NOW)
    assert (sale.order.status, sale.order.method, sale.change, sale.total) == (
        "OFFLINE_PENDING", "inPerson", None, eur("30.00"))
    assert rows(session, Payment) == []
    assert sales_outbox(session)[0].payload["order"]["payments"] == []


@pytest.mark.parametrize("payment", ["cash", "card", "unpaid"])
def test_zero_total_is_free_whatever_the_payment(session, ev, payment):
    defn = make_def(session, ev, "0")
    sale = sell(session, ev.id, {defn.id: 2}, BUYER, payment=payment, now=NOW)
    assert (sale.order.status, sale.order.method, sale.change, sale.total) == ("FREE", "", None, eur("0.00"))
    assert rows(session, Payment) == []


@pytest.mark.parametrize("payment", ["", "CASH", "voucher", None])
def test_unknown_payment_is_refused(session, ev, payment):
    defn = make_def(session, ev)
    with pytest.raises(InvalidArgument):
        sell(session, ev.id, {defn.id: 1}, BUYER, payment=payment, now=NOW)


def test_mixed_currencies_in_one_sale_are_refused(session, ev):
    eur_def = make_def(session, ev, "10.00")
    usd_def = TicketDefinition(id="usd-def", event_id=ev.id, name="Stale USD", price_minor=1000, currency="USD",
                               created=NOW, updated=NOW)
    session.add(usd_def)
    with pytest.raises(InvalidArgument) as err:
        sell(session, ev.id, {eur_def.id: 1, usd_def.id: 1}, BUYER, payment="card", now=NOW)
    assert "mix" in err.value.message
    with pytest.raises(InvalidArgument):
        sell(session, ev.id, {usd_def.id: 1}, BUYER, payment="card", now=NOW)   # not the event's currency
    assert rows(session, Order) == []


# ---------------------------------------------------------------- capacity, limits, sale period


def test_bc26_a_four_with_one_seat_left_is_blocked(session, ev):
    """Case BC-26 (a): quantity 100, 99 sold at the last sync, an order for 4 is blocked."""
    early = make_def(session, ev, "20.00", name="Early Bird", quantity=100)
    preload(session, ev, early, 99)
    with pytest.raises(CapacityExceeded) as err:
        sell(session, ev.id, {early.id: 4}, BUYER, payment="cash", tendered=eur("80.00"), now=NOW)
    assert err.value.status == 428 and err.value.code == "TICKET_CAPACITY_EXCEEDED"
    assert "'Early Bird'" in err.value.message and "only 1 left" in err.value.message
    assert len(rows(session, Order)) == 1 and rows(session, Payment) == [] and sales_outbox(session) == []
    sale = sell(session, ev.id, {early.id: 1}, BUYER, payment="card", now=NOW)    # the last seat is fine
    assert len(sale.order.tickets) == 1


def test_bc26_a_supervisor_override_sells_four_and_is_logged(session, ev, caplog):
    """Case BC-26 (a): with the supervisor override the 4 are sold, logged, and the upload says so."""
    early = make_def(session, ev, "20.00", name="Early Bird", quantity=100)
    preload(session, ev, early, 99)
    with caplog.at_level(logging.WARNING, logger="core.sales"):
        sale = sell(session, ev.id, {early.id: 4}, BUYER, payment="cash", tendered=eur("80.00"),
                    station="till-2", override=True, now=NOW)
    assert len(sale.order.tickets) == 4 and sale.change == eur("0.00")
    body = sales_outbox(session)[0].payload["order"]
    assert body["override"] is True and "only 1 left" in body["overrideReasons"][0]
    assert any("override" in r.getMessage() and sale.order.order_number in r.getMessage() for r in caplog.records)
    counts = definition_counts(session, ev.id, now=NOW)[early.id]
    assert (counts.sold, counts.unsold, counts.available) == (103, 0, -3)   # shown as oversold, not hidden


def test_override_flag_without_a_problem_is_not_recorded(session, ev):
    defn = make_def(session, ev, quantity=10)
    sell(session, ev.id, {defn.id: 2}, BUYER, payment="card", override=True, now=NOW)
    assert "override" not in sales_outbox(session)[0].payload["order"]


def test_local_sales_count_against_capacity(session, ev):
    """Case BC-26: the available count offline is the last-synced figure minus local sales."""
    defn = make_def(session, ev, quantity=5)
    preload(session, ev, defn, 2)
    sell(session, ev.id, {defn.id: 2}, BUYER, payment="card", now=NOW)
    with pytest.raises(CapacityExceeded) as err:
        sell(session, ev.id, {defn.id: 2}, BUYER, payment="card", now=NOW)
    assert "only 1 left" in err.value.message


@pytest.mark.parametrize("status", ["CANCELED", "DECLINED"])
def test_canceled_orders_free_their_seats(session, ev, status):
    defn = make_def(session, ev, quantity=100)
    preload(session, ev, defn, 90, number="SYNC-PAID-00")
    preload(session, ev, defn, 9, status=status, number="SYNC-GONE-00")
    sale = sell(session, ev.id, {defn.id: 10}, BUYER, payment="card", now=NOW)
    assert len(sale.order.tickets) == 10


@pytest.mark.parametrize("status", ["OFFLINE_PENDING", "INITIATED", "PENDING", "FREE", "AUTHORIZED"])
def test_unpaid_and_unknown_status_orders_hold_their_seats(session, ev, status):
    defn = make_def(session, ev, quantity=10)
    preload(session, ev, defn, 10, status=status)
    with pytest.raises(CapacityExceeded):
        sell(session, ev.id, {defn.id: 1}, BUYER, payment="card", now=NOW)


def test_wr04_two_held_until_future_leaves_zero(session, ev):
    """Case WR-04: quantity 200, 198 sold, 2 held until 20:18 → 0 free; an order of 2 is refused; once the
    hold expires the same order goes through."""
    standing = make_def(session, ev, "10.00", name="Standing", quantity=200, limitPerCheckout=20)
    preload(session, ev, standing, 198)
    standing.reserved, standing.reserved_until = 2, NOW + timedelta(minutes=18)
    with pytest.raises(CapacityExceeded) as err:
        sell(session, ev.id, {standing.id: 2}, BUYER, payment="card", now=NOW)
    assert "only 0 left" in err.value.message and "2 held until 2026-03-07 20:18 CET" in err.value.message  # event time
    assert err.value.code == "TICKET_CAPACITY_EXCEEDED" and type(err.value) is CapacityExceeded  # not the per-order one
    assert definition_counts(session, ev.id, now=NOW)[standing.id].unsold == 0
    sale = sell(session, ev.id, {standing.id: 2}, BUYER, payment="card", now=NOW + timedelta(minutes=19))
    assert len(sale.order.tickets) == 2


def test_wr04_limit_per_checkout_20_means_unlimited_group_of_60(session, ev):
    """Case WR-04: limitPerCheckout 20 is the "unlimited" sentinel: a school group of 60 is one order."""
    unlimited = make_def(session, ev, "8.00", name="Standing", limitPerCheckout=20)
    sale = sell(session, ev.id, {unlimited.id: 60}, dict(BUYER, lastName="School"), payment="card", now=NOW)
    assert len(sale.order.tickets) == 60 and sale.total == eur("480.00")
    assert sale.order.tickets[-1].ticket_number == sale.order.order_number + "080"
    limited = make_def(session, ev, "8.00", name="Limited", quantity=200, limitPerCheckout=20)
    assert len(sell(session, ev.id, {limited.id: 60}, BUYER, payment="card", now=NOW).order.tickets) == 60


def test_limit_per_checkout_caps_one_definition_in_one_order(session, ev):
    vip = make_def(session, ev, "50.00", name="VIP", limitPerCheckout=4)
    with pytest.raises(PerOrderLimitExceeded) as err:  # a CapacityExceeded, with its own code and the limit
        sell(session, ev.id, {vip.id: 5}, BUYER, payment="card", now=NOW)
    assert isinstance(err.value, CapacityExceeded) and err.value.status == 428
    assert err.value.code == "TICKET_LIMIT_PER_ORDER_EXCEEDED"
    assert err.value.message == "'VIP': over the per-order limit of 4 (5 requested)"
    assert err.value.data == {"definitionId": vip.id, "name": "VIP", "limitPerOrder": 4, "requested": 5}
    assert err.value.to_api()["details"]["applicationError"]["data"]["limitPerOrder"] == 4
    assert len(sell(session, ev.id, {vip.id: 4}, BUYER, payment="card", now=NOW).order.tickets) == 4
    over = sell(session, ev.id, {vip.id: 5}, BUYER, payment="card", override=True, now=NOW)
    assert len(over.order.tickets) == 5 and sales_outbox(session)[-1].payload["order"]["override"] is True


def test_limit_per_checkout_zero_sets_no_per_checkout_limit(session, ev):
    """The documented rule: 0 = no per-checkout limit set; capacity alone decides."""
    defn = make_def(session, ev, "5.00", quantity=50, limitPerCheckout=0)
    assert len(sell(session, ev.id, {defn.id: 30}, BUYER, payment="card", now=NOW).order.tickets) == 30
    with pytest.raises(CapacityExceeded):
        sell(session, ev.id, {defn.id: 21}, BUYER, payment="card", now=NOW)


@pytest.mark.parametrize("period", [
    {"startDate": "2026-03-08T10:00:00Z"},                              # not started
    {"endDate": "2026-03-07T19:00:00Z"},                                # ended exactly now
    {"startDate": "2026-03-01T00:00:00Z", "endDate": "2026-03-05T00:00:00Z"},
])
def test_outside_the_sale_period_is_refused_unless_override(session, ev, period):
    defn = make_def(session, ev, salePeriod=period)
    with pytest.raises(FailedPrecondition) as err:
        sell(session, ev.id, {defn.id: 1}, BUYER, payment="card", now=NOW)
    assert err.value.code == "SALE_NOT_OPEN" and err.value.status == 428
    assert rows(session, Order) == []
    sale = sell(session, ev.id, {defn.id: 1}, BUYER, payment="card", override=True, now=NOW)
    assert "not on sale" in sales_outbox(session)[0].payload["order"]["overrideReasons"][0]
    assert sale.order.status == "PAID"


def test_inside_the_sale_period_and_hidden_definitions_sell(session, ev):
    defn = make_def(session, ev, hidden=True, salePeriod={"startDate": "2026-03-01T00:00:00Z",
                                                         "endDate": "2026-03-08T00:00:00Z"})
    assert sell(session, ev.id, {defn.id: 1}, BUYER, payment="card", now=NOW).order.status == "PAID"


# ---------------------------------------------------------------- input validation, atomicity


@pytest.mark.parametrize("lines", [{}, {"x": 0}, [("x", 1)], {"DEF": -1}, {"DEF": True}, {"DEF": 1.0},
                                   {"DEF": 980}])
def test_bad_lines_are_refused(session, ev, lines):
    defn = make_def(session, ev)
    if isinstance(lines, dict):
        lines = {defn.id if k == "DEF" else k: v for k, v in lines.items()}
    with pytest.raises(InvalidArgument):
        sell(session, ev.id, lines, BUYER, payment="card", now=NOW)


@pytest.mark.parametrize("buyer", [{}, {"firstName": "Mira"}, {"firstName": " ", "lastName": "C"},
                                   dict(BUYER, email="not-an-email"), dict(BUYER, age=42), "Mira Castell",
                                   dict(BUYER, note="x" * 5001)])
def test_bad_buyer_is_refused(session, ev, buyer):
    defn = make_def(session, ev)
    with pytest.raises(InvalidArgument):
        sell(session, ev.id, {defn.id: 1}, buyer, payment="card", now=NOW)


def test_buyer_without_email_and_with_multi_value_answer(session, ev):
    defn = make_def(session, ev)
    sale = sell(session, ev.id, {defn.id: 1}, {"firstName": "Ana", "lastName": "Moreira", "email": None,
                                                "diet": ["vegan", "no nuts"]}, payment="card", now=NOW)
    assert sale.order.email == "" and sale.order.checkout_form[-1] == {
        "inputName": "diet", "value": "", "values": ["vegan", "no nuts"]}


def test_unknown_event_or_definition_or_other_events_definition(session, ev):
    other = make_event(session)
    foreign = make_def(session, other)
    with pytest.raises(NotFound):
        sell(session, "no-such-event", {foreign.id: 1}, BUYER, payment="card", now=NOW)
    with pytest.raises(NotFound):
        sell(session, ev.id, {"no-such-def": 1}, BUYER, payment="card", now=NOW)
    with pytest.raises(NotFound):
        sell(session, ev.id, {foreign.id: 1}, BUYER, payment="card", now=NOW)


def test_a_sale_failing_mid_way_stores_nothing(ledger, session, ev):
    """The first line fits, the second is sold out: the whole sale is refused and nothing is stored, even if
    the caller commits after catching the error (every check runs before anything is added)."""
    ok = make_def(session, ev, name="Adult")
    full = make_def(session, ev, name="Sold Out", quantity=3)
    preload(session, ev, full, 3)
    session.commit()
    before = session.scalar(select(func.count()).select_from(OutboxEntry))
    with pytest.raises(CapacityExceeded):
        sell(session, ev.id, {ok.id: 2, full.id: 1}, BUYER, payment="cash", tendered=eur("50.00"), now=NOW)
    session.commit()
    with ledger.uow() as uow:
        s = uow.session
        assert [o.order_number for o in rows(s, Order)] == ["SYNC-0000-00"]
        assert s.scalar(select(func.count()).select_from(Ticket)) == 3
        assert rows(s, Payment) == [] and s.scalar(select(func.count()).select_from(OutboxEntry)) == before
        assert get_event(s, ev.id).currency_locked is False


def test_a_sale_in_a_unit_of_work_rolls_back_whole(ledger, session, ev):
    """Short cash inside the caller's UnitOfWork: leaving without commit keeps nothing (case BC-19)."""
    defn = make_def(session, ev, "12.50")
    session.commit()
    with ledger.uow() as uow:
        with pytest.raises(InvalidArgument):
            sell(uow.session, ev.id, {defn.id: 2}, BUYER, payment="cash", tendered=eur("20.00"), now=NOW)
    with ledger.uow() as uow:
        sale = sell(uow.session, ev.id, {defn.id: 2}, BUYER, payment="cash", tendered=eur("25.00"), now=NOW)
        number = sale.order.order_number
        uow.commit()
    with ledger.uow() as uow:
        assert [o.order_number for o in rows(uow.session, Order)] == [number]
        assert len(rows(uow.session, Ticket)) == 2 and len(rows(uow.session, Payment)) == 1
