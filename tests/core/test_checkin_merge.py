"""core.checkin_merge: union by nonce, order by corrected time, duplicates kept (BC-13, BC-14, BC-15)."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from core.checkin_merge import (ACCEPTED, DUPLICATE, local_row, merge_for, recompute, record_row, row_to_api,
                                winner_to_api)
from core.errors import InvalidArgument
from core.models import CheckIn
from core.tickets import checked_in_map
from core.timeutil import to_rfc3339
from tests.core.checkin_data import add_event, add_order

UTC = timezone.utc


def at(h, m, s=0, day=(2025, 6, 14)):
    return datetime(*day, h, m, s, tzinfo=UTC)


def row(nonce, tn, kind="CHECK_IN", corrected=None, station="A", device=None, **extra):
    return {"nonce": nonce, "ticketNumber": tn, "kind": kind, "station": station, "operator": "op",
            "method": "SCAN", "deviceTime": to_rfc3339(device or corrected),
            "correctedTime": to_rfc3339(corrected), **extra}


@pytest.fixture
def ticket(session):
    ev = add_event(session)
    add_order(session, ev, "T-1001-", tickets=1)
    session.commit()
    return "T-1001-021"


def count(session, tn):
    return session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.ticket_number == tn))


@pytest.mark.parametrize("arrival", [("A", "B"), ("B", "A")])
def test_bc14_earliest_corrected_wins_both_kept(session, ticket, arrival):
    """BC-14: A at 10:00:01 and B at 10:00:03, synced in either order: one ACCEPTED (A), one flagged
    DUPLICATE (B) whose winner is A; both timestamps and stations kept; stats count one."""
    rows = {"A": row("n-a", ticket, corrected=at(10, 0, 1), station="A"),
            "B": row("n-b", ticket, corrected=at(10, 0, 3), station="B")}
    stored = {name: record_row(session, rows[name]) for name in arrival}
    session.commit()
    assert stored["A"].status == ACCEPTED and stored["B"].status == DUPLICATE
    merge = merge_for(session, stored["B"])
    assert merge.winner_of(stored["B"]) is stored["A"]
    assert winner_to_api(merge.winner_of(stored["B"])) == {
        "station": "A", "correctedTime": "2025-06-14T10:00:01.000Z", "nonce": "n-a"}
    assert count(session, ticket) == 2
    assert checked_in_map(session, [ticket])[ticket].nonce == "n-a"
    assert len(checked_in_map(session, None)) == 1


def test_bc13_skewed_station_uses_corrected_time(session, ticket):
    """BC-13: B's clock says 2026-01-01 09:00 while the server says 2025-06-14 10:00. B checks in offline at
    real 10:01; A undoes at 10:02; B syncs late. The 10:02 undo stands (ticket not checked in); B's device
    time is kept as it was."""
    offset = (at(10, 0) - at(9, 0, day=(2026, 1, 1))).total_seconds()
    b_values = local_row(ticket, "ev", "CHECK_IN", station="B", device_time=at(9, 1, day=(2026, 1, 1)),
                         clock_offset_s=offset)
    assert b_values["corrected_time"] == at(10, 1)
    # A had seen an earlier check-in (10:00:30) and undid it at 10:02; B's offline row arrives last.
    record_row(session, row("a-in", ticket, corrected=at(10, 0, 30), station="A"))
    undo = record_row(session, row("a-undo", ticket, kind="UNDO", corrected=at(10, 2), station="A"))
    late = record_row(session, row("b-in", ticket, corrected=b_values["corrected_time"], station="B",
                                   device=b_values["device_time"]), server_time=at(10, 5))
    session.commit()
    assert late.status == DUPLICATE and undo.status == ACCEPTED
    assert late.device_time == at(9, 1, day=(2026, 1, 1)) and late.server_time == at(10, 5)
    assert checked_in_map(session, [ticket]) == {}


def test_bc13_undo_before_skewed_check_in_arrives(session, ticket):
    """BC-13: A's undo (10:02) arrives while A knew of no check-in (DUPLICATE); B's corrected 10:01 row
    arrives later: the walk re-flags the undo ACCEPTED and the ticket is not checked in."""
    undo = record_row(session, row("a-undo", ticket, kind="UNDO", corrected=at(10, 2)))
    assert undo.status == DUPLICATE
    b_in = record_row(session, row("b-in", ticket, corrected=at(10, 1), station="B",
                                   device=at(9, 1, day=(2026, 1, 1))))
    session.commit()
    assert (b_in.status, undo.status) == (ACCEPTED, ACCEPTED)
    assert checked_in_map(session, [ticket]) == {}


def test_bc15_same_nonce_twice_is_stored_once(session, ticket):
    """BC-15: a replayed row (same nonce) returns the stored row untouched, even if the replay differs."""
    first = record_row(session, row("n-1", ticket, corrected=at(10, 0), station="A"))
    session.commit()
    again = record_row(session, row("n-1", ticket, corrected=at(11, 0), station="Z"))
    session.commit()
    assert again.id == first.id and again.station == "A" and again.corrected_time == at(10, 0)
    assert count(session, ticket) == 1


def test_late_undo_between_check_ins_reorders_statuses(session, ticket):
    """Rows inserted out of time order: CI 10:00, CI 10:02 (duplicate), then a late UNDO 10:01 — the
    10:02 check-in becomes the accepted one; "checked in" follows corrected time, not insertion id."""
    c1 = record_row(session, row("c1", ticket, corrected=at(10, 0)))
    c2 = record_row(session, row("c2", ticket, corrected=at(10, 2), station="B"))
    assert c2.status == DUPLICATE
    u = record_row(session, row("u", ticket, kind="UNDO", corrected=at(10, 1)))
    session.commit()
    assert [c1.status, u.status, c2.status] == [ACCEPTED, ACCEPTED, ACCEPTED]
    assert checked_in_map(session, [ticket])[ticket].nonce == "c2"
    merge = recompute(session, ticket)
    assert merge.current is c2 and merge.changed == []


def test_undo_when_not_checked_in_is_duplicate(session, ticket):
    u = record_row(session, row("u", ticket, kind="UNDO", corrected=at(10, 0)))
    assert u.status == DUPLICATE
    assert not recompute(session, ticket).checked_in


def test_event_id_defaults_to_the_tickets_event(session, ticket):
    stored = record_row(session, row("n", ticket, corrected=at(10, 0)))
    assert stored.event_id and stored.event_id == session.get(CheckIn, stored.id).event_id
    assert row_to_api(stored)["ticketNumber"] == ticket


@pytest.mark.parametrize("bad", [
    {"nonce": "", "ticketNumber": "T-1", "correctedTime": "2025-06-14T10:00:00Z"},
    {"nonce": "n", "ticketNumber": "", "correctedTime": "2025-06-14T10:00:00Z"},
    {"nonce": "n", "ticketNumber": "T-1", "kind": "DELETE", "correctedTime": "2025-06-14T10:00:00Z"},
    {"nonce": "n", "ticketNumber": "T-1", "correctedTime": "2025-06-14T10:00:00"},
    {"nonce": "n", "ticketNumber": "T-1"},
])
def test_malformed_rows_are_refused(session, bad):
    with pytest.raises(InvalidArgument):
        record_row(session, bad)


def test_local_row_applies_offset_and_fresh_nonce():
    a = local_row("T-1", "ev", "CHECK_IN", now=at(10, 0), clock_offset_s=-90.5)
    b = local_row("T-1", "ev", "CHECK_IN", now=at(10, 0))
    assert a["corrected_time"] == at(10, 0) - timedelta(seconds=90.5) and a["device_time"] == at(10, 0)
    assert a["nonce"] != b["nonce"]
