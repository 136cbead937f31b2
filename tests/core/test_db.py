"""core.db: migrations match the models, pragmas are set, the UnitOfWork rolls back unless committed."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from core import schema
from core.db import Ledger
from core.models import Base, SyncState
from core.textsearch import is_index_table


def test_migrated_schema_matches_the_models(ledger):
    with ledger.engine.connect() as conn:
        models_only = {"include_name": lambda name, type_, _p: not (type_ == "table" and is_index_table(name))}
        diff = compare_metadata(MigrationContext.configure(conn, opts=models_only), Base.metadata)
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
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == schema.head_revision()
    led.close()


def test_unit_of_work_rolls_back_unless_committed(ledger):
    with ledger.uow() as uow:
        uow.session.add(SyncState(key="a", value={"x": 1}))
    with ledger.uow() as uow:
        uow.session.add(SyncState(key="b", value={"x": 2}))
        uow.commit()
    with ledger.sessions() as s:
        assert list(s.scalars(select(SyncState.key))) == ["b"]


def test_unicode_fold_function_is_registered(ledger):
    with ledger.engine.connect() as conn:
        assert conn.execute(text("SELECT tessera_fold('ŁUCJA Ørsted')")).scalar() == "lucja orsted"
