"""Shared fixtures: a real SQLite ledger file per test, Qt offscreen; markers applied by path and fixture.

Markers (registered in pyproject.toml), set here so no test has to remember them:
- gui: everything under tests/app (pytest-qt, offscreen Qt);
- hub: tests that start a real hub (the hub fixtures, or tests/sync/test_hub_*.py);
- pg:  the PostgreSQL parameter of the hub fixtures (and tests marked pg by hand);
- slow: the modules and tests in SLOW below (measured with --durations: over ~3 s each on this machine).
The fast subset: pytest -m "not slow and not gui and not pg"."""
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

# Shared fixture modules: the real hub on 127.0.0.1 (SQLite and PostgreSQL), sync-engine stations, and a
# GUI station connected to a hub.
pytest_plugins = ["tests.sync.hub_fixtures", "tests.sync.engine_helpers", "tests.app.sync_helpers"]

from tests.ledgers import new_ledger

TESTS = Path(__file__).resolve().parent
# Whole modules (path relative to tests/) or single tests (nodeid prefix), measured slow.
SLOW = (
    "core/test_migrations_kill.py",
    "core/test_robustness.py::test_sigkill_mid_loop_leaves_every_committed_scan_and_sale_whole",
    "test_demo.py",
    "test_architecture.py",
    "core/test_checkin.py::test_bc21_scans_during_a_long_sync_transaction",
    "sync/test_hub_cli.py::test_tessera_hub_serves_in_a_real_process",
    # Multi-station sync scenarios (every test: stations + a hub + several runs) and image decoding: 1-4 s each.
    "sync/test_engine_checkins.py", "sync/test_engine_definitions.py", "sync/test_engine_events.py",
    "sync/test_engine_faults.py", "sync/test_engine_orders.py", "sync/test_engine_provisional.py",
    "sync/test_engine_pull.py", "sync/test_sync_cmd.py", "core/test_decode.py", "core/test_pdf.py",
    "sync/test_engine_refusals.py", "sync/test_engine_bounds.py", "sync/test_convergence.py",
    "sync/test_hub_revoke_cli.py", "sync/test_hub_hardening.py",
)
MARKERS = ("gui", "hub", "pg", "slow")


def _markers_for(item) -> list[str]:
    rel = Path(str(item.fspath)).resolve().relative_to(TESTS).as_posix()
    nodeid = rel + item.nodeid.partition("::")[1] + item.nodeid.partition("::")[2]
    names = []
    if rel.startswith("app/"):
        names.append("gui")
    if "hub_backend" in getattr(item, "fixturenames", ()) or Path(rel).name.startswith("test_hub_"):
        names.append("hub")
    callspec = getattr(item, "callspec", None)
    if callspec is not None and callspec.params.get("hub_backend") == "postgresql":
        names.append("pg")
    if any(nodeid == s or nodeid.startswith((s + "[", s + "::")) for s in SLOW):
        names.append("slow")
    return names


def pytest_ignore_collect(collection_path, config):
    """Do not even import tests/app (PySide6, pytest-qt: seconds) when -m deselects every gui test."""
    if collection_path == TESTS / "app" and _deselects_all_gui(config.getoption("markexpr")):
        return True
    return None


def _deselects_all_gui(markexpr: str) -> bool:
    if not markexpr:
        return False
    from itertools import product

    from _pytest.mark.expression import Expression  # pytest's own -m parser

    expr = Expression.compile(markexpr)
    others = [m for m in MARKERS if m != "gui"]
    for combo in product((False, True), repeat=len(others)):
        on = dict(zip(others, combo), gui=True)
        if expr.evaluate(lambda name, *_a, _on=on, **_kw: _on.get(name, False)):
            return False  # some gui test (with some of the other markers) would run
    return True


def pytest_collection_modifyitems(config, items):
    for item in items:
        for name in _markers_for(item):
            item.add_marker(name)


@pytest.fixture(autouse=True)
def _own_settings_file(tmp_path, monkeypatch):
    """Every test gets its own empty station settings file (app.config), never the user's."""
    monkeypatch.setenv("TESSERA_SETTINGS", str(tmp_path / "settings.json"))


@pytest.fixture
def ledger(tmp_path):
    """A freshly migrated ledger in a real SQLite file under tmp_path (copied from a template: tests.ledgers)."""
    led = new_ledger(tmp_path / "ledger.db")
    yield led
    led.close()


@pytest.fixture
def session(ledger):
    """A session on `ledger`; the test commits what it wants kept."""
    with ledger.sessions() as s:
        yield s
