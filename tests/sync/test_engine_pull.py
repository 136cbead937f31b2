"""Pull against the real hub (change feed) and the plain contract server (full re-list): initial download,
check-in state of a plain server as SYNC rows, on-demand lookup of an unknown scanned ticket (WR-13 a), and
door scans staying fast while a big pull runs (BC-21)."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from core.checkin import Verdict, scan_and_commit
from core.models import CheckIn, Event, Order, Ticket, TicketDefinition
from core.tickets import check_in, checked_in_map, delete_check_in
from sync.errors import NetworkError
from tests.sync.engine_helpers import bulk_tickets, count


def _shop(server):
    ev = server.seed_event(title="Spring Gala")
    d = server.seed_definition(ev, name="Adult", quantity=100)
    paid = server.seed_sale(ev, {d: 2})
    unpaid = server.seed_sale(ev, {d: 1}, payment="unpaid", first="Mira", last="Castell")
    return ev, d, paid, unpaid


def test_initial_pull_brings_definitions_orders_tickets(server, stations):
    ev, d, paid, unpaid = _shop(server)
    a = stations("A", "box-office", [ev], on=server)
    report = a.sync()
    assert report.ok and report.pulled >= 6
    assert {"definitions", "orders", "tickets"} <= set(report.last_success)
    with a.ledger.uow() as uow:
        s = uow.session
        assert s.get(TicketDefinition, d).quantity == 100
        assert s.get(Order, unpaid["orderNumber"]).status == "OFFLINE_PENDING"
        assert s.get(Order, paid["orderNumber"]).status == "PAID"
        assert {t.ticket_number for t in s.scalars(select(Ticket))} == set(paid["tickets"] + unpaid["tickets"])
        title = s.get(Event, ev).title
    assert title == "Spring Gala"  # a plain server's events call answers it too (issue 8 item 9)
    assert scan_and_commit(a.ledger, unpaid["tickets"][0], event_ids=[ev], station="A").verdict == Verdict.UNPAID


def test_a_door_key_on_a_plain_server_takes_order_status_from_tickets(hub_factory, stations):
    plain = hub_factory(plain=True)
    ev, d, paid, unpaid = _shop(plain)
    door = stations("Door", "door", [ev], on=plain)
    report = door.sync()
    assert report.ok and any("may not list orders" in w for w in report.warnings)
    with door.ledger.uow() as uow:
        assert uow.session.get(Order, unpaid["orderNumber"]).status == "OFFLINE_PENDING"
    assert scan_and_commit(door.ledger, paid["tickets"][0], event_ids=[ev], station="Door").verdict == Verdict.OK


def test_checkins_made_elsewhere_arrive(server, stations):
    """Hub: the check-in rows themselves; plain server: checkIn.created becomes a SYNC row (and its removal an
    UNDO row) when the local state differs."""
    ev, d, paid, unpaid = _shop(server)
    tn = paid["tickets"][0]
    a = stations("A", "door", [ev], on=server)
    assert a.sync().ok
    with server.uow() as s:
        check_in(s, ev, [tn], station="Central")
    assert a.sync().ok
    with a.ledger.uow() as uow:
        [row] = uow.session.scalars(select(CheckIn)).all()
        assert tn in checked_in_map(uow.session, [tn])
        assert row.method == ("SYNC" if server.plain else "MANUAL")
    assert scan_and_commit(a.ledger, tn, event_ids=[ev], station="A").verdict == Verdict.ALREADY_CHECKED_IN
    with server.uow() as s:
        delete_check_in(s, ev, [tn], station="Central")
    assert a.sync().ok and a.sync().ok  # a repeated pull adds nothing more
    with a.ledger.uow() as uow:
        assert checked_in_map(uow.session, [tn]) == {}
        assert [r.kind for r in uow.session.scalars(select(CheckIn).order_by(CheckIn.id))] == ["CHECK_IN", "UNDO"]


def test_wr13a_unknown_scanned_ticket_is_fetched_on_demand(server, stations):
    ev, d, paid, unpaid = _shop(server)
    a = stations("A", "box-office", [ev], on=server)
    assert a.sync().ok
    late = server.seed_sale(ev, {d: 1}, first="Late", last="Buyer")   # bought online after A's last pull
    tn = late["tickets"][0]
    assert scan_and_commit(a.ledger, tn, event_ids=[ev], station="A").verdict == Verdict.UNKNOWN
    found = a.engine.fetch_ticket(ev, tn)
    assert found["ticketNumber"] == tn
    assert scan_and_commit(a.ledger, tn, event_ids=[ev], station="A").verdict == Verdict.OK
    assert a.engine.fetch_ticket(ev, "NOPE-0000-XX021") is None
    a.faults.offline = True
    with pytest.raises(NetworkError):
        a.engine.fetch_ticket(ev, "LATE-0000-XX021")


def test_bc21_door_scans_stay_fast_while_a_big_pull_runs(hub, stations):
    """BC-21: the sync thread downloads 6,000 tickets while the operator scans 5: every scan is stored and
    confirmed while the pull is still writing, no "database is locked" reaches anyone (batches of ≤500 rows per transaction)."""
    ev = hub.seed_event()
    d = hub.seed_definition(ev)
    door_tickets = hub.seed_sale(ev, {d: 5})["tickets"]
    a = stations("A", "door", [ev], on=hub)
    assert a.sync().ok
    bulk_tickets(hub, ev, d, 6000)
    result: dict = {}
    worker = threading.Thread(target=lambda: result.update(report=a.sync()))
    worker.start()
    deadline = time.monotonic() + 60
    while count(a.ledger, Ticket) < 600 and time.monotonic() < deadline:  # wait until the pull is under way
        time.sleep(0.02)
    for tn in door_tickets:
        verdict = scan_and_commit(a.ledger, tn, event_ids=[ev], station="A").verdict
        assert verdict == Verdict.OK
        time.sleep(0.05)
    overlapped = worker.is_alive()  # the scans ran while the pull was still writing
    worker.join(120)
    assert not worker.is_alive() and result["report"].ok
    assert overlapped
    assert count(a.ledger, Ticket) == 6005
    with a.ledger.uow() as uow:
        assert set(checked_in_map(uow.session, door_tickets)) == set(door_tickets)
