"""A hub that went back in time (issue 8 item 11), end to end against the real hub: its database restored from
an earlier copy (the fingerprinted cursor is refused) or replaced by a new one (another hubId): the stations
notice, re-send their check-ins, pull again from scratch, and nobody is admitted twice."""
from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.checkin import Verdict, scan_and_commit
from core.checkin_merge import CHECK_IN
from core.models import CheckIn, Event, Order, Ticket, TicketDefinition
from sync import state
from sync.station import StationConfig, make_api
from tests.sync.engine_helpers import hour_ago


def _scan(st, ev, tn, when):
    return scan_and_commit(st.ledger, tn, event_ids=[ev], station=st.name, now=when).verdict


def _copy(src: str, dst: str) -> None:
    """An online copy of an SQLite file (the backup API: consistent even with WAL)."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()


def _hub_rows(hub, tn) -> int:
    with hub.ledger.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(CheckIn).where(
            CheckIn.ticket_number == tn, CheckIn.kind == CHECK_IN)) or 0


@pytest.fixture
def sqlite_hub(hub):
    if hub.backend != "sqlite":
        pytest.skip("restoring a database file is an SQLite scenario")
    return hub


def test_hub_restored_from_an_earlier_copy_stations_resend_and_nobody_is_admitted_twice(sqlite_hub, stations,
                                                                                          tmp_path):
    hub = sqlite_hub
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=10)
    t1, t2 = hub.seed_sale(ev, {d: 2})["tickets"]
    a, b = stations("A", "door", [ev], on=hub), stations("B", "door", [ev], on=hub)
    assert a.sync().ok and b.sync().ok
    db, backup = hub.ledger.engine.url.database, str(tmp_path / "hub-backup.db")
    _copy(db, backup)                                          # the nightly copy
    t = hour_ago()
    assert _scan(a, ev, t1, t) == Verdict.OK
    assert a.sync().ok and b.sync().ok and _hub_rows(hub, t1) == 1
    with b.ledger.uow() as uow:
        before = state.cursor(uow.session, ev)
    hub.ledger.engine.dispose()
    _copy(backup, db)                                          # restored: the hub forgot t1's check-in
    hub.restart()
    a.api = a.engine.api = make_api(StationConfig(url=hub.url), a.key, transport=a.faults.transport(),
                                    clock=a.device_now)
    b.api = b.engine.api = make_api(StationConfig(url=hub.url), b.key, transport=b.faults.transport(),
                                    clock=b.device_now)
    assert _hub_rows(hub, t1) == 0
    ra = a.sync()
    assert ra.ok and any("pulling everything again" in w for w in ra.warnings), ra
    assert ra.pushed >= 1 and _hub_rows(hub, t1) == 1            # A re-sent its check-in
    assert _scan(a, ev, t2, t + timedelta(minutes=1)) == Verdict.OK   # a new admission after the restore
    assert a.sync().ok
    rb = b.sync()                                              # B's cursor names a row the hub no longer has
    assert rb.ok and any("pulling everything again" in w for w in rb.warnings), rb
    with b.ledger.uow() as uow:
        assert state.cursor(uow.session, ev) != before
    assert _scan(b, ev, t2, t + timedelta(minutes=2)) == Verdict.ALREADY_CHECKED_IN
    assert _scan(b, ev, t1, t + timedelta(minutes=2)) == Verdict.ALREADY_CHECKED_IN
    assert _hub_rows(hub, t1) == 1 and _hub_rows(hub, t2) == 1  # nothing stored twice
    again = a.sync()
    assert again.ok and again.pushed == 0 and not any("again" in w for w in again.warnings)


def test_a_new_hub_database_is_noticed_by_its_identity(hub_factory, stations):
    first = hub_factory()
    ev = first.seed_event()
    d = first.seed_definition(ev, quantity=10)
    [tn] = first.seed_sale(ev, {d: 1})["tickets"]
    a = stations("A", "door", [ev], on=first)
    assert a.sync().ok
    assert _scan(a, ev, tn, hour_ago()) == Verdict.OK
    assert a.sync().ok and a.outbox("sent")
    with a.ledger.uow() as uow:
        known = state.hub_identity(uow.session)
    assert known and known[0]
    # a second hub database made since (another hubId), holding the same event and sale
    second = hub_factory()
    with first.ledger.uow() as src, second.uow() as dst:
        for model in (Event, TicketDefinition, Order, Ticket):
            for row in src.session.scalars(select(model)):
                src.session.expunge(row)
                dst.merge(row)
    key = second.add_station("A", "door")
    a.api = a.engine.api = make_api(StationConfig(url=second.url), key, transport=a.faults.transport(),
                                    clock=a.device_now)
    report = a.sync()
    assert report.ok and any("another database" in w for w in report.warnings), report
    assert _hub_rows(second, tn) == 1                           # re-sent to the new hub
    with a.ledger.uow() as uow:
        assert state.hub_identity(uow.session) != known
    assert not any("another database" in w for w in a.sync().warnings)
