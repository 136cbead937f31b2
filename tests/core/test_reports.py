"""Event stats from order statuses and the check-in log, never attendance status (case WR-02)."""
from datetime import datetime, timedelta, timezone

import pytest

from core.definitions import create_definition, delete_definitions
from core.errors import NotFound
from core.events import create_event
from core.models import Order, Ticket
from core.money import Money
from core.reports import event_stats
from core.sales import pay_and_complete, sell
from core.tickets import check_in, delete_check_in

NOW = datetime(2026, 3, 7, 19, 0, tzinfo=timezone.utc)


def make_def(session, ev, name, price, **data):
    return create_definition(session, ev.id, dict(data, name=name, price={"value": price, "currency": ev.currency}))


def make_order(session, ev, defn, number, status, tickets, *, currency=None, canceled_tickets=0):
    """An order as a pull stores it; the first `canceled_tickets` tickets are canceled."""
    currency = currency or ev.currency
    order = Order(order_number=number, event_id=ev.id, status=status, first_name="Mira", last_name="Castell",
                  email="m@example.com", checkout_form=[], total_minor=defn.price_minor * tickets,
                  currency=currency, channel="ONLINE", created=NOW, updated=NOW)
    for i in range(tickets):
        order.tickets.append(Ticket(ticket_number=f"{number}{21 + i:03d}", event_id=ev.id, definition_id=defn.id,
                                    name=defn.name, price_minor=defn.price_minor, currency=currency,
                                    canceled=i < canceled_tickets, created=NOW))
    session.add(order)
    session.flush()
    return order


@pytest.fixture
def ev(session):
    return create_event(session, title="Gala", time_zone="Europe/Madrid", currency="EUR")


def test_wr02_offline_pending_is_unpaid_with_30_to_collect(session, ev):
    """Case WR-02: order P-4410 is OFFLINE_PENDING, 2 tickets, 30.00 EUR: counted as unpaid (money to collect),
    never as paid, whatever an attendance status would say."""
    adult = make_def(session, ev, "Adult", "15.00")
    make_order(session, ev, adult, "P-4410", "OFFLINE_PENDING", 2)
    make_order(session, ev, adult, "P-PAID", "PAID", 3)
    stats = event_stats(session, ev.id)
    assert (stats["sold"], stats["paid"], stats["unpaid"], stats["unpaidOrders"]) == (5, 3, 2, 1)
    assert stats["toCollect"] == Money.of("30.00", "EUR") and stats["currency"] == "EUR"
    assert stats["perDefinition"][adult.id] == {"name": "Adult", "quantity": None, "sold": 5, "paid": 3,
                                                "unpaid": 2, "other": 0, "canceled": 0, "checkedIn": 0}
    assert "toCollectOther" not in stats


def test_wr02_payment_at_the_door_moves_the_order_to_paid(session, ev):
    """The WR-02 flow: take payment, ConfirmOrder, then check in; the stats follow the order status."""
    adult = make_def(session, ev, "Adult", "15.00")
    sale = sell(session, ev.id, {adult.id: 2}, {"firstName": "Mira", "lastName": "Castell"}, payment="unpaid",
                now=NOW)
    assert event_stats(session, ev.id)["toCollect"] == Money.of("30.00", "EUR")
    pay_and_complete(session, ev.id, sale.order.order_number, payment="cash", tendered=Money.of("30.00", "EUR"),
                     now=NOW)
    check_in(session, ev.id, [sale.order.tickets[0].ticket_number], now=NOW)
    stats = event_stats(session, ev.id)
    assert (stats["paid"], stats["unpaid"], stats["checkedIn"], stats["toCollect"]) == (
        2, 0, 1, Money.of("0.00", "EUR"))


def test_every_status_bucket_and_per_definition(session, ev):
    adult = make_def(session, ev, "Adult", "20.00", quantity=100)
    kid = make_def(session, ev, "Kid", "0")
    make_order(session, ev, adult, "S-PAID", "PAID", 2)
    make_order(session, ev, kid, "S-FREE", "FREE", 2)
    make_order(session, ev, adult, "S-INIT", "INITIATED", 1)
    make_order(session, ev, adult, "S-PEND", "PENDING", 1)
    make_order(session, ev, adult, "S-CANC", "CANCELED", 3)
    make_order(session, ev, adult, "S-DECL", "DECLINED", 1)
    make_order(session, ev, adult, "S-AUTH", "AUTHORIZED", 1)           # a status we don't know: still sold
    make_order(session, ev, adult, "S-TCAN", "PAID", 2, canceled_tickets=1)
    stats = event_stats(session, ev.id)
    assert {k: stats[k] for k in ("sold", "paid", "unpaid", "other", "canceled", "unpaidOrders")} == {
        "sold": 8, "paid": 5, "unpaid": 2, "other": 1, "canceled": 5, "unpaidOrders": 2}
    assert stats["toCollect"] == Money.of("40.00", "EUR")
    per = stats["perDefinition"]
    assert list(per) == [adult.id, kid.id]
    assert (per[adult.id]["sold"], per[adult.id]["quantity"], per[kid.id]["paid"]) == (6, 100, 2)


def test_checked_in_follows_the_log_once_per_ticket(session, ev):
    """Stats count one person per ticket (BC-14); an UNDO removes it; a canceled order's admitted guest
    still counts as checked in (they are inside)."""
    adult = make_def(session, ev, "Adult", "10.00")
    make_order(session, ev, adult, "C-PAID", "PAID", 3)
    make_order(session, ev, adult, "C-CANC", "CANCELED", 1)
    check_in(session, ev.id, ["C-PAID021", "C-PAID022", "C-CANC021"], now=NOW)
    check_in(session, ev.id, ["C-PAID021"], now=NOW + timedelta(minutes=1))        # idempotent
    delete_check_in(session, ev.id, ["C-PAID022"], now=NOW + timedelta(minutes=2))
    stats = event_stats(session, ev.id)
    assert stats["checkedIn"] == 2 and stats["perDefinition"][adult.id]["checkedIn"] == 2


def test_tickets_of_a_deleted_definition_are_still_counted(session, ev):
    gone = make_def(session, ev, "Old Tier", "5.00")
    make_order(session, ev, gone, "D-PAID", "PAID", 2)
    delete_definitions(session, ev.id, [gone.id])
    stats = event_stats(session, ev.id)
    assert stats["perDefinition"][gone.id]["sold"] == 2 and stats["perDefinition"][gone.id]["name"] == "Old Tier"


def test_unpaid_orders_in_another_currency_are_shown_apart(session, ev):
    adult = make_def(session, ev, "Adult", "10.00")
    make_order(session, ev, adult, "X-EUR", "OFFLINE_PENDING", 1)
    make_order(session, ev, adult, "X-USD", "PENDING", 2, currency="USD")
    stats = event_stats(session, ev.id)
    assert stats["toCollect"] == Money.of("10.00", "EUR")
    assert stats["toCollectOther"] == {"USD": Money.of("20.00", "USD")}


def test_empty_and_unknown_event(session, ev):
    stats = event_stats(session, ev.id)
    assert (stats["sold"], stats["checkedIn"], stats["toCollect"], stats["perDefinition"]) == (
        0, 0, Money.of("0", "EUR"), {})
    with pytest.raises(NotFound):
        event_stats(session, "no-such-event")
