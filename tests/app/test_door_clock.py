"""Issue 7, the door as one use case: with the station clock 10 minutes slow (the offset measured from a real
hub's server-time header), `tessera scan` and the GUI door store the same corrected time; the BC-20 flow
(central undo on the hub, then a fresh scan at the slow station) gives one new accepted check-in, not a
duplicate; and the GUI tickets model, `tessera tickets list` and the hub agree on who is checked in."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.cli.main import main
from app.main_window import MainWindow
from app.models.tickets_model import COL_CHECKED_IN, TicketsTableModel
from app.queries import ticket_rows
from app.sync_wiring import install_sync
from core import door as core_door
from core.models import CheckIn
from core.timeutil import utcnow
from sync import clock
from sync.client import device_now
from sync.engine import SyncEngine
from sync.station import load_config, load_key, make_api
from tests.app.sync_helpers import station_context
from tests.sync.hub_fixtures import ok

SLOW = timedelta(minutes=-10)  # the station's clock is 10 minutes behind


def slow_sync(ledger, skew: timedelta = SLOW) -> None:
    """One sync run of the connected station whose device clock is off by `skew` (the offset is measured
    from the hub's X-Server-Time header and stored, BC-13)."""
    with ledger.uow() as uow:
        cfg = load_config(uow.session)
    api = make_api(cfg, load_key(cfg), clock=lambda: device_now() + skew)
    try:
        report = SyncEngine(ledger, api, cfg.station, cfg.event_ids, cooldown_s=0.0, clock_warn_s=120.0).run_once(force=True)
    finally:
        api.http.close()
    assert report.ok, report.error


def rows_of(ledger, tn: str) -> list[CheckIn]:
    with ledger.uow() as uow:
        rows = list(uow.session.scalars(select(CheckIn).where(CheckIn.ticket_number == tn).order_by(CheckIn.id)))
        uow.session.expunge_all()
        return rows


def scan_cli(capsys, db: str, *args: str) -> list[dict]:
    capsys.readouterr()
    assert main(["scan", "--db", db, "--json", *args]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]


@pytest.fixture
def slow_station(connect_station, monkeypatch):
    """A station connected to a hub, synced with its clock 10 minutes slow; the door's device clock (core.door)
    is slow too. Returns the HubShop."""
    shop = connect_station(role="door")
    slow_sync(shop.ledger)
    monkeypatch.setattr(core_door, "device_now", lambda: utcnow() + SLOW)
    return shop


def _measured(ledger) -> float:
    with ledger.uow() as uow:
        offset = clock.load(uow.session, 120.0).offset_s
    assert 595 <= offset <= 605, offset
    return offset


def test_slow_station_cli_and_gui_door_store_the_same_corrected_time(qtbot, tmp_path, slow_station, no_dialogs,
                                                                    monkeypatch, capsys):
    shop = slow_station
    offset = _measured(shop.ledger)
    device = utcnow().replace(microsecond=0) + SLOW  # one fixed device instant for both front ends
    monkeypatch.setattr(core_door, "device_now", lambda: device)
    by_cli, by_gui = shop.paid["tickets"]
    [line] = scan_cli(capsys, str(tmp_path / "ledger.db"), "--code", by_cli)
    assert line["verdict"] == "OK"

    window = MainWindow(station_context(shop, tmp_path), shop.event_id)
    qtbot.addWidget(window)
    wiring = install_sync(window, interval_s=3600, engine_kw={"cooldown_s": 0.0}, start=False)
    wiring.controller.refresh_status()  # the GUI learns the stored offset the way it always does
    qtbot.waitUntil(lambda: window.ctx.clock_offset_s == offset, timeout=5000)
    window.door.submit(by_gui, "SCAN")
    qtbot.waitUntil(lambda: window.door.verdict_panel.verdict == "OK", timeout=5000)
    window.close()

    [cli_row], [gui_row] = rows_of(shop.ledger, by_cli), rows_of(shop.ledger, by_gui)
    assert cli_row.device_time == gui_row.device_time == device
    assert cli_row.corrected_time == gui_row.corrected_time == device + timedelta(seconds=offset)
    assert abs((gui_row.corrected_time - utcnow()).total_seconds()) < 30  # ≈ the real time, not 10 min ago


def test_bc20_central_undo_then_a_fresh_scan_at_a_slow_station_is_one_new_check_in(tmp_path, slow_station, capsys):
    shop = slow_station
    db, tn = str(tmp_path / "ledger.db"), shop.paid["tickets"][0]
    assert scan_cli(capsys, db, "--code", tn)[0]["verdict"] == "OK"
    slow_sync(shop.ledger)                                   # pushed: the hub holds the check-in
    central = shop.hub.client("organiser")
    ok(central.request("DELETE", "/events/v1/tickets/check-in",
                       params=[("eventId", shop.event_id), ("ticketNumber", tn)]))  # central undo
    slow_sync(shop.ledger)                                   # the station learns of the undo
    assert scan_cli(capsys, db, "--code", tn)[0]["verdict"] == "OK"  # a fresh scan: admitted again
    slow_sync(shop.ledger)
    for ledger in (shop.ledger, shop.hub.ledger):
        rows = sorted(rows_of(ledger, tn), key=lambda r: (r.corrected_time, r.id))
        assert [(r.kind, r.status) for r in rows] == [("CHECK_IN", "ACCEPTED"), ("UNDO", "ACCEPTED"),
                                                      ("CHECK_IN", "ACCEPTED")], ledger
    assert scan_cli(capsys, db, "--code", tn)[0]["verdict"] == "ALREADY_CHECKED_IN"


def test_gui_tickets_model_cli_list_and_hub_agree_on_checked_in(qtbot, tmp_path, slow_station, capsys):
    """One ledger history (checked in; undone; checked in, undone, in again; never) seen three ways."""
    shop = slow_station
    db = str(tmp_path / "ledger.db")
    a, b = shop.paid["tickets"]
    c = shop.sell_on_hub()
    d = shop.sell_on_hub()
    slow_sync(shop.ledger)
    scan_cli(capsys, db, "--code", a, b, c)
    scan_cli(capsys, db, "--undo", b, c)
    scan_cli(capsys, db, "--code", c)
    slow_sync(shop.ledger)
    expected = {a: True, b: False, c: True, d: False}

    central = shop.hub.client("organiser")
    body = ok(central.get("/events/v1/tickets", params=[("eventId", shop.event_id), ("limit", "100"),
                                                        ("fieldset", "TICKET_DETAILS")]))
    hub = {t["ticketNumber"]: bool(t.get("checkIn")) for t in body["tickets"] if t["ticketNumber"] in expected}

    capsys.readouterr()
    assert main(["tickets", "list", "--db", db, "--json", "--event", shop.event_id]) == 0
    listed = json.loads(capsys.readouterr().out)["tickets"]
    cli = {t["ticketNumber"]: bool(t.get("checkIn")) for t in listed if t["ticketNumber"] in expected}

    model = TicketsTableModel()
    with shop.ledger.uow() as uow:
        model.set_rows(ticket_rows(uow.session, shop.event_id).rows)
    gui = {}
    for r in range(model.rowCount()):
        number = model.index(r, 0).data()
        if number in expected:
            gui[number] = bool(model.index(r, COL_CHECKED_IN).data())
    assert hub == cli == gui == expected
