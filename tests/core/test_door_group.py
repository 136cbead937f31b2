"""core.door whole-order check-in (issue 9 item 10): the order's tickets are listed with their state and the
chosen ones are admitted in one step, each as its own check-in with its own outbox row; each ticket is judged
by the door's one rule (already in, canceled, wrong entrance, unpaid get their own verdicts)."""
import pytest
from sqlalchemy import select

from core.checkin import Verdict
from core.door import Door, admit_group, order_group, scan
from core.models import CheckIn, OutboxEntry, Ticket
from tests.core.checkin_data import T0, add_definition, add_event, add_order

ORDER = "G-7000-"
TICKETS = [f"{ORDER}{21 + i:03d}" for i in range(4)]


@pytest.fixture
def group(ledger):
    with ledger.uow() as uow:
        ev = add_event(uow.session)
        standing = add_definition(uow.session, ev, "Standing")
        add_order(uow.session, ev, ORDER, tickets=4, definition=standing)
        add_order(uow.session, ev, "U-1000-", tickets=2, definition=standing, status="PENDING")
        add_order(uow.session, ev, "X-1000-", tickets=1, definition=standing)
        uow.commit()
        return {"event": ev.id, "standing": standing.id}


def _door(group, **kw):
    return Door((group["event"],), "Door A", "Eve", **kw)


def test_order_group_lists_every_ticket_with_its_state(ledger, group):
    door = _door(group)
    assert scan(ledger, door, TICKETS[0], now=T0).verdict is Verdict.OK
    with ledger.uow() as uow:
        uow.session.get(Ticket, TICKETS[3]).canceled = True
        uow.commit()
    listed = order_group(ledger, door, ORDER)
    assert [t.ticket_number for t in listed] == TICKETS
    assert [t.checked_in for t in listed] == [True, False, False, False]
    assert [t.void for t in listed] == [False, False, False, True]
    assert listed[1].guest_name == "Mira Castell" and listed[1].definition_name == "Standing"
    assert order_group(ledger, Door(("other-event",), "Door A"), ORDER) == []
    assert order_group(ledger, door, "NOPE-") == []


def test_admit_group_admits_each_ticket_as_its_own_check_in(ledger, group):
    door = _door(group, clock_offset_s=60.0)
    scan(ledger, door, TICKETS[0], now=T0)
    with ledger.uow() as uow:
        uow.session.get(Ticket, TICKETS[3]).canceled = True
        uow.commit()
    done = admit_group(ledger, door, ORDER, TICKETS + ["X-1000-021"], now=T0)
    assert [r.verdict for r in done.results] == [Verdict.ALREADY_CHECKED_IN, Verdict.OK, Verdict.OK,
                                                 Verdict.CANCELED, Verdict.UNKNOWN]
    assert {r.ticket_number for r in done.admitted} == set(TICKETS[1:3])
    assert done.changes.checkins == frozenset(TICKETS[1:3]) and done.changes.outbox
    with ledger.uow() as uow:
        rows = list(uow.session.scalars(select(CheckIn).where(CheckIn.ticket_number.in_(TICKETS[1:3]))))
        assert len(rows) == 2 and all(r.method == "MANUAL" and r.station == "Door A" for r in rows)
        kinds = [o.kind for o in uow.session.scalars(select(OutboxEntry))]
    assert kinds.count("checkin.create") == 3  # one per admitted ticket (and the first scan)
    assert "Not in order" in done.results[-1].message


def test_admit_group_refuses_by_the_scan_rule(ledger, group):
    unpaid = admit_group(ledger, _door(group), "U-1000-", ["U-1000-021", "U-1000-022"], now=T0)
    assert [r.verdict for r in unpaid.results] == [Verdict.UNPAID, Verdict.UNPAID]
    assert not unpaid.changes
    elsewhere = admit_group(ledger, _door(group, entrance=frozenset({"vip-only"})), ORDER, TICKETS[:2], now=T0)
    assert [r.verdict for r in elsewhere.results] == [Verdict.WRONG_ENTRANCE] * 2
