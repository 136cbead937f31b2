"""Multi-entry rules (issue 9 item 9; core.entry_rules + core.checkin_merge's walk / entry_check): ONCE as
before, DAILY once per EVENT-local day (event in Pacific/Auckland while the process runs with TZ=UTC, times
around local midnight), MULTI N entries; exits and undos; the stored statuses agree with the SQL form."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from core import entry_rules
from core.checkin import Verdict, scan_and_commit
from core.checkin_merge import current_check_in, entry_check, ticket_rows, walk
from core.contract import definition_to_api
from core.contract_parse import parse_definition
from core.definitions import create_definition, definition_data, update_definition
from core.errors import InvalidArgument
from core.models import OutboxEntry, TicketDefinition
from core.tickets import check_in, checked_in_map, delete_check_in
from tests.core.checkin_data import add_definition, add_event, add_order

ZONE = "Pacific/Auckland"  # UTC+13 in January (NZDT): local midnight 11 Jan = 10 Jan 11:00 UTC
DAY1_2340 = datetime(2026, 1, 10, 10, 40, tzinfo=timezone.utc)  # 23:40 on 10 Jan, event time
DAY1_2350 = datetime(2026, 1, 10, 10, 50, tzinfo=timezone.utc)  # 23:50 on 10 Jan
DAY2_0010 = datetime(2026, 1, 10, 11, 10, tzinfo=timezone.utc)  # 00:10 on 11 Jan — same UTC day as day 1
DAY2_0020 = datetime(2026, 1, 10, 11, 20, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def utc_process(monkeypatch):
    """The OS zone is UTC, never the event's: a rule reading the OS zone would see one day here."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def venue(ledger, rule: str = "ONCE", max_entries: int | None = None, tickets: int = 1):
    """An event in Auckland with one definition of `rule` and a PAID order "R-0001-" of `tickets` tickets."""
    with ledger.sessions() as s:
        ev = add_event(s, "Festival", time_zone=ZONE)
        defn = add_definition(s, ev, "Pass")
        defn.entry_rule, defn.max_entries = rule, max_entries
        add_order(s, ev, "R-0001-", tickets=tickets, definition=defn)
        s.commit()
        return ev.id


def scan(ledger, ev_id, at, **kw):
    return scan_and_commit(ledger, "R-0001-021", event_ids=[ev_id], station=kw.pop("station", "gate"), now=at, **kw)


def statuses(ledger):
    with ledger.sessions() as s:
        return [(c.kind, c.direction, c.status) for c in ticket_rows(s, "R-0001-021")]


def test_daily_pass_admits_on_day_1_and_day_2_but_not_twice_a_day(ledger):
    ev = venue(ledger, "DAILY")
    assert scan(ledger, ev, DAY1_2340).verdict is Verdict.OK
    again = scan(ledger, ev, DAY1_2350)
    assert again.verdict is Verdict.ALREADY_CHECKED_IN
    assert again.message == "Already admitted today 23:40 (event time) at gate"
    assert scan(ledger, ev, DAY2_0010).verdict is Verdict.OK  # same UTC date, next event-local day
    assert scan(ledger, ev, DAY2_0020).verdict is Verdict.ALREADY_CHECKED_IN
    assert statuses(ledger) == [("CHECK_IN", "ENTRY", "ACCEPTED"), ("CHECK_IN", "ENTRY", "ACCEPTED")]
    with ledger.sessions() as s:
        assert checked_in_map(s, ["R-0001-021"])["R-0001-021"].corrected_time == DAY2_0010


def test_daily_same_event_day_across_utc_midnight_is_refused(ledger):
    ev = venue(ledger, "DAILY")
    morning = datetime(2026, 1, 9, 20, 0, tzinfo=timezone.utc)  # 09:00 on 10 Jan in Auckland
    evening = datetime(2026, 1, 10, 10, 0, tzinfo=timezone.utc)  # 23:00 on 10 Jan: another UTC date
    assert scan(ledger, ev, morning).verdict is Verdict.OK
    assert scan(ledger, ev, evening).verdict is Verdict.ALREADY_CHECKED_IN


def test_daily_reentry_after_exit_the_same_day_is_admitted(ledger):
    ev = venue(ledger, "DAILY")
    assert scan(ledger, ev, DAY1_2340).verdict is Verdict.OK
    assert scan(ledger, ev, DAY1_2340 + timedelta(minutes=2), direction="EXIT").verdict is Verdict.OK
    assert scan(ledger, ev, DAY1_2350).verdict is Verdict.OK


def test_multi_admits_n_entries_then_says_n_of_n_used(ledger):
    ev = venue(ledger, "MULTI", 3)
    for minutes in (0, 5, 10):
        assert scan(ledger, ev, DAY1_2340 + timedelta(minutes=minutes)).verdict is Verdict.OK
    fourth = scan(ledger, ev, DAY2_0020)
    assert fourth.verdict is Verdict.ALREADY_CHECKED_IN
    assert fourth.message == "3 of 3 entries used (last 23:50 event time at gate)"
    assert [s for *_, s in statuses(ledger)] == ["ACCEPTED"] * 3


