"""core.db: migrations match the models, pragmas are set, the UnitOfWork rolls back unless committed."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from core.db import Ledger
from core.schema import head_revision
from core.models import Base, SyncState
from core.schema import head_revision


def test_migrated_schema_matches_the_models(ledger):
    with ledger.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_pragmas_wal_foreign_keys_busy_timeout(ledger):
    with ledger.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_reopening_a_migrated_ledger_is_idempotent(tmp_path):
    path = tmp_path / "l.db"
    Ledger.open(path).close()
    led = Ledger.open(path)
    with led.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
    led.close()


def test_unit_of_work_rolls_back_unless_committed(ledger):
    with ledger.uow() as uow:
        uow.session.add(SyncState(key="a", value={"x": 1}))
    with ledger.uow() as uow:
        uow.session.add(SyncState(key="b", value={"x": 2}))
        uow.commit()
    with ledger.sessions() as s:
        assert list(s.scalars(select(SyncState.key))) == ["b"]


def test_unicode_casefold_function_is_registered(ledger):
    with ledger.engine.connect() as conn:
        assert conn.execute(text("SELECT tessera_casefold('ŁUCJA Ørsted')")).scalar() == "łucja ørsted"
