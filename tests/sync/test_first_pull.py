"""The first pull (issue 11): the hub's feed sends each ticket once; a station's first pull (sync.bulk_apply,
one transaction per page with its cursor) lands the same ledger as the incremental appliers, row by row; a
first pull aborted mid-way leaves a consistent ledger that resumes to the same result."""
from __future__ import annotations

import httpx
from sqlalchemy import select, text

from core.orders import update_order
from core.models import CheckIn, Event, Order, Ticket, TicketDefinition
from sync import bulk_apply, state
from sync.hub.models import HubChange
from sync.pull import Puller
from tests.sync.engine_helpers import bulk_tickets, count
from tests.sync.hub_fixtures import ok

TABLES = (Event, TicketDefinition, Order, Ticket, CheckIn)
LOCAL_CLOCK = {("events", "created"), ("events", "updated")}  # stamped with the station's clock on apply


def ledger_rows(ledger) -> dict[str, list[tuple]]:
    """Every row of the compared tables, ordered by primary key, without columns stamped by the local clock."""
    out = {}
    with ledger.uow() as uow:
        for model in TABLES:
            table = model.__table__
            cols = [c for c in table.c if (table.name, c.name) not in LOCAL_CLOCK]
            pk = list(table.primary_key.columns)
            out[table.name] = [tuple(r) for r in uow.session.execute(select(*cols).order_by(*pk))]
    return out


def _venue(hub) -> str:
    """An event with two definitions, 1,203 bulk tickets plus box-office sales with guest names, check-ins
    (one undone), a canceled order: the shapes a first pull meets."""
    ev = hub.seed_event()
    d1 = hub.seed_definition(ev, quantity=5000)
    d2 = hub.seed_definition(ev, name="Child", price="5.00")
    bulk = bulk_tickets(hub, ev, d1, 1203)
    sales = [hub.seed_sale(ev, {d1: 2, d2: 1}, first=f"Zoë{i}", last="Ñúñez") for i in range(5)]
    org = hub.client("organiser")
    ok(org.post("/events/v1/tickets/check-in", json={"eventId": ev, "ticketNumber": bulk[:30]}))
    ok(org.post("/events/v1/tickets/check-in", json={"eventId": ev, "ticketNumber": sales[0]["tickets"]}))
    ok(org.delete("/events/v1/tickets/check-in", params=[("eventId", ev), ("ticketNumber", bulk[0])]))
    with hub.uow() as s:
        s.get(Order, sales[1]["orderNumber"]).status = "CANCELED"
    return ev


def test_the_feed_sends_each_ticket_once(hub):
    ev = _venue(hub)
    org = hub.client("organiser")
    cursor, tickets = None, []
    for _ in range(20):
        page = ok(org.get("/tessera/v1/changes", params=[("eventId", ev), ("limit", "500")]
                          + ([("since", cursor)] if cursor else [])))
        keys = [(c["type"], c["data"].get("id") or c["data"].get("ticketNumber") or c["data"].get("orderNumber"))
                for c in page["changes"]]
        assert len(keys) == len(set(keys))  # once per page
        assert all("tickets" not in c["data"] for c in page["changes"] if c["type"] == "order")
        tickets += [c["data"]["ticketNumber"] for c in page["changes"] if c["type"] == "ticket"]
        cursor = page["cursor"]
        if not page["hasMore"]:
            break
    with hub.ledger.uow() as uow:
        held = set(uow.session.scalars(select(Ticket.ticket_number).where(Ticket.event_id == ev)))
    assert set(tickets) == held


