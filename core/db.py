"""Opening a ledger: engine with SQLite pragmas (WAL, foreign keys, busy timeout), safe migrations
(core.schema), and the UnitOfWork that gives each use case exactly one transaction (case BC-19, BC-21)."""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Callable

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from core import schema
from core.schema import LedgerFileError  # noqa: F401  (re-exported: callers catch it from core.db)
from core.changes import Changes, install, recorder
from core.textsearch_fold import install as install_fold
from core.textsearch_index import keep_index

logger = logging.getLogger(__name__)

MIGRATIONS = schema.MIGRATIONS


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # WAL lets the sync thread write while the door reads; busy_timeout waits instead of raising
    # "database is locked" (case BC-21); NORMAL is durable across process kills in WAL mode.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA cache_size=-32768")  # up to 32 MiB of pages (default 2 MiB): a 1M-ticket search 20-30 % faster
    cur.close()
    # Guest search compares folded text: 'orsted' must find 'Ørsted' (core.textsearch_fold: tessera_fold).
    install_fold(dbapi_conn)


def _postgres_settings(dbapi_conn, _record) -> None:
    # The durability SQLite's WAL + synchronous=NORMAL gives (above): a commit survives a killed process, an
    # OS crash or power cut may lose the last few and the data stays consistent (a station whose feed cursor
    # names a lost row pulls again and re-sends, issue 8 item 11). Without it every commit waits for a WAL
    # flush (a third of a hub CheckIn, issue 11). No pre-ping either (a round trip per checkout): a connection broken by a PostgreSQL restart
    # fails one call with 503 UNAVAILABLE (sync.hub.runner) and is replaced.
    cur = dbapi_conn.cursor()
    cur.execute("SET synchronous_commit TO off")
    cur.close()
    dbapi_conn.commit()


def make_url(path_or_url: str | Path) -> str:
    """A SQLAlchemy URL for a file path (SQLite) or pass a full URL (postgresql://… → psycopg 3) through."""
    text = str(path_or_url)
    if "://" not in text:
        Path(text).expanduser().parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        return f"sqlite:///{Path(text).expanduser()}"
    if text.startswith("postgresql://") or text.startswith("postgres://"):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    return text


def create_private(path: Path) -> None:
    """Create `path` empty with mode 0600 if it does not exist (issue 11: ledgers and hub databases hold guest
    names and e-mails; they were created 0644). SQLite gives its -wal and -shm files the database file's mode.
    An existing file keeps its mode; a new folder made by make_url is 0700."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return


def create_ledger_engine(path_or_url: str | Path, migrate: bool = True) -> Engine:
    """Open (and by default migrate to the newest schema) the ledger at a file path or database URL.

    A SQLite file is read first and refused untouched when it is not a ledger (core.schema). Opening a ledger
    already at the newest revision skips Alembic; an upgrade (or a new ledger's creation) is one transaction.
    Raises core.schema.LedgerFileError (a ValueError) for a foreign, newer or damaged file, and
    sqlalchemy.exc.OperationalError when the file cannot be opened or written (e.g. a full disk)."""
    url = make_url(path_or_url)
    path = schema.sqlite_file(url)
    if path is not None:
        create_private(path)
        stored = schema.inspect_sqlite_file(path)
        if migrate and stored != schema.head_revision():
            schema.upgrade_sqlite(path)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 10, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        keep_index(engine)  # guest search index: queued rows indexed before each commit (core.textsearch_index)
    else:
        engine = create_engine(url, pool_size=10, max_overflow=20, pool_recycle=1800)
        event.listen(engine, "connect", _postgres_settings)
    if migrate and path is None:
        with engine.connect() as conn:
            current = schema.stored_revision(conn) == schema.head_revision()
        if not current:
            schema.upgrade_engine(engine)
    return engine


def upgrade(engine: Engine) -> None:
    """Run the pending migrations on `engine` in one transaction (idempotent); for a SQLite file prefer
    create_ledger_engine, which also handles foreign keys during table rebuilds."""
    path = schema.sqlite_file(engine.url.render_as_string(hide_password=False))
    if path is not None:
        schema.upgrade_sqlite(path)
    else:
        schema.upgrade_engine(engine)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A sessionmaker bound to `engine`; objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


class UnitOfWork:
    """One use case = one transaction. `with UnitOfWork(factory) as uow: ...; uow.commit()`.
    Leaving the block without commit (or by an exception) rolls everything back, so a check-in that fails
    mid-way leaves nothing stored (case BC-19).

    `outbox=True` (a station): changes the centre must learn of become outbox rows in the same transaction.
    `outbox=False` (the hub): no outbox rows; the hub turns `changes` into its change feed.
    After the block, `changes` (core.changes.Changes) says what the use case changed: the GUI refreshes just
    those views. It is empty when nothing was committed."""

    def __init__(self, factory: Callable[[], Session], *, outbox: bool = True):
        self._factory = factory
        self._outbox = outbox
        self.session: Session | None = None
        self.changes: Changes = Changes()
        self._committed = Changes()

    def __enter__(self) -> "UnitOfWork":
        self.session = self._factory()
        install(self.session, outbox=self._outbox)
        self.changes = Changes()
        self._committed = Changes()
        return self

    def __exit__(self, *exc) -> None:
        assert self.session is not None
        try:
            self.session.rollback()
        finally:
            self.changes = self._committed
            self.session.close()

    def commit(self) -> None:
        """Commit the transaction; what it changed joins `changes`."""
        assert self.session is not None
        self.session.commit()
        rec = recorder(self.session)
        self._committed = self._committed | rec.changes
        self.changes = self._committed
        rec.changes = Changes()


class Ledger:
    """A station's (or the hub's) database: the engine plus its session factory.

    Build with Ledger.open(path_or_url). `ledger.uow()` returns a fresh UnitOfWork."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.sessions = session_factory(engine)

    @classmethod
    def open(cls, path_or_url: str | Path, migrate: bool = True) -> "Ledger":
        return cls(create_ledger_engine(path_or_url, migrate=migrate))

    def uow(self, *, outbox: bool = True) -> UnitOfWork:
        """A fresh UnitOfWork on this ledger (outbox=False on the hub, see UnitOfWork)."""
        return UnitOfWork(self.sessions, outbox=outbox)

    def close(self) -> None:
        self.engine.dispose()
