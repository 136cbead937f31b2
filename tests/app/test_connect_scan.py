"""The set-up wizard reads the organiser's connect code (issue 12): `tessera hub add-station --qr` writes the
PNG, the wizard loads it (or sees it through a camera — a video file stands in), fills URL/key/name and
connects to the real hub on loopback; a ticket's QR is not taken for a connect code."""
from __future__ import annotations

from PySide6.QtWidgets import QWizard

from app.cli.main import main
from app.dialogs.setup_wizard import SetupWizard
from core.connect_code import connect_code_png, make_connect_code
from core.events import create_event
from tests.app.media import make_ticket_video
from tests.app.test_setup_wizard import _drive


def test_add_station_qr_then_the_wizard_loads_it_and_connects(qtbot, ledger, hub, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TESSERA_KEYRING", "file")
    with hub.uow() as s:
        event_id = create_event(s, title="Hub Night", time_zone="Europe/Berlin", currency="EUR").id
    png = tmp_path / "door.png"
    assert main(["hub", "add-station", "Door West", "--role", "door", "--db", hub.ledger.engine.url.render_as_string(hide_password=False), "--qr", str(png),
                 "--url", hub.url]) == 0
    capsys.readouterr()
    wizard = SetupWizard(ledger, key_dir=tmp_path / "keys")
    _drive(qtbot, wizard, hub=True)
    with qtbot.waitSignal(wizard.hub.code_read, timeout=10000):
        wizard.hub.load_image(str(png))
    assert (wizard.hub.url.text(), wizard.hub.station.text()) == (hub.url, "Door West")
    assert wizard.hub.key.text().startswith("tsk_")
    wizard.next()  # connects with the scanned key
    assert wizard.currentId() == SetupWizard.PAGE_CAMERA, wizard.hub.error.text()
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert (wizard.result_value.event_id, wizard.result_value.role) == (event_id, "door")


def test_camera_scan_reads_the_code_from_a_video(qtbot, ledger, tmp_path):
    code = make_connect_code("http://127.0.0.1:9", "tsk_secret", "Box 2")
    video = make_ticket_video(tmp_path / "code.avi", code, qr_frames=20)
    wizard = SetupWizard(ledger, key_dir=tmp_path / "keys")
    _drive(qtbot, wizard, hub=True)
    with qtbot.waitSignal(wizard.hub.code_read, timeout=15000):
        wizard.hub.scan_camera(str(video))
    assert (wizard.hub.url.text(), wizard.hub.key.text(), wizard.hub.station.text()) == (
        "http://127.0.0.1:9", "tsk_secret", "Box 2")


def test_a_ticket_qr_is_not_a_connect_code(qtbot, ledger, tmp_path):
    video = make_ticket_video(tmp_path / "ticket.avi", "https://www.wix.com/events/check-in?t=ABC", qr_frames=10)
    image = tmp_path / "ticket.png"
    image.write_bytes(connect_code_png("https://www.wix.com/events/check-in?t=ABC"))
    wizard = SetupWizard(ledger, key_dir=tmp_path / "keys")
    _drive(qtbot, wizard, hub=True)
    with qtbot.waitSignal(wizard.hub.code_read, timeout=15000):
        wizard.hub.scan_camera(str(video))
    assert "not one" in wizard.hub.error.text() and wizard.hub.key.text() == ""
    with qtbot.waitSignal(wizard.hub.code_read, timeout=10000):
        wizard.hub.load_image(str(image))
    assert "holds no connect code" in wizard.hub.error.text()
    with qtbot.waitSignal(wizard.hub.code_read, timeout=10000):
        wizard.hub.load_image(str(tmp_path / "missing.png"))
    assert wizard.hub.error.text().startswith("Could not read a connect code")
