"""core.quote: the one sale rule — total, change, the most per definition, typed problems; sell charges
exactly what the quote said."""
from datetime import datetime, timedelta, timezone

import pytest

from core.definitions import create_definition
from core.errors import CapacityExceeded, FailedPrecondition, InvalidArgument, NotFound, PerOrderLimitExceeded
from core.events import create_event
from core.models import Order, Ticket, TicketDefinition
from core.money import Money
from core.quote import MAX_TICKETS, PAYMENT, RULE, load_snapshot, quote, quote_payment, quote_sale
from core.sales import sell

NOW = datetime(2026, 3, 7, 19, 0, tzinfo=timezone.utc)
BUYER = {"firstName": "Mira", "lastName": "Castell"}


def make_event(session, currency="EUR"):
    return create_event(session, title="Quote Night", time_zone="Europe/Berlin", currency=currency)


def make_def(session, ev, price, **data):
    data.setdefault("name", "Adult")
    return create_definition(session, ev.id, dict(data, price={"value": price, "currency": ev.currency}),
                             now=NOW - timedelta(days=30))


def sold(session, ev, defn, count, number="SYNC-0000-00"):
    order = Order(order_number=number, event_id=ev.id, status="PAID", first_name="O", last_name="B", email="",
                  checkout_form=[], method="card", total_minor=0, currency=ev.currency, archived=False,
                  channel="ONLINE", station="", created=NOW, updated=NOW)
    for i in range(count):
        order.tickets.append(Ticket(ticket_number=f"{number}{i:04d}", event_id=ev.id, definition_id=defn.id,
                                    name=defn.name, price_minor=defn.price_minor, currency=ev.currency, created=NOW))
    session.add(order)
    session.flush()


def codes_of(q):
    return [p.code for p in q.problems]


@pytest.mark.parametrize("currency,price,qty,tendered,total,change", [
    ("EUR", "12.50", 2, "30.00", "25.00", "5.00"),
    ("JPY", "1500", 3, "5000", "4500", "500"),       # exponent 0: whole yen (BC-09)
    ("KWD", "1.250", 3, "5.000", "3.750", "1.250"),  # exponent 3: fils
])
def test_total_and_change_in_the_currency_minor_units(session, currency, price, qty, tendered, total, change):
    ev = make_event(session, currency)
    defn = make_def(session, ev, price)
    q = quote_sale(session, ev.id, {defn.id: qty}, payment="cash", tendered=Money.of(tendered, currency), now=NOW)
    assert q.ok and q.status == "PAID"
    assert q.total == Money.of(total, currency) and q.change == Money.of(change, currency)
    assert str(q.change.amount) == change


@pytest.mark.parametrize("tendered,code", [(None, "TENDERED_MISSING"), (Money.of("24.99", "EUR"), "TENDERED_SHORT"),
                                           (Money.of("30", "USD"), "TENDERED_CURRENCY")])
def test_tendered_problems(session, tendered, code):
    ev = make_event(session)
    defn = make_def(session, ev, "12.50")
    q = quote_sale(session, ev.id, {defn.id: 2}, payment="cash", tendered=tendered, now=NOW)
    assert codes_of(q) == [code] and q.problems[0].stage == PAYMENT and q.change is None
    assert isinstance(q.problems[0].error(), InvalidArgument) and q.problems[0].error().field == "tendered"


def test_card_unpaid_and_free_need_no_tendered(session):
    ev = make_event(session)
    paid, free = make_def(session, ev, "10.00"), make_def(session, ev, "0", name="Guest")
    assert quote_sale(session, ev.id, {paid.id: 1}, payment="card", now=NOW).change is None
    unpaid = quote_sale(session, ev.id, {paid.id: 1}, payment="unpaid", now=NOW)
    assert unpaid.ok and unpaid.status == "OFFLINE_PENDING"
    gratis = quote_sale(session, ev.id, {free.id: 2}, payment="cash", now=NOW)
    assert gratis.ok and gratis.status == "FREE" and gratis.change is None


