"""Ledgers and hub databases are created 0600 in 0700 folders (issue 11: they hold guest names and e-mails)."""
from __future__ import annotations

import os
import stat

from core.db import Ledger


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_new_ledger_is_0600_in_a_new_0700_folder(tmp_path):
    path = tmp_path / "private" / "ledger.db"
    ledger = Ledger.open(str(path))
    try:
        with ledger.uow() as uow:  # a write makes the WAL file
            uow.commit()
        assert mode(path.parent) == 0o700
        assert mode(path) == 0o600
        for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if extra.exists():
                assert mode(extra) == 0o600
    finally:
        ledger.close()


def test_an_existing_file_keeps_its_mode(tmp_path):
    path = tmp_path / "ledger.db"
    Ledger.open(str(path)).close()
    os.chmod(path, 0o640)
    Ledger.open(str(path)).close()
    assert mode(path) == 0o640
