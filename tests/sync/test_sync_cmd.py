"""`tessera station connect|show|conflicts` and `tessera sync [--watch]` (app/cli/sync_cmd.py) against the real
hub: the key never printed, a progress line and a summary, JSON reports, exit codes."""
from __future__ import annotations

import json
import re

import pytest

from app.cli.main import main
from core.checkin import Verdict, scan_and_commit
from core.db import Ledger

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:")  # a UTC ISO time: JSON only, never in what a person reads


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TESSERA_KEYRING", "file")
    return str(tmp_path / "station.db")


def test_connect_show_sync_and_watch(hub, env, capsys):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=10)
    sale = hub.seed_sale(ev, {d: 2})
    key = hub.add_station("Door 1", "door")
    assert main(["station", "connect", hub.url, "--key", key, "--event", ev, "--db", env]) == 0
    out, err = capsys.readouterr()
    assert "connected to" in out and "'Door 1'" in out and "role door" in out and key not in out + err
    assert "no OS keyring" in err

    assert main(["sync", "--db", env]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("sync ok (hub)") and "received" in out and "downloading" in err

    ledger = Ledger.open(env)
    assert scan_and_commit(ledger, sale["tickets"][0], event_ids=[ev], station="Door 1").verdict == Verdict.OK
    ledger.close()
    assert main(["sync", "--watch", "--interval", "0", "--runs", "2", "--json", "--db", env]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    reports = [json.loads(line) for line in lines]
    assert [r["ok"] for r in reports] == [True, True] and reports[0]["pushed"] == 1 and reports[1]["pending"] == 0

    assert main(["station", "show", "--json", "--db", env]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["station"] == "Door 1" and shown["pending"] == 0 and "tickets" in shown["lastSuccess"]
    assert key not in json.dumps(shown) and shown["keyStorage"].startswith("file: ")
    assert ISO.match(shown["lastSuccess"]["tickets"])  # JSON keeps RFC 3339 UTC
    assert main(["station", "show", "--db", env]) == 0
    text = capsys.readouterr().out  # the text shows the event's wall time (Europe/Zurich)
    assert re.search(r"last success tickets: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d CES?T", text) and not ISO.search(text)
    assert main(["station", "conflicts", "--db", env]) == 0
    assert "(none)" in capsys.readouterr().out


def test_sync_failure_exit_code_and_not_connected(hub, env, capsys):
    """Issue 8 item 6: one exit code per class — 8 not connected, 4 offline (sync.outcome)."""
    assert main(["sync", "--db", env]) == 8
    assert "not connected" in capsys.readouterr().err
    ev = hub.seed_event()
    key = hub.add_station("Door 2", "door")
    assert main(["station", "connect", hub.url, "--key", key, "--event", ev, "--db", env]) == 0
    assert main(["sync", "--db", env]) == 0  # the station knows its event (and so its time zone)
    hub.server.stop()  # the hub goes away
    assert main(["sync", "--db", env]) == 4
    out, err = capsys.readouterr()
    assert "sync failed" in out and "offline" in err
    assert main(["sync", "--json", "--force", "--db", env]) == 4
    assert json.loads(capsys.readouterr().out)["outcome"]["kind"] == "offline"
    assert main(["sync", "--db", env]) == 9  # cooling down: until when, in the event's time (fresh-user trial)
    out, err = capsys.readouterr()
    assert re.search(r"cooling down after a failure until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d CES?T", out + err), out + err
    assert not ISO.search(out + err)


def test_connect_with_a_wrong_key_is_a_clear_error(hub, env, capsys):
    assert main(["station", "connect", hub.url, "--key", "tsk_wrong", "--db", env]) == 1
    err = capsys.readouterr().err
    assert "cannot connect" in err and "401" in err



def test_sync_with_rejected_changes_warns_and_exits_3(hub, env, capsys):
    """A first-time user saw "sync ok" and exit 0 while changes were rejected: now a warning and exit 3; the
    summary line is printed once. (A door station may not create the event it made locally on the hub.)"""
    ev = hub.seed_event()
    key = hub.add_station("Door 1", "door")
    assert main(["events", "create", "--db", env, "--title", "Local only", "--time-zone", "UTC",
                 "--currency", "EUR"]) == 0
    assert main(["station", "connect", hub.url, "--key", key, "--event", ev, "--db", env]) == 0
    capsys.readouterr()
    code = main(["sync", "--db", env, "--force"])
    out, err = capsys.readouterr()
    assert code == 3 and "1 change(s) rejected by the server and kept" in err, (out, err)
    assert (out + err).count("sync done, changes refused") == 1 and "sync ok" not in out + err


def test_sync_rejected_retry_and_dismiss(hub, env, capsys):
    """Issue 8 item 2: `tessera sync rejected | retry [--all | ID…] | dismiss ID…` (rows kept for audit)."""
    from core.outbox import rejected_entries
    from core.sales import sell

    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=10)
    key = hub.add_station("Door 9", "door")
    assert main(["station", "connect", hub.url, "--key", key, "--event", ev, "--db", env]) == 0
    assert main(["sync", "--db", env]) == 0
    ledger = Ledger.open(env)
    for _ in range(2):
        with ledger.uow() as uow:
            sell(uow.session, ev, {d: 1}, {"firstName": "Walk", "lastName": "In"}, payment="card", station="Door 9")
            uow.commit()
    ledger.close()
    capsys.readouterr()
    assert main(["sync", "--db", env]) == 3
    assert "sync retry --all" in capsys.readouterr().err
    assert main(["station", "show", "--json", "--db", env]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["rejected"], shown["waiting"], shown["setAside"]) == (2, 0, 0)
    assert main(["sync", "rejected", "--json", "--db", env]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["kind"] for r in rows] == ["order.create"] * 2 and "may not" in rows[0]["error"]
    assert main(["sync", "retry", "--db", env]) == 1
    assert "--all" in capsys.readouterr().err
    assert main(["sync", "retry", str(rows[0]["id"]), "--db", env]) == 0
    assert main(["sync", "dismiss", str(rows[1]["id"]), "--db", env]) == 0
    assert main(["sync", "dismiss", str(rows[0]["id"]), "--db", env]) == 2  # pending now: not dismissable
    capsys.readouterr()
    assert main(["sync", "retry", "--all", "--json", "--db", env]) == 0
    assert json.loads(capsys.readouterr().out) == {"retried": []}
    ledger = Ledger.open(env)
    with ledger.uow() as uow:
        assert rejected_entries(uow.session) == []
    ledger.close()