def test_most_per_definition_and_the_rule_problems(session):
    ev = make_event(session)
    vip = make_def(session, ev, "50.00", name="VIP", limitPerCheckout=4)
    few = make_def(session, ev, "20.00", name="Few", quantity=10)
    gone = make_def(session, ev, "20.00", name="Gone", quantity=3)
    late = make_def(session, ev, "20.00", name="Late", salePeriod={"startDate": "2026-03-08T10:00:00Z"})
    free_for_all = make_def(session, ev, "8.00", name="Standing", limitPerCheckout=20)
    hidden = make_def(session, ev, "8.00", name="Hidden", hidden=True, limitPerCheckout=0)
    sold(session, ev, few, 8)
    sold(session, ev, gone, 3, number="SYNC-0000-01")
    q = quote_sale(session, ev.id, {vip.id: 5, few.id: 3, gone.id: 1, late.id: 1}, payment="card", now=NOW)
    assert q.most == {vip.id: 4, few.id: 2, gone.id: 0, late.id: 0, free_for_all.id: MAX_TICKETS,
                      hidden.id: MAX_TICKETS}
    assert codes_of(q) == ["OVER_LIMIT", "NOT_ENOUGH_LEFT", "SOLD_OUT", "NOT_ON_SALE"]
    assert all(p.stage == RULE and p.overridable for p in q.problems)
    assert "only 2 left" in q.problems[1].message and q.problems[1].definition_id == few.id
    over = q.problems[0].error()  # WR-04: the per-order limit is its own refusal, with the limit
    assert isinstance(over, PerOrderLimitExceeded) and isinstance(over, CapacityExceeded)
    assert over.code == "TICKET_LIMIT_PER_ORDER_EXCEEDED" and "per-order limit of 4" in over.message
    assert over.data == {"definitionId": vip.id, "name": "VIP", "limitPerOrder": 4, "requested": 5}
    assert [q.problems[i].error().code for i in (1, 2)] == ["TICKET_CAPACITY_EXCEEDED"] * 2  # quantity: capacity
    assert "sale period 2026-03-08 11:00 CET – …" in q.problems[3].message  # the event's time, not UTC ISO
    err = q.problems[3].error()
    assert isinstance(err, FailedPrecondition) and err.code == "SALE_NOT_OPEN"
    assert q.blocking(override=True) == ()


def test_input_problems(session):
    ev = make_event(session)
    defn = make_def(session, ev, "10.00")
    snap = load_snapshot(session, ev.id, NOW)
    assert codes_of(quote(snap, {}, payment="card")) == ["NO_TICKETS"]
    assert codes_of(quote(snap, {defn.id: -1}, payment="card")) == ["BAD_QUANTITY"]
    assert codes_of(quote(snap, [(defn.id, 1)], payment="card")) == ["BAD_LINES"]
    assert codes_of(quote(snap, {defn.id: MAX_TICKETS + 1}, payment="card")) == ["TOO_MANY_TICKETS"]
    assert codes_of(quote(snap, {defn.id: 1}, payment="voucher")) == ["BAD_PAYMENT"]
    missing = quote(snap, {"nope": 1}, payment="card")
    assert codes_of(missing) == ["UNKNOWN_DEFINITION"] and isinstance(missing.problems[0].error(), NotFound)


def test_a_definition_in_another_currency(session):
    """A definition left in USD in a EUR event (e.g. a stale pull): not sellable, most 0, and a sale mixing
    it with a EUR one is refused as mixed currencies."""
    ev = make_event(session)
    eur_def = make_def(session, ev, "10.00")
    session.add(TicketDefinition(id="usd-def", event_id=ev.id, name="Stale USD", price_minor=1000, currency="USD",
                                 created=NOW, updated=NOW))
    session.flush()
    snap = load_snapshot(session, ev.id, NOW)
    alone = quote(snap, {"usd-def": 1}, payment="card")
    assert codes_of(alone) == ["CURRENCY_MISMATCH"] and alone.most["usd-def"] == 0
    assert alone.total == Money.zero("EUR")
    mixed = quote(snap, {eur_def.id: 1, "usd-def": 1}, payment="card")
    assert codes_of(mixed) == ["MIXED_CURRENCIES"] and "mix" in mixed.problems[0].message
    assert mixed.most[eur_def.id] == MAX_TICKETS


