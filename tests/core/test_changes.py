"""core.changes: the typed change set, the recorder on the unit of work, outbox vs hub mode."""
from __future__ import annotations

from sqlalchemy import func, select

from core import events
from core.changes import Changes, note
from core.db import Ledger
from core.models import OutboxEntry


def _ledger(tmp_path):
    return Ledger.open(tmp_path / "ledger.db")


def test_union_and_truth():
    a = Changes(orders=frozenset({"1"}))
    b = Changes(tickets=frozenset({"T"}), outbox=True)
    both = a | b
    assert both.orders == {"1"} and both.tickets == {"T"} and both.outbox
    assert not Changes() and both
    assert both.kinds() == {"orders", "tickets", "outbox"}
    assert Changes.everything().kinds() >= {"events", "orders", "checkins", "sync"}


def test_station_uow_writes_outbox_and_reports_changes(tmp_path):
    ledger = _ledger(tmp_path)
    with ledger.uow() as uow:
        ev = events.create_event(uow.session, title="Night", time_zone="Europe/Berlin", currency="EUR")
        uow.commit()
    assert ev.id in uow.changes.events and uow.changes.outbox
    with ledger.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(OutboxEntry)) == 1


def test_hub_uow_writes_no_outbox_but_reports_changes(tmp_path):
    ledger = _ledger(tmp_path)
    with ledger.uow(outbox=False) as uow:
        ev = events.create_event(uow.session, title="Night", time_zone="Europe/Berlin", currency="EUR")
        uow.commit()
    assert ev.id in uow.changes.events and not uow.changes.outbox
    with ledger.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(OutboxEntry)) == 0


def test_rolled_back_changes_are_not_reported(tmp_path):
    ledger = _ledger(tmp_path)
    with ledger.uow() as uow:
        note(uow.session, orders=["42"])
    assert not uow.changes
