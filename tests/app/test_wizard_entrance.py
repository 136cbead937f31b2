"""The set-up wizard's entrance step (app.dialogs.wizard_entrance, issue 12 + issue 9 item 7): a door station
connecting to a real hub on loopback whose event has two entrances picks one, and the door tab opens on it;
the step is skipped for a box-office key and for an event without entrances."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWizard

from app.dialogs.setup_wizard import SetupWizard
from app.dialogs.wizard_entrance import ALL_ENTRANCES, EntrancePage, entrance_step_needed
from core.entrances import EntranceView
from sync import state
from tests.sync.hub_fixtures import ok

PATH = "/tessera/v1/entrances"


@pytest.fixture
def hub_event(hub):
    """A hub event with Standing and VIP; entrances "Main" (every ticket) and "VIP gate" (VIP only), made by an
    organiser through the hub's API."""
    event_id = hub.seed_event(title="Gate Night")
    vip = hub.seed_definition(event_id, "VIP", quantity=10)
    hub.seed_definition(event_id, "Standing", quantity=10)
    org = hub.client("organiser")
    for ent_id, name, ids in (("ent-main", "Main", []), ("ent-vip", "VIP gate", [vip])):
        ok(org.post(PATH, json={"eventId": event_id, "entrance": {"id": ent_id, "name": name,
                                                                   "definitionIds": ids}}))
    return event_id


def _connect(qtbot, ledger, hub, tmp_path, monkeypatch, role: str) -> SetupWizard:
    monkeypatch.setenv("TESSERA_KEYRING", "file")  # the key goes to tmp_path, never to this machine's keyring
    wizard = SetupWizard(ledger, key_dir=tmp_path / "keys")
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.choice.hub.setChecked(True)
    wizard.next()
    wizard.hub.url.setText(hub.url)
    wizard.hub.key.setText(hub.add_station(f"Station {role}", role))
    wizard.next()  # connects and pulls
    return wizard


def _door_tab(qtbot, ledger, tmp_path, event_id):
    from app import queries
    from app.context import StationContext
    from app.sound import SoundPlayer
    from app.tabs.door_tab import DoorTab

    with ledger.uow() as uow:
        info = queries.load_event(uow.session, event_id)
    ctx = StationContext(ledger=ledger, ledger_path=str(tmp_path / "ledger.db"), station="Door North",
                         operator="tester", event=info, sound=SoundPlayer(player=[], use_beep=False))
    door = DoorTab(ctx)
    qtbot.addWidget(door)
    door.refresh()
    return door


def test_door_station_picks_an_entrance_and_the_door_opens_on_it(qtbot, ledger, hub, hub_event, tmp_path,
                                                                 monkeypatch):
    wizard = _connect(qtbot, ledger, hub, tmp_path, monkeypatch, "door")
    assert wizard.currentId() == SetupWizard.PAGE_ENTRANCE, wizard.hub.error.text()
    page = wizard.entrance
    texts = [page.entrances.item(i).text() for i in range(page.entrances.count())]
    assert texts == [ALL_ENTRANCES, "Main", "VIP gate"]  # pulled from the hub at connect
    assert page.chosen_id() is None  # "all entrances" until the person picks one
    page.select("ent-vip")
    wizard.next()
    assert wizard.currentId() == SetupWizard.PAGE_CAMERA
    wizard.camera.camera.setCurrentIndex(0)
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.result_value is not None and wizard.result_value.event_id == hub_event
    with ledger.uow() as uow:
        assert state.door_entrance(uow.session, hub_event) == "ent-vip"  # where the door's picker keeps it
    door = _door_tab(qtbot, ledger, tmp_path, hub_event)
    qtbot.waitUntil(lambda: door.entrance_picker.entrance() is not None, timeout=5000)
    assert door.entrance_picker.entrance().name == "VIP gate"
    assert door.entrance_picker.combo.currentText() == "VIP gate"


def test_all_entrances_leaves_the_door_unrestricted(qtbot, ledger, hub, hub_event, tmp_path, monkeypatch):
    wizard = _connect(qtbot, ledger, hub, tmp_path, monkeypatch, "door")
    assert wizard.currentId() == SetupWizard.PAGE_ENTRANCE
    wizard.next()  # keep "all entrances"
    wizard.button(QWizard.WizardButton.FinishButton).click()
    with ledger.uow() as uow:
        assert state.door_entrance(uow.session, hub_event) is None


def test_box_office_key_skips_the_entrance_step(qtbot, ledger, hub, hub_event, tmp_path, monkeypatch):
    wizard = _connect(qtbot, ledger, hub, tmp_path, monkeypatch, "box-office")
    assert wizard.currentId() == SetupWizard.PAGE_CAMERA, wizard.hub.error.text()
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.result_value.role == "box-office"
    with ledger.uow() as uow:
        assert state.door_entrance(uow.session, hub_event) is None


def test_event_without_entrances_skips_the_step(qtbot, ledger, hub, tmp_path, monkeypatch):
    hub.seed_event(title="Open Night")
    wizard = _connect(qtbot, ledger, hub, tmp_path, monkeypatch, "door")
    assert wizard.currentId() == SetupWizard.PAGE_CAMERA, wizard.hub.error.text()


def test_local_event_never_asks_for_an_entrance(qtbot, ledger):
    wizard = SetupWizard(ledger)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    wizard.local.title.setText("Local Night")
    wizard.local.role.setCurrentIndex(wizard.local.role.findData("door"))
    wizard.next()
    assert wizard.currentId() == SetupWizard.PAGE_CAMERA


def test_step_needed_only_for_a_door_with_entrances():
    gate = EntranceView("e1", "ev", "Gate")
    assert entrance_step_needed("door", [gate])
    assert not entrance_step_needed("door", [])
    assert not entrance_step_needed("box-office", [gate])


def test_page_select_and_exit_label(qtbot):
    page = EntrancePage(next_id=3)
    qtbot.addWidget(page)
    page.load("ev", [EntranceView("e1", "ev", "Gate"), EntranceView("e2", "ev", "Way out", direction="EXIT")])
    assert page.count() == 2 and page.entrances.item(2).text() == "Way out (exit)"
    page.select("e2")
    assert page.chosen_id() == "e2"
    page.select("unknown")
    assert page.chosen_id() is None and page.nextId() == 3
