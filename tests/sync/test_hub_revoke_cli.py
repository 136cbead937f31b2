"""`tessera hub revoke <station|key id>` and `tessera station connect --key -` / prompt (issue 11)."""
from __future__ import annotations

import io
import json

import httpx
import pytest

from app.cli import sync_cmd
from app.cli.main import main
from app.cli.output import CliError
from core.db import Ledger
from sync.hub.app import create_app
from sync.hub.server import ServerThread
from tests.sync.hub_fixtures import expect_error, ok


def _add(db: str, name: str, capsys) -> dict:
    assert main(["hub", "add-station", name, "--role", "door", "--db", db, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_revoke_by_name_or_key_id_refuses_the_key_at_once(tmp_path, capsys):
    db = str(tmp_path / "hub.db")
    one, two = _add(db, "door-1", capsys), _add(db, "door-2", capsys)
    assert len(one["keyId"]) == 12
    ledger = Ledger.open(db)
    server = ServerThread(create_app(ledger)).start()
    try:
        c1 = httpx.Client(base_url=server.url, headers={"Authorization": one["key"]})
        c2 = httpx.Client(base_url=server.url, headers={"Authorization": two["key"]})
        ok(c1.get("/tessera/v1/discovery"))
        assert main(["hub", "revoke", "door-1", "--db", db]) == 0
        expect_error(c1.get("/tessera/v1/discovery"), 401)
        ok(c2.get("/tessera/v1/discovery"))
        assert main(["hub", "revoke", two["keyId"], "--db", db]) == 0
        expect_error(c2.get("/tessera/v1/discovery"), 401)
        assert main(["hub", "revoke", "door-9", "--db", db]) == 2  # NOT_FOUND
        c1.close()
        c2.close()
    finally:
        server.stop()
        ledger.close()


def test_read_key_from_flag_stdin_or_prompt(monkeypatch):
    assert sync_cmd.read_key("tsk_abc") == "tsk_abc"
    monkeypatch.setattr("sys.stdin", io.StringIO("tsk_from_stdin\n"))
    assert sync_cmd.read_key("-") == "tsk_from_stdin"
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "tsk_typed ")
    assert sync_cmd.read_key(None) == "tsk_typed"
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CliError):
        sync_cmd.read_key("-")
