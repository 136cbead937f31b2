"""Offline capacity leases (issue 10 item 6) end to end: box-office stations on the real hub (loopback) lease
blocks of the last seats while online, go offline, sell only within their leases, and after sync the hub's
counts match with no oversell report."""
from __future__ import annotations

import pytest

from core import leases
from core.definitions import definition_counts
from core.errors import CapacityExceeded
from core.money import Money
from core.sales import sell
from core.timeutil import utcnow
from sync import leases as station_leases

BUYER = {"firstName": "Walk", "lastName": "In", "email": ""}


def _sell_one(st, ev, d) -> str | None:
    """Sell one seat offline at `st`; the order number, or None when the lease refuses it."""
    try:
        with st.ledger.uow() as uow:
            sale = sell(uow.session, ev, {d: 1}, BUYER, payment="cash", station=st.name,
                        tendered=Money.of("20.00", "EUR"))
            uow.commit()
            return sale.order.order_number
    except CapacityExceeded as exc:
        assert "leased to this box office" in exc.message and "reconnect" in exc.message
        return None


def _set_block(hub, scope: str, block: int) -> None:
    with hub.uow() as s:
        leases.set_block(s, scope, block)


def _board(hub, ev, d) -> leases.LeaseCounts:
    with hub.ledger.uow() as uow:
        return leases.dashboard(uow.session, ev, utcnow())[d]


def test_three_offline_box_offices_sell_at_most_the_last_ten_seats(hub, stations):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=30)
    hub.seed_sale(ev, {d: 20})                                   # 10 seats left
    _set_block(hub, d, 4)
    tills = [stations(n, "box-office", [ev], on=hub) for n in ("A", "B", "C")]
    for st in tills:
        assert st.sync().ok
    held = [station_leases.held_rows(st.ledger, ev, utcnow())[0]["seats"] for st in tills]
    assert held == [4, 4, 2]                                     # first come, never more than left
    assert _board(hub, ev, d) == leases.LeaseCounts(sold=20, leased=10, left=0)
    for st in tills:
        st.faults.offline = True
    sold = {st.name: [n for n in (_sell_one(st, ev, d) for _ in range(6)) if n] for st in tills}
    assert [len(sold[n]) for n in "ABC"] == [4, 4, 2]            # 10 in total, each within its lease
    for st in tills:
        st.faults.offline = False
        report = st.sync()
        assert report.ok and report.oversold == [] and report.rejected == []
    assert _board(hub, ev, d) == leases.LeaseCounts(sold=30, leased=0, left=0)
    for st in tills:                                             # everyone sees the hub's counts after sync
        assert st.sync().ok
        assert _sell_one(st, ev, d) is None
        with st.ledger.uow() as uow:
            assert definition_counts(uow.session, ev)[d].sold == 30


def test_lease_is_topped_up_at_sync_and_released_at_close(hub, stations):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=50)
    _set_block(hub, ev, 5)                                       # event-wide block
    a = stations("A", "box-office", [ev], on=hub)
    assert a.sync().ok
    a.faults.offline = True
    assert all(_sell_one(a, ev, d) for _ in range(3))
    [row] = station_leases.held_rows(a.ledger, ev, utcnow())
    assert (row["seats"], row["unsent"], row["sellable"]) == (5, 3, 2)
    a.faults.offline = False
    assert a.sync().ok                                           # 3 uploaded and consumed, then topped up to 5
    [row] = station_leases.held_rows(a.ledger, ev, utcnow())
    assert (row["seats"], row["unsent"], row["sellable"]) == (5, 0, 5)
    assert _board(hub, ev, d) == leases.LeaseCounts(sold=3, leased=5, left=42)
    assert station_leases.release(a.ledger, a.api, ev) == 5
    assert station_leases.held_rows(a.ledger, ev, utcnow()) == []
    assert _board(hub, ev, d) == leases.LeaseCounts(sold=3, leased=0, left=47)


def test_door_keys_never_lease_and_unleased_definitions_sell_as_before(hub, stations):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=3)
    door = stations("D", "door", [ev], on=hub)
    a = stations("A", "box-office", [ev], on=hub)
    assert door.sync().ok and door.sync().warnings == []
    report = a.sync()
    assert report.ok and not [w for w in report.warnings if "lease" in w]
    assert station_leases.held_rows(a.ledger, ev, utcnow()) == []
    a.faults.offline = True
    assert all(_sell_one(a, ev, d) for _ in range(3))            # no block set: the old quantity rule


def test_organiser_sets_the_block_through_the_hub(hub, stations):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=8)
    org = stations("O", "organiser", [ev], on=hub)
    assert org.sync().ok
    assert station_leases.set_block(org.api, ev, 3, d) == 3
    a = stations("A", "box-office", [ev], on=hub)
    assert a.sync().ok
    assert [r["seats"] for r in station_leases.held_rows(a.ledger, ev, utcnow())] == [3]
    assert station_leases.set_block(org.api, ev, 0, d) == 0
    with pytest.raises(Exception):
        station_leases.set_block(a.api, ev, 3, d)                # a box-office key may not set it (403)
