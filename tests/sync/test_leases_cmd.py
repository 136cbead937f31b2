"""`tessera definitions update --lease-block`, the LEASED column of `tessera definitions list` and
`tessera sync leases [--release]` (issue 10 item 6) against the real hub."""
from __future__ import annotations

import json
import re

import pytest

from app.cli.main import main
from core import leases
from core.timeutil import utcnow


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TESSERA_KEYRING", "file")
    return str(tmp_path / "org.db"), str(tmp_path / "till.db")


def test_organiser_sets_a_block_and_a_box_office_leases_shows_and_releases(hub, env, capsys):
    org_db, till_db = env
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=20)
    org_key, till_key = hub.add_station("Office", "organiser"), hub.add_station("Till 1", "box-office")
    assert main(["station", "connect", hub.url, "--key", org_key, "--event", ev, "--db", org_db]) == 0
    assert main(["sync", "--db", org_db]) == 0
    capsys.readouterr()
    assert main(["definitions", "update", d, "--lease-block", "6", "--json", "--db", org_db]) == 0
    assert json.loads(capsys.readouterr().out)["definition"]["leaseBlock"] == 6
    with hub.ledger.uow() as uow:
        assert leases.blocks(uow.session, ev) == {d: 6}                  # the hub took it

    assert main(["station", "connect", hub.url, "--key", till_key, "--event", ev, "--db", till_db]) == 0
    assert main(["sync", "--db", till_db]) == 0
    capsys.readouterr()
    assert main(["sync", "leases", "--json", "--db", till_db]) == 0
    [row] = json.loads(capsys.readouterr().out)["leases"]
    assert (row["definitionId"], row["seats"], row["sellable"]) == (d, 6, 6)
    assert main(["sync", "leases", "--db", till_db]) == 0  # EXPIRES in the event's time (Europe/Zurich)
    text = capsys.readouterr().out
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d CES?T", text) and row["expires"] not in text
    assert main(["definitions", "list", "--db", till_db]) == 0
    out = capsys.readouterr().out
    assert "LEASED" in out.splitlines()[0]
    assert main(["definitions", "list", "--json", "--db", till_db]) == 0
    assert json.loads(capsys.readouterr().out)["definitions"][0]["leased"] == 6

    assert main(["sync", "leases", "--release", "--db", till_db]) == 0
    out = capsys.readouterr().out
    assert "Released 6 seat(s)" in out and "No seats leased" in out
    with hub.ledger.uow() as uow:
        assert leases.dashboard(uow.session, ev, utcnow())[d] == leases.LeaseCounts(sold=0, leased=0, left=20)


def test_till_close_hands_the_unused_leased_seats_back(hub, env, capsys):
    _org_db, till_db = env
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=20)
    with hub.uow() as s:
        leases.set_block(s, d, 5)
    key = hub.add_station("Till 2", "box-office")
    assert main(["station", "connect", hub.url, "--key", key, "--event", ev, "--db", till_db]) == 0
    assert main(["sync", "--db", till_db]) == 0
    assert main(["till", "open", "--float", "100", "--station", "Till 2", "--db", till_db]) == 0
    with hub.ledger.uow() as uow:
        assert leases.dashboard(uow.session, ev, utcnow())[d].leased == 5
    capsys.readouterr()
    assert main(["till", "close", "--counted", "100", "--station", "Till 2", "--format", "csv", "--db", till_db]) == 0
    assert "Handed 5 leased seat(s) back" in capsys.readouterr().err
    with hub.ledger.uow() as uow:
        assert leases.dashboard(uow.session, ev, utcnow())[d] == leases.LeaseCounts(sold=0, leased=0, left=20)
