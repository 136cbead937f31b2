"""Refusals never block (issue 8 items 1 and 2), end to end against the real hub on loopback: a refused change
is set aside with its reason, unrelated changes and the pull go on, dependants wait and go up once it does;
`retry_all` sends refused changes oldest first, so hub and station end on the newest edit."""
from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select

from core import outbox
from core.checkin import scan_and_commit
from core.definitions import create_definition, update_definition
from core.events import create_event
from core.models import CheckIn, Order, TicketDefinition
from core.sales import sell
from sync.hub.auth import add_station
from tests.sync.engine_helpers import hour_ago


def _rekey(hub, station, role: str) -> None:
    """The organiser gives the station's name another role; the station uses the new key."""
    with hub.ledger.uow() as uow:
        key = add_station(uow.session, station.name, role, replace=True)
        uow.commit()
    station.api._key = key


def _hub_checkins(hub, ticket_number: str) -> int:
    with hub.ledger.uow() as uow:
        return len(list(uow.session.scalars(select(CheckIn).where(CheckIn.ticket_number == ticket_number))))


def test_a_door_station_that_sold_still_uploads_its_checkins_and_pulls(hub, stations):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=50)
    seeded = hub.seed_sale(ev, {d: 2})["tickets"]
    a = stations("A", "door", [ev], on=hub)
    assert a.sync().ok
    with a.ledger.uow() as uow:  # a door station takes a card payment (its role may not)
        mine = sell(uow.session, ev, {d: 1}, {"firstName": "Walk", "lastName": "In"}, payment="card", station="A")
        sold = [t.ticket_number for t in mine.order.tickets]
        uow.commit()
    for i, tn in enumerate([sold[0], seeded[0], seeded[1]]):
        scan_and_commit(a.ledger, tn, event_ids=[ev], station="A", now=hour_ago() + timedelta(seconds=i))
    later = hub.seed_sale(ev, {d: 1})  # made centrally meanwhile: the pull must bring it

    report = a.sync()
    assert report.ok, report.error
    assert [r["kind"] for r in report.rejected] == ["order.create"]
    assert "may not" in report.rejected[0]["error"] and "403" in report.rejected[0]["error"]
    # issue 8 item 6: the run says what is wrong — a refused change, with the endpoint and missing permission
    assert report.outcome.kind == "rejected" and report.outcome.exit_code == 3
    assert (report.outcome.endpoint, report.outcome.permission) == ("POST /tessera/v1/orders", "orders.upload")
    assert [w["entity"] for w in report.waiting] == [sold[0]]  # its check-in waits for the sale
    assert "waiting for #" in report.waiting[0]["reason"]
    with a.ledger.uow() as uow:
        assert outbox.held_count(uow.session) == 1 and outbox.pending_count(uow.session) == 1
    assert _hub_checkins(hub, seeded[0]) == 1 and _hub_checkins(hub, seeded[1]) == 1
    with a.ledger.uow() as uow:
        assert uow.session.get(Order, later["orderNumber"]) is not None
    assert a.sync().ok and _hub_checkins(hub, sold[0]) == 0  # still waiting, nothing lost

    _rekey(hub, a, "box-office")
    with a.ledger.uow() as uow:
        assert len(outbox.retry_all(uow.session)) == 1
        uow.commit()
    report = a.sync()
    assert report.ok and not report.rejected and not report.waiting and report.pending == 0
    assert _hub_checkins(hub, sold[0]) == 1
    with hub.ledger.uow() as uow:
        assert uow.session.get(Order, mine.order.order_number) is not None


def test_retry_all_after_a_rejected_event_upload_ends_on_the_newest_edit(hub, stations):
    b = stations("B", "box-office", [], on=hub)
    with b.ledger.uow() as uow:
        ev = create_event(uow.session, title="Pop-up", time_zone="Europe/Zurich", currency="EUR",
                          start="2026-09-01T18:00:00Z").id
        d = create_definition(uow.session, ev, {"name": "Adult", "price": {"value": "10", "currency": "EUR"},
                                                "limited": True, "quantity": 100}).id
        uow.commit()
    b.engine.event_ids = [ev]
    for quantity in (80, 60, 40):
        with b.ledger.uow() as uow:
            update_definition(uow.session, d, {"quantity": quantity, "limited": True}, ["quantity"])
            uow.commit()
    first = b.sync()
    assert [r["kind"] for r in first.rejected] == ["event.create"]
    assert {w["kind"] for w in first.waiting} == {"definition.create", "definition.update"}
    states = {e.kind: e.state for e in b.outbox()}
    assert states["definition.create"] == "pending" and states["event.create"] == "rejected"

    _rekey(hub, b, "organiser")
    with b.ledger.uow() as uow:
        outbox.retry_all(uow.session)
        uow.commit()
    second = b.sync()
    assert second.ok and not second.rejected and second.pending == 0, second
    with hub.ledger.uow() as uow:
        assert uow.session.get(TicketDefinition, d).quantity == 40
    with b.ledger.uow() as uow:
        assert uow.session.get(TicketDefinition, d).quantity == 40
    folded = [e for e in b.outbox() if e.state == "dismissed"]
    assert len(folded) == 2 and all("folded into" in e.last_error for e in folded)
    assert all(e.last_error.startswith("retry requested after") for e in b.outbox() if e.kind == "event.create")


def test_a_refused_row_holds_only_its_own_entity(hub, stations):
    """Per-entity order: a refused check-in holds the later check-in of the same ticket, not other tickets. (The
    refused row counts nowhere — core.checkin_refused — so the door admits the guest again rather than undoing.)"""
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=50)
    tickets = hub.seed_sale(ev, {d: 2})["tickets"]
    a = stations("A", "door", [ev], on=hub)
    assert a.sync().ok
    scan_and_commit(a.ledger, tickets[0], event_ids=[ev], station="A", now=hour_ago())
    refusal = {"message": "no", "details": {"applicationError": {"code": "TEST_REFUSAL", "description": "no"}}}
    a.faults.add("POST", "/tessera/v1/checkins", lambda req: httpx.Response(409, json=refusal, request=req))
    first = a.sync()
    assert [r["entity"] for r in first.rejected] == [tickets[0]]
    assert scan_and_commit(a.ledger, tickets[0], event_ids=[ev], station="A",
                           now=hour_ago() + timedelta(seconds=2)).admitted
    scan_and_commit(a.ledger, tickets[1], event_ids=[ev], station="A", now=hour_ago() + timedelta(seconds=5))
    second = a.sync()
    assert second.ok and [w["entity"] for w in second.waiting] == [tickets[0]]
    assert _hub_checkins(hub, tickets[1]) == 1 and _hub_checkins(hub, tickets[0]) == 0
    with a.ledger.uow() as uow:
        outbox.retry_all(uow.session)
        uow.commit()
    third = a.sync()
    assert third.ok and third.pending == 0 and _hub_checkins(hub, tickets[0]) == 2  # the check-in, then the re-admission
