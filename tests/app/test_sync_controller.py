"""SyncController against the real hub: background runs on a timer (never two at once), the status (online,
last sync, changes waiting), a station that is not connected, an offline check-in waiting until the hub is
back, the on-demand lookup of a ticket sold after the last pull (WR-13 a / b), and shutdown."""
from __future__ import annotations

from datetime import timedelta

from app import formatting
from app.sync_controller import FOUND, NOT_FOUND, OFFLINE, SyncStatus, unsent_changes
from core.checkin import Verdict, scan_and_commit
from core.tickets import checked_in_map
from core.timeutil import utcnow
from tests.app.sync_helpers import TZ


def _run(qtbot, controller, timeout=20000):
    with qtbot.waitSignal(controller.sync_finished, timeout=timeout) as blocker:
        assert controller.sync_now(force=True)
    qtbot.waitUntil(lambda: not controller.status.running, timeout=5000)
    return blocker.args[0]


def test_connected_station_syncs_in_the_background_and_shows_last_sync(qtbot, connect_station, make_controller,
                                                                       ledger):
    shop = connect_station()
    c = make_controller(interval_s=0.3)
    progress = []
    c.sync_progress.connect(progress.append)
    with qtbot.waitSignal(c.sync_finished, timeout=20000) as blocker:
        c.start()
        assert c.running and not c.sync_now()  # in flight on the pool; a second run is not started
    report = blocker.args[0]
    assert report.ok and report.pulled > 0
    qtbot.waitUntil(lambda: progress and progress[-1].startswith("sync ok"), timeout=5000)  # relayed, in order
    assert progress[0] == "connecting…"
    qtbot.waitUntil(lambda: c.status.online and c.status.last_sync is not None and not c.status.running,
                    timeout=5000)
    st = c.status
    assert st.connected and st.pending == 0 and st.rejected == 0 and st.conflicts == 0
    assert {"tickets", "orders", "definitions"} <= set(st.last_success)
    assert st.text(TZ) == f"online — last sync {formatting.clock(st.last_sync, TZ)} — 0 changes waiting"
    assert st.station == "Door A" and st.server == shop.hub.url
    assert scan_and_commit(ledger, shop.paid["tickets"][0], event_ids=[shop.event_id],  # pulled from the hub
                           station="Door A").verdict == Verdict.OK
    with qtbot.waitSignal(c.sync_finished, timeout=10000) as again:  # the timer runs again by itself
        pass
    assert again.args[0].ok or again.args[0].skipped


def test_station_without_connection_reports_offline_not_connected(qtbot, ledger, make_controller):
    from tests.app.conftest import make_event

    make_event(ledger)
    with ledger.uow() as uow:
        checkins, others = unsent_changes(uow.session)
    waiting = checkins + others
    assert checkins == 0 and others >= 2  # the event's definitions and two box-office sales
    c = make_controller()
    with qtbot.waitSignal(c.sync_failed, timeout=10000) as blocker:
        c.sync_now()
    assert "not connected" in blocker.args[0]
    qtbot.waitUntil(lambda: c.status.pending == waiting and not c.status.running, timeout=5000)
    assert not c.status.connected and not c.status.online
    assert c.status.text(TZ) == f"offline — not connected — {waiting} changes waiting"


def test_offline_checkin_waits_until_the_hub_is_back(qtbot, connect_station, make_controller):
    shop = connect_station()
    c = make_controller()
    assert _run(qtbot, c).ok
    shop.stop_hub()
    with qtbot.waitSignal(c.sync_failed, timeout=20000):
        c.sync_now(force=True)
    qtbot.waitUntil(lambda: not c.status.online and not c.status.running, timeout=5000)
    tn = shop.paid["tickets"][0]
    assert scan_and_commit(shop.ledger, tn, event_ids=[shop.event_id], station="Door A").verdict == Verdict.OK
    c.on_local_change("checkins")
    qtbot.waitUntil(lambda: c.status.pending == 1, timeout=5000)
    assert c.status.pending_checkins == 1
    assert c.status.text(TZ).startswith("offline — last sync ")
    assert c.status.text(TZ).endswith("— 1 change waiting")
    shop.start_hub()
    assert _run(qtbot, c).ok
    qtbot.waitUntil(lambda: c.status.pending == 0 and c.status.online, timeout=5000)
    assert c.status.text(TZ).endswith("— 0 changes waiting")
    with shop.hub.ledger.uow() as uow:
        assert tn in checked_in_map(uow.session, [tn])


