"""Start the real Tessera window on a demo ledger and save a PNG of each screen (run under Xvfb by
scripts/screenshots.sh; works with QT_QPA_PLATFORM=offscreen too).

Usage: python scripts/screenshots.py OUT_DIR [--keep-ledger]
Screens: door-ok, door-duplicate, door-unpaid, door-fullscreen, door-search, door-entrance, setup-entrance, box-office,
definitions, definition-dialog, orders, order-detail. The door's camera is a generated video file showing a demo
ticket's QR code; the demo event gets three entrances (add_entrances) for the entrance picker's screens."""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_video(path: Path, payload: str, seconds: float = 4.0) -> Path:
    """An MJPG .avi (30 fps, 960×540): a desk-like background, the QR of `payload` from 0.5 s on."""
    import cv2
    import numpy as np
    import qrcode

    qr = qrcode.QRCode(box_size=5, border=4)
    qr.add_data(payload)
    qr.make(fit=True)
    code = cv2.cvtColor(np.array(qr.make_image().convert("RGB")), cv2.COLOR_RGB2BGR)
    w, h, fps = 960, 540, 30
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    base = np.zeros((h, w, 3), np.uint8)
    base[:] = (70, 90, 110)
    cv2.rectangle(base, (160, 60), (800, 480), (225, 225, 225), -1)
    cv2.putText(base, "Tessera Demo Night", (200, 120), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (60, 60, 60), 2)
    shown = base.copy()
    y, x = (h - code.shape[0]) // 2 + 30, (w - code.shape[1]) // 2
    shown[y:y + code.shape[0], x:x + code.shape[1]] = code
    for i in range(int(seconds * fps)):
        writer.write(shown if i >= fps // 2 else base)
    writer.release()
    return path


def build_ledger(path: Path):
    """A demo ledger (core.demo) at `path`; returns the Demo description."""
    from core.db import Ledger
    from core.demo import build_demo

    ledger = Ledger.open(path)
    try:
        with ledger.uow() as uow:
            demo = build_demo(uow.session)
            uow.commit()
    finally:
        ledger.close()
    return demo


def add_entrances(path: Path, demo) -> dict[str, str]:
    """Give the demo event entrances (core.entrances): "Main doors" (every ticket), "Balcony stairs" (Balcony
    only) and "Side exit" (an exit). Returns {name: entrance id}."""
    from core.db import Ledger
    from core.entrances import EXIT, create_entrance

    ledger = Ledger.open(path)
    try:
        with ledger.uow() as uow:
            made = [create_entrance(uow.session, demo.event_id, "Main doors"),
                    create_entrance(uow.session, demo.event_id, "Balcony stairs", [demo.definitions["Balcony"]]),
                    create_entrance(uow.session, demo.event_id, "Side exit", direction=EXIT)]
            uow.commit()
    finally:
        ledger.close()
    return {e.name: e.id for e in made}


def wait_until(app, condition, timeout_s: float = 20.0) -> bool:
    """Run the event loop until `condition()` is true (bounded by `timeout_s`)."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.02)
    return False


def settle(app, seconds: float = 0.4) -> None:
    """Let background loads and repaints finish."""
    wait_until(app, lambda: False, seconds)


def shoot(app, widget, out: Path, name: str, *, screen: bool = False) -> Path:
    """Save `widget` (a window or dialog) as OUT/name.png. `screen`: grab the screen where the widget is, so
    open popups (a combo box's list) show too — on a real display (Xvfb); offscreen it grabs the widget."""
    settle(app)
    path = out / f"{name}.png"
    image = widget.grab()
    if screen and app.platformName() == "xcb":
        top_left = widget.mapToGlobal(widget.rect().topLeft())
        image = app.primaryScreen().grabWindow(0, top_left.x(), top_left.y(), widget.width(), widget.height())
    if not image.save(str(path)):
        raise OSError(f"could not write {path}")
    print(path)
    return path


def drive(app, window, demo, entrances: dict[str, str], out: Path) -> None:
    """Walk through the screens and save each one."""
    from app import tasks

    drive_door(app, window, demo, out)
    drive_entrances(app, window, demo, entrances, out)
    drive_office(app, window, demo, out)
    tasks.wait_for_done(10000)


def drive_door(app, window, demo, out: Path) -> None:
    """Door: the camera's OK, a duplicate, an unpaid ticket, a guest search."""
    from core.codes import check_in_url

    door = window.door
    results = []
    door.scanned.connect(results.append)
    if not wait_until(app, lambda: window.ctx.event is not None and len(results) >= 1, 30):
        raise RuntimeError("the camera scan did not arrive")
    shoot(app, window, out, "door-ok")
    door.stop_camera()
    door.submit(check_in_url(demo.samples["paid"], demo.event_id))
    wait_until(app, lambda: len(results) >= 2)
    shoot(app, window, out, "door-duplicate")
    door.submit(demo.samples["unpaid"])
    wait_until(app, lambda: len(results) >= 3)
    wait_until(app, door.pay_button.isVisible, 5)
    shoot(app, window, out, "door-unpaid")
    door.toggle_door_mode()  # F11: verdict, counters and input only
    settle(app, 1.0)
    shoot(app, door.door_mode, out, "door-fullscreen")
    door.door_mode.close()
    door.search.search_edit.setText("Müller")
    door.search.search()
    wait_until(app, lambda: door.search.model.rowCount() > 0)
    door.search.table.selectRow(0)
    shoot(app, window, out, "door-search")


def drive_entrances(app, window, demo, entrances: dict[str, str], out: Path) -> None:
    """The door's entrance picker (its list open, a Standing ticket refused at the Balcony stairs) and the
    set-up wizard's entrance step; the door goes back to "no entrance" afterwards."""
    from app.dialogs.setup_wizard import SetupWizard
    from app.dialogs.wizard_entrance import event_entrances

    door, results = window.door, []
    door.scanned.connect(results.append)
    picker = door.entrance_picker
    door.search.search_edit.clear()
    wait_until(app, lambda: picker.combo.count() == len(entrances) + 1, 10)
    picker.select(entrances["Balcony stairs"])
    settle(app, 0.5)
    door.submit(demo.samples["paid"])
    wait_until(app, lambda: results, 5)
    picker.combo.showPopup()
    shoot(app, window, out, "door-entrance", screen=True)
    picker.combo.hidePopup()
    picker.select(None)
    wizard = SetupWizard(window.ctx.ledger, parent=window)
    wizard.entrance.load(demo.event_id, event_entrances(window.ctx.ledger, demo.event_id))
    wizard.entrance.select(entrances["Main doors"])
    wizard.setStartId(SetupWizard.PAGE_ENTRANCE)
    wizard.resize(640, 440)
    wizard.show()
    shoot(app, wizard, out, "setup-entrance")
    wizard.close()


def drive_office(app, window, demo, out: Path) -> None:
    """Box office with a sale being entered, ticket definitions (+ the edit dialog), orders (+ detail)."""
    box = window.box_office
    window.tabs.setCurrentWidget(box)
    wait_until(app, lambda: box.picker.rowCount() > 0)
    box.picker.set_quantity(demo.definitions["Standing"], 2)
    box.picker.set_quantity(demo.definitions["Balcony"], 1)
    box.first_name.setText("Zoë")
    box.last_name.setText("Brontë")
    box.email.setText("zoe@example.org")
    box.tendered.setText("100")
    shoot(app, window, out, "box-office")
    window.tabs.setCurrentWidget(window.definitions)
    wait_until(app, lambda: window.definitions.model.rowCount() > 0)
    window.definitions.table.selectRow(0)
    shoot(app, window, out, "definitions")
    from app.dialogs.definition_dialog import DefinitionDialog

    row = window.definitions.selected()
    dialog = DefinitionDialog(row.data, window.ctx.event.currency, window.ctx.time_zone, window)
    dialog.show()
    shoot(app, dialog, out, "definition-dialog")
    dialog.close()
    orders = window.orders
    window.tabs.setCurrentWidget(orders)
    orders.refresh()
    wait_until(app, lambda: orders.orders_model.rowCount() > 0)
    shoot(app, window, out, "orders")
    orders.orders_view.selectRow(0)
    orders.open_selected()
    wait_until(app, lambda: orders.dialog is not None)
    shoot(app, orders.dialog, out, "order-detail")
    orders.dialog.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--keep-ledger", action="store_true", help="print and keep the demo ledger")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="tessera-shots-"))
    ledger_path = work / "demo.db"
    demo = build_ledger(ledger_path)
    entrances = add_entrances(ledger_path, demo)
    from core.codes import check_in_url

    video = make_video(work / "camera.avi", check_in_url(demo.samples["paid"], demo.event_id))
    from PySide6.QtWidgets import QMessageBox

    from app.main_window import create_window

    # Unattended: the "changes not yet uploaded — quit anyway?" question (WR-14) is answered Yes.
    QMessageBox.question = staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)
    app, window, ledger = create_window(str(ledger_path), event_id=demo.event_id, camera_source=str(video),
                                        station="Door A", muted=True)
    window.resize(1360, 860)
    try:
        drive(app, window, demo, entrances, args.out)
    finally:
        window.close()
        ledger.close()
    if args.keep_ledger:
        print(f"ledger: {ledger_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
