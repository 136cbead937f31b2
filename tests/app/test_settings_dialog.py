"""The station's settings dialog: an editor per setting, saving writes the settings file, values forced by
the environment are read-only, a wrong value is refused with the reason."""
from PySide6.QtWidgets import QCheckBox, QMessageBox

from app import config
from app.dialogs.settings_dialog import SettingsDialog


def test_edit_and_save(qtbot):
    dialog = SettingsDialog()
    qtbot.addWidget(dialog)
    assert set(dialog.editors) == set(config.SETTINGS)
    box = dialog.editors["door_provisional"]
    assert isinstance(box, QCheckBox) and box.isChecked()
    box.setChecked(False)
    dialog.editors["receipt_printer"].setText("network:10.0.0.9")
    dialog.editors["door_ready_after_s"].setValue(3.0)
    assert dialog.changed() == {"door_provisional": False, "receipt_printer": "network:10.0.0.9",
                                "door_ready_after_s": 3.0}
    dialog.save()
    assert (config.get("door_provisional"), config.get("receipt_printer"), config.get("door_ready_after_s")) == (
        False, "network:10.0.0.9", 3.0)


def test_environment_forced_values_are_read_only(qtbot, monkeypatch):
    monkeypatch.setenv("TESSERA_LOCALE", "de_CH")
    dialog = SettingsDialog()
    qtbot.addWidget(dialog)
    assert not dialog.editors["locale"].isEnabled()
    assert "locale" not in dialog.changed()


def test_a_wrong_value_is_refused_with_the_reason(qtbot, monkeypatch):
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    monkeypatch.setattr(config, "set_value", lambda k, v: (_ for _ in ()).throw(OSError("disk full")))
    dialog = SettingsDialog()
    qtbot.addWidget(dialog)
    dialog.editors["operator"].setText("Ana")
    dialog.save()
    assert warned == ["disk full"] and dialog.result() == 0
