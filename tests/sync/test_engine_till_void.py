"""A till void (issue 10 item 3) end to end on the real hub: a box office opens its till, sells, the door
admits nothing yet; the box office voids the sale in its open session — after sync the ticket is refused at
another station, the seat is back on sale at the hub, and the close-out counts the cash handed back."""
from __future__ import annotations

from datetime import timedelta

from core.checkin import Verdict, scan_and_commit
from core.definitions import definition_counts
from core.money import Money
from core.sales import sell
from core.till import close_till, open_till, till_totals, void_sale
from tests.sync.engine_helpers import hour_ago

BUYER = {"firstName": "Walk", "lastName": "In", "email": ""}


def test_a_void_in_the_till_is_refused_at_another_station_after_sync(hub, stations):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=10)
    box, door = stations("B", "box-office", [ev], on=hub), stations("D", "door", [ev], on=hub)
    assert box.sync().ok and door.sync().ok
    t0 = hour_ago()
    with box.ledger.uow() as uow:
        open_till(uow.session, ev, station="B", operator="Ana", floats=[Money.of("50", "EUR")], now=t0)
        order = sell(uow.session, ev, {d: 1}, BUYER, payment="cash", tendered=Money.of("100", "EUR"), station="B",
                     now=t0 + timedelta(minutes=1)).order
        number, [tn] = order.order_number, [t.ticket_number for t in order.tickets]
        price = Money.from_minor(order.total_minor, order.currency)
        uow.commit()
    assert box.sync().ok and door.sync().ok
    with box.ledger.uow() as uow:
        [back] = void_sale(uow.session, ev, number, station="B", now=t0 + timedelta(minutes=2))
        uow.commit()
    assert (back.method, back.amount_minor) == ("cash", price.minor)
    assert box.sync().ok and door.sync().ok
    verdict = scan_and_commit(door.ledger, tn, event_ids=[ev], station="D", now=t0 + timedelta(minutes=3)).verdict
    assert verdict == Verdict.CANCELED
    with hub.ledger.uow() as uow:
        assert definition_counts(uow.session, ev)[d].sold == 0
    with box.ledger.uow() as uow:
        till = close_till(uow.session, ev, station="B", counted=[Money.of("50", "EUR")], now=t0 + timedelta(minutes=9))
        [eur] = till_totals(uow.session, till)
        uow.commit()
    assert (eur.cash, eur.voided_cash, eur.expected, eur.difference) == (
        price, price, Money.of("50", "EUR"), Money.of("0", "EUR"))
