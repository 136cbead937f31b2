"""core.schema / core.db: every earlier revision upgrades to head with its rows intact; upgrades and the first open
are atomic; leftovers of crashed older upgrades recover; foreign and damaged files are refused untouched.
The PostgreSQL runs need TESSERA_TEST_PG_URL (skipped otherwise); each uses a throw-away schema."""
from __future__ import annotations

import os
import sqlite3
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url as parse_url

from core import schema
from core.db import Ledger, LedgerFileError, create_ledger_engine, make_url
from core.models import Base
from core.textsearch import is_index_table
from tests.core.migration_data import populate, snapshot

HEAD = schema.head_revision()
EARLIER = [rev for rev in schema.revisions() if rev != HEAD]
PG_URL = os.environ.get("TESSERA_TEST_PG_URL") or None


def _sql(path, *statements) -> list:
    """Run `statements` on the SQLite file at `path` in one transaction; the last one's rows."""
    conn = sqlite3.connect(path)  # closed explicitly: `with sqlite3.connect()` only commits
    try:
        with conn:
            rows = [conn.execute(statement).fetchall() for statement in statements]
        return rows[-1] if rows else []
    finally:
        conn.close()


@pytest.fixture
def crash_before_commit(monkeypatch):
    """Call it to arm: the next upgrade runs every migration, then dies before COMMIT (a power cut at the worst
    moment). Returns the monkeypatch (`.undo()` disarms)."""
    real = schema._run_alembic

    def run_then_crash(conn, target):
        real(conn, target)
        raise RuntimeError("power cut")

    def arm():
        monkeypatch.setattr(schema, "_run_alembic", run_then_crash)
        return monkeypatch

    return arm


def test_head_and_history_match_alembic():
    cfg = Config()
    cfg.set_main_option("script_location", str(schema.MIGRATIONS))
    script = ScriptDirectory.from_config(cfg)
    assert script.get_heads() == [HEAD]
    assert {r.revision: r.down_revision for r in script.walk_revisions()} == schema.revisions()


def sqlite_at(path, revision: str):
    """An SQLite ledger file at `revision`, populated with plain SQL; returns its snapshot."""
    schema.upgrade_sqlite(path, revision)
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        populate(conn)
    with engine.connect() as conn:
        before = snapshot(conn)
    engine.dispose()
    return before


def _models_only(name, type_, _parents) -> bool:
    return not (type_ == "table" and is_index_table(name))


def compare(conn) -> list:
    """Differences between the database and core.models, the search indexes of migration 0101 left out."""
    return compare_metadata(MigrationContext.configure(conn, opts={"include_name": _models_only}), Base.metadata)


def assert_at_head(engine, before):
    with engine.connect() as conn:
        assert schema.stored_revision(conn) == HEAD
        assert snapshot(conn) == before
        assert compare(conn) == []
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            assert not [n for (n,) in conn.exec_driver_sql("SELECT name FROM sqlite_master")
                        if n.startswith(schema.TMP_PREFIX)]


@pytest.mark.parametrize("revision", EARLIER)
def test_sqlite_upgrade_from_every_revision_keeps_every_row(tmp_path, revision):
    path = tmp_path / "old.db"
    before = sqlite_at(path, revision)
    assert schema.inspect_sqlite_file(path) == revision
    ledger = Ledger.open(path)  # foreign keys are ON in the ledger's own connections: the rebuild must cope
    try:
        assert_at_head(ledger.engine, before)
    finally:
        ledger.close()


@pytest.fixture
def pg_schema_url():
    """A URL whose search_path is a fresh schema on the test PostgreSQL server (dropped afterwards)."""
    if PG_URL is None:
        pytest.skip("PostgreSQL: set TESSERA_TEST_PG_URL")
    name = "migr_" + uuid.uuid4().hex[:12]
    admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    url = parse_url(make_url(PG_URL)).update_query_dict({"options": f"-csearch_path={name}"})
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    admin.dispose()


@pytest.mark.pg
@pytest.mark.parametrize("revision", EARLIER)
def test_postgresql_upgrade_from_every_revision_keeps_every_row(pg_schema_url, revision):
    engine = create_ledger_engine(pg_schema_url, migrate=False)
    schema.upgrade_engine(engine, revision)
    with engine.begin() as conn:
        populate(conn)
    with engine.connect() as conn:
        before = snapshot(conn)
    engine.dispose()
    engine = create_ledger_engine(pg_schema_url)
    try:
        assert_at_head(engine, before)
    finally:
        engine.dispose()