def test_first_pull_lands_the_same_ledger_as_the_incremental_appliers(hub, stations, monkeypatch):
    ev = _venue(hub)
    fast = stations("Fast", "organiser", [ev], on=hub)
    written = []
    real = bulk_apply.BulkWriter.write_tickets
    monkeypatch.setattr(bulk_apply.BulkWriter, "write_tickets",
                        lambda self, session, rows, now=None: written.extend(real(self, session, rows, now)) or written)
    report = fast.sync()
    assert report.ok, report.error
    assert len(written) == 1203 + 15  # the first pull took the bulk path
    monkeypatch.setattr(bulk_apply.BulkWriter, "write_tickets", real)
    monkeypatch.setattr(bulk_apply, "supported", lambda session: False)
    monkeypatch.setattr("sync.pull.FEED_LIMIT", 97)  # many small pages, applied in chunks by the appliers
    slow = stations("Slow", "organiser", [ev], on=hub)
    assert slow.sync().ok
    fast_rows, slow_rows = ledger_rows(fast.ledger), ledger_rows(slow.ledger)
    for table in fast_rows:
        assert len(fast_rows[table]) == len(slow_rows[table]), table
        assert fast_rows[table] == slow_rows[table], table
    assert count(fast.ledger, Ticket) == 1203 + 15 and count(fast.ledger, CheckIn) == 34
    assert fast.sync().ok and ledger_rows(fast.ledger) == fast_rows  # a later (incremental) pull: nothing new


def _consistent(ledger, hub, ev) -> None:
    """Foreign keys hold, and everything up to the stored cursor is in the ledger."""
    with ledger.uow() as uow:
        assert list(uow.session.execute(text("PRAGMA foreign_key_check"))) == []
        cursor = state.cursor(uow.session, ev)
        tickets = set(uow.session.scalars(select(Ticket.ticket_number)))
    seq = int(cursor.partition(".")[0][1:]) if cursor else 0
    with hub.ledger.uow() as uow:
        upto = set(uow.session.scalars(select(HubChange.key).where(HubChange.seq <= seq, HubChange.type == "ticket")))
    assert upto <= tickets


def test_an_aborted_first_pull_leaves_a_consistent_ledger_that_resumes(hub, stations, monkeypatch):
    ev = _venue(hub)
    reference = stations("Ref", "organiser", [ev], on=hub)
    assert reference.sync().ok
    monkeypatch.setattr("sync.pull.FEED_LIMIT", 300)
    calls = {"n": 0}
    real = bulk_apply.BulkWriter.write_tickets

    def dies_on_third(self, session, rows, now=None):
        calls["n"] += 1
        if calls["n"] == 3:
            real(self, session, rows[:len(rows) // 2], now)  # half the page written, then the process "dies"
            raise RuntimeError("killed mid-page")
        return real(self, session, rows, now)
    monkeypatch.setattr(bulk_apply.BulkWriter, "write_tickets", dies_on_third)
    a = stations("A", "organiser", [ev], on=hub)
    report = a.sync()
    assert not report.ok and "killed mid-page" in report.error
    _consistent(a.ledger, hub, ev)
    with a.ledger.uow() as uow:
        assert state.cursor(uow.session, ev) is not None  # the pages before the failing one are kept
    assert 0 < count(a.ledger, Ticket) < 1203
    monkeypatch.setattr(bulk_apply.BulkWriter, "write_tickets", real)
    assert a.sync().ok
    _consistent(a.ledger, hub, ev)
    assert ledger_rows(a.ledger) == ledger_rows(reference.ledger)


def test_a_pull_from_scratch_keeps_pending_local_changes(hub, stations):
    """After a hub reset the cursors are cleared: the first-pull path must not overwrite an order with a
    pending local change (core.outbox.pending_keys), as the appliers don't."""
    ev = _venue(hub)
    a = stations("A", "organiser", [ev], on=hub)
    assert a.sync().ok
    with a.ledger.uow() as uow:
        number = uow.session.scalar(select(Order.order_number).where(Order.status == "PAID").limit(1))
        update_order(uow.session, ev, number, fields=["archived"], archived=True)
        state.clear_cursors(uow.session)
        uow.commit()
    result = Puller(a.ledger, a.api, [ev]).pull_changes()  # the pull alone: the change is still pending
    assert result.counts["tickets"] == 1203 + 15
    with a.ledger.uow() as uow:
        assert uow.session.get(Order, number).archived is True
        assert state.cursor(uow.session, ev) is not None


def test_a_feed_page_whose_keep_alive_connection_was_closed_is_asked_again(hub, stations):
    ev = _venue(hub)
    a = stations("A", "door", [ev], on=hub)

    def closed(request):
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
    a.faults.add("GET", "/tessera/v1/changes", closed)
    report = a.sync()
    assert report.ok, report.error
    assert count(a.ledger, Ticket) == 1203 + 15
