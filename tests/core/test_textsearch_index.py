"""core.textsearch_index (issue 11 item 4): the triggers queue changed rows, catch_up indexes them in set
statements, and keep_index runs it before every commit of a ledger engine (a raw executemany bulk insert too)."""
from __future__ import annotations

import sqlite3

from sqlalchemy import text

from core.textsearch import ODD
from core.textsearch_index import catch_up, leave_queued, odd_sql
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
        odd = session.execute(text("SELECT DISTINCT odd FROM ticket_search_keys")).scalars().all()
        assert odd == ["s"]


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
        assert name == "Okafor" and _count(session, "ticket_search_queue") == 0


def test_catch_up_without_the_index_does_nothing():
    con = sqlite3.connect(":memory:")
    assert catch_up(con) == 0


def test_odd_sql_names_the_letters():
    con = sqlite3.connect(":memory:")
    sql = f"SELECT {odd_sql('t')} FROM (SELECT ? AS t)"
    assert con.execute(sql, ("Weiß ﬁne",)).fetchone()[0] == "fis"
    assert con.execute(sql, ("Plain",)).fetchone()[0] == ""


def test_odd_sql_settles_plain_ascii_with_one_glob():
    """The pre-check (any character outside printable ASCII?) never hides an ODD letter (issue 11)."""
    assert all(not (" " <= ch <= "~") for chars in ODD.values() for ch in chars)
    con = sqlite3.connect(":memory:")
    sql = f"SELECT {odd_sql('t')} FROM (SELECT ? AS t)"
    for value, letters in (("Weiß", "s"), ("ﬀ Straße", "fs"), ("İlkay", "i"), ("tab\there", ""), ("Zoë Ñúñez", ""),
                           ("日本語", ""), ("", ""), (None, ""), ("ǰ ŉ ẖ ẗ ẘ ẙ ẚ ﬂ", "afhjlntwy")):
        assert con.execute(sql, (value,)).fetchone()[0] == letters, value


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
