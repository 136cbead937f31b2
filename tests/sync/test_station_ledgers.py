"""Per-ledger station credentials (issue 7 item 8): two ledgers of one OS user connected to the same hub with
different keys keep their own key — in the OS keyring and in the 0600 fallback file — and `tessera station show`
on each says its own role; each ledger syncs as its own station."""
from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from app.cli.main import main
from core.db import Ledger
from sync import state
from sync.station import connect, load_config, load_key, make_api
from tests.sync.test_station import memory_keyring  # noqa: F401 - fixture


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_HOME", str(tmp_path / "home"))
    return tmp_path


def _connect_cli(hub, db: Path, key: str, capsys) -> None:
    assert main(["station", "connect", hub.url, "--key", key, "--db", str(db)]) == 0
    capsys.readouterr()


def _show(db: Path, capsys) -> dict:
    assert main(["station", "show", "--json", "--db", str(db)]) == 0
    return json.loads(capsys.readouterr().out)


def _key_of(db: Path) -> str | None:
    ledger = Ledger.open(db)
    try:
        with ledger.uow() as uow:
            return load_key(load_config(uow.session))
    finally:
        ledger.close()


def test_two_ledgers_keep_their_own_key_file(hub, home, monkeypatch, capsys):
    monkeypatch.setenv("TESSERA_KEYRING", "file")
    hub.seed_event()
    organiser, door = hub.add_station("Office", "organiser"), hub.add_station("Door 1", "door")
    a, b = home / "organiser.db", home / "door.db"
    _connect_cli(hub, a, organiser, capsys)
    _connect_cli(hub, b, door, capsys)  # the same hub URL, the same OS user: it must not overwrite a's key
    assert (_key_of(a), _key_of(b)) == (organiser, door)
    shown_a, shown_b = _show(a, capsys), _show(b, capsys)
    assert (shown_a["role"], shown_a["station"]) == ("organiser", "Office")
    assert (shown_b["role"], shown_b["station"]) == ("door", "Door 1")
    files = {Path(s["keyStorage"][6:].split(" (", 1)[0]) for s in (shown_a, shown_b)}
    assert len(files) == 2 and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    for db, role in ((a, "organiser"), (b, "door")):  # each ledger really talks to the hub as its own station
        ledger = Ledger.open(db)
        with ledger.uow() as uow:
            cfg = load_config(uow.session)
        api = make_api(cfg, load_key(cfg))
        try:
            assert api.discover().role == role
        finally:
            api.http.close()
            ledger.close()


def test_two_ledgers_keep_their_own_key_in_the_keyring(hub, home, memory_keyring, monkeypatch):  # noqa: F811
    monkeypatch.delenv("TESSERA_KEYRING", raising=False)
    hub.seed_event()
    organiser, door = hub.add_station("Office", "organiser"), hub.add_station("Door 1", "door")
    configs = []
    for name, key in (("a.db", organiser), ("b.db", door)):
        ledger = Ledger.open(home / name)
        with ledger.uow() as uow:
            configs.append(connect(uow.session, hub.url, key))
            uow.commit()
        ledger.close()
    assert [c.role for c in configs] == ["organiser", "door"]
    assert configs[0].key_id != configs[1].key_id and len(memory_keyring.values) == 2
    assert [load_key(c) for c in configs] == [organiser, door]


def test_the_ledger_id_is_made_once(ledger):
    with ledger.uow() as uow:
        first = state.ledger_id(uow.session)
        uow.commit()
    with ledger.uow() as uow:
        assert state.ledger_id(uow.session) == first


def test_a_connection_saved_before_per_ledger_keys_still_finds_its_key(home, monkeypatch):
    """A StationConfig without ledger_id keeps the old key name (URL + site id), so an upgrade loses no key."""
    from sync.station import StationConfig, store_key

    monkeypatch.setenv("TESSERA_KEYRING", "file")
    old = StationConfig(url="http://hub.local:8400", site_id="s1")
    store_key(old, "tsk_old", home / "keys")
    assert (home / "keys" / f"{old.key_id}.key").exists() and load_key(old, home / "keys") == "tsk_old"
    assert StationConfig(url="http://hub.local:8400", site_id="s1", ledger_id="x").key_id != old.key_id


def test_a_ledger_syncing_with_another_stations_key_is_warned(hub, ledger):
    """A key shared by two ledgers saved before keys were per ledger: the run says whose key it is."""
    from sync.engine import SyncEngine
    from sync.station import StationConfig

    ev = hub.seed_event()
    door = hub.add_station("Door 1", "door")
    api = make_api(StationConfig(url=hub.url), door)
    try:
        report = SyncEngine(ledger, api, "Office", [ev], clock_warn_s=120.0).run_once(force=True)
        assert report.ok and any("belongs to 'Door 1'" in w and "role door" in w for w in report.warnings)
        same = SyncEngine(ledger, api, "Door 1", [ev], clock_warn_s=120.0).run_once(force=True)
        assert not any("belongs to" in w for w in same.warnings)
    finally:
        api.http.close()


def test_a_station_connected_for_every_event_takes_an_event_created_later(hub, home, monkeypatch, capsys):
    """Fresh-user trial: a door connected without --event never saw the organiser's second event; it now
    joins at the next sync, pulled from scratch. A station connected with --event keeps its one event."""
    monkeypatch.setenv("TESSERA_KEYRING", "file")
    first = hub.seed_event("Gala")
    door, box = hub.add_station("Door 1", "door"), hub.add_station("Box 1", "box-office")
    every, one = home / "door.db", home / "box.db"
    _connect_cli(hub, every, door, capsys)
    assert main(["station", "connect", hub.url, "--key", box, "--event", first, "--db", str(one)]) == 0
    late = hub.seed_event("Late Show")
    tickets = hub.seed_sale(late, {hub.seed_definition(late, name="Standing"): 2})["tickets"]
    for db in (every, one):
        assert main(["sync", "--db", str(db)]) == 0
    capsys.readouterr()
    assert _show(every, capsys)["eventIds"] == [first, late]
    assert _show(one, capsys)["eventIds"] == [first]
    assert main(["tickets", "list", "--event", late, "--json", "--db", str(every)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted(t["ticketNumber"] for t in listed["tickets"]) == sorted(tickets)
