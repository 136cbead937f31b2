"""Shared fixtures: a real SQLite ledger file per test, Qt offscreen."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

# Shared fixture modules: the real hub on 127.0.0.1 (SQLite and PostgreSQL), sync-engine stations, and a
# GUI station connected to a hub.
pytest_plugins = ["tests.sync.hub_fixtures", "tests.sync.engine_helpers", "tests.app.sync_helpers"]

from core.db import Ledger


@pytest.fixture
def ledger(tmp_path):
    """A freshly migrated ledger in a real SQLite file under tmp_path."""
    led = Ledger.open(tmp_path / "ledger.db")
    yield led
    led.close()


@pytest.fixture
def session(ledger):
    """A session on `ledger`; the test commits what it wants kept."""
    with ledger.sessions() as s:
        yield s
