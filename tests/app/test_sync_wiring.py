"""Sync in the main window (app.sync_wiring.install_sync) against the real hub: the Sync tab and status-bar
indicator, the door's on-demand lookup of a ticket sold after the last pull (WR-13 a) and the amber
"not in local list" with the hub stopped (WR-13 b), and the confirmation before quitting with check-ins not
yet uploaded (WR-14)."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from PySide6.QtWidgets import QMessageBox

from app import formatting
from app.main_window import MainWindow
from app.sync_wiring import confirm_leave, install_sync, leave_question, offline_text
from core.checkin import Verdict, scan_and_commit
from core.models import CheckIn
from core.outbox import pending_count
from core.tickets import checked_in_map
from tests.app.sync_helpers import TZ, first_pull, station_context


@pytest.fixture
def door(qtbot, tmp_path, connect_station, no_dialogs):
    """(shop, window, wiring): a main window on the hub's event with sync installed and one run done."""
    shop = connect_station()
    first_pull(shop.ledger)
    window = MainWindow(station_context(shop, tmp_path), shop.event_id)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: "Hub Gala" in window.event_label.text(), timeout=5000)
    wiring = install_sync(window, interval_s=3600, engine_kw={"cooldown_s": 0.0}, start=False)
    with qtbot.waitSignal(wiring.controller.sync_finished, timeout=20000):
        wiring.controller.sync_now(force=True)
    qtbot.waitUntil(lambda: wiring.controller.status.online and wiring.controller.status.last_sync is not None,
                    timeout=5000)
    yield shop, window, wiring
    window.close()


def test_install_adds_the_sync_tab_and_status_indicator(qtbot, door):
    shop, window, wiring = door
    assert window.tabs.tabText(window.tabs.count() - 1) == "Sync"
    assert window.tabs.widget(window.tabs.count() - 1) is wiring.tab
    assert not window.sync_label.isVisibleTo(window)
    qtbot.waitUntil(lambda: wiring.status_widget.label.text().startswith("online — last sync "), timeout=5000)
    assert wiring.status_widget.label.text().endswith("— 0 changes waiting")
    assert "tickets: " in wiring.status_widget.toolTip()
    window.door.submit(shop.paid["tickets"][0], "MANUAL")  # a check-in: counted at once, pushed soon after
    qtbot.waitUntil(lambda: window.door.verdict_panel.verdict == "OK", timeout=5000)
    qtbot.waitUntil(lambda: "1 change waiting" in wiring.status_widget.label.text(), timeout=5000)
    qtbot.waitUntil(lambda: "0 changes waiting" in wiring.status_widget.label.text(), timeout=15000)
    with shop.hub.ledger.uow() as uow:
        assert shop.paid["tickets"][0] in checked_in_map(uow.session, [shop.paid["tickets"][0]])


def test_wr13a_ticket_sold_after_the_last_pull_is_admitted_after_the_lookup(qtbot, door):
    shop, window, _wiring = door
    late = shop.sell_on_hub()
    results = []
    window.door.scanned.connect(lambda r: results.append(r.verdict))
    window.door.submit(late, "MANUAL")
    qtbot.waitUntil(lambda: window.door.verdict_panel.verdict == "OK", timeout=10000)
    assert results == [Verdict.UNKNOWN, Verdict.OK]  # the stale snapshot, then the re-scan after the lookup
    assert window.door.verdict_panel.css_class == "ok"
    with shop.ledger.uow() as uow:
        assert late in checked_in_map(uow.session, [late])


def test_wr13a_a_ticket_the_server_does_not_know_either_is_red(qtbot, door):
    _shop, window, _wiring = door
    window.door.submit("NOPE-0000-XX021", "MANUAL")
    panel = window.door.verdict_panel
    qtbot.waitUntil(lambda: "server either" in panel.details.text() or "NOT IN" in panel.headline.text(),
                    timeout=15000)
    shown = (panel.headline.text(), panel.css_class, panel.details.text())
    assert shown == ("UNKNOWN TICKET", "error", "Ticket NOPE-0000-XX021 is not known to the server either"), shown


