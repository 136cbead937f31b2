"""core.checkin_refused (h7-count item 1): a row the centre refused counts nowhere — not checked in (both forms of
the rule), no entry, nothing to undo, the door admits again — and keeps status REFUSED through later walks and
scans; reinstate puts it back when the centre accepts it after a retry."""
from datetime import timedelta

import pytest

from core.checkin_merge import ACCEPTED, DUPLICATE, REFUSED, current_check_in, recompute, ticket_rows
from core.checkin_refused import refuse, reinstate
from core.door import Door, admitted_guest, scan, undo
from core.headcount import headcount
from core.tickets import checked_in_map
from tests.core.checkin_data import T0, add_definition, add_event, add_order

TN = "S-0001-021"


@pytest.fixture
def event_id(ledger):
    with ledger.uow() as uow:
        ev = add_event(uow.session)
        add_order(uow.session, ev, "S-0001-", tickets=1, definition=add_definition(uow.session, ev))
        uow.commit()
        return ev.id


def _state(ledger, event_id):
    with ledger.uow() as uow:
        s = uow.session
        rows = ticket_rows(s, TN)
        hc = headcount(s, event_id)
        return ([r.status for r in rows], current_check_in(rows) is not None, TN in checked_in_map(s, [TN]),
                (hc.inside, hc.total_entries))


def _nonces(ledger):
    with ledger.uow() as uow:
        return [r.nonce for r in ticket_rows(uow.session, TN)]


def test_item1_a_refused_row_counts_nowhere_and_can_be_reinstated(ledger, event_id):
    door = Door((event_id,), "A")
    assert scan(ledger, door, TN, now=T0).admitted
    [nonce] = _nonces(ledger)
    with ledger.uow() as uow:
        assert refuse(uow.session, nonce) is not None
        assert refuse(uow.session, nonce) is None               # once
        uow.commit()
    assert _state(ledger, event_id) == ([REFUSED], False, False, (0, 0))
    assert admitted_guest(ledger, TN).refused and not admitted_guest(ledger, TN).checked_in  # the door's undo
    undone = undo(ledger, door, TN, now=T0 + timedelta(minutes=1))
    assert not undone.undone and "refused at sync" in undone.message   # nothing to undo: nothing queued
    assert scan(ledger, door, TN, now=T0 + timedelta(minutes=2)).admitted    # the door's verdict skips it too
    assert _state(ledger, event_id) == ([REFUSED, ACCEPTED], True, True, (1, 1))
    with ledger.uow() as uow:
        recompute(uow.session, TN)                              # a later walk keeps the refusal
        assert reinstate(uow.session, nonce) is not None        # accepted after a retry: back in the walk
        assert reinstate(uow.session, nonce) is None
        uow.commit()
    assert _state(ledger, event_id) == ([ACCEPTED, DUPLICATE], True, True, (1, 1))


def test_item1_refusing_an_admission_leaves_its_later_undo_with_nothing_to_undo(ledger, event_id):
    door = Door((event_id,), "A")
    scan(ledger, door, TN, now=T0)
    undo(ledger, door, TN, now=T0 + timedelta(minutes=1))
    with ledger.uow() as uow:
        refuse(uow.session, _nonces(ledger)[0])
        uow.commit()
    assert _state(ledger, event_id) == ([REFUSED, DUPLICATE], False, False, (0, 0))
