"""core.provisional: WR-13 b — an unknown ticket admitted provisionally offline is stored and checked at sync."""
import pytest
from sqlalchemy import select

from core.checkin import Verdict, scan
from core.codes import check_in_url
from core.errors import FailedPrecondition
from core.models import CheckIn, OutboxEntry
from core.provisional import admit_provisionally
from tests.core.checkin_data import add_definition, add_event, add_order

TN = "WEB1-8QQT-ZZ021"


@pytest.fixture
def event(session):
    ev = add_event(session)
    add_order(session, ev, "M-5582-", tickets=1, definition=add_definition(session, ev, "Standing", 1500))
    session.commit()
    return ev


def test_wr13b_unknown_ticket_admitted_provisionally_is_stored_with_its_outbox_row(session, event):
    result = admit_provisionally(session, check_in_url(TN, event.id), event_id=event.id, station="Door 2")
    session.commit()
    assert result.verdict is Verdict.OK and "provisionally" in result.message
    [row] = session.scalars(select(CheckIn)).all()
    assert (row.ticket_number, row.method, row.kind, row.station) == (TN, "PROVISIONAL", "CHECK_IN", "Door 2")
    [entry] = session.scalars(select(OutboxEntry).where(OutboxEntry.kind == "checkin.create")).all()
    assert entry.idempotency_key == row.nonce and entry.payload["method"] == "PROVISIONAL"
    again = admit_provisionally(session, TN, event_id=event.id, station="Door 3")
    assert again.verdict is Verdict.ALREADY_CHECKED_IN and again.checked_in_station == "Door 2"


def test_wr13b_refuses_known_tickets_other_events_and_garbage(session, event):
    with pytest.raises(FailedPrecondition) as err:
        admit_provisionally(session, "M-5582-021", event_id=event.id, station="D")
    assert err.value.code == "TICKET_KNOWN"
    other = check_in_url(TN, "5b0c7e2a-1111-4c2d-9e0f-0a1b2c3d4e5f")
    assert admit_provisionally(session, other, event_id=event.id, station="D").verdict is Verdict.WRONG_EVENT
    assert admit_provisionally(session, "045398", event_id=event.id, station="D").verdict is Verdict.INVALID
    assert session.scalars(select(CheckIn)).all() == []


def test_wr13b_unknown_scan_stays_unknown_not_invalid(session, event):
    """The verdict before the decision is UNKNOWN (amber at the door), never INVALID for a well-formed code."""
    assert scan(session, check_in_url(TN, event.id), event_ids=[event.id], station="D").verdict is Verdict.UNKNOWN
