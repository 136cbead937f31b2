"""Check-in sync against the real hub (extension `checkin-rows`) and the same hub as a plain contract server
(CheckIn / DeleteCheckIn by ticket number): cases BC-13, BC-14, BC-15."""
from __future__ import annotations

from datetime import timedelta

import pytest

from core.checkin import Verdict, scan_and_commit
from core.models import OutboxEntry, Ticket
from core.tickets import checked_in_map, delete_check_in
from core.timeutil import local
from tests.sync.engine_helpers import checkins_of, hour_ago

UPLOAD = {"hub": "/tessera/v1/checkins", "plain": "/events/v1/tickets/check-in"}


def _mode(hub) -> str:
    return "plain" if hub.plain else "hub"


def _shop(hub, n: int = 3):
    ev = hub.seed_event(time_zone="Europe/Zurich")
    d = hub.seed_definition(ev, quantity=100)
    return ev, hub.seed_sale(ev, {d: n})["tickets"]


def _scan(st, ev, tn, when, **kw):
    return scan_and_commit(st.ledger, tn, event_ids=[ev], station=st.name, now=when, **kw)


def _hub_checked_in(hub, numbers) -> dict:
    with hub.ledger.uow() as uow:
        return checked_in_map(uow.session, numbers)


def test_bc14_two_offline_stations_same_ticket_one_accepted_one_flagged(server, stations):
    """BC-14: A admits at t, B at t+2 s, both offline; after sync one check-in counts (A's), B's is kept as a
    flagged duplicate and B's operator is told "also admitted at A …"."""
    ev, tickets = _shop(server)
    tn = tickets[0]
    a, b = stations("A", "door", [ev], on=server), stations("B", "door", [ev], on=server)
    assert a.sync().ok and b.sync().ok
    a.faults.offline = b.faults.offline = True
    t = hour_ago()
    assert _scan(a, ev, tn, t).verdict == Verdict.OK
    assert _scan(b, ev, tn, t + timedelta(seconds=2)).verdict == Verdict.OK
    assert not a.sync().ok and len(a.outbox("pending")) == 1  # offline: kept, nothing lost
    a.faults.offline = b.faults.offline = False
    ra, rb = a.sync(), b.sync()
    assert ra.ok and rb.ok and ra.pushed == 1 and rb.pushed == 1 and ra.duplicates == []
    [dup] = rb.duplicates
    assert dup["ticketNumber"] == tn and "also admitted at" in dup["message"]
    mine = [r for r in b.checkins(tn) if r.station == "B"]
    assert [r.status for r in mine] == ["DUPLICATE"]          # kept, flagged
    assert len(_hub_checked_in(server, [tn])) == 1            # counts one person
    assert _scan(b, ev, tn, t + timedelta(minutes=5)).verdict == Verdict.ALREADY_CHECKED_IN
    hub_rows = checkins_of(server.ledger, tn)
    if server.plain:
        assert len(hub_rows) == 1 and dup["station"] == ""    # the plain contract keeps one check-in
    else:
        shown = local(t, "Europe/Zurich").strftime("%H:%M:%S")
        assert dup["message"] == f"{tn}: also admitted at A {shown}"
        assert sorted((r.station, r.status) for r in hub_rows) == [("A", "ACCEPTED"), ("B", "DUPLICATE")]
        a.sync()  # A learns B's duplicate too: both timestamps and stations are kept everywhere
        assert sorted((r.station, r.status) for r in a.checkins(tn)) == [("A", "ACCEPTED"), ("B", "DUPLICATE")]


