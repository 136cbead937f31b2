"""kill -9 during a new ledger's first open and during an upgrade leaves a usable ledger (issue 11): the old code
left "table checkins already exists" in 16 of 40 first opens. Bounded loop: TRIES kills with random delays
across the window where the work happens; each try must end in the previous state or the new one."""
from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from core import schema
from core.db import Ledger
from tests.core.migration_data import snapshot
from tests.core.test_migrations import EARLIER, HEAD, sqlite_at

pytestmark = pytest.mark.slow

TRIES = 10
ROOT = Path(__file__).resolve().parents[2]
# The child imports everything first (Alembic too) and says so; the kill then lands inside Ledger.open's work.
CHILD = ("import sys, alembic.command, alembic.config; from core.db import Ledger; print('ready', flush=True); "
         "Ledger.open(sys.argv[1]).close()")


def _kill_during_open(path: Path, rng: random.Random, window_s: float) -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], cwd=ROOT, stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0, window_s))
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=60)
        child.stdout.close()


def _open_duration(path: Path) -> float:
    """Seconds the child takes from "ready" to done on `path` (unkilled): the window the kills are spread over."""
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], cwd=ROOT, stdout=subprocess.PIPE,
                             text=True)
    with child.stdout:
        assert child.stdout.readline().strip() == "ready"
        started = time.perf_counter()
        assert child.wait(timeout=60) == 0
    return time.perf_counter() - started


def test_kill_during_first_open_leaves_a_usable_ledger(tmp_path):
    rng = random.Random(7)
    window = _open_duration(tmp_path / "probe.db") * 1.2
    for i in range(TRIES):
        path = tmp_path / f"new{i}.db"
        _kill_during_open(path, rng, window)
        assert schema.inspect_sqlite_file(path) in (None, HEAD)  # nothing, or a complete ledger
        ledger = Ledger.open(path)
        with ledger.engine.connect() as conn:
            assert schema.stored_revision(conn) == HEAD
        ledger.close()


def test_kill_during_upgrade_leaves_old_or_new_schema_with_every_row(tmp_path):
    rng = random.Random(11)
    template = tmp_path / "template.db"
    before = sqlite_at(template, EARLIER[0])
    probe = tmp_path / "probe.db"
    shutil.copy(template, probe)
    window = _open_duration(probe) * 1.2
    for i in range(TRIES):
        path = tmp_path / f"old{i}.db"
        shutil.copy(template, path)
        _kill_during_open(path, rng, window)
        assert schema.inspect_sqlite_file(path) in (EARLIER[0], HEAD)
        engine = create_engine(f"sqlite:///{path}")
        with engine.connect() as conn:
            assert snapshot(conn) == before
        engine.dispose()
        ledger = Ledger.open(path)
        with ledger.engine.connect() as conn:
            assert schema.stored_revision(conn) == HEAD
            assert snapshot(conn) == before
        ledger.close()
