"""`tessera scan` as the door use case (core.door + sync.door): undo after a provisional admission, and the
unknown-ticket path — the server is asked first (WR-13 a), provisional admission only when it cannot be."""
from __future__ import annotations

import json

from sqlalchemy import select

from app.cli.main import main
from core.models import CheckIn
from sync.station import load_config


def _scan(capsys, db: str, *args: str) -> list[dict]:
    capsys.readouterr()
    assert main(["scan", "--db", db, "--json", *args]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]


def _methods(ledger, tn: str) -> list[tuple[str, str]]:
    with ledger.uow() as uow:
        return [(r.kind, r.method) for r in uow.session.scalars(
            select(CheckIn).where(CheckIn.ticket_number == tn).order_by(CheckIn.id))]


def test_undo_after_a_provisional_admission_works(tmp_path, capsys):
    db = str(tmp_path / "p.db")
    assert main(["events", "create", "--db", db, "--title", "Gala", "--time-zone", "UTC", "--currency", "EUR"]) == 0
    [line] = _scan(capsys, db, "--code", "WEB1-8QQT-ZZ021", "--provisional")
    assert line["verdict"] == "OK" and "provisionally" in line["message"]
    [undone] = _scan(capsys, db, "--undo", "web1-8qqt-zz021")
    assert undone["undone"] is True and undone["ticketNumber"] == "WEB1-8QQT-ZZ021" and undone["undoneAt"]
    [again] = _scan(capsys, db, "--undo", "WEB1-8QQT-ZZ021")
    assert again["undone"] is False
    [line] = _scan(capsys, db, "--code", "WEB1-8QQT-ZZ021", "--provisional")
    assert line["verdict"] == "OK"  # undone, so admitted (provisionally) again
    capsys.readouterr()
    assert main(["scan", "--db", db, "--undo", "NOPE-0000-XX021"]) == 2  # a user error, never a traceback
    err = capsys.readouterr().err
    assert "not found" in err and "Traceback" not in err


def test_wr13_unknown_ticket_is_looked_up_before_any_provisional_admission(connect_station, capsys):
    shop = connect_station(role="door")
    db = str(shop.ledger.engine.url.database)
    assert main(["sync", "--db", db]) == 0                 # the station's last pull
    late = shop.sell_on_hub()                              # bought online afterwards
    [line] = _scan(capsys, db, "--code", late, "--provisional")
    assert line["verdict"] == "OK" and "provisionally" not in line["message"]  # found on the server: a scan
    assert _methods(shop.ledger, late) == [("CHECK_IN", "SCAN")]
    [line] = _scan(capsys, db, "--code", "FAKE-0000-XX021", "--provisional")
    assert line["verdict"] == "UNKNOWN" and "server either" in line["message"]  # refused, nothing stored
    assert _methods(shop.ledger, "FAKE-0000-XX021") == []
    offline = shop.sell_on_hub()
    shop.stop_hub()
    [line] = _scan(capsys, db, "--code", offline)
    assert line["verdict"] == "UNKNOWN" and "Not in local list" in line["message"]
    [line] = _scan(capsys, db, "--code", offline, "--provisional")
    assert line["verdict"] == "OK" and "provisionally" in line["message"]
    assert _methods(shop.ledger, offline) == [("CHECK_IN", "PROVISIONAL")]


def test_a_connected_station_scans_under_the_name_the_hub_knows(connect_station, capsys):
    """Without --station, `tessera scan` on a connected ledger stores the connection's station name (the
    hub binds uploaded rows to it anyway), not the machine's host name."""
    shop = connect_station(role="door")
    db = str(shop.ledger.engine.url.database)
    assert main(["sync", "--db", db]) == 0
    with shop.ledger.uow() as uow:
        name = load_config(uow.session).station
    late = shop.sell_on_hub()
    [line] = _scan(capsys, db, "--code", late)
    assert line["verdict"] == "OK" and line["station"] == name