def test_bc15a_lost_answer_is_retried_and_stored_once(server, stations):
    """BC-15 a: the server commits a batch of 3 but the answer is lost; the retry stores nothing twice."""
    ev, tickets = _shop(server)
    a = stations("A", "door", [ev], on=server)
    assert a.sync().ok
    t = hour_ago()
    for i, tn in enumerate(tickets):
        assert _scan(a, ev, tn, t + timedelta(seconds=i)).verdict == Verdict.OK
    a.faults.add("POST", UPLOAD[_mode(server)], "drop")
    first = a.sync()
    assert not first.ok and "lost" in first.error
    assert [(e.state, e.attempts) for e in a.outbox()] == [("pending", 1)] * 3
    second = a.sync()
    assert second.ok and second.pushed == 3 and second.duplicates == []
    assert len(checkins_of(server.ledger)) == 3
    assert set(_hub_checked_in(server, tickets)) == set(tickets)
    assert [r.status for r in a.checkins()] == ["ACCEPTED"] * 3
    assert [e.state for e in a.outbox()] == ["sent"] * 3


def test_bc15b_three_checkins_of_one_station_queue_and_upload_as_three(server, stations):
    """BC-15 b: T-1, T-2, T-3 scanned offline within 10 s by one operator: 3 queue items, 3 uploads."""
    ev, tickets = _shop(server)
    a = stations("A", "door", [ev], on=server)
    assert a.sync().ok
    a.faults.offline = True
    t = hour_ago()
    for i, tn in enumerate(tickets):
        _scan(a, ev, tn, t + timedelta(seconds=3 * i), operator="jo")
    entries = a.outbox("pending")
    assert len(entries) == 3 and len({e.idempotency_key for e in entries}) == 3
    assert {e.entity_key for e in entries} == set(tickets)
    a.faults.offline = False
    report = a.sync()
    assert report.ok and report.pushed == 3 and report.pending == 0
    assert len(checkins_of(server.ledger)) == 3


def test_bc13_skewed_station_clock_is_corrected_and_the_later_deletion_stands(hub, stations):
    """BC-13: B's clock is 200 days ahead. B admits T offline at (real) +31 min, A deletes the check-in at
    +32 min. Ordering uses corrected time, so the deletion stands; B is warned and keeps its device time."""
    ev, tickets = _shop(hub, 1)
    tn = tickets[0]
    skew = timedelta(days=200)
    a = stations("A", "door", [ev], on=hub)
    b = stations("B", "door", [ev], on=hub, skew=skew)
    assert a.sync().ok
    rb = b.sync()
    assert rb.ok and abs(rb.clock_offset_s + skew.total_seconds()) < 5
    assert any("ahead of the server" in w for w in rb.warnings)
    base = hour_ago()
    assert _scan(a, ev, tn, base).verdict == Verdict.OK
    b.faults.offline = True
    offset = rb.clock_offset_s
    assert _scan(b, ev, tn, base + timedelta(minutes=31) + skew, clock_offset_s=offset).verdict == Verdict.OK
    with a.ledger.uow() as uow:
        delete_check_in(uow.session, ev, [tn], station="A", now=base + timedelta(minutes=32))
        uow.commit()
    assert a.sync().ok
    b.faults.offline = False
    assert b.sync().ok
    assert _hub_checked_in(hub, [tn]) == {}                           # the 10:02 deletion stands
    [b_row] = [r for r in checkins_of(hub.ledger, tn) if r.station == "B"]
    assert b_row.status == "DUPLICATE" and b_row.device_time > base + timedelta(days=199)
    assert abs((b_row.corrected_time - (base + timedelta(minutes=31))).total_seconds()) < 5
    with b.ledger.uow() as uow:
        assert checked_in_map(uow.session, [tn]) == {}                # B agrees after its pull


def test_bc13_plain_server_date_header_gives_the_offset(hub_factory, stations):
    """BC-13 against a plain server: no X-Server-Time, the HTTP Date header measures the skew."""
    plain = hub_factory(plain=True)
    ev, _ = _shop(plain, 1)
    b = stations("B", "door", [ev], on=plain, skew=timedelta(hours=-3))
    report = b.sync()
    assert report.ok and report.mode == "plain contract"
    assert abs(report.clock_offset_s - 3 * 3600) < 5 and any("behind the server" in w for w in report.warnings)


