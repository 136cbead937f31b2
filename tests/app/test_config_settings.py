"""app/config.py's settings file and `tessera settings`: environment > file > default, typed values, atomic
0600 writes, a damaged file ignored (defaults), unknown keys and wrong types refused clearly."""
import json
import os
import stat

import pytest

from app import config
from app.cli.main import main


def test_file_then_environment_then_default(monkeypatch):
    assert config.get("receipt_auto") is False
    assert config.set_value("receipt_auto", "yes") is True
    assert config.get("receipt_auto") is True
    monkeypatch.setenv("TESSERA_RECEIPT_AUTO", "0")
    assert config.get("receipt_auto") is False
    monkeypatch.delenv("TESSERA_RECEIPT_AUTO")
    config.unset("receipt_auto")
    assert config.get("receipt_auto") is False


def test_values_are_typed_and_wrong_ones_refused():
    assert config.set_value("door_ready_after_s", "2.5") == 2.5
    with pytest.raises(ValueError, match="not a float"):
        config.set_value("door_ready_after_s", "soon")
    with pytest.raises(ValueError, match="true/false"):
        config.set_value("receipt_auto", "maybe")
    with pytest.raises(KeyError):
        config.set_value("no_such_setting", "1")
    assert config.get("door_ready_after_s") == 2.5


def test_file_is_private_and_replaced_whole():
    config.set_value("operator", "Ana")
    path = config.settings_path()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert json.loads(path.read_text()) == {"operator": "Ana"}
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".settings-")]


def test_damaged_file_gives_defaults_never_a_crash(caplog):
    config.settings_path().write_text("{not json")
    assert config.get("locale") == "en_US"
    assert "ignored" in caplog.text
    config.settings_path().write_text(json.dumps({"scan_debounce_s": "fast", "unknown": 1, "locale": "de_CH"}))
    assert (config.get("scan_debounce_s"), config.get("locale")) == (2.0, "de_CH")
    config.set_value("operator", "Bo")  # rewriting drops what was unreadable
    assert json.loads(config.settings_path().read_text()) == {"locale": "de_CH", "operator": "Bo"}


def test_cli_settings(capsys):
    assert main(["settings", "set", "walk_in_names_required", "false"]) == 0
    assert main(["settings", "get", "walk_in_names_required", "--json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out[out.index("{"):]) == {"key": "walk_in_names_required", "value": False,
                                                "source": "settings file"}
    assert main(["settings", "list"]) == 0
    assert "walk_in_names_required  False" in capsys.readouterr().out
    assert main(["settings", "set", "nope", "1"]) == 1
    assert "unknown setting 'nope'" in capsys.readouterr().err
    assert main(["settings", "set", "scan_debounce_s", "x"]) == 1
    assert main(["settings", "unset", "walk_in_names_required"]) == 0
    assert config.get("walk_in_names_required") is True


def test_gui_camera_comes_from_the_setting_unless_given():
    from argparse import Namespace

    from app.cli.gui_cmd import camera_source

    assert camera_source(Namespace(camera=None, camera_file=None)) is None
    config.set_value("camera", "1")
    assert camera_source(Namespace(camera=None, camera_file=None)) == 1
    assert camera_source(Namespace(camera=0, camera_file=None)) == 0
    config.set_value("camera", "/dev/video2")
    assert camera_source(Namespace(camera=None, camera_file=None)) == "/dev/video2"
