"""core.leases: the hub's book (top-up = min(block − held, left − other leases), one lease per station and
definition, consume on upload, release, expiry), the station's holdings (seats − sales not yet uploaded) and
the quote's lease rule ("only N seats leased to this box office while offline")."""
from datetime import datetime, timedelta, timezone

import pytest

from core import leases
from core.definitions import create_definition
from core.errors import CapacityExceeded, InvalidArgument, NotFound
from core.events import create_event
from core.models import CapacityLease
from core.money import Money
from core.quote import load_snapshot, quote_sale
from core.sales import sell
from core.timeutil import to_rfc3339

NOW = datetime(2026, 3, 7, 19, 0, tzinfo=timezone.utc)
BUYER = {"firstName": "Mira", "lastName": "Castell"}


@pytest.fixture
def ev(session):
    return create_event(session, title="Lease Night", time_zone="Europe/Berlin", currency="EUR")


def make_def(session, ev, quantity=10, name="Adult"):
    body = {"name": name, "price": {"value": "10.00", "currency": "EUR"}}
    if quantity is not None:
        body.update(limited=True, quantity=quantity)
    return create_definition(session, ev.id, body, now=NOW - timedelta(days=1))


def sell_one(session, ev, d, n=1):
    return sell(session, ev.id, {d.id: n}, BUYER, payment="card", station="A", now=NOW)


def test_blocks_per_definition_win_over_the_event_and_unlimited_is_never_leased(session, ev):
    a, b, free = make_def(session, ev), make_def(session, ev, name="B"), make_def(session, ev, None, "Free")
    assert leases.blocks(session, ev.id) == {}
    leases.set_block(session, ev.id, 5)
    leases.set_block(session, a.id, 3)
    assert leases.blocks(session, ev.id) == {a.id: 3, b.id: 5}
    leases.set_block(session, a.id, 0)
    assert leases.blocks(session, ev.id) == {a.id: 5, b.id: 5} and free.id not in leases.blocks(session, ev.id)
    with pytest.raises(InvalidArgument):
        leases.set_block(session, a.id, leases.MAX_BLOCK + 1)
    with pytest.raises(NotFound):
        leases.set_block(session, "no-such-scope", 3)


def test_top_up_never_leases_more_than_is_unsold_and_is_idempotent(session, ev):
    d = make_def(session, ev, quantity=10)
    leases.set_block(session, d.id, 4)
    sell_one(session, ev, d, 3)                                   # 7 left
    got = {st: leases.acquire(session, ev.id, st, NOW)[0].seats for st in ("A", "B", "C")}
    assert got == {"A": 4, "B": 3, "C": 0}
    assert leases.acquire(session, ev.id, "A", NOW)[0].seats == 4  # asking again changes nothing
    assert session.query(CapacityLease).count() == 3               # one lease per station and definition
    assert leases.dashboard(session, ev.id, NOW)[d.id] == leases.LeaseCounts(sold=3, leased=7, left=0)


def test_consume_release_and_expiry_return_seats_to_the_pool(session, ev):
    d = make_def(session, ev, quantity=10)
    leases.set_block(session, d.id, 4)
    leases.acquire(session, ev.id, "A", NOW)
    order = sell_one(session, ev, d, 3).order
    assert leases.consume_order(session, "A", order, NOW) == {d.id: 3}
    assert leases.pool_leased(session, ev.id, NOW) == {d.id: 1}
    assert leases.consume(session, "B", {d.id: 2}, NOW) == {}     # no lease: the free pool
    assert leases.release(session, ev.id, "A", NOW) == 1
    assert leases.pool_leased(session, ev.id, NOW) == {}
    leases.acquire(session, ev.id, "A", NOW)
    later = NOW + leases.LEASE_TTL + timedelta(seconds=1)
    assert leases.pool_leased(session, ev.id, later) == {}        # expired: back in the pool
    assert leases.dashboard(session, ev.id, later)[d.id].left == 7


def test_hub_quote_keeps_leased_seats_for_their_box_office(session, ev):
    d = make_def(session, ev, quantity=5)
    leases.set_block(session, d.id, 4)
    leases.acquire(session, ev.id, "A", NOW)
    assert load_snapshot(session, ev.id, NOW).get(d.id).left == 1
    assert [p.code for p in quote_sale(session, ev.id, {d.id: 2}, payment="card", now=NOW).problems] \
        == ["NOT_ENOUGH_LEFT"]


def _held(session, ev, d, seats, expires=NOW + timedelta(hours=1)):
    leases.store_held(session, ev.id, [{"leaseId": "L1", "definitionId": d.id, "seats": seats, "block": 4,
                                        "expires": to_rfc3339(expires), "leased": seats, "left": 0}], NOW)


def test_station_sells_offline_only_within_its_lease(session, ev):
    d, other = make_def(session, ev, quantity=100), make_def(session, ev, quantity=100, name="Other")
    _held(session, ev, d, 2)
    stock = load_snapshot(session, ev.id, NOW).get(d.id)
    assert (stock.left, stock.leased) == (2, 2)
    assert load_snapshot(session, ev.id, NOW).get(other.id).leased is None   # no lease held: the old rule
    sell_one(session, ev, d, 2)                                   # not uploaded yet: counts against the lease
    assert leases.offline_left(session, ev.id, NOW) == {d.id: 0}
    [problem] = quote_sale(session, ev.id, {d.id: 1}, payment="card", now=NOW).problems
    assert problem.code == "LEASE_SHORT" and "only 0 seats leased to this box office" in problem.message
    with pytest.raises(CapacityExceeded, match="reconnect to sell more"):
        sell_one(session, ev, d)
    sell(session, ev.id, {d.id: 1}, BUYER, payment="card", station="A", now=NOW, override=True)  # supervisor


def test_an_expired_held_lease_sells_nothing(session, ev):
    d = make_def(session, ev, quantity=100)
    _held(session, ev, d, 5, expires=NOW - timedelta(seconds=1))
    assert leases.offline_left(session, ev.id, NOW) == {d.id: 0}
    assert quote_sale(session, ev.id, {d.id: 1}, payment="cash", tendered=Money.of("10", "EUR"),
                      now=NOW).problems[0].code == "LEASE_SHORT"


def test_store_held_refuses_a_malformed_answer(session, ev):
    d = make_def(session, ev)
    with pytest.raises(InvalidArgument):
        leases.store_held(session, ev.id, [{"definitionId": d.id}], NOW)
