"""Schema revisions of a ledger: recognising a ledger file, and upgrading it atomically (issue 11, item 1).

- `inspect_sqlite_file(path)` reads a file before anything writes to it: a new/empty file, a Tessera ledger at a
  known revision, or a refusal (`LedgerFileError`) for a foreign SQLite file, a newer Tessera's ledger or a
  damaged file, which stay byte-identical.
- `upgrade_sqlite(path)` / `upgrade_engine(engine)` run every pending Alembic migration in ONE transaction, so a
  kill at any moment leaves the previous schema or the new one (SQLite and PostgreSQL have transactional DDL).
  On SQLite, table rebuilds follow SQLite's documented procedure (https://sqlite.org/lang_altertable.html,
  "Making Other Kinds Of Table Schema Changes"): foreign keys off outside the transaction, rebuild,
  `PRAGMA foreign_key_check`, commit, foreign keys on again.
- `head_revision()` is parsed from the migration files (no Alembic import), so opening a ledger that is
  already at head costs one small query instead of the Alembic check (~140 ms).
"""
from __future__ import annotations

import logging
import re
import sqlite3
from collections import Counter
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url as parse_url
from sqlalchemy.pool import NullPool

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_MAGIC = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite 3 database file
TMP_PREFIX = "_alembic_tmp_"           # Alembic batch mode's rebuild table (left over by a crashed old upgrade)
PG_LOCK_KEY = 0x7E55E7A                # advisory lock: one hub process migrates at a time
# Tables of the first schema: a file holding only these (empty), without alembic_version, is a first open that
# an older Tessera left half done (it created tables one by one); anything else without alembic_version is foreign.
FIRST_TABLES = frozenset({"checkins", "events", "outbox", "sync_state", "orders", "ticket_definitions",
                          "payments", "tickets"})
_REV = re.compile(r"^(down_)?revision\s*(?::[^=]*)?=\s*(?:['\"]([^'\"]*)['\"]|None)", re.M)


class LedgerFileError(ValueError):
    """The file given as a ledger is not one (another application's SQLite file, a newer Tessera's schema) or
    is damaged. The file was left untouched. str(error) is the message for the user."""


@lru_cache(maxsize=1)
def revisions() -> dict[str, str | None]:
    """{revision: down_revision} of the migration files, read as text (Alembic itself is not imported)."""
    found: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        values = {m.group(1) or "": m.group(2) for m in _REV.finditer(path.read_text(encoding="utf-8"))}
        if "" in values:
            found[values[""]] = values.get("down_") or None
    return found


def head_revision() -> str:
    """The newest revision (the one no other revision names as its parent); the history is linear."""
    revs = revisions()
    heads = set(revs) - set(revs.values())
    if len(heads) != 1:
        raise RuntimeError(f"migration history must have one head, found {sorted(heads)}")
    return heads.pop()


