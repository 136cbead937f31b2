"""`tessera entrances add|list|edit|delete|capacity|inside` and `tessera scan --entrance NAME / --exit`
(issue 9 items 7–8): WRONG_ENTRANCE at a named entrance, an exit lowering the headcount, the capacity alarm."""
from __future__ import annotations

import json

from app.cli.main import main
from core.db import Ledger
from tests.core.checkin_data import add_definition, add_event, add_order


def _run(capsys, *args: str, code: int = 0):
    capsys.readouterr()
    assert main(list(args)) == code
    out = capsys.readouterr().out.strip()
    return out


def _json(capsys, *args: str):
    return json.loads(_run(capsys, *args, "--json"))


def _seed(db: str) -> dict:
    ledger = Ledger.open(db)
    try:
        with ledger.uow() as uow:
            ev = add_event(uow.session)
            standing, vip = add_definition(uow.session, ev, "Standing"), add_definition(uow.session, ev, "VIP")
            add_order(uow.session, ev, "S-0001-", tickets=2, definition=standing)
            add_order(uow.session, ev, "V-0001-", tickets=1, definition=vip)
            uow.commit()
            return {"event": ev.id, "standing": standing.id, "vip": vip.id}
    finally:
        ledger.close()


def test_entrances_commands_and_scan_at_an_entrance(tmp_path, capsys):
    db = str(tmp_path / "e.db")
    seed = _seed(db)
    made = _json(capsys, "entrances", "add", "VIP gate", "--db", db, "--admit", seed["vip"])["entrance"]
    assert made["definitionIds"] == [seed["vip"]] and made["direction"] == "ENTRY"
    _run(capsys, "entrances", "add", "Exit", "--db", db, "--exit")
    listing = _run(capsys, "entrances", "list", "--db", db)
    assert "VIP gate" in listing and "VIP" in listing and "EXIT" in listing
    scans = [json.loads(x) for x in _run(capsys, "scan", "--db", db, "--json", "--entrance", "vip gate",
                                         "--code", "S-0001-021", "V-0001-021").splitlines()]
    assert [s["verdict"] for s in scans] == ["WRONG_ENTRANCE", "OK"]
    assert _json(capsys, "entrances", "inside", "--db", db)["inside"] == 1
    line = _run(capsys, "scan", "--db", db, "--entrance", "Exit", "--code", "V-0001-021")
    assert line.split()[1] == "EXIT" and "Exit recorded" in line  # "<source>  EXIT  ticket …"
    assert _json(capsys, "entrances", "inside", "--db", db)["inside"] == 0
    _run(capsys, "entrances", "edit", "VIP gate", "--db", db, "--admit-all", "--name", "Main")
    assert _json(capsys, "scan", "--db", db, "--entrance", "main", "--code", "S-0001-021")["verdict"] == "OK"
    assert _json(capsys, "scan", "--db", db, "--exit", "--code", "S-0001-021")["direction"] == "EXIT"
    _run(capsys, "entrances", "delete", "Exit", "--db", db)
    assert [e["name"] for e in _json(capsys, "entrances", "list", "--db", db)["entrances"]] == ["Main"]


def test_capacity_alarm_and_unknown_entrance(tmp_path, capsys):
    db = str(tmp_path / "c.db")
    _seed(db)
    assert _json(capsys, "entrances", "capacity", "1", "--db", db)["maxInside"] == 1
    _run(capsys, "scan", "--db", db, "--code", "S-0001-021", "S-0001-022")
    inside = _json(capsys, "entrances", "inside", "--db", db)
    assert inside["inside"] == 2 and inside["overCapacity"] is True
    assert "OVER CAPACITY" in _run(capsys, "entrances", "inside", "--db", db)
    _run(capsys, "entrances", "capacity", "none", "--db", db)
    assert _json(capsys, "entrances", "inside", "--db", db)["overCapacity"] is False
    capsys.readouterr()
    assert main(["scan", "--db", db, "--entrance", "Nowhere", "--code", "S-0001-021"]) == 2
    assert "ENTRANCE_NOT_FOUND" in capsys.readouterr().err


def test_item2_item3_inside_after_undo_and_readmission_with_the_peak(tmp_path, capsys):
    """h7-count items 2–3: `entrances inside` after an undo + re-admission is entries − exits, and shows the most
    inside at once ("Max inside") from the log."""
    db = str(tmp_path / "u.db")
    _seed(db)
    _run(capsys, "scan", "--db", db, "--code", "S-0001-021", "S-0001-022")
    _run(capsys, "scan", "--db", db, "--undo", "S-0001-021")
    _run(capsys, "scan", "--db", db, "--code", "S-0001-021")
    _run(capsys, "scan", "--db", db, "--exit", "--code", "S-0001-022")
    data = _json(capsys, "entrances", "inside", "--db", db)
    assert (data["inside"], data["entries"], data["exits"], data["peakInside"]) == (1, 2, 1, 2)
    assert data["inside"] == data["entries"] - data["exits"] and data["peakAt"]
    text = _run(capsys, "entrances", "inside", "--db", db)
    assert "Entries: 2   Exits: 1   Max inside: 2 at " in text
