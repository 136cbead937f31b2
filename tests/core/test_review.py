"""core.review and core.review_checks: the review queue keeps each fact once, with what happened and when, until
acknowledged (acknowledging keeps the row: audit); the after-sync checks raise BC-16 admissions, removed
check-ins and oversells (issue 8 item 7)."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from core import review, review_checks
from core.checkin_merge import CHECK_IN, UNDO, record_row
from core.errors import InvalidArgument, NotFound
from core.models import ReviewItem
from core.review import ReviewKind
from core.timeutil import to_rfc3339
from tests.core.checkin_data import add_definition, add_event, add_order

T = datetime(2026, 3, 7, 19, 0, tzinfo=timezone.utc)


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(ReviewItem))


def test_an_item_is_raised_once_and_stays_until_acknowledged(session):
    assert review.raise_item(session, ReviewKind.SECOND_PAYMENT, "O-1", "refund the customer", entity="O-1",
                             happened=T, details={"station": "A"}, now=T)
    assert not review.raise_item(session, "second_payment", "O-1", "refund the customer again", now=T)
    [row] = review.list_open(session)
    assert (row.kind, row.entity, row.message, row.happened, row.details) == (
        "second_payment", "O-1", "refund the customer", T, {"station": "A"})
    assert row.title == "Refund: paid twice" and row.to_json()["happened"] == "2026-03-07T19:00:00.000Z"
    assert review.open_count(session) == 1
    assert review.acknowledge(session, [row.id], by="Ana", now=T + timedelta(minutes=5)) == [row.id]
    assert review.list_open(session) == [] and review.open_count(session) == 0
    [kept] = review.list_items(session, include_acked=True)
    assert (kept.acked_by, kept.acked_at) == ("Ana", T + timedelta(minutes=5))
    assert review.acknowledge(session, [row.id], by="Bob") == []              # first acknowledgement stays
    assert not review.raise_item(session, ReviewKind.SECOND_PAYMENT, "O-1", "seen again", now=T)  # acked: still once
    assert _count(session) == 1


def test_acknowledge_all_and_refusals(session):
    for n in range(3):
        review.raise_item(session, ReviewKind.OVERSELL, f"d{n}", f"oversold {n}", event_id="ev")
    assert len(review.list_open(session, event_ids=["ev"])) == 3 and review.list_open(session, event_ids=["x"]) == []
    with pytest.raises(NotFound):
        review.acknowledge(session, [999], by="x")
    assert review.open_count(session) == 3
    assert review.acknowledge_all(session, by="door 1") == 3 and review.acknowledge_all(session, by="x") == 0
    with pytest.raises(InvalidArgument):
        review.raise_item(session, "nonsense", "k", "m")
    with pytest.raises(InvalidArgument):
        review.raise_item(session, ReviewKind.OVERSELL, "", "m")
    with pytest.raises(InvalidArgument):
        review.list_items(session, limit=0)


def test_a_long_fact_key_is_hashed_to_fit():
    key = review.item_key("stale_ignored", "x" * 500)
    assert len(key) <= review.KEY_MAX and key == review.item_key("stale_ignored", "x" * 500)


def _admit(session, ev, tn, station, at, nonce, kind=CHECK_IN, method="SCAN"):
    return record_row(session, {"nonce": nonce, "ticketNumber": tn, "kind": kind, "deviceTime": to_rfc3339(at),
                                "correctedTime": to_rfc3339(at), "station": station, "method": method},
                      event_id=ev.id)


def test_bc16_admitted_here_after_the_order_was_canceled_is_raised_once(session):
    ev = add_event(session)
    d = add_definition(session, ev)
    canceled = add_order(session, ev, "C-1", status="CANCELED", definition=d)
    canceled.server_updated = T - timedelta(hours=1)                 # canceled centrally before the scan
    later = add_order(session, ev, "C-2", status="DECLINED", definition=d)
    later.server_updated = T + timedelta(hours=1)                    # declined after the scan: admitted validly
    session.flush()
    _admit(session, ev, "C-1021", "Door 1", T, "n1")
    _admit(session, ev, "C-2021", "Door 1", T, "n2")
    for _ in range(2):
        review_checks.after_sync(session, station="Door 1", event_ids=[ev.id], now=T)
    [item] = review.list_open(session)
    assert (item.kind, item.entity, item.happened) == ("admitted_void", "C-1021", T)
    assert "C-1" in item.message and "CANCELED" in item.message
    assert review_checks.after_sync(session, station="Door 2", event_ids=[ev.id], now=T) == 0  # not its scan


def test_checkin_removed_by_another_client_is_raised_for_the_station_that_admitted(session):
    ev = add_event(session)
    add_order(session, ev, "R-1", definition=add_definition(session, ev))
    session.flush()
    _admit(session, ev, "R-1021", "Door 1", T, "in")
    _admit(session, ev, "R-1021", "owner-app", T + timedelta(minutes=3), "out", kind=UNDO, method="SYNC")
    assert review_checks.after_sync(session, station="Door 1", now=T) == 1
    assert review_checks.after_sync(session, station="Door 1", now=T) == 0
    [item] = review.list_open(session)
    assert item.kind == "checkin_removed" and "owner-app" in item.message
    assert review_checks.after_sync(session, station="Door 2", now=T) == 0       # Door 2 admitted nobody


def test_bc26_oversell_is_raised_once_per_quantity(session):
    ev = add_event(session)
    d = add_definition(session, ev)
    d.quantity = 1
    add_order(session, ev, "S-1", tickets=2, definition=d)
    session.flush()
    assert review_checks.oversold(session, [ev.id], T) == 1
    assert review_checks.oversold(session, [ev.id], T) == 0
    [item] = review.list_open(session)
    assert item.details == {"definitionId": d.id, "name": "Standing", "sold": 2, "quantity": 1}
    d.quantity = 5
    session.flush()
    assert review_checks.oversold(session, [ev.id], T) == 0


def test_rows_carry_their_events_zone(session):
    """ReviewRow.time_zone: the item's event's IANA zone (what the CLI and the GUI show its times in); "UTC"
    for an item of no (known) event; the JSON form is unchanged (RFC 3339 UTC, no zone key)."""
    from core.events import create_event, zone_of

    ev = create_event(session, title="Gala", time_zone="America/New_York", currency="USD").id
    at = datetime(2026, 12, 1, 21, 3, tzinfo=timezone.utc)
    review.raise_item(session, ReviewKind.OVERSELL, "d1", "oversold", event_id=ev, happened=at)
    review.raise_item(session, ReviewKind.OVERSELL, "d2", "oversold", event_id="gone", happened=at)
    review.raise_item(session, ReviewKind.OVERSELL, "d3", "oversold", happened=at)
    rows = review.list_open(session)
    assert [r.time_zone for r in rows] == ["America/New_York", "UTC", "UTC"]
    assert zone_of(session, ev) == "America/New_York" and zone_of(session, "gone") == zone_of(session, "") == "UTC"
    assert rows[0].to_json()["happened"] == "2026-12-01T21:03:00.000Z" and "time_zone" not in rows[0].to_json()