def test_wr13b_offline_unknown_ticket_is_amber_with_the_last_sync_time(qtbot, door):
    shop, window, wiring = door
    late = shop.sell_on_hub()
    shop.stop_hub()
    window.door.submit(late, "MANUAL")
    panel = window.door.verdict_panel
    qtbot.waitUntil(lambda: panel.headline.text() == "NOT IN LOCAL LIST", timeout=10000)
    last = wiring.controller.status.last_success["tickets"]
    expected = f"Not in local list (last sync {formatting.clock(last, TZ)}), check the purchase e-mail or " \
               "admit provisionally"
    assert panel.details.text() == expected == offline_text(last, TZ)
    assert panel.css_class == "warn" and late in panel.extra.text()
    assert window.door.ctx.sound.history[-1][0] == "warn"
    qtbot.wait(300)
    assert panel.css_class == "warn"  # never turns red because of a stale snapshot
    # ... and staff may admit provisionally: stored as a PROVISIONAL check-in, checked at the next sync
    button = window.door.provisional_button
    assert button.isVisibleTo(window.door) and button.isEnabled()
    button.click()
    qtbot.waitUntil(lambda: panel.css_class == "ok", timeout=5000)
    assert "provisionally" in panel.details.text() + panel.extra.text() + panel.headline.text()
    assert not button.isVisibleTo(window.door)
    with shop.ledger.sessions() as s:
        [row] = s.scalars(select(CheckIn).where(CheckIn.ticket_number == late)).all()
        assert row.method == "PROVISIONAL"


def test_wr14_leave_question_text():
    assert leave_question(0, 0, "Quit anyway?") is None
    text = leave_question(37, 0, "Quit anyway?")
    assert text.startswith("37 check-ins not yet uploaded.") and text.endswith("Quit anyway?")
    assert leave_question(1, 2, "x").startswith("1 check-in not yet uploaded (and 2 other changes).")
    assert leave_question(0, 1, "x").startswith("1 change not yet uploaded.")


def test_wr14_quitting_with_checkins_not_uploaded_asks_and_keeps_the_queue(qtbot, door, monkeypatch):
    shop, window, wiring = door
    shop.stop_hub()
    for tn in shop.paid["tickets"]:
        assert scan_and_commit(shop.ledger, tn, event_ids=[shop.event_id], station="Door A").verdict == Verdict.OK
    asked = []

    def answer(reply):
        def question(parent, title, text, *args):
            asked.append((title, text))
            return reply
        return question

    window.show()
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    assert not window.close() and window.isVisible()
    assert asked[-1][0] == "Quit Tessera" and asked[-1][1].startswith("2 check-ins not yet uploaded.")
    assert confirm_leave(window, shop.ledger, "Switch event", "Switch anyway?", event_id=shop.event_id) is False
    assert asked[-1][1].startswith("2 check-ins not yet uploaded.")
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    assert window.close() and not window.isVisible()
    assert not wiring.controller.sync_now()  # shut down with the window
    with shop.ledger.uow() as uow:
        assert pending_count(uow.session) == 2  # the queue survives, in SQLite


def test_wr13b_station_never_connected_shows_amber_not_red(qtbot, ctx, no_dialogs):
    """WR-13 b without any connection: the unknown ticket is amber "not in local list (last sync never)"."""
    window = MainWindow(ctx, ctx.event_id)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: "Door Test" in window.event_label.text(), timeout=5000)
    wiring = install_sync(window, interval_s=3600, start=False)
    with qtbot.waitSignal(wiring.controller.sync_failed, timeout=10000):
        wiring.controller.sync_now()
    qtbot.waitUntil(lambda: "not connected" in wiring.status_widget.label.text(), timeout=5000)
    window.door.submit("LATE-0000-XX021", "MANUAL")
    panel = window.door.verdict_panel
    qtbot.waitUntil(lambda: panel.headline.text() == "NOT IN LOCAL LIST", timeout=10000)
    assert panel.css_class == "warn" and panel.details.text() == offline_text(None, ctx.time_zone)
    assert "(last sync never)" in panel.details.text()
    window.close()
