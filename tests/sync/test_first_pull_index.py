"""The first pull's search index (issue 11): sync.bulk_apply writes with the queueing triggers off and queues
what it wrote in set statements (core.textsearch_index.triggers_off / queue_written). The guest search index
after a first pull must equal the one the row-by-row appliers (triggers on) give, and find the same guests."""
from __future__ import annotations

from sqlalchemy import text

from core import textsearch_index
from core.textsearch_index import QUEUE_TRIGGERS
from core.tickets import list_tickets
from sync import bulk_apply
from tests.sync.test_first_pull import _venue

SEARCHES = ("Zoë0", "ñúñez", "zoë3 ÑÚÑEZ", "example", "Guest", "BULK", "021", "no-such-guest")


def _index_rows(ledger) -> dict[str, list[tuple]]:
    """The index content keyed by ticket / order number (the FTS rowids may differ), the queues, and the
    triggers present."""
    with ledger.uow() as uow:
        s = uow.session
        tickets = s.execute(text(
            "SELECT k.ticket_number, k.odd, f.guest_first_name, f.guest_last_name, f.guest_email, f.ticket_number, "
            "f.first_name, f.last_name, f.email, f.order_number FROM ticket_search_keys k "
            "JOIN ticket_search f ON f.rowid = k.id ORDER BY k.ticket_number")).all()
        orders = s.execute(text(
            "SELECT k.order_number, k.odd, f.full_name, f.email, f.order_number FROM order_search_keys k "
            "JOIN order_search f ON f.rowid = k.id ORDER BY k.order_number")).all()
        queued = s.execute(text("SELECT (SELECT count(*) FROM ticket_search_queue) "
                                "+ (SELECT count(*) FROM order_search_queue)")).scalar()
        triggers = s.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")).all()
    return {"tickets": [tuple(r) for r in tickets], "orders": [tuple(r) for r in orders], "queued": [queued],
            "triggers": [tuple(r) for r in triggers]}


def fast_orders(ledger) -> list[str]:
    with ledger.uow() as uow:
        return uow.session.execute(text("SELECT order_number FROM orders")).scalars().all()


def _found(ledger, ev) -> dict[str, list[str]]:
    with ledger.uow() as uow:
        return {q: sorted(t.ticket_number for t in list_tickets(uow.session, [ev], search=q, limit=100).items)
                for q in SEARCHES}


def test_a_first_pull_indexes_exactly_as_the_row_by_row_appliers(hub, stations, monkeypatch):
    ev = _venue(hub)
    fast = stations("Fast", "organiser", [ev], on=hub)
    calls = []
    real = bulk_apply.triggers_off

    def spy(raw):
        calls.append(1)
        return real(raw)
    monkeypatch.setattr(bulk_apply, "triggers_off", spy)
    indexed = []
    real_catch_up = textsearch_index.catch_up
    monkeypatch.setattr(textsearch_index, "catch_up", lambda *a, **k: indexed.append(real_catch_up(*a, **k)))
    monkeypatch.setattr("sync.pull.FEED_LIMIT", 300)
    assert fast.sync().ok
    assert calls  # the bulk path ran with the triggers off
    assert [n for n in indexed if n] == [1203 + 15 + len(fast_orders(fast.ledger))]  # indexed once, at the end
    monkeypatch.setattr(textsearch_index, "catch_up", real_catch_up)
    monkeypatch.setattr(bulk_apply, "supported", lambda session: False)
    monkeypatch.setattr("sync.pull.FEED_LIMIT", 97)
    slow = stations("Slow", "organiser", [ev], on=hub)
    assert slow.sync().ok
    fast_index, slow_index = _index_rows(fast.ledger), _index_rows(slow.ledger)
    assert len(fast_index["tickets"]) == 1203 + 15 and len(fast_index["orders"]) > 5
    assert fast_index == slow_index
    assert fast_index["queued"] == [0]
    assert {name for name, _sql in fast_index["triggers"]} >= set(QUEUE_TRIGGERS)
    found = _found(fast.ledger, ev)
    assert found == _found(slow.ledger, ev)
    assert len(found["Zoë0"]) == 3 and len(found["ñúñez"]) == 15 and found["no-such-guest"] == []


def test_a_failed_bulk_page_keeps_the_triggers(hub, stations, monkeypatch):
    """A page that fails after the triggers were dropped rolls back: the triggers are there afterwards."""
    ev = _venue(hub)
    a = stations("A", "organiser", [ev], on=hub)

    def boom(raw, tickets, orders):
        raise RuntimeError("killed while queueing")
    monkeypatch.setattr(bulk_apply, "queue_written", boom)
    report = a.sync()
    assert not report.ok and "killed while queueing" in report.error
    names = {name for name, _sql in _index_rows(a.ledger)["triggers"]}
    assert names >= set(QUEUE_TRIGGERS)


def test_an_aborted_first_pull_leaves_its_rows_queued_and_found(hub, stations, monkeypatch):
    """The first pull indexes once after its last page (core.textsearch_index.leave_queued): pages applied
    before an abort stay queued until the next commit (here the engine's own) indexes them; either way a
    search finds their guests."""
    ev = _venue(hub)
    monkeypatch.setattr("sync.pull.FEED_LIMIT", 300)
    real, calls = bulk_apply.BulkWriter.write_tickets, {"n": 0}

    def dies_on_third(self, session, rows, now=None):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("killed mid-pull")
        return real(self, session, rows, now)
    monkeypatch.setattr(bulk_apply.BulkWriter, "write_tickets", dies_on_third)
    a = stations("A", "organiser", [ev], on=hub)
    assert not a.sync().ok
    with a.ledger.uow() as uow:
        held = uow.session.execute(text("SELECT ticket_number FROM tickets ORDER BY ticket_number")).scalars().all()
        covered = uow.session.execute(text("SELECT count(*) FROM (SELECT ticket_number FROM ticket_search_queue "
                                           "UNION SELECT ticket_number FROM ticket_search_keys)")).scalar()
    assert 0 < covered == len(held) < 1203
    with a.ledger.uow() as uow:
        for number in held[::97]:
            found = list_tickets(uow.session, [ev], search=number[-6:], limit=100).items
            assert number in {t.ticket_number for t in found}
    monkeypatch.setattr(bulk_apply.BulkWriter, "write_tickets", real)
    assert a.sync().ok
    assert _index_rows(a.ledger)["queued"] == [0] and len(_index_rows(a.ledger)["tickets"]) == 1203 + 15