def test_undo_goes_up_as_delete_checkin(server, stations):
    """An UNDO is a row too (a tombstone): pushed as an UNDO row or DeleteCheckIn, never dropped."""
    ev, tickets = _shop(server, 1)
    tn = tickets[0]
    a = stations("A", "door", [ev], on=server)
    assert a.sync().ok
    base = hour_ago()
    _scan(a, ev, tn, base)
    with a.ledger.uow() as uow:
        delete_check_in(uow.session, ev, [tn], station="A", now=base + timedelta(minutes=1))
        uow.commit()
    report = a.sync()
    assert report.ok and report.pushed == 2
    assert _hub_checked_in(server, [tn]) == {}
    with a.ledger.uow() as uow:
        kinds = [e.kind for e in uow.session.query(OutboxEntry).order_by(OutboxEntry.id)]
    assert kinds == ["checkin.create", "checkin.delete"]


def test_unknown_ticket_is_rejected_kept_and_shown(hub, stations):
    """A check-in the hub refuses (ticket unknown there) is rejected for good, kept with its reason."""
    ev, tickets = _shop(hub, 1)
    a = stations("A", "door", [ev], on=hub)
    assert a.sync().ok
    with hub.uow() as s:  # the ticket vanishes centrally (a test-only way to make the hub refuse it)
        t = s.get(Ticket, tickets[0])
        t.ticket_number = "GONE-0000-XX021"
    _scan(a, ev, tickets[0], hour_ago())
    report = a.sync()
    assert report.ok and report.pushed == 0
    [rej] = report.rejected
    assert rej["entity"] == tickets[0] and "UNKNOWN_TICKET" in rej["error"]
    [entry] = a.outbox()
    assert entry.state == "rejected" and "UNKNOWN_TICKET" in entry.last_error
    assert a.sync().rejected == []  # not retried
    assert [r.ticket_number for r in a.checkins()] == [tickets[0]]  # the local row is kept


@pytest.mark.parametrize("n", [130])
def test_many_checkins_go_up_in_batches(hub, stations, n):
    """More than 100 queued check-ins: several uploads of ≤100 rows, all stored."""
    ev = hub.seed_event()
    d = hub.seed_definition(ev)
    tickets = []
    for _ in range(7):
        tickets += hub.seed_sale(ev, {d: 20})["tickets"]
    a = stations("A", "door", [ev], on=hub)
    assert a.sync().ok
    t = hour_ago()
    for i, tn in enumerate(tickets[:n]):
        _scan(a, ev, tn, t + timedelta(seconds=i))
    report = a.sync()
    assert report.ok and report.pushed == n
    assert a.faults.seen.count(("POST", "/tessera/v1/checkins")) == 2
    assert len(checkins_of(hub.ledger)) == n


def test_wr14_three_stations_reconnecting_at_once_lose_nothing(server, stations):
    """WR-14: stations A, B and C hold offline check-ins and reconnect in the same second: uploads are
    per-operation and idempotent, never a whole-list replace, so every check-in arrives."""
    import threading

    ev = server.seed_event()
    d = server.seed_definition(ev)
    tickets = server.seed_sale(ev, {d: 9})["tickets"]
    doors = [stations(name, "door", [ev], on=server) for name in "ABC"]
    for st in doors:
        assert st.sync().ok
        st.faults.offline = True
    t = hour_ago()
    for i, tn in enumerate(tickets):
        _scan(doors[i % 3], ev, tn, t + timedelta(seconds=i))
    for st in doors:
        st.faults.offline = False
    reports: dict = {}
    threads = [threading.Thread(target=lambda s=st: reports.update({s.name: s.sync()})) for st in doors]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert all(r.ok and r.pushed == 3 for r in reports.values()), reports
    assert set(_hub_checked_in(server, tickets)) == set(tickets)
    assert len(checkins_of(server.ledger)) == 9
