"""The first-start "set up this station" wizard (app.dialogs.setup_wizard, issue 12): a local event, a real hub
on loopback, a bad key, and when it is shown at all."""
from __future__ import annotations

from datetime import timezone
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtWidgets import QWizard

from app.dialogs.setup_wizard import SetupWizard, camera_choices, first_start, needs_setup, open_role_tab
from core.events import create_event, list_events
from sync.station import load_config


def _drive(qtbot, wizard: SetupWizard, *, hub: bool) -> None:
    qtbot.addWidget(wizard)
    wizard.show()
    (wizard.choice.hub if hub else wizard.choice.local).setChecked(True)
    wizard.next()


def test_create_a_local_event(qtbot, ledger):
    wizard = SetupWizard(ledger)
    _drive(qtbot, wizard, hub=False)
    page = wizard.local
    assert wizard.currentId() == SetupWizard.PAGE_LOCAL
    assert not page.isComplete()  # a title is needed
    page.title.setText("Friday Night")
    page.zone.setCurrentText("Europe/Berlin")
    page.currency.setText("chf")
    page.role.setCurrentIndex(page.role.findData("box-office"))
    wizard.next()
    assert wizard.currentId() == SetupWizard.PAGE_CAMERA
    wizard.camera.camera.setCurrentIndex(0)  # no camera
    wizard.button(QWizard.WizardButton.FinishButton).click()
    result = wizard.result_value
    assert result is not None and (result.role, result.camera, result.hub_url) == ("box-office", None, "")
    from app import config  # the choices outlive this session: the station's settings file
    assert (config.get("station_role"), config.get("camera")) == ("box-office", "")
    with ledger.uow() as uow:
        [event] = list_events(uow.session)
        assert (event.id, event.title, event.time_zone, event.currency) == (result.event_id, "Friday Night",
                                                                           "Europe/Berlin", "CHF")
        local = event.start.replace(tzinfo=timezone.utc).astimezone(ZoneInfo("Europe/Berlin"))
        assert (local.hour, local.minute) == (20, 0)  # the wall time typed, read in the event's zone
    assert not needs_setup(ledger)


def test_unknown_zone_stays_on_the_page(qtbot, ledger):
    wizard = SetupWizard(ledger)
    _drive(qtbot, wizard, hub=False)
    wizard.local.title.setText("Gig")
    wizard.local.zone.setCurrentText("Mars/Olympus")
    wizard.next()
    assert wizard.currentId() == SetupWizard.PAGE_LOCAL
    assert "Unknown time zone" in wizard.local.error.text()


def test_connect_to_a_real_hub_on_loopback(qtbot, ledger, hub, tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_KEYRING", "file")  # the key goes to tmp_path, never to this machine's keyring
    with hub.uow() as s:
        event_id = create_event(s, title="Hub Night", time_zone="Europe/Berlin", currency="EUR").id
    key = hub.add_station("Door North", "door")
    wizard = SetupWizard(ledger, key_dir=tmp_path / "keys")
    _drive(qtbot, wizard, hub=True)
    assert wizard.currentId() == SetupWizard.PAGE_HUB
    wizard.hub.url.setText(hub.url)
    wizard.hub.key.setText(key)
    wizard.next()  # connects
    assert wizard.currentId() == SetupWizard.PAGE_CAMERA, wizard.hub.error.text()
    wizard.button(QWizard.WizardButton.FinishButton).click()
    result = wizard.result_value
    assert result is not None and (result.event_id, result.role, result.hub_url) == (event_id, "door",
                                                                                       hub.url.rstrip("/"))
    with ledger.uow() as uow:
        cfg = load_config(uow.session)
        assert cfg is not None and cfg.url == hub.url.rstrip("/") and cfg.event_ids == [event_id]
        assert [e.title for e in list_events(uow.session)] == ["Hub Night"]  # pulled before the window opens
    assert cfg.key_storage.startswith("file")
    assert not needs_setup(ledger)


def test_a_bad_key_stays_on_the_hub_page(qtbot, ledger, hub, tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_KEYRING", "file")
    wizard = SetupWizard(ledger, key_dir=tmp_path / "keys")
    _drive(qtbot, wizard, hub=True)
    wizard.hub.url.setText(hub.url)
    wizard.hub.key.setText("not-a-key")
    wizard.next()
    assert wizard.currentId() == SetupWizard.PAGE_HUB
    assert wizard.hub.error.text().startswith("Could not connect")
    with ledger.uow() as uow:
        assert load_config(uow.session) is None


def test_first_start_only_on_an_empty_ledger(qtbot, ledger, monkeypatch):
    db = str(ledger.engine.url.database)
    with ledger.uow() as uow:
        create_event(uow.session, title="Existing", time_zone="UTC", currency="EUR")
        uow.commit()
    monkeypatch.setattr(SetupWizard, "exec", lambda self: pytest.fail("the wizard must not open"))
    assert first_start(db) is None


def test_first_start_cancelled_returns_none(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(SetupWizard, "exec", lambda self: 0)  # the person closes the wizard
    assert first_start(str(tmp_path / "fresh.db")) is None


def test_camera_choices_start_with_no_camera():
    choices = camera_choices()
    assert choices[0][1] is None and all(isinstance(src, int) for _, src in choices[1:])


def test_open_role_tab_picks_the_tab():
    class Tabs:
        current = None

        def setCurrentWidget(self, widget):
            self.current = widget

    class Window:
        door, box_office, definitions, tabs = "D", "B", "T", Tabs()

    window = Window()
    open_role_tab(window, "organiser")
    assert window.tabs.current == "T"
    open_role_tab(window, "box-office")
    assert window.tabs.current == "B"


def test_tessera_gui_on_an_empty_ledger_runs_the_wizard_first(qtbot, tmp_path, monkeypatch, no_dialogs):
    """The hook in app/cli/gui_cmd.py: no event and no hub → the wizard; the window opens on the new event, on
    the tab of the chosen role."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.cli import main as cli_main
    from app.main_window import MainWindow

    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setenv("TESSERA_HOME", str(tmp_path / "home"))

    def fill_in_and_finish(wizard):
        wizard.local.title.setText("Wizard Night")
        wizard.local.role.setCurrentIndex(wizard.local.role.findData("box-office"))
        wizard.camera.camera.setCurrentIndex(0)
        wizard.accept()
        return 1

    monkeypatch.setattr(SetupWizard, "exec", fill_in_and_finish)
    seen = []

    def close_when_ready():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if windows and "Wizard Night" in windows[0].windowTitle():
            seen.append((windows[0].windowTitle(), windows[0].tabs.currentWidget() is windows[0].box_office))
            windows[0].close()
        else:
            QTimer.singleShot(100, close_when_ready)

    for leftover in QApplication.topLevelWidgets():
        leftover.close()
    QTimer.singleShot(100, close_when_ready)
    assert cli_main.main(["gui", "--db", str(tmp_path / "fresh.db"), "--mute"]) == 0
    assert seen == [("Tessera — Wizard Night", True)]
