"""core.door / core.checkin for issue 9 item 1–2: every refusal has a next step (pay & admit, amounts, when
and by whom), stale snapshots give a flagged (amber) verdict, typed codes are normalised, garbage is "Not a
ticket code" showing what was read."""
from datetime import timedelta

import pytest

from core.checkin import Verdict
from core.door import Door, admitted_guest, pay_and_admit, scan
from core.errors import InvalidArgument
from core.models import Order, Payment
from core.money import Money
from core.tickets import checked_in_map
from tests.core.checkin_data import T0, add_definition, add_event, add_order

SYNC = T0 + timedelta(hours=1)  # the last pull; every test order was last changed at T0, before it


@pytest.fixture
def ev(ledger):
    with ledger.uow() as uow:
        e = add_event(uow.session)
        d = add_definition(uow.session, e, "Standing")
        add_order(uow.session, e, "PEND-0000-AA", status="PENDING", tickets=2, definition=d, guest=("Ana", "Ro"))
        add_order(uow.session, e, "OFFP-0000-AA", status="OFFLINE_PENDING", tickets=1, definition=d)
        add_order(uow.session, e, "ARCH-0000-AA", archived=True, definition=d)
        add_order(uow.session, e, "CANC-0000-AA", status="CANCELED", definition=d)
        add_order(uow.session, e, "PAID-0000-AA", definition=d, guest=("Lou", "Reed"))
        uow.commit()
        return e.id


def _door(ev, snapshot=None):
    return Door((ev,), "Door A", "Eve", snapshot_at=snapshot)


def test_unpaid_shows_ticket_price_and_order_total(ledger, ev):
    r = scan(ledger, _door(ev), "PEND-0000-AA021", now=T0)
    assert r.verdict is Verdict.UNPAID and not r.stale
    assert r.ticket_price == Money.of("15.00", "EUR") and r.order_total == Money.of("30.00", "EUR")


def test_pending_at_last_sync_is_stale_with_the_snapshot_time(ledger, ev):
    r = scan(ledger, _door(ev, SYNC), "PEND-0000-AA021", now=T0)
    assert r.verdict is Verdict.UNPAID and r.stale and r.stale_since == SYNC
    assert r.message == "Payment still pending at last sync 13:00, cannot confirm"  # Europe/Zurich
    assert r.to_json()["stale"] is True


def test_offline_pending_is_this_stations_own_and_never_stale(ledger, ev):
    r = scan(ledger, _door(ev, SYNC), "OFFP-0000-AA021", now=T0)
    assert r.verdict is Verdict.UNPAID and not r.stale


def test_archived_before_last_sync_is_stale_and_says_when(ledger, ev):
    r = scan(ledger, _door(ev, SYNC), "ARCH-0000-AA021", now=T0)
    assert r.verdict is Verdict.CANCELED and r.stale
    assert r.message.startswith("Order removed at 12:00, may have been restored since — ask a supervisor")


def test_archived_after_last_sync_is_a_hard_refusal(ledger, ev):
    r = scan(ledger, _door(ev, T0 - timedelta(hours=1)), "ARCH-0000-AA021", now=T0)
    assert r.verdict is Verdict.CANCELED and not r.stale and "by this station" in r.message


def test_canceled_says_when_and_by_whom(ledger, ev):
    r = scan(ledger, _door(ev, SYNC), "CANC-0000-AA021", now=T0)
    assert r.verdict is Verdict.CANCELED and not r.stale
    assert r.changed_at == T0 and "12:00" in r.message and "central list (last sync 13:00)" in r.changed_by


def test_pay_and_admit_completes_the_order_and_admits_in_one_step(ledger, ev):
    done = pay_and_admit(ledger, _door(ev), "PEND-0000-AA021", payment="cash",
                         tendered=Money.of("50.00", "EUR"), now=T0)
    assert done.result.verdict is Verdict.OK and done.paid == Money.of("30.00", "EUR")
    assert done.change == Money.of("20.00", "EUR")
    assert "PEND-0000-AA021" in done.changes.checkins and "PEND-0000-AA" in done.changes.orders
    with ledger.uow() as uow:
        assert uow.session.get(Order, "PEND-0000-AA").status == "PAID"
        assert len(uow.session.query(Payment).all()) == 1
        assert set(checked_in_map(uow.session, ["PEND-0000-AA021", "PEND-0000-AA022"])) == {"PEND-0000-AA021"}


def test_pay_and_admit_short_tender_stores_nothing(ledger, ev):
    with pytest.raises(InvalidArgument):
        pay_and_admit(ledger, _door(ev), "PEND-0000-AA021", payment="cash", tendered=Money.of("5.00", "EUR"))
    with ledger.uow() as uow:
        assert uow.session.get(Order, "PEND-0000-AA").status == "PENDING"
        assert not checked_in_map(uow.session, ["PEND-0000-AA021"])


def test_pay_and_admit_at_the_wrong_entrance_takes_no_money(ledger, ev):
    d = Door((ev,), "Door A", entrance=frozenset({"another"}))
    done = pay_and_admit(ledger, d, "PEND-0000-AA021", payment="card", now=T0)
    assert done.result.verdict is Verdict.WRONG_ENTRANCE and done.paid is None and not done.changes
    with ledger.uow() as uow:
        assert uow.session.get(Order, "PEND-0000-AA").status == "PENDING"


def test_pay_and_admit_of_a_paid_ticket_just_admits(ledger, ev):
    done = pay_and_admit(ledger, _door(ev), "PAID-0000-AA021", payment="card", now=T0)
    assert done.result.verdict is Verdict.OK and done.paid is None


@pytest.mark.parametrize("typed", ["paid0000aa021", "paid 0000 aa021", "PAID-0000-AA021 ", "paid-0000-aa021"])
def test_typed_codes_are_normalised(ledger, ev, typed):
    assert scan(ledger, _door(ev), typed, method="MANUAL", now=T0).ticket_number == "PAID-0000-AA021"


@pytest.mark.parametrize("garbage,shown", [("abc", "abc"), ("4006381333931", "4006381333931"),
                                           ("HELLO WORLD", "HELLO WORLD")])
def test_garbage_is_not_a_ticket_code_and_shows_what_was_read(ledger, ev, garbage, shown):
    r = scan(ledger, _door(ev), garbage, now=T0)
    assert r.verdict is Verdict.INVALID and r.message.startswith(f"Not a ticket code: read “{shown}”")


def test_admitted_guest_names_whom_an_undo_would_unadmit(ledger, ev):
    assert not admitted_guest(ledger, "PAID-0000-AA021").checked_in
    scan(ledger, _door(ev), "PAID-0000-AA021", now=T0)
    who = admitted_guest(ledger, "paid-0000-aa021")
    assert who.checked_in and who.guest_name == "Lou Reed" and who.station == "Door A" and who.checked_in_at == T0


def test_what_the_door_may_offer():
    from core.door import may_take_payment, provisional_refusal

    assert may_take_payment(None) and may_take_payment("box-office") and not may_take_payment("door")
    assert not may_take_payment("organiser", enabled=False)
    ev = "5b0c7e2a-1111-4c2d-9e0f-0a1b2c3d4e5f"
    assert "never synced" in provisional_refusal("LATE-0000-XX021", ev, None)
    assert "shape" in provisional_refusal("HELLO-WORLD-123", ev, SYNC)
    assert "turned off" in provisional_refusal("LATE-0000-XX021", ev, SYNC, enabled=False)
    assert provisional_refusal("late 0000 xx021", ev, SYNC) is None