def test_a_snapshot_quotes_later_times(session):
    """The same snapshot quoted once the sale period opens: the GUI's quote without another query."""
    ev = make_event(session)
    late = make_def(session, ev, "20.00", salePeriod={"startDate": "2026-03-07T20:00:00Z"})
    snap = load_snapshot(session, ev.id, NOW)
    assert codes_of(quote(snap, {late.id: 1}, payment="card")) == ["NOT_ON_SALE"]
    assert quote(snap, {late.id: 1}, payment="card", now=NOW + timedelta(hours=2)).ok


def test_quote_payment_for_an_existing_order():
    total = Money.of("39.50", "EUR")
    assert quote_payment(total, payment="cash", tendered=Money.of("50", "EUR")).change == Money.of("10.50", "EUR")
    assert quote_payment(total, payment="card").change is None
    assert [p.code for p in quote_payment(total, payment="cash", tendered=Money.of("39", "EUR")).problems] == [
        "TENDERED_SHORT"]


@pytest.mark.parametrize("currency,price,tendered", [("EUR", "19.99", "100"), ("JPY", "1500", "10000"),
                                                     ("KWD", "2.125", "10.000")])
def test_sell_charges_exactly_what_the_quote_said(session, currency, price, tendered):
    ev = make_event(session, currency)
    a = make_def(session, ev, price)
    b = make_def(session, ev, price, name="Second", limitPerCheckout=3)
    lines, cash = {a.id: 2, b.id: 1}, Money.of(tendered, currency)
    q = quote_sale(session, ev.id, lines, payment="cash", tendered=cash, now=NOW)
    sale = sell(session, ev.id, lines, BUYER, payment="cash", tendered=cash, now=NOW)
    assert (sale.total, sale.change, sale.order.status) == (q.total, q.change, q.status)
    assert sale.order.total_minor == q.total.minor and len(sale.order.tickets) == sum(q.lines.values())


def test_sell_refuses_what_the_quote_refuses_and_override_lets_rules_through(session):
    ev = make_event(session)
    vip = make_def(session, ev, "50.00", name="VIP", limitPerCheckout=4)
    q = quote_sale(session, ev.id, {vip.id: 5}, payment="card", now=NOW)
    with pytest.raises(CapacityExceeded) as err:
        sell(session, ev.id, {vip.id: 5}, BUYER, payment="card", now=NOW)
    assert err.value.message == q.problems[0].message
    assert len(sell(session, ev.id, {vip.id: 5}, BUYER, payment="card", override=True, now=NOW).order.tickets) == 5
    with pytest.raises(InvalidArgument):  # the override never covers the money
        sell(session, ev.id, {vip.id: 5}, BUYER, payment="cash", tendered=Money.of("1", "EUR"), override=True,
             now=NOW)


def test_sell_notes_what_it_changed(ledger):
    with ledger.uow() as uow:
        ev = make_event(uow.session)
        defn = make_def(uow.session, ev, "10.00")
        uow.commit()
    with ledger.uow() as uow:
        sale = sell(uow.session, ev.id, {defn.id: 2}, BUYER, payment="card", now=NOW)
        number, tickets = sale.order.order_number, {t.ticket_number for t in sale.order.tickets}
        uow.commit()
    changes = uow.changes
    assert changes.orders == {number} and changes.payments == {number} and changes.tickets == tickets
    assert changes.definitions == {defn.id} and changes.outbox


def test_rule_refusals_raised_together_take_the_first_ones_code(session):
    """A sale over the per-order limit of one definition and past the quantity of another is refused with both
    messages; the code and data are the first problem's (raise_first)."""
    ev = make_event(session)
    vip = make_def(session, ev, "50.00", name="VIP", limitPerCheckout=2)
    few = make_def(session, ev, "20.00", name="Few", quantity=1)
    with pytest.raises(PerOrderLimitExceeded) as err:
        sell(session, ev.id, {vip.id: 3, few.id: 2}, BUYER, payment="card", now=NOW)
    assert err.value.code == "TICKET_LIMIT_PER_ORDER_EXCEEDED" and err.value.data["limitPerOrder"] == 2
    assert "per-order limit of 2" in err.value.message and "only 1 left" in err.value.message
    with pytest.raises(CapacityExceeded) as err:
        sell(session, ev.id, {few.id: 2, vip.id: 3}, BUYER, payment="card", now=NOW)
    assert err.value.code == "TICKET_CAPACITY_EXCEEDED" and err.value.data == {}