def test_a_failed_upgrade_leaves_the_previous_schema_and_rows(tmp_path, crash_before_commit):
    path = tmp_path / "old.db"
    before = sqlite_at(path, EARLIER[-1])
    armed = crash_before_commit()
    with pytest.raises(RuntimeError):
        Ledger.open(path)
    armed.undo()
    names = [n for (n,) in _sql(path, "SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert not [n for n in names if n.startswith(schema.TMP_PREFIX)]
    assert schema.inspect_sqlite_file(path) == EARLIER[-1]
    ledger = Ledger.open(path)
    assert_at_head(ledger.engine, before)
    ledger.close()


def test_leftover_alembic_tmp_table_of_a_crashed_old_upgrade_recovers(tmp_path):
    # What the old code left after "FOREIGN KEY constraint failed": the rebuild table, the data untouched.
    path = tmp_path / "broken.db"
    before = sqlite_at(path, "0002")
    _sql(path, "CREATE TABLE _alembic_tmp_ticket_definitions (id VARCHAR(36) NOT NULL PRIMARY KEY)")
    ledger = Ledger.open(path)
    assert_at_head(ledger.engine, before)
    ledger.close()


def test_half_done_first_open_of_an_old_version_recovers(tmp_path):
    # The old first open created tables one by one (no transaction): a kill left some, without alembic_version.
    path = tmp_path / "half.db"
    _sql(path, "CREATE TABLE checkins (id INTEGER PRIMARY KEY)", "CREATE TABLE events (id VARCHAR(36) PRIMARY KEY)")
    assert schema.inspect_sqlite_file(path) is None
    ledger = Ledger.open(path)
    with ledger.engine.connect() as conn:
        assert schema.stored_revision(conn) == HEAD
        assert compare(conn) == []
    ledger.close()


def test_tessera_tables_with_rows_but_no_revision_are_refused(tmp_path):
    path = tmp_path / "odd.db"
    _sql(path, "CREATE TABLE events (id VARCHAR(36) PRIMARY KEY)", "INSERT INTO events VALUES ('e1')")
    with pytest.raises(LedgerFileError, match="holds rows"):
        Ledger.open(path)
    assert _sql(path, "SELECT id FROM events") == [("e1",)]


def test_opening_a_ledger_at_head_skips_alembic(tmp_path, monkeypatch):
    Ledger.open(tmp_path / "l.db").close()

    def no_migration(*_args, **_kw):
        raise AssertionError("a ledger at head must not run the migration check")

    monkeypatch.setattr(schema, "upgrade_sqlite", no_migration)
    monkeypatch.setattr(schema, "upgrade_engine", no_migration)
    Ledger.open(tmp_path / "l.db").close()


def test_a_new_ledger_is_created_in_one_transaction(tmp_path, crash_before_commit):
    armed = crash_before_commit()
    with pytest.raises(RuntimeError):
        Ledger.open(tmp_path / "new.db")
    armed.undo()
    assert _sql(tmp_path / "new.db", "SELECT count(*) FROM sqlite_master") == [(0,)]
    Ledger.open(tmp_path / "new.db").close()


def _foreign(path):
    _sql(path, "CREATE TABLE photos (id INTEGER PRIMARY KEY, caption TEXT)",
         "INSERT INTO photos (caption) VALUES ('beach')")


def _random_bytes(path):
    path.write_bytes(os.urandom(8192))


def _damaged_sqlite(path):
    _foreign(path)
    data = bytearray(path.read_bytes())
    data[100:4096] = os.urandom(3996)  # header intact, schema page garbage
    path.write_bytes(bytes(data))


def _newer_ledger(path):
    Ledger.open(path).close()
    _sql(path, "UPDATE alembic_version SET version_num = '9999'")


@pytest.mark.parametrize("make, message", [
    (_foreign, "is not a Tessera ledger"),
    (_random_bytes, "not a Tessera ledger: damaged, or not a database"),
    (_damaged_sqlite, "is damaged"),
    (_newer_ledger, "unknown to this Tessera"),
])
def test_foreign_damaged_or_newer_files_are_refused_untouched(tmp_path, make, message):
    path = tmp_path / "given.db"
    make(path)
    original = path.read_bytes()
    with pytest.raises(LedgerFileError, match=message):
        Ledger.open(path)
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["given.db"]


def test_cli_says_clearly_that_a_foreign_file_is_refused(tmp_path, capsys):
    from app.cli.main import main

    path = tmp_path / "photos.db"
    _foreign(path)
    original = path.read_bytes()
    assert main(["--db", str(path), "events", "list"]) == 1
    err = capsys.readouterr().err
    assert "is not a Tessera ledger" in err and "Traceback" not in err
    assert path.read_bytes() == original