def test_multi_counts_reentry_after_an_exit(ledger):
    ev = venue(ledger, "MULTI", 2)
    assert scan(ledger, ev, DAY1_2340).verdict is Verdict.OK
    assert scan(ledger, ev, DAY1_2340 + timedelta(minutes=1), direction="EXIT").verdict is Verdict.OK
    assert scan(ledger, ev, DAY1_2340 + timedelta(minutes=2)).verdict is Verdict.OK  # entry 2 of 2
    assert scan(ledger, ev, DAY1_2340 + timedelta(minutes=3), direction="EXIT").verdict is Verdict.OK
    assert scan(ledger, ev, DAY1_2350).verdict is Verdict.ALREADY_CHECKED_IN  # an exit gives no entry back
    with ledger.sessions() as s:
        check = entry_check(ticket_rows(s, "R-0001-021"), entry_rules.EntryRule("MULTI", 2, ZONE), DAY2_0010)
        assert (check.allowed, check.used, check.current) == (False, 2, None)


def test_multi_undo_of_an_entry_gives_it_back(ledger):
    ev = venue(ledger, "MULTI", 1)
    assert scan(ledger, ev, DAY1_2340).verdict is Verdict.OK
    assert scan(ledger, ev, DAY1_2350).verdict is Verdict.ALREADY_CHECKED_IN
    with ledger.sessions() as s:
        delete_check_in(s, ev, ["R-0001-021"], now=DAY1_2350)
        s.commit()
    assert scan(ledger, ev, DAY2_0010).verdict is Verdict.OK


def test_once_is_unchanged(ledger):
    ev = venue(ledger)
    assert scan(ledger, ev, DAY1_2340).verdict is Verdict.OK
    refused = scan(ledger, ev, DAY2_0010)  # another day changes nothing for ONCE
    assert refused.verdict is Verdict.ALREADY_CHECKED_IN
    assert refused.message == "Already admitted 23:40 (event time) at gate"
    assert scan(ledger, ev, DAY2_0010, direction="EXIT").verdict is Verdict.OK
    assert scan(ledger, ev, DAY2_0020).verdict is Verdict.OK  # re-entry after an exit, as before


def test_manual_check_in_applies_the_rule(ledger):
    """core.tickets.check_in (the hub's CheckIn): a DAILY pass gets a second row on the next day only."""
    ev = venue(ledger, "DAILY")
    for at in (DAY1_2340, DAY1_2350, DAY2_0010, DAY2_0020):
        with ledger.sessions() as s:
            check_in(s, ev, ["R-0001-021"], now=at)
            s.commit()
    with ledger.sessions() as s:
        assert [r.corrected_time for r in ticket_rows(s, "R-0001-021")] == [DAY1_2340, DAY2_0010]


def test_walk_of_late_rows_follows_the_rule_and_matches_sql(ledger):
    """Rows merged out of order (a sync) are re-walked under the ticket's rule: the stored statuses give
    the same "checked in" in the Python and the SQL form."""
    ev = venue(ledger, "DAILY")
    assert scan(ledger, ev, DAY2_0010, station="B").verdict is Verdict.OK
    assert scan(ledger, ev, DAY1_2340, station="A").verdict is Verdict.OK  # B's row is later: A's day-1 row first
    with ledger.sessions() as s:
        rows = ticket_rows(s, "R-0001-021")
        assert [r.status for r in rows] == ["ACCEPTED", "ACCEPTED"]
        assert current_check_in(rows).station == "B"
        assert checked_in_map(s, ["R-0001-021"])["R-0001-021"].station == "B"
        once = walk("R-0001-021", rows)  # the same rows under ONCE: the day-2 row would be a duplicate
        assert [r.status for r in once.rows] == ["ACCEPTED", "DUPLICATE"]
        s.rollback()


def test_rule_values_are_checked():
    assert entry_rules.checked("daily", 5) == ("DAILY", None)
    assert entry_rules.checked(None, None) == ("ONCE", None)
    assert entry_rules.checked("Multi", 3) == ("MULTI", 3)
    for kind, n in (("MULTI", None), ("MULTI", 0), ("MULTI", True), ("TWICE", None)):
        with pytest.raises(InvalidArgument):
            entry_rules.checked(kind, n)
    assert entry_rules.rule_of("BROKEN", None, None) == entry_rules.ONCE_RULE
    assert entry_rules.describe("MULTI", 3) == "3 entries" and entry_rules.describe("DAILY", None) == "once per day"


def test_definitions_carry_the_rule_through_the_contract(session):
    ev = add_event(session, "Festival", time_zone=ZONE)
    d = create_definition(session, ev.id, {"name": "Pass", "entryRule": {"kind": "MULTI", "maxEntries": 3}})
    assert (d.entry_rule, d.max_entries) == ("MULTI", 3)
    api = definition_to_api(d)
    assert api["entryRule"] == {"kind": "MULTI", "maxEntries": 3}
    assert parse_definition(api)["entry_rule"] == "MULTI" and parse_definition(api)["max_entries"] == 3
    update_definition(session, d.id, {"entryRule": {"kind": "DAILY"}}, ["entryRule"])
    assert (d.entry_rule, d.max_entries) == ("DAILY", None)
    queued = session.scalars(select(OutboxEntry).where(OutboxEntry.kind == "definition.update")).all()[-1]
    assert queued.payload["fields"] == ["entryRule"] and queued.payload["definition"]["entryRule"] == {"kind": "DAILY"}
    update_definition(session, d.id, {}, ["entryRule"])  # absent = ONCE
    assert d.entry_rule == "ONCE" and "entryRule" not in definition_to_api(d)
    assert "entryRule" not in definition_data(d)
    assert parse_definition(definition_to_api(d))["entry_rule"] == "ONCE"  # absent on the wire = ONCE
    with pytest.raises(InvalidArgument):
        update_definition(session, d.id, {"entryRule": {"kind": "MULTI"}}, ["entryRule"])
    plain = create_definition(session, ev.id, {"name": "Plain"})
    assert session.get(TicketDefinition, plain.id).entry_rule == "ONCE"
