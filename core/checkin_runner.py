"""Which runner of core.checkin_store a session's transaction writes check-in rows through, and PostgreSQL's.

`session_runner(session)`: RawRunner on SQLite's DB-API cursor (the door's hot path), PgRunner on PostgreSQL
(the hub), CoreRunner on any other dialect; outbox rows and change notes follow the session either way.

PgRunner (issue 11, the hub's CheckIn under load): SQLAlchemy's execution costs ~140 µs of Python a statement
where psycopg's own cursor costs ~35 µs, and every round trip wakes both processes. So the lookup of a call's
tickets and the CHECK_IN insert run on psycopg's cursor with the statements SQLAlchemy compiled (same SQL, same
conversions as CoreRunner), and the tickets' advisory locks travel in the lookup's round trip (psycopg pipeline
mode: BEGIN, the locks, the lookup and one Sync; the server still runs them in order, so the lookup's snapshot
is taken after the locks are held and sees every row a writer that held them before committed).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterable, Iterator

from sqlalchemy import bindparam, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core import checkin_store as store
from core.changes import note, note_outbox_kind, writes_outbox
from core.models import CheckIn, Ticket

# Transaction-scoped advisory locks on text keys, taken in sorted order in one statement (two writers of
# overlapping keys never deadlock). PostgreSQL writers of the same tickets / orders / events serialise on them:
# the hub's Call.lock and PgRunner's lookup.
ADVISORY_LOCKS = text("SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) "
                      "FROM (SELECT unnest(CAST(:keys AS text[])) AS k ORDER BY 1) AS sorted_keys")


def ticket_lock_keys(ticket_numbers: Iterable[str]) -> list[str]:
    """The advisory lock keys of tickets (every writer of a ticket's check-in log takes these), sorted."""
    return sorted({"ticket:" + n for n in ticket_numbers})


class PgStatements:
    """PgRunner's statements for one PostgreSQL dialect: the locks, the lookup of n tickets with the answer's
    columns (one statement per n, `IN` of n parameters: PostgreSQL plans `= ANY(array)` as a list of unknown
    length and spent twice the CPU on it), the insert returning the row id."""

    def __init__(self, dialect):
        self.dialect = dialect
        self.locks = str(ADVISORY_LOCKS.compile(dialect=dialect))
        self._lookups: dict[int, store.Prepared] = {}
        self.result_procs = [c.type.dialect_impl(dialect).result_processor(dialect, None)
                             for c in (*store.LOOKUP_COLUMNS, *store.ANSWER_COLUMNS)]
        table = CheckIn.__table__
        self.insert_checkin = store.Prepared(store._insert(table, store.CHECKIN_COLUMNS).returning(table.c.id),
                                              self.dialect)

    def lookup(self, n: int) -> store.Prepared:
        """The lookup of `n` tickets (parameters t0 … t{n-1}), FOR UPDATE of the tickets."""
        if n not in self._lookups:
            params = [bindparam(f"t{i}", type_=Ticket.ticket_number.type) for i in range(n)]
            q = (store.statements(self.dialect).joined.add_columns(*store.ANSWER_COLUMNS)
                 .where(Ticket.ticket_number.in_(params)).with_for_update(of=Ticket))
            self._lookups[n] = store.Prepared(q, self.dialect)
        return self._lookups[n]


_PG: dict[tuple, PgStatements] = {}


def pg_statements(dialect) -> PgStatements:
    """The PgStatements of `dialect` (built once per dialect class and paramstyle)."""
    key = (type(dialect), dialect.paramstyle)
    if key not in _PG:
        _PG[key] = PgStatements(dialect)
    return _PG[key]


class PgRunner(store.CoreRunner):
    """CoreRunner whose lookup of many tickets and CHECK_IN insert run on psycopg's cursor (module docstring);
    `lock_keys` (ticket_lock_keys) are taken in the lookup's round trip. Other statements (a re-flagged
    status, an outbox row) go through SQLAlchemy as in CoreRunner."""

    def __init__(self, connection, lock_keys: Iterable[str] = ()):
        super().__init__(connection, store.statements(connection.dialect))
        self.pg = pg_statements(connection.dialect)
        self.dbapi = connection.connection.dbapi_connection
        self.lock_keys = sorted(set(lock_keys))

    def lookup_many(self, ticket_numbers: list[str]) -> dict[str, store.TicketView]:
        """As CoreRunner.lookup_many (views with `answer`), after taking `lock_keys`, in one round trip."""
        numbers = list(dict.fromkeys(ticket_numbers))
        lookup = self.pg.lookup(len(numbers))
        params = lookup.params({f"t{i}": n for i, n in enumerate(numbers)})
        with self.dbapi.cursor() as locks, self.dbapi.cursor() as cur:
            if self.lock_keys:
                with self.dbapi.pipeline():  # BEGIN + locks + lookup + Sync: one round trip
                    locks.execute(self.pg.locks, {"keys": self.lock_keys})
                    cur.execute(lookup.sql, params)
            else:
                cur.execute(lookup.sql, params)
            procs = self.pg.result_procs
            grouped: dict[str, list] = {}
            for r in cur.fetchall():
                grouped.setdefault(r[0], []).append([p(v) if p else v for p, v in zip(procs, r)])
        return {tn: self._keep(store._with_answer(store._view(rows), rows[0])) for tn, rows in grouped.items()}

    def insert_checkin(self, values: dict[str, Any]) -> int:
        """INSERT one checkins row on psycopg's cursor; returns its id (RETURNING)."""
        with self.dbapi.cursor() as cur:
            cur.execute(self.pg.insert_checkin.sql, self.pg.insert_checkin.params(values))
            return cur.fetchone()[0]


class _SessionOutbox:
    """A runner whose outbox rows follow the session's unit of work (core.changes): the change is noted, and
    the outbox row written only where the unit of work writes them (a station; never the hub)."""

    def __init__(self, runner: store.RawRunner, session: Session):
        self.runner, self.session = runner, session

    def __getattr__(self, name: str):
        return getattr(self.runner, name)

    def insert_outbox(self, values: dict[str, Any]) -> None:
        note_outbox_kind(self.session, values["kind"], values["entity_key"])
        if writes_outbox(self.session):
            note(self.session, outbox=True)
            self.runner.insert_outbox(values)


@contextmanager
def session_runner(session: Session, lock_keys: Iterable[str] = ()) -> Iterator[store.RawRunner]:
    """The prepared statements inside `session`'s transaction (pending ORM changes flushed first): RawRunner
    on SQLite's DB-API cursor, PgRunner on PostgreSQL (taking `lock_keys` with its lookup; SQLite's writers
    are serialised and take none), CoreRunner on other dialects. Outbox rows and change notes follow the
    session (as SessionSink). Rows written this way bypass the session's identity map: re-read what you
    render. Database errors raise as on every other path (sqlalchemy.exc.DBAPIError subclasses such as
    OperationalError: a full disk, a read-only file, a lost connection)."""
    session.flush()
    conn = session.connection()
    dbapi_error = conn.dialect.loaded_dbapi.Error
    if conn.dialect.name == "postgresql":
        runner, cursor = PgRunner(conn, lock_keys), None
    elif conn.dialect.name in store.FAST_DIALECTS:
        cursor = conn.connection.cursor()
        runner = store.RawRunner(cursor, store.statements(conn.dialect))
    else:
        runner, cursor = store.CoreRunner(conn, store.statements(conn.dialect)), None
    try:
        yield _SessionOutbox(runner, session)
    except dbapi_error as exc:  # a raw cursor's error as SQLAlchemy raises it
        raise DBAPIError.instance(None, None, exc, dbapi_error) from exc
    finally:
        if cursor is not None:
            cursor.close()
