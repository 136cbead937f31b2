"""core.report_data / report_times / report_sales (issue 10 item 5): typed report tables whose numbers come
from the one rules (sold, checked in, inside), buckets and days in the EVENT's zone (not the OS's: TZ=UTC
here, the event in Pacific/Auckland), exits lowering "inside", money as Money."""
from __future__ import annotations

import time
from datetime import date, datetime, timezone

import pytest

from core.errors import InvalidArgument, NotFound
from core.money import Money
from core.report_data import REPORTS, build_report, door_list, incidents, summary_tables
from core.report_sales import payments_per_method, payments_per_operator, sales_per_day, total_taken
from core.report_table import INT, Column, ReportTable
from core.report_times import arrivals, bucket_start, checkins_per_day
from core.review import ReviewKind, acknowledge_all, raise_item
from tests.core.report_fixtures import ZONE, evening, make_venue, scan_at


@pytest.fixture(autouse=True)
def os_zone_utc(monkeypatch):
    """The station's OS zone is UTC; the event's is Pacific/Auckland: every bucket must follow the event."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def venue(ledger):
    v = make_venue(ledger)
    evening(ledger, v)
    return v


def _tables(ledger, report, event_id):
    with ledger.uow() as uow:
        return build_report(uow.session, report, event_id)


def _rows(table):
    return {row[0]: row[1:] for row in table.rows}


def test_summary_counts_sold_checked_in_and_inside_per_definition_and_entrance(ledger, venue):
    totals, per_def, per_ent = _tables(ledger, "summary", venue.event_id)
    t = dict(totals.rows)
    assert (t["Sold"], t["Paid"], t["Unpaid"], t["Checked in"], t["Inside now"]) == (5, 4, 1, 3, 3)
    assert (t["Entries"], t["Exits"], t["Max inside"], t["Capacity alarm"]) == (4, 1, 4, None)  # item 3: the peak
    assert _rows(per_def) == {"Standing": (100, 5, 4, 1, 3), "VIP": (10, 0, 0, 0, 0)}
    assert _rows(per_ent) == {"Main": ("ENTRY", 3, 0, 2), "Side": ("ENTRY", 1, 0, 1), "Exit": ("EXIT", 0, 1, 0)}


def test_an_exit_lowers_inside_and_a_return_raises_it(ledger, venue):
    def inside():
        totals, _d, per_ent = _tables(ledger, "summary", venue.event_id)
        return dict(totals.rows)["Inside now"], _rows(per_ent)["Main"][3]

    assert inside() == (3, 2)
    scan_at(ledger, venue, 1, "Exit", 60)
    assert inside() == (2, 1)
    scan_at(ledger, venue, 1, "Main", 70)  # re-entry
    assert inside() == (3, 2)


def test_arrivals_per_15_minutes_per_entrance_in_event_local_time(ledger, venue):
    (table,) = _tables(ledger, "arrivals", venue.event_id)
    assert [c.name for c in table.columns] == ["From", "Main", "Side", "Total"]
    assert [c.kind for c in table.columns[1:]] == [INT, INT, INT]
    assert [table.local(r[0]).strftime("%d %H:%M") for r in table.rows] == ["14 23:30", "14 23:45", "15 00:00",
                                                                             "15 00:15"]
    assert [r[1:] for r in table.rows] == [(1, 0, 1), (1, 0, 1), (0, 1, 1), (1, 0, 1)]  # exits and refusals: none
    assert all(r[0].tzinfo is not None and r[0].utcoffset().total_seconds() == 0 for r in table.rows)
    with ledger.uow() as uow:
        hourly = arrivals(uow.session, venue.event_id, minutes=60)
        with pytest.raises(InvalidArgument):
            arrivals(uow.session, venue.event_id, minutes=0)
    assert [r[-1] for r in hourly.rows] == [2, 2]


def test_buckets_follow_the_event_zone_with_a_45_minute_offset():
    when = datetime(2025, 6, 14, 10, 10, tzinfo=timezone.utc)  # 15:55 in Kathmandu (+05:45)
    start = bucket_start(when, "Asia/Kathmandu", 60)
    assert start == datetime(2025, 6, 14, 9, 15, tzinfo=timezone.utc)  # 15:00 local
    assert bucket_start(when, "UTC", 60) == datetime(2025, 6, 14, 10, 0, tzinfo=timezone.utc)


def test_checkins_per_day_use_the_event_day_not_utc(ledger, venue):
    (table,) = _tables(ledger, "days", venue.event_id)
    # every movement is on 14 June in UTC (and in the OS zone), but they straddle midnight in Auckland
    assert {m[2].date() for m in venue.moves} == {date(2025, 6, 14)}
    assert table.rows == ((date(2025, 6, 14), 2, 0, 2), (date(2025, 6, 15), 2, 1, 2))
    assert table.time_zone == ZONE


def test_sales_per_day_method_and_operator_in_money(ledger, venue):
    with ledger.uow() as uow:
        s = uow.session
        days = sales_per_day(s, venue.event_id)
        methods = payments_per_method(s, venue.event_id)
        operators = payments_per_operator(s, venue.event_id)
        taken = total_taken(s, venue.event_id)
    eur = lambda v: Money.of(v, "EUR")  # noqa: E731
    assert days.rows == ((date(2025, 6, 14), "EUR", 3, 3, eur("75.00")), (date(2025, 6, 15), "EUR", 2, 1, eur("25.00")))
    assert _rows(methods) == {"card": (1, eur("25"), eur("0"), eur("25")), "cash": (3, eur("75"), eur("0"), eur("75"))}
    assert operators.rows == (("Till 1", "Kim", 3, eur("75")), ("Till 2", "Lee", 1, eur("25")))
    assert taken == {"EUR": eur("100.00")}
    assert sum((r[4] for r in days.rows), Money.zero("EUR")) == taken["EUR"]


def test_door_list_is_alphabetical_with_status_and_check_mark(ledger, venue):
    with ledger.uow() as uow:
        table = door_list(uow.session, venue.event_id)
    names = [r[0] for r in table.rows]
    assert names == sorted(names, key=str.casefold)
    assert names[:3] == ["Brontë, Zoë", "Dvořák, Antonín", "Moreira, Ana"] and "김, 민수" in names
    marks = {r[0]: (r[3], r[4]) for r in table.rows}
    assert marks["Brontë, Zoë"] == ("PAID", "")  # left by the exit: not checked in now
    assert marks["Moreira, Ana"] == ("PAID", "✓")
    assert marks["Dvořák, Antonín"] == ("OFFLINE_PENDING", "")


def test_incidents_list_review_items_of_the_event_acknowledged_too(ledger, venue):
    happened = datetime(2025, 6, 14, 12, 0, tzinfo=timezone.utc)
    with ledger.uow() as uow:
        raise_item(uow.session, ReviewKind.DOUBLE_ADMISSION, "nonce-1", "Admitted at Main and Side",
                   event_id=venue.event_id, entity=venue.tickets[1], happened=happened)
        raise_item(uow.session, ReviewKind.ADMITTED_VOID, "nonce-2", "Admitted after cancel",
                   event_id=venue.event_id, entity=venue.tickets[2])
        raise_item(uow.session, ReviewKind.OVERSELL, "other", "Another event", event_id="elsewhere")
        acknowledge_all(uow.session, by="Kim")
        uow.commit()
    with ledger.uow() as uow:
        table = incidents(uow.session, venue.event_id)
    assert [(r[2], r[3], r[5]) for r in table.rows] == [("Admitted twice", venue.tickets[1], "Kim"),
                                                        ("Admitted, but the order was canceled", venue.tickets[2], "Kim")]
    assert table.rows[0][1] == happened and table.rows[1][1] is None


def test_every_report_builds_on_an_empty_event_and_unknown_ones_are_refused(ledger):
    v = make_venue(ledger)
    for name in REPORTS:
        for table in _tables(ledger, name, v.event_id):
            assert isinstance(table, ReportTable) and table.time_zone == ZONE
    assert _tables(ledger, "arrivals", v.event_id)[0].rows == ()
    with ledger.uow() as uow:
        with pytest.raises(InvalidArgument):
            build_report(uow.session, "nope", v.event_id)
        with pytest.raises(NotFound):
            summary_tables(uow.session, "missing")
        assert checkins_per_day(uow.session, v.event_id).rows == ()


def test_a_table_refuses_values_of_the_wrong_kind():
    with pytest.raises(InvalidArgument):
        ReportTable("t", (Column("n", INT),), (("3",),))
    with pytest.raises(InvalidArgument):
        ReportTable("t", (Column("n", "float"),), ())
    with pytest.raises(InvalidArgument):
        ReportTable("t", (Column("when", "datetime"),), ((datetime(2025, 1, 1),),))  # naive
