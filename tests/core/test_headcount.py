"""core.headcount: inside now = entries − exits per event and per entrance, duplicates not counted, the
capacity alarm and the offline estimate label (issue 9 item 8); the SQL and Python forms of the extended
"checked in" rule agree with exits in the log."""
from datetime import timedelta

import pytest

from core.checkin_merge import EXIT, current_check_in, ticket_rows
from core.door import Door, scan, undo
from core.entrances import create_entrance, set_max_inside
from core.headcount import headcount
from core.tickets import checked_in_map
from tests.core.checkin_data import T0, add_definition, add_event, add_order


@pytest.fixture
def venue(ledger):
    with ledger.uow() as uow:
        s = uow.session
        ev = add_event(s)
        standing = add_definition(s, ev, "Standing")
        add_order(s, ev, "S-0001-", tickets=4, definition=standing)
        s.flush()
        main, side = create_entrance(s, ev.id, "Main"), create_entrance(s, ev.id, "Side")
        out = create_entrance(s, ev.id, "Exit", direction=EXIT)
        uow.commit()
    return {"event": ev.id, "main": main, "side": side, "exit": out}


def _count(ledger, event_id, online=True):
    with ledger.uow() as uow:
        return headcount(uow.session, event_id, online=online)


def test_entries_minus_exits_per_event_and_entrance(ledger, venue):
    ev = venue["event"]
    main, side = Door((ev,), "A", entrance=venue["main"]), Door((ev,), "B", entrance=venue["side"])
    out = Door((ev,), "C", entrance=venue["exit"])
    for i, tn in enumerate(("S-0001-021", "S-0001-022", "S-0001-023")):
        scan(ledger, main if i < 2 else side, tn, now=T0 + timedelta(minutes=i))
    scan(ledger, main, "S-0001-021", now=T0 + timedelta(minutes=5))  # a duplicate: no entry
    scan(ledger, out, "S-0001-022", now=T0 + timedelta(minutes=6))
    hc = _count(ledger, ev)
    assert hc.inside == 2 and not hc.estimate
    assert hc.by_entrance == {venue["main"].id: 1, venue["side"].id: 1}
    assert hc.entries == {venue["main"].id: 2, venue["side"].id: 1} and hc.exits == {venue["exit"].id: 1}
    assert hc.label() == "Inside now: 2"
    scan(ledger, side, "S-0001-022", now=T0 + timedelta(minutes=7))  # re-entry elsewhere
    assert _count(ledger, ev).by_entrance == {venue["main"].id: 1, venue["side"].id: 2}


def test_undo_lowers_inside_and_capacity_alarm(ledger, venue):
    ev = venue["event"]
    d = Door((ev,), "A")
    with ledger.uow() as uow:
        set_max_inside(uow.session, ev, 1)
        uow.commit()
    scan(ledger, d, "S-0001-021", now=T0)
    assert not _count(ledger, ev).over_capacity
    scan(ledger, d, "S-0001-022", now=T0 + timedelta(seconds=1))
    hc = _count(ledger, ev, online=False)
    assert hc.over_capacity and hc.label() == "Inside now: 2 / 1 (estimate — offline)"
    undo(ledger, d, "S-0001-022", now=T0 + timedelta(seconds=2))
    assert _count(ledger, ev).inside == 1 and _count(ledger, ev).by_entrance == {None: 1}


def test_sql_and_python_rules_agree_with_exits(ledger, venue):
    ev = venue["event"]
    entry, exit_ = Door((ev,), "A"), Door((ev,), "A", exit_mode=True)
    plan = {"S-0001-021": [entry], "S-0001-022": [entry, exit_], "S-0001-023": [exit_, entry],
            "S-0001-024": [entry, exit_, entry, exit_]}
    for tn, steps in plan.items():
        for i, d in enumerate(steps):
            scan(ledger, d, tn, now=T0 + timedelta(minutes=i))
    with ledger.uow() as uow:
        sql = set(checked_in_map(uow.session, list(plan)))
        python = {tn for tn in plan if current_check_in(ticket_rows(uow.session, tn)) is not None}
    assert sql == python == {"S-0001-021", "S-0001-023"}
    assert _count(ledger, ev).inside == 2
