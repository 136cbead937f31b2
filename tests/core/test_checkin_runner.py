"""core.checkin_runner: which runner a session writes check-in rows through, and PostgreSQL's PgRunner (issue 11):
the lookup on psycopg's cursor returns what CoreRunner's returns, and the tickets' advisory locks taken in the
lookup's round trip serialise two writers of one ticket (the second sees the first's row: one admission)."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from core import checkin_store as store
from core.checkin_runner import PgRunner, session_runner, ticket_lock_keys
from core.db import Ledger
from core.definitions import create_definition
from core.events import create_event
from core.models import CheckIn
from core.sales import sell
from core.tickets import check_in_rows
from core.timeutil import utcnow
from tests.sync.hub_fixtures import PgSchema, pg_url


def _seed(ledger: Ledger, tickets: int = 2) -> tuple[str, list[str]]:
    with ledger.uow() as uow:
        s = uow.session
        ev = create_event(s, title="Runner night", time_zone="Europe/Zurich", currency="EUR").id
        d = create_definition(s, ev, {"name": "Adult", "price": {"value": "12.50", "currency": "EUR"}}).id
        sale = sell(s, ev, {d: tickets}, {"firstName": "Łucja", "lastName": "Ørsted", "email": "l@example.org"},
                    payment="card", station="box")
        numbers = [t.ticket_number for t in sale.order.tickets]
        uow.commit()
    return ev, numbers


@pytest.fixture
def pg_ledger():
    if not pg_url():
        pytest.skip("PostgreSQL: set TESSERA_TEST_PG_URL")
    schema = PgSchema(pg_url())
    ledger = Ledger.open(schema.url)
    try:
        yield ledger
    finally:
        ledger.close()
        schema.drop()


def test_ticket_lock_keys_are_sorted_and_distinct():
    assert ticket_lock_keys(["B-2", "A-1", "B-2"]) == ["ticket:A-1", "ticket:B-2"]


def test_sqlite_writes_through_the_raw_cursor_and_ignores_lock_keys(tmp_path):
    ledger = Ledger.open(tmp_path / "l.db")
    try:
        ev, numbers = _seed(ledger, 1)
        with ledger.uow() as uow:
            with session_runner(uow.session, ticket_lock_keys(numbers)) as runner:
                assert isinstance(runner.runner, store.RawRunner)
                assert set(runner.lookup_many(numbers)) == set(numbers)
    finally:
        ledger.close()


def test_pg_runner_reads_what_core_runner_reads(pg_ledger):
    ev, numbers = _seed(pg_ledger)
    with pg_ledger.uow() as uow:
        check_in_rows(uow.session, ev, numbers[:1], station="Door 1", now=utcnow())
        uow.commit()
    with pg_ledger.uow() as uow:
        conn = uow.session.connection()
        core = store.CoreRunner(conn, store.statements(conn.dialect)).lookup_many(numbers)
        pg = PgRunner(conn, ticket_lock_keys(numbers)).lookup_many(numbers)
    assert pg == core and pg[numbers[0]].rows and not pg[numbers[1]].rows
    assert pg[numbers[0]].answer["guest_email"] == "l@example.org"


def test_two_writers_of_one_ticket_admit_it_once(pg_ledger):
    """The first writer holds the ticket's lock (taken with its lookup) for 0.5 s before committing; the
    second, started meanwhile, waits for it and then sees its row: it writes nothing (ONCE rule)."""
    ev, numbers = _seed(pg_ledger, 1)
    first_locked, results = threading.Event(), {}

    def write(name: str, hold: float) -> None:
        with pg_ledger.uow() as uow:
            started = time.monotonic()
            writes = check_in_rows(uow.session, ev, numbers, station=name, now=utcnow(),
                                   lock_keys=ticket_lock_keys(numbers))
            if hold:
                first_locked.set()
                time.sleep(hold)
            uow.commit()
            results[name] = (writes[0].row is not None, time.monotonic() - started)

    first = threading.Thread(target=write, args=("Door 1", 0.5))
    first.start()
    assert first_locked.wait(10)
    write("Door 2", 0)
    first.join(10)
    assert results["Door 1"][0] and not results["Door 2"][0]
    assert results["Door 2"][1] >= 0.3  # it waited for the first writer's commit
    with pg_ledger.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(CheckIn)) == 1