def sqlite_file(url: str) -> Path | None:
    """The file behind a sqlite URL, or None (another database, or an in-memory SQLite)."""
    parsed = parse_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def inspect_sqlite_file(path: Path) -> str | None:
    """The schema revision stored in the ledger file at `path`, or None for a file to create a ledger in
    (missing, empty, an SQLite file without tables, or a first open an older Tessera left half done).

    Only reads. Raises LedgerFileError for a damaged file, a foreign SQLite file, or an unknown revision."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    with path.open("rb") as fh:
        if fh.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise LedgerFileError(f"{path} is not a Tessera ledger: damaged, or not a database at all (no SQLite "
                                  "header); it was left untouched — give another --db, or restore it from a backup")
    try:
        conn = sqlite3.connect(str(path), timeout=10, isolation_level=None)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            rev = (conn.execute("SELECT version_num FROM alembic_version").fetchone()
                   if "alembic_version" in tables else None)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise LedgerFileError(f"ledger {path} is damaged (SQLite: {exc}); it was left untouched — restore it "
                              "from a backup") from exc
    return _classify(path, tables, rev[0] if rev else None)


def _classify(path: Path, tables: set[str], rev: str | None) -> str | None:
    if "alembic_version" in tables:
        if rev is None or rev not in revisions():
            raise LedgerFileError(f"{path} has schema revision {rev!r}, unknown to this Tessera: a newer "
                                  "Tessera's ledger or another application's database; it was left untouched")
        return rev
    user_tables = {t for t in tables if not t.startswith(("sqlite_", TMP_PREFIX))}
    if user_tables <= FIRST_TABLES:
        return None
    raise LedgerFileError(f"{path} is not a Tessera ledger (it holds other tables: "
                          f"{', '.join(sorted(user_tables - FIRST_TABLES)[:5])}); it was left untouched")


def stored_revision(conn: Connection) -> str | None:
    """The revision in alembic_version on `conn` (any database), or None when the table is missing."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade_sqlite(path: Path, target: str = "head") -> None:
    """Bring the SQLite ledger file at `path` to `target` (tests build older ledgers) in one transaction
    (see the module docstring).

    Raises LedgerFileError when the upgraded data would break a foreign key (nothing is changed then)."""
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool, connect_args={"timeout": 30})
    event.listen(engine, "connect", _migration_pragmas)
    # pysqlite would run DDL outside any transaction; BEGIN IMMEDIATE takes the write lock for all of it.
    event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
    try:
        with engine.begin() as conn:
            _drop_leftovers(conn)
            before = _broken_keys(conn)
            _run_alembic(conn, target)
            broken = _broken_keys(conn) - before  # only what the upgrade broke: old damage is not ours to refuse
            if broken:
                raise LedgerFileError(f"{path}: upgrading would break foreign keys ({sum(broken.values())} "
                                      f"row(s), table -> parent: {sorted(broken)[:3]}); the ledger was left as it was")
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
    finally:
        engine.dispose()


def _broken_keys(conn: Connection) -> Counter:
    """Rows whose foreign key has no parent, counted per (table, parent table) (`PRAGMA foreign_key_check`)."""
    return Counter((row[0], row[2]) for row in conn.exec_driver_sql("PRAGMA foreign_key_check"))


def _migration_pragmas(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # we BEGIN ourselves (the "begin" listener): DDL joins the transaction
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # outside any transaction, as SQLite requires
    cur.execute("PRAGMA foreign_keys=OFF")  # step 1 of SQLite's procedure: a no-op inside a transaction
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def upgrade_engine(engine: Engine, target: str = "head") -> None:
    """Bring the database behind `engine` (PostgreSQL, or an in-memory SQLite) to `target` in one transaction."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})
        _run_alembic(conn, target)


def _drop_leftovers(conn: Connection) -> None:
    """Inside the upgrade transaction: remove what a crashed older Tessera left — an `_alembic_tmp_X` rebuild
    table (renamed back to X when X itself is gone), or the empty tables of a half-done first open."""
    names = set(inspect(conn).get_table_names())
    for tmp in sorted(n for n in names if n.startswith(TMP_PREFIX)):
        original = tmp[len(TMP_PREFIX):]
        if original in names:
            logger.warning("dropping %s left by an interrupted upgrade", tmp)
            conn.exec_driver_sql(f'DROP TABLE "{tmp}"')
        else:
            logger.warning("restoring %s from %s left by an interrupted upgrade", original, tmp)
            conn.exec_driver_sql(f'ALTER TABLE "{tmp}" RENAME TO "{original}"')
    if "alembic_version" not in names:
        for table in sorted(names & FIRST_TABLES):
            if conn.exec_driver_sql(f'SELECT 1 FROM "{table}" LIMIT 1').first() is not None:
                raise LedgerFileError(f"{conn.engine.url.database}: table {table} holds rows but the file has "
                                      "no schema revision; it was left untouched")
            conn.exec_driver_sql(f'DROP TABLE "{table}"')


def _run_alembic(conn: Connection, target: str) -> None:
    # Alembic is imported here, not at module level: a ledger already at head never needs it (start-up time).
    from alembic import command
    from alembic.config import Config

    before = stored_revision(conn)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, target)
    logger.info("ledger schema %s -> %s", before or "(new)", target)