def test_wr13_lookup_unknown_fetches_a_ticket_sold_after_the_last_pull(qtbot, connect_station, make_controller):
    """WR-13 a: the ticket bought online after the last pull is fetched and then admitted; a number the hub
    does not know either is NOT_FOUND; WR-13 b: with the hub gone the answer is OFFLINE with the last sync."""
    shop = connect_station()
    c = make_controller()
    assert _run(qtbot, c).ok
    late = shop.sell_on_hub()
    assert scan_and_commit(shop.ledger, late, event_ids=[shop.event_id], station="Door A").verdict == Verdict.UNKNOWN
    outcomes = []
    c.lookup_unknown(shop.event_id, late, outcomes.append)
    qtbot.waitUntil(lambda: len(outcomes) == 1, timeout=10000)
    assert outcomes[0].status == FOUND and outcomes[0].ticket["ticketNumber"] == late
    assert scan_and_commit(shop.ledger, late, event_ids=[shop.event_id], station="Door A").verdict == Verdict.OK
    c.lookup_unknown(shop.event_id, "NOPE-0000-XX021", outcomes.append)
    qtbot.waitUntil(lambda: len(outcomes) == 2, timeout=10000)
    assert outcomes[1].status == NOT_FOUND
    shop.stop_hub()
    other = shop.sell_on_hub(first="Later")  # sold while the station cannot reach the hub
    c.lookup_unknown(shop.event_id, other, outcomes.append)
    qtbot.waitUntil(lambda: len(outcomes) == 3, timeout=10000)
    assert outcomes[2].status == OFFLINE and outcomes[2].last_sync == c.status.last_success["tickets"]
    assert not c.status.online


def test_shutdown_cancels_and_stops_the_timer(qtbot, connect_station, make_controller):
    connect_station()
    c = make_controller(interval_s=0.2)
    started = []
    c.sync_started.connect(lambda: started.append(1))
    c.start()
    assert c.shutdown(10000)
    n = len(started)
    qtbot.wait(600)
    assert len(started) == n and not c.sync_now()


def test_status_text_variants():
    now = utcnow()
    base = SyncStatus(connected=True, online=False, last_sync=now, pending=3, rejected=1, conflicts=2,
                      clock_warning="clock is off")
    shown = formatting.clock(now, TZ)
    assert base.text(TZ) == (f"offline — last sync {shown} — 3 changes waiting — 1 rejected — 2 conflicts"
                             " — check the clock")
    assert SyncStatus(connected=True, online=True).text(TZ) == "online — last sync never — 0 changes waiting"
    assert SyncStatus(pending=1).text(TZ) == "offline — not connected — 1 change waiting"
    yesterday = SyncStatus(connected=True, online=True, last_sync=now - timedelta(days=1), running=True)
    assert formatting.clock(now - timedelta(days=1), TZ) in yesterday.text(TZ)
    assert yesterday.text(TZ).endswith("syncing…")


def test_interval_and_clock_threshold_come_from_the_settings(make_controller, ledger, monkeypatch):
    """One sync interval setting (sync_interval_s) and one clock threshold (clock_warn_s), app/config.py."""
    from app import config
    from app.sync_controller import read_status
    from sync import state

    assert make_controller(interval_s=None)._timer.interval() == int(config.SETTINGS["sync_interval_s"].default * 1000)
    monkeypatch.setenv("TESSERA_SYNC_INTERVAL_S", "7")
    assert make_controller(interval_s=None)._timer.interval() == 7000
    now = utcnow()
    with ledger.uow() as uow:
        state.set_clock_reading(uow.session, state.ClockReading(90.0, now, "Date", now + timedelta(seconds=90)))
        uow.commit()
    with ledger.uow() as uow:
        assert read_status(uow.session).clock_warning is None  # default 120 s
        monkeypatch.setenv("TESSERA_CLOCK_WARN_S", "60")
        assert "behind" in read_status(uow.session).clock_warning
