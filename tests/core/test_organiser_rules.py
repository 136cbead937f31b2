"""Issue 10 items 1–2 in core: editing an event (currency while unlocked, the lock's reason), the quantity
guard (never below sold), anonymous walk-ins when the station allows them, quick-tender amounts."""
from datetime import datetime, timezone

import pytest

from core.changes import Changes
from core.definitions import change_currency as old_name_change_currency
from core.definitions import create_definition, update_definition
from core.errors import CurrencyLocked, InvalidArgument
from core.events import (change_currency, create_event, currency_lock_reason, event_summaries, event_summary,
                         get_event, update_event)
from core.models import Order
from core.money import Money
from core.sales import buyer_problem, quick_tenders, sell

START = datetime(2026, 5, 1, 18, 0, tzinfo=timezone.utc)


def _event(session, currency="EUR"):
    ev = create_event(session, title="Gala", time_zone="Europe/Berlin", currency=currency, start=START)
    d = create_definition(session, ev.id, {"name": "Seat", "price": {"value": "20.00", "currency": currency},
                                            "limited": True, "quantity": 10})
    return ev, d


def test_update_event_changes_currency_while_unlocked_then_refuses_with_reason(session):
    ev, d = _event(session)
    assert currency_lock_reason(session, ev) is None and not event_summary(session, ev.id).currency_locked
    update_event(session, ev.id, title="Gala 2", currency="CHF")
    assert (get_event(session, ev.id).currency, d.currency, d.price_minor) == ("CHF", "CHF", 2000)
    sell(session, ev.id, {d.id: 1}, {"firstName": "A", "lastName": "B"}, payment="card")
    reason = currency_lock_reason(session, ev)
    assert reason and "orders exist" in reason and "CHF" in reason
    with pytest.raises(CurrencyLocked):
        update_event(session, ev.id, currency="EUR")
    update_event(session, ev.id, title="Gala 3", currency="CHF")  # same currency: not a change
    summary = event_summaries(session)[0]
    assert (summary.title, summary.currency, summary.lock_reason) == ("Gala 3", "CHF", reason)
    assert old_name_change_currency is change_currency


def test_update_event_validates_everything_before_changing(session):
    ev, _d = _event(session)
    with pytest.raises(InvalidArgument):
        update_event(session, ev.id, title="New", currency="XXQ")
    with pytest.raises(InvalidArgument):
        update_event(session, ev.id, currency="USD", end=datetime(2026, 4, 1, tzinfo=timezone.utc))
    assert (get_event(session, ev.id).title, get_event(session, ev.id).currency) == ("Gala", "EUR")


def test_create_event_notes_the_event(ledger):
    with ledger.uow() as uow:
        ev = create_event(uow.session, title="X", time_zone="UTC", currency="EUR")
        uow.commit()
    assert ev.id in uow.changes.events and isinstance(uow.changes, Changes)


@pytest.mark.parametrize("quantity, ok", [(5, True), (3, True), (2, False), (0, False), (None, True)])
def test_quantity_never_below_sold(session, quantity, ok):
    ev, d = _event(session)
    sell(session, ev.id, {d.id: 3}, {"firstName": "A", "lastName": "B"}, payment="card")
    data = {"limited": quantity is not None, "quantity": quantity}
    if ok:
        update_definition(session, d.id, data, ["limited", "quantity"])
        assert d.quantity == quantity
    else:
        with pytest.raises(InvalidArgument) as err:
            update_definition(session, d.id, data, ["limited", "quantity"])
        assert err.value.code == "QUANTITY_BELOW_SOLD" and "3" in err.value.message and d.quantity == 10


def test_oversold_definition_stays_editable_in_other_fields(session):
    ev, d = _event(session)
    sell(session, ev.id, {d.id: 3}, {"firstName": "A", "lastName": "B"}, payment="card")
    d.quantity = 2  # as a sync may leave it (BC-26)
    update_definition(session, d.id, {"name": "Seat B"}, ["name"])
    assert (d.name, d.quantity) == ("Seat B", 2)


def test_walk_in_names_optional_only_when_the_station_says_so(session):
    ev, d = _event(session)
    assert buyer_problem({}, names_required=True) == "First and last name are required."
    assert buyer_problem({}, names_required=False) is None
    assert buyer_problem({"firstName": 3}, names_required=False) == "First name must be text"
    with pytest.raises(InvalidArgument):
        sell(session, ev.id, {d.id: 1}, {}, payment="card")
    sale = sell(session, ev.id, {d.id: 1}, {"email": ""}, payment="card", names_required=False)
    order = session.get(Order, sale.order.order_number)
    assert (order.first_name, order.last_name, order.status) == ("", "", "PAID")
    assert not any(i["inputName"] in ("firstName", "lastName") for i in order.checkout_form)


@pytest.mark.parametrize("total, expected", [
    (("37.50", "EUR"), ["37.50", "40", "50", "100"]),
    (("50.00", "EUR"), ["50.00", "60", "100", "200"]),
    (("1234", "JPY"), ["1234", "2000", "5000", "10000"]),
    (("0.000", "KWD"), []),
])
def test_quick_tenders(total, expected):
    got = quick_tenders(Money.of(*total))
    assert got == [Money.of(v, total[1]) for v in expected]
