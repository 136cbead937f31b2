"""core.schema helpers: revisions read from the migration files as text, and which URLs are SQLite files.
(Upgrades, refusals and kills are in test_migrations.py and test_migrations_kill.py.)"""
from pathlib import Path

import pytest

from core import schema


def test_revisions_parse_plain_and_annotated_assignments(tmp_path, monkeypatch):
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "0001_a.py").write_text('revision = "0001"\ndown_revision = None\n')
    (versions / "0002_b.py").write_text("revision: str = '0002'\ndown_revision: Union[str, None] = '0001'\n")
    monkeypatch.setattr(schema, "MIGRATIONS", tmp_path / "migrations")
    schema.revisions.cache_clear()
    try:
        assert schema.revisions() == {"0001": None, "0002": "0001"}
        assert schema.head_revision() == "0002"
        (versions / "0003_c.py").write_text('revision = "0003"\ndown_revision = "0001"\n')
        schema.revisions.cache_clear()
        with pytest.raises(RuntimeError, match="one head"):
            schema.head_revision()
    finally:
        schema.revisions.cache_clear()


@pytest.mark.parametrize("url, expected", [
    ("sqlite:////tmp/a b/l.db", Path("/tmp/a b/l.db")),
    ("sqlite:///rel.db", Path("rel.db")),
    ("sqlite://", None),
    ("sqlite:///:memory:", None),
    ("postgresql+psycopg://u:p@h/db", None),
])
def test_sqlite_file(url, expected):
    assert schema.sqlite_file(url) == expected
