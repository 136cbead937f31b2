"""sync.station: the connection saved in the ledger, the key in the OS keyring or (no backend) a 0600 file,
and `connect` against the real hub and the plain contract server."""
from __future__ import annotations

import stat

import keyring
import pytest
from keyring.backend import KeyringBackend

from sync.errors import SyncError, Unauthorized
from sync.station import StationConfig, connect, load_config, load_key, save_config, store_key


class MemoryKeyring(KeyringBackend):
    """An in-memory keyring backend (stands in for the OS keyring this machine lacks)."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.values: dict = {}

    def set_password(self, service, username, password):
        self.values[(service, username)] = password

    def get_password(self, service, username):
        return self.values.get((service, username))

    def delete_password(self, service, username):
        self.values.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_key_goes_to_a_0600_file_when_no_keyring_works(tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_KEYRING", "file")
    cfg = StationConfig(url="http://hub.local:8400/")
    where = store_key(cfg, "tsk_secret", tmp_path)
    assert where.startswith("file: ") and "no keyring backend" in where
    path = tmp_path / f"{cfg.key_id}.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_text() == "tsk_secret"
    assert load_key(cfg, tmp_path) == "tsk_secret"


def test_key_goes_to_the_keyring_when_one_works(tmp_path, memory_keyring, monkeypatch):
    monkeypatch.delenv("TESSERA_KEYRING", raising=False)
    cfg = StationConfig(url="http://hub.local:8400", site_id="s1")
    assert store_key(cfg, "tsk_secret", tmp_path) == "keyring: MemoryKeyring"
    assert memory_keyring.values == {("tessera", cfg.key_id): "tsk_secret"}
    assert not list(tmp_path.iterdir())
    assert load_key(cfg, tmp_path) == "tsk_secret"


def test_config_round_trip_has_no_secret(ledger):
    cfg = StationConfig(url="http://h", site_id="s", station="Door 1", role="door", event_ids=["e1"],
                        extensions=["changes"], key_storage="keyring: X")
    with ledger.uow() as uow:
        assert load_config(uow.session) is None
        save_config(uow.session, cfg)
        uow.commit()
    with ledger.uow() as uow:
        assert load_config(uow.session) == cfg


def test_connect_to_the_hub_takes_the_station_name_role_and_events(hub, ledger, tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_KEYRING", "file")
    ev = hub.seed_event()
    key = hub.add_station("Door 1", "door")
    with ledger.uow() as uow:
        cfg = connect(uow.session, hub.url + "/", key, key_dir=tmp_path)
        uow.commit()
    assert (cfg.url, cfg.station, cfg.role, cfg.event_ids) == (hub.url, "Door 1", "door", [ev])
    assert "changes" in cfg.extensions and load_key(cfg, tmp_path) == key
    with pytest.raises(Unauthorized):
        with ledger.uow() as uow:
            connect(uow.session, hub.url, "tsk_wrong", key_dir=tmp_path)


def test_connect_to_a_plain_server_needs_events_and_proves_the_key(hub_factory, ledger, tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_KEYRING", "file")
    plain = hub_factory(plain=True)
    ev = plain.seed_event()
    key = plain.add_station("Till", "box-office")
    with ledger.uow() as uow:
        with pytest.raises(SyncError, match="no event"):
            connect(uow.session, plain.url, key, key_dir=tmp_path)
        with pytest.raises(Unauthorized):
            connect(uow.session, plain.url, "tsk_wrong", event_ids=[ev], key_dir=tmp_path)
        cfg = connect(uow.session, plain.url, key, event_ids=[ev], station="Till 2", key_dir=tmp_path)
    assert cfg.extensions == [] and cfg.role is None and cfg.station == "Till 2"
