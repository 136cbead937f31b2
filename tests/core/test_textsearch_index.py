"""core.textsearch_index (issue 11 item 4): the triggers queue changed rows, catch_up indexes them folded in
set statements (also on a connection core.db did not open), keep_index runs it before every commit of a
ledger engine (a raw executemany bulk insert too), and rebuild indexes every row again (migration 0110)."""
from __future__ import annotations

import sqlite3

from sqlalchemy import text

from core.textsearch_index import catch_up, leave_queued, rebuild
from tests.core.checkin_data import add_definition, add_event, add_order


def _count(session, table: str) -> int:
    return session.execute(text(f"SELECT count(*) FROM {table}")).scalar()


def test_commit_indexes_what_the_triggers_queued(ledger):
    with ledger.uow() as uow:
        ev = add_event(uow.session)
        std = add_definition(uow.session, ev, "Standing", 1500)
        add_order(uow.session, ev, "Q-0001-", tickets=3, definition=std, first="Hans", last="Weiß")
        uow.session.flush()
        assert _count(uow.session, "ticket_search_queue") == 3 and _count(uow.session, "ticket_search") == 0
        uow.commit()
    with ledger.sessions() as session:
        assert _count(session, "ticket_search_queue") == 0 and _count(session, "order_search_queue") == 0
        assert _count(session, "ticket_search") == 3 and _count(session, "order_search") == 1
        names = session.execute(text("SELECT DISTINCT last_name FROM ticket_search")).scalars().all()
        assert names == ["weiss"]  # folded (core.textsearch_fold)


def test_raw_bulk_insert_is_indexed_at_commit(ledger):
    with ledger.uow() as uow:
        ev = add_event(uow.session)
        std = add_definition(uow.session, ev, "Standing", 1500)
        add_order(uow.session, ev, "Q-0002-", tickets=1, definition=std)
        uow.commit()
    with ledger.engine.begin() as conn:
        raw = conn.connection.driver_connection
        raw.executemany("UPDATE tickets SET guest_last_name = ? WHERE ticket_number = ?", [("Okafor", "Q-0002-021")])
    with ledger.sessions() as session:
        name = session.execute(text("SELECT guest_last_name FROM ticket_search")).scalar()
        assert name == "okafor" and _count(session, "ticket_search_queue") == 0


def test_catch_up_without_the_index_does_nothing():
    con = sqlite3.connect(":memory:")
    assert catch_up(con) == 0


def test_catch_up_folds_on_a_plain_sqlite3_connection(ledger):
    """A connection without core.db's functions (a migration's) still indexes: catch_up installs the fold."""
    with ledger.uow() as uow:
        ev = add_event(uow.session)
        std = add_definition(uow.session, ev, "Standing", 1500)
        add_order(uow.session, ev, "Q-0005-", tickets=1, definition=std, first="Jürgen", last="Łukasz")
        leave_queued(uow.session.connection())
        uow.commit()
    con = sqlite3.connect(ledger.engine.url.database)
    try:
        assert catch_up(con) == 2  # the ticket and its order
        con.commit()
        assert con.execute("SELECT first_name, last_name FROM ticket_search").fetchone() == ("jurgen", "lukasz")
    finally:
        con.close()


def test_rebuild_indexes_every_row_again(ledger):
    with ledger.uow() as uow:
        ev = add_event(uow.session)
        std = add_definition(uow.session, ev, "Standing", 1500)
        add_order(uow.session, ev, "Q-0006-", tickets=2, definition=std, first="José", last="Müller")
        uow.commit()
    with ledger.engine.begin() as conn:
        raw = conn.connection.driver_connection
        raw.execute("UPDATE ticket_search SET last_name = 'Müller'")  # as an index written before the fold
        assert rebuild(raw) == 3
    with ledger.sessions() as session:
        assert _count(session, "ticket_search") == 2 and _count(session, "order_search") == 1
        names = session.execute(text("SELECT DISTINCT first_name || ' ' || last_name FROM ticket_search"))
        assert names.scalars().all() == ["jose muller"]
    assert rebuild(sqlite3.connect(":memory:")) == 0


def test_leave_queued_marks_one_transaction(ledger):
    """A marked transaction commits with its rows queued; a rolled-back mark does not reach the next one;
    the next unmarked commit indexes everything queued (issue 11: the first pull indexes once)."""
    with ledger.uow() as uow:
        ev = add_event(uow.session)
        std = add_definition(uow.session, ev, "Standing", 1500)
        add_order(uow.session, ev, "Q-0003-", tickets=2, definition=std)
        leave_queued(uow.session.connection())
        uow.commit()
    with ledger.sessions() as session:
        assert _count(session, "ticket_search_queue") == 2 and _count(session, "ticket_search") == 0
    with ledger.uow() as uow:
        leave_queued(uow.session.connection())  # rolled back: the mark goes with it
    with ledger.uow() as uow:
        add_order(uow.session, ev, "Q-0004-", tickets=1, definition=std)
        uow.commit()
    with ledger.sessions() as session:
        assert _count(session, "ticket_search_queue") == 0 and _count(session, "ticket_search") == 3
