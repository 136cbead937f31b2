"""Helpers of the sync GUI tests: the real hub of tests/sync/conftest.py (`hub_factory`), this test's ledger
connected to it as a station (sync.station.connect; the key in a 0600 file under tmp_path, never the OS
keyring), a first pull, a station context on the hub's event, and stopping / restarting the hub on its port."""
from __future__ import annotations

from dataclasses import dataclass

import pytest


TZ = "Europe/Zurich"


@dataclass
class HubShop:
    """A hub with event "Hub Gala" (Europe/Zurich, EUR), definition Adult ×100, a PAID order of 2 and an
    unpaid order of 1; `ledger` is the station connected to it with a key of `role`."""

    hub: object
    ledger: object
    event_id: str
    definition_id: str
    paid: dict
    unpaid: dict
    station: str

    def sell_on_hub(self, first: str = "Late", last: str = "Buyer") -> str:
        """A ticket bought online on the hub (after the station's last pull); returns its number."""
        return self.hub.seed_sale(self.event_id, {self.definition_id: 1}, first=first, last=last)["tickets"][0]

    def stop_hub(self) -> None:
        """The hub goes away: connections are refused (the station is offline)."""
        self.hub.server.stop()

    def start_hub(self) -> None:
        """The hub comes back on the same address, over the same database."""
        from sync.hub.app import create_app
        from sync.hub.server import ServerThread

        port = self.hub.server.port
        self.hub.app = create_app(self.hub.ledger, plain=self.hub.plain, **self.hub.options)
        self.hub.server = ServerThread(self.hub.app, port=port).start()


@pytest.fixture
def connect_station(hub_factory, ledger, tmp_path, monkeypatch):
    """make(role="box-office", **hub_options) → HubShop: a fresh hub and this test's ledger connected to it."""
    monkeypatch.setenv("TESSERA_KEYRING", "file")

    def make(role: str = "box-office", name: str = "Door A", **hub_options) -> HubShop:
        from sync.station import connect

        hub = hub_factory(**hub_options)
        ev = hub.seed_event(title="Hub Gala", time_zone=TZ)
        d = hub.seed_definition(ev, name="Adult", quantity=100)
        paid = hub.seed_sale(ev, {d: 2})
        unpaid = hub.seed_sale(ev, {d: 1}, payment="unpaid", first="Mira", last="Castell")
        key = hub.add_station(name, role)
        with ledger.uow() as uow:
            connect(uow.session, hub.url, key, key_dir=tmp_path / "keys")
            uow.commit()
        return HubShop(hub, ledger, ev, d, paid, unpaid, name)

    return make


def first_pull(ledger) -> None:
    """One sync run outside the GUI (so the event exists locally before a window opens)."""
    from app.sync_controller import EngineSlot
    from sync.station import DEFAULT_TIMEOUT

    slot = EngineSlot(ledger, DEFAULT_TIMEOUT, {"cooldown_s": 0.0})
    try:
        report = slot.get().run_once(force=True)
    finally:
        slot.close()
    assert report.ok, report.error


def station_context(shop: HubShop, tmp_path):
    """A StationContext on the station ledger and the hub's event (sounds recorded, not played)."""
    from app import queries
    from app.context import StationContext
    from app.sound import SoundPlayer

    with shop.ledger.uow() as uow:
        info = queries.load_event(uow.session, shop.event_id)
    return StationContext(ledger=shop.ledger, ledger_path=str(tmp_path / "ledger.db"), station=shop.station,
                          operator="tester", event=info, sound=SoundPlayer(player=[], use_beep=False),
                          scan_debounce_s=0.5)


@pytest.fixture
def make_controller(ledger, qtbot):
    """make(**kw) → SyncController on the test ledger (no cool-down); shut down before the ledger closes."""
    from app.sync_controller import SyncController

    made = []

    def make(**kw):
        kw.setdefault("engine_kw", {"cooldown_s": 0.0})
        kw.setdefault("interval_s", 3600)
        controller = SyncController(ledger, **kw)
        made.append(controller)
        return controller

    yield make
    for controller in made:
        assert controller.shutdown(10000), "background work still running at teardown"
