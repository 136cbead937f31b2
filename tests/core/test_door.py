"""core.door: the one door use case (scan, admit provisionally, undo) with the clock offset and the entrance
as inputs; undo after a provisional admission works (issue 7)."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from core import door as door_mod
from core.checkin import Verdict
from core.codes import check_in_url
from core.door import Door, admit_provisionally, scan, undo
from core.errors import NotFound
from core.models import CheckIn, OutboxEntry
from core.tickets import checked_in_map
from tests.core.checkin_data import T0, add_definition, add_event, add_order

WEB = "WEB1-8QQT-ZZ021"


@pytest.fixture
def gala(ledger):
    with ledger.uow() as uow:
        ev = add_event(uow.session)
        standing = add_definition(uow.session, ev, "Standing")
        seated = add_definition(uow.session, ev, "Seated")
        add_order(uow.session, ev, "M-5582-", tickets=2, definition=standing)
        add_order(uow.session, ev, "S-1000-", tickets=1, definition=seated)
        uow.commit()
        return {"event": ev.id, "standing": standing.id, "seated": seated.id}


def _rows(ledger, tn):
    with ledger.uow() as uow:
        rows = list(uow.session.scalars(select(CheckIn).where(CheckIn.ticket_number == tn).order_by(CheckIn.id)))
        uow.session.expunge_all()
        return rows


def _checked(ledger, numbers):
    with ledger.uow() as uow:
        return set(checked_in_map(uow.session, numbers))


def test_scan_stores_device_time_corrected_by_the_door_offset(ledger, gala):
    """BC-13: a station 10 minutes slow (offset +600 s) stores corrected = device + 600 s."""
    d = Door((gala["event"],), "Door A", "Eve", clock_offset_s=600.0)
    result = scan(ledger, d, "M-5582-021", now=T0)
    assert result.verdict is Verdict.OK and result.checked_in_at == T0 + timedelta(minutes=10)
    [row] = _rows(ledger, "M-5582-021")
    assert (row.device_time, row.corrected_time, row.station, row.operator) == \
        (T0, T0 + timedelta(minutes=10), "Door A", "Eve")
    assert scan(ledger, d, "M-5582-021", now=T0).verdict is Verdict.ALREADY_CHECKED_IN


def test_scan_uses_the_device_clock_by_default(ledger, gala, monkeypatch):
    monkeypatch.setattr(door_mod, "device_now", lambda: T0)
    scan(ledger, Door((gala["event"],), "Door A", clock_offset_s=-30.0), "M-5582-021")
    [row] = _rows(ledger, "M-5582-021")
    assert row.corrected_time == T0 - timedelta(seconds=30)


def test_entrance_admits_only_its_definitions(ledger, gala):
    d = Door((gala["event"],), "Side door", entrance=frozenset({gala["standing"]}))
    assert scan(ledger, d, "S-1000-021", now=T0).verdict is Verdict.WRONG_ENTRANCE
    assert scan(ledger, d, "M-5582-021", now=T0).verdict is Verdict.OK
    assert _checked(ledger, ["S-1000-021", "M-5582-021"]) == {"M-5582-021"}


def test_undo_then_scan_again_admits_once_more(ledger, gala):
    d = Door((gala["event"],), "Door A", clock_offset_s=600.0)
    scan(ledger, d, "M-5582-022", now=T0)
    done = undo(ledger, d, "m-5582-022", now=T0 + timedelta(seconds=5))
    assert done.undone and done.undone_at == T0 + timedelta(minutes=10, seconds=5)
    assert _checked(ledger, ["M-5582-022"]) == set()
    assert not undo(ledger, d, "M-5582-022", now=T0 + timedelta(seconds=6)).undone  # nothing to undo
    assert scan(ledger, d, "M-5582-022", now=T0 + timedelta(seconds=9)).verdict is Verdict.OK
    assert [r.kind for r in _rows(ledger, "M-5582-022")] == ["CHECK_IN", "UNDO", "CHECK_IN"]


def test_undo_after_a_provisional_admission_works(ledger, gala):
    """Issue 7: the undo of a ticket admitted provisionally (not in the local list) used to raise NotFound."""
    d = Door((gala["event"],), "Door A", clock_offset_s=600.0)
    assert admit_provisionally(ledger, d, check_in_url(WEB, gala["event"]), now=T0).admitted
    done = undo(ledger, d, WEB, now=T0 + timedelta(seconds=3))
    assert done.undone
    rows = _rows(ledger, WEB)
    assert [(r.kind, r.status, r.method) for r in rows] == [("CHECK_IN", "ACCEPTED", "PROVISIONAL"),
                                                           ("UNDO", "ACCEPTED", "MANUAL")]
    assert rows[1].corrected_time == T0 + timedelta(minutes=10, seconds=3)
    with ledger.uow() as uow:
        kinds = [e.kind for e in uow.session.scalars(select(OutboxEntry).order_by(OutboxEntry.id))]
    assert kinds == ["checkin.create", "checkin.delete"]
    # undone: the guest may be admitted provisionally again (the old query ignored the later UNDO)
    again = admit_provisionally(ledger, d, WEB, now=T0 + timedelta(seconds=9))
    assert again.verdict is Verdict.OK


def test_undo_refuses_a_ticket_unknown_at_this_door(ledger, gala):
    d = Door((gala["event"],), "Door A")
    with pytest.raises(NotFound):
        undo(ledger, d, "NOPE-0000-XX021")
    other = Door(("5b0c7e2a-1111-4c2d-9e0f-0a1b2c3d4e5f",), "Door B")
    scan(ledger, d, "M-5582-021", now=T0)
    with pytest.raises(NotFound):
        undo(ledger, other, "M-5582-021")
    assert _checked(ledger, ["M-5582-021"]) == {"M-5582-021"}


@pytest.fixture
def wix_numbers(ledger):
    """An order whose tickets have the Wix layout (FU85-FQ23-QE021, …022)."""
    with ledger.uow() as uow:
        ev = add_event(uow.session)
        add_order(uow.session, ev, "FU85-FQ23-QE", tickets=2, definition=add_definition(uow.session, ev, "Adult"))
        uow.commit()
        return ev.id


@pytest.mark.parametrize("typed", ['"FU85-FQ23-QE021"', "fu85-fq23-qe021", "FU85 FQ23 QE021", "FU85FQ23QE021",
                                   " “fu85 fq23 qe021” "])
def test_undo_takes_a_code_typed_as_scan_code_does(ledger, wix_numbers, typed):
    """Fresh-user trial: `scan --undo` and `tickets undo-check-in` took only the exact number while `scan --code`
    took quotes, spaces, lower case and no dashes (WR-07 b). One rule for typed codes: core.tickets.resolve_typed."""
    d = Door((wix_numbers,), "Door A")
    assert scan(ledger, d, "FU85-FQ23-QE021", now=T0).verdict is Verdict.OK
    done = undo(ledger, d, typed, now=T0 + timedelta(seconds=5))
    assert done.undone and done.ticket_number == "FU85-FQ23-QE021"


def test_undo_at_a_station_whose_scan_was_the_duplicate_leaves_the_admission(ledger, gala):
    """Fresh-user trial (BC-14): Door 1 admitted the guest; Box 1 scanned the ticket again offline and its row
    became the duplicate at sync. Box 1's undo must not sign out the guest Door 1 let in: nothing is stored and
    the message says where the admission stands and how to sign the guest out anyway."""
    door1, box1 = Door((gala["event"],), "Door 1"), Door((gala["event"],), "Box 1")
    assert scan(ledger, door1, "M-5582-021", now=T0).verdict is Verdict.OK
    done = undo(ledger, box1, "M-5582-021", now=T0 + timedelta(minutes=1))
    assert not done.undone and "Door 1" in done.message and "tickets undo-check-in" in done.message
    assert _checked(ledger, ["M-5582-021"]) == {"M-5582-021"}
    assert undo(ledger, door1, "M-5582-021", now=T0 + timedelta(minutes=2)).undone  # its own admission: undone
