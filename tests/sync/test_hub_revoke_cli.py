"""`tessera hub revoke <station|key id>` and `tessera station connect --key -` / prompt (issue 11)."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app.cli import sync_cmd
from app.cli.main import main
from app.cli.output import CliError
from core.db import Ledger
from sync.hub.app import create_app
from sync.hub.server import ServerThread
from tests.sync.hub_fixtures import expect_error, free_port, ok

ROOT = Path(__file__).resolve().parents[2]


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
        refused = expect_error(c1.get("/tessera/v1/discovery"), 401)
        assert "station 'door-1' was revoked at" in refused["message"]  # said so, not "unknown API key" (trial)
        ok(c2.get("/tessera/v1/discovery"))
        assert main(["hub", "revoke", two["keyId"], "--db", db]) == 0
        expect_error(c2.get("/tessera/v1/discovery"), 401)
        assert main(["hub", "revoke", "door-9", "--db", db]) == 2  # NOT_FOUND
        assert main(["hub", "add-station", "door-2", "--role", "door", "--replace", "--db", db, "--json"]) == 0
        capsys.readouterr()
        body = {"eventId": "e1", "ticketNumber": ["T1"]}  # a body: the key is checked before it is read
        assert "was revoked at" in expect_error(c2.post("/events/v1/tickets/check-in", json=body), 401)["message"]
        three = _add(db, "door-3", capsys)
        assert main(["hub", "add-station", "door-3", "--role", "door", "--replace", "--db", db, "--json"]) == 0
        with httpx.Client(base_url=server.url, headers={"Authorization": three["key"]}) as c3:
            assert "was replaced at" in expect_error(c3.get("/tessera/v1/discovery"), 401)["message"]
        with httpx.Client(base_url=server.url, headers={"Authorization": "tsk_never"}) as c4:
            assert expect_error(c4.get("/tessera/v1/discovery"), 401)["message"] == "unknown API key"
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


def _hub_process(db: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "sync.hub.server", "--db", db, "--port", str(port)],
                            cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # a loaded machine starts slowly
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            httpx.get(url + "/tessera/v1/discovery", timeout=1)
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.terminate()
    raise AssertionError(f"hub process did not start (exit {proc.poll()})")


def test_revoke_is_effective_at_once_in_two_hub_processes(tmp_path, capsys):
    db = str(tmp_path / "hub.db")
    key = _add(db, "door-1", capsys)["key"]
    procs = [_hub_process(db), _hub_process(db)]
    try:
        clients = [httpx.Client(base_url=url, headers={"Authorization": key}) for _, url in procs]
        for c in clients:
            ok(c.get("/tessera/v1/discovery"))
        assert main(["hub", "revoke", "door-1", "--db", db]) == 0
        for c in clients:
            expect_error(c.get("/tessera/v1/discovery"), 401)
            c.close()
    finally:
        for proc, _ in procs:
            proc.terminate()
            proc.wait(10)
