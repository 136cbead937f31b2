"""core.headcount is the one place of the door's figures (h7-count item 2): over random bounded sequences of
admit / exit / re-admit / undo / refused rows / rows merged late from another station, under the ONCE, DAILY
and MULTI entry rules, inside == entries − exits, inside equals the "checked in" rule's SQL and Python forms, and
the peak ("Max inside", item 3) equals a plain reference computed from the log."""
import random
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.checkin_merge import ACCEPTED, CHECK_IN, ENTRY, EXIT, UNDO, current_check_in, record_row, sort_key, \
    ticket_rows
from core.checkin_refused import refuse
from core.door import Door, scan, undo
from core.headcount import counts, counts_by_walk, headcount
from core.models import CheckIn
from core.tickets import checked_in_map
from core.timeutil import to_rfc3339
from tests.core.checkin_data import T0, add_definition, add_event, add_order

ONCE_T, DAILY_T, MULTI_T = "S-0001-021", "D-0001-021", "M-0001-021"
TICKETS = [ONCE_T, "S-0001-022", DAILY_T, MULTI_T]


@pytest.fixture
def event_id(ledger):
    with ledger.uow() as uow:
        s = uow.session
        ev = add_event(s)
        once, daily = add_definition(s, ev, "Standing"), add_definition(s, ev, "Pass")
        multi = add_definition(s, ev, "Ten")
        daily.entry_rule, multi.entry_rule, multi.max_entries = "DAILY", "MULTI", 3
        add_order(s, ev, "S-0001-", tickets=2, definition=once)
        add_order(s, ev, "D-0001-", definition=daily)
        add_order(s, ev, "M-0001-", definition=multi)
        uow.commit()
        return ev.id


def accepted_by_ticket(rows) -> list[list]:
    """Each ticket's ACCEPTED rows in walk order."""
    by_ticket: dict = {}
    for r in sorted((r for r in rows if r.status == ACCEPTED), key=sort_key):
        by_ticket.setdefault(r.ticket_number, []).append(r)
    return list(by_ticket.values())


def reference_peak(rows) -> int:
    """The most inside at once, the plain way: each accepted entry not taken back by an UNDO is a stay
    [its time, the time of its ticket's next accepted row) — open when none; count the stays at each instant."""
    stays = []
    for seq in accepted_by_ticket(rows):
        for r, nxt in zip(seq, [*seq[1:], None]):
            if r.kind == CHECK_IN and (r.direction or ENTRY) == ENTRY and (nxt is None or nxt.kind != UNDO):
                stays.append((r.corrected_time, nxt.corrected_time if nxt is not None else None))
    instants = {start for start, _end in stays}
    return max((sum(1 for start, end in stays if start <= t and (end is None or end > t)) for t in instants),
               default=0)


def reference_unseen(rows) -> int:
    """Accepted ENTRY rows accepted while another entry was in force (the stays they ended unseen)."""
    unseen = 0
    for seq in accepted_by_ticket(rows):
        for r, nxt in zip(seq, seq[1:]):
            is_entry = r.kind == CHECK_IN and (r.direction or ENTRY) == ENTRY
            unseen += is_entry and nxt.kind == CHECK_IN and (nxt.direction or ENTRY) == ENTRY
    return unseen


def check(ledger, event_id) -> None:
    with ledger.uow() as uow:
        s = uow.session
        hc = headcount(s, event_id, with_peak=True)
        rows = list(s.scalars(select(CheckIn)))
        python = {tn for tn in TICKETS if current_check_in(ticket_rows(s, tn)) is not None}
        sql = set(checked_in_map(s, TICKETS))
        expected_peak = reference_peak(rows)
        fast, walked = counts(s, event_id), counts_by_walk(s, event_id)
        unseen = reference_unseen(rows)
    assert fast == walked and hc.unseen_exits == unseen   # the two forms agree, and with a plain walk
    assert hc.inside == hc.total_entries - hc.total_exits
    assert hc.inside == len(python) == len(sql) and python == sql
    assert hc.inside == sum(hc.by_entrance.values())
    assert hc.peak == expected_peak >= hc.inside


def late_row(ledger, event_id, tn, when, direction) -> None:
    """A row of another station merged late (a sync), possibly before rows this ledger holds (BC-13)."""
    with ledger.uow() as uow:
        record_row(uow.session, {"nonce": str(uuid.uuid4()), "ticketNumber": tn, "kind": CHECK_IN,
                                 "correctedTime": to_rfc3339(when), "station": "Z", "direction": direction},
                   event_id=event_id)
        uow.commit()


def refuse_one(ledger, rng) -> None:
    with ledger.uow() as uow:
        nonces = list(uow.session.scalars(select(CheckIn.nonce).order_by(CheckIn.id)))
        if nonces:
            refuse(uow.session, rng.choice(nonces))
        uow.commit()


@pytest.mark.parametrize("seed", range(6))
def test_item2_inside_is_entries_minus_exits_over_random_sequences(ledger, event_id, seed):
    rng = random.Random(seed)
    entry, out = Door((event_id,), "A"), Door((event_id,), "A", exit_mode=True)
    t = T0
    for _ in range(25):
        t += timedelta(minutes=rng.choice((1, 7, 30, 300, 900)))
        tn, op = rng.choice(TICKETS), rng.random()
        if op < 0.4:
            scan(ledger, entry, tn, now=t)
        elif op < 0.6:
            scan(ledger, out, tn, now=t)
        elif op < 0.75:
            undo(ledger, entry, tn, now=t)
        elif op < 0.85:
            refuse_one(ledger, rng)
        else:
            late_row(ledger, event_id, tn, t - timedelta(minutes=rng.randint(1, 600)), rng.choice((ENTRY, EXIT)))
        check(ledger, event_id)


def test_item2_undo_then_readmission_counts_one_entry(ledger, event_id):
    d = Door((event_id,), "A")
    scan(ledger, d, ONCE_T, now=T0)
    undo(ledger, d, ONCE_T, now=T0 + timedelta(minutes=1))
    scan(ledger, d, ONCE_T, now=T0 + timedelta(minutes=2))
    with ledger.uow() as uow:
        hc = headcount(uow.session, event_id, with_peak=True)
    assert (hc.inside, hc.total_entries, hc.total_exits, hc.peak) == (1, 1, 0, 1)


def test_item3_peak_counts_the_most_inside_at_once(ledger, event_id):
    entry, out = Door((event_id,), "A"), Door((event_id,), "A", exit_mode=True)
    for i, tn in enumerate(TICKETS[:3]):
        scan(ledger, entry, tn, now=T0 + timedelta(minutes=i))
    scan(ledger, out, TICKETS[0], now=T0 + timedelta(minutes=10))
    scan(ledger, out, TICKETS[1], now=T0 + timedelta(minutes=11))
    scan(ledger, entry, TICKETS[3], now=T0 + timedelta(minutes=12))
    with ledger.uow() as uow:
        hc = headcount(uow.session, event_id, with_peak=True)
        empty = headcount(uow.session, "no-such-event", with_peak=True)
    assert (hc.inside, hc.peak, hc.peak_at) == (2, 3, T0 + timedelta(minutes=2))
    assert (empty.peak, empty.peak_at) == (0, None)
