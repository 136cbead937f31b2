"""`tessera hub [serve]` and `tessera hub add-station` (app/cli/hub_cmd.py) through the real CLI entry point."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app.cli import hub_cmd
from app.cli.main import build_parser, main
from core.db import Ledger
from sync.hub.app import create_app
from sync.hub.server import ServerThread
from tests.sync.hub_fixtures import free_port, ok

ROOT = Path(__file__).resolve().parents[2]


def test_add_station_prints_a_key_that_opens_the_hub(tmp_path, capsys):
    db = str(tmp_path / "hub.db")
    assert main(["hub", "add-station", "door-1", "--role", "door", "--db", db, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["station"] == "door-1" and out["role"] == "door" and out["key"].startswith("tsk_")
    assert main(["hub", "--db", db, "add-station", "door-1", "--role", "door"]) == 2  # name taken
    assert "ALREADY_EXISTS" in capsys.readouterr().err
    assert main(["hub", "add-station", "x", "--role", "janitor", "--db", db]) == 2  # argparse refuses
    ledger = Ledger.open(db)
    server = ServerThread(create_app(ledger)).start()
    try:
        c = httpx.Client(base_url=server.url, headers={"Authorization": out["key"]})
        assert ok(c.get("/tessera/v1/discovery"))["station"] == "door-1"
        c.close()
    finally:
        server.stop()
        ledger.close()
    assert out["key"].encode() not in Path(db).read_bytes()  # only the hash is stored


def test_serve_options_parse_with_or_without_the_serve_word():
    parser = build_parser()
    a = parser.parse_args(["hub"])
    assert a.func is hub_cmd.cmd_serve and (a.host, a.port, a.plain, a.smtp) == ("127.0.0.1", 8787, False, None)
    b = parser.parse_args(["hub", "--port", "9000", "serve", "--plain", "--smtp", "smtp://127.0.0.1:8025"])
    assert b.func is hub_cmd.cmd_serve and (b.port, b.plain, b.smtp) == (9000, True, "smtp://127.0.0.1:8025")
    c = parser.parse_args(["hub", "serve", "--host", "0.0.0.0", "--db", "postgresql://u:p@db/hub"])
    assert (c.host, c.port, c.db) == ("0.0.0.0", 8787, "postgresql://u:p@db/hub")


def test_hub_database_defaults_to_hub_db_not_the_station_ledger(tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_HOME", str(tmp_path))
    from app import config

    class Args:
        db = str(config.default_db_path())  # what main() fills in when --db is absent
        db_given = False

    assert hub_cmd.hub_db(Args()) == str(tmp_path / "hub.db")
    Args.db, Args.db_given = "postgresql://u:p@db/hub", True
    assert hub_cmd.hub_db(Args()) == "postgresql://u:p@db/hub"
    Args.db = str(config.default_db_path())  # even the station's default path, when asked for explicitly
    assert hub_cmd.hub_db(Args()) == str(config.default_db_path())
    assert hub_cmd._shown("postgresql://u:secret@db/hub").count("secret") == 0


def test_bad_smtp_url_is_refused_before_starting(tmp_path, capsys):
    assert main(["hub", "--db", str(tmp_path / "h.db"), "--smtp", "http://mail"]) == 1
    assert "smtp://" in capsys.readouterr().err


def test_tessera_hub_serves_in_a_real_process(tmp_path):
    db, port = str(tmp_path / "hub.db"), free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "app.cli.main", "hub", "--db", db, "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline, resp = time.monotonic() + 90, None  # a loaded CI machine starts Python slowly
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                resp = httpx.get(f"http://127.0.0.1:{port}/tessera/v1/discovery", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        assert resp is not None and resp.status_code == 401, proc.poll()
        assert resp.json()["details"]["applicationError"]["code"] == "UNAUTHENTICATED"
    finally:
        proc.terminate()
        proc.wait(10)
