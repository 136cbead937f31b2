"""The Door tab: camera-file scans, typed codes, search + manual check-in, undo, verdict colours (pytest-qt)."""
from __future__ import annotations

import sys

import pytest
from sqlalchemy import select

from app.tabs.door_tab import DoorTab
from core.codes import check_in_url
from core.models import CheckIn
from core.tickets import checked_in_map
from tests.app.media import make_ticket_video


def _door(qtbot, ctx) -> DoorTab:
    door = DoorTab(ctx)
    qtbot.addWidget(door)
    return door


def _checked_in(ledger, numbers):
    with ledger.uow() as uow:
        return set(checked_in_map(uow.session, numbers))


def _last_result(qtbot, door, action, timeout=5000):
    with qtbot.waitSignal(door.scanned, timeout=timeout) as blocker:
        action()
    return blocker.args[0]


def test_camera_file_scan_shows_ok_then_already_checked_in(qtbot, ctx, event_data, tmp_path):
    """A video file with the ticket's real QR for 30 frames (looping like a webcam): first OK (green, the
    check-in stored), then — the code seen again after the debounce window — ALREADY_CHECKED_IN (amber)."""
    tn = event_data.paid_tickets[0]
    ctx.camera_source = str(make_ticket_video(tmp_path / "door.avi", check_in_url(tn, event_data.event_id)))
    ctx.scan_debounce_s = 0.3
    door = _door(qtbot, ctx)
    results = []
    door.scanned.connect(results.append)
    door.show()
    assert door.worker is not None, "showing the door starts the configured camera"
    qtbot.waitUntil(lambda: len(results) >= 2, timeout=15000)
    assert [r.verdict.value for r in results[:2]] == ["OK", "ALREADY_CHECKED_IN"]
    assert door.verdict_panel.css_class == "warn"
    assert "Checked in" in door.verdict_panel.extra.text() and "Door A" in door.verdict_panel.extra.text()
    assert _checked_in(ctx.ledger, [tn]) == {tn}
    assert ("ok", "beep") in ctx.sound.history and ("warn", "beep") in ctx.sound.history
    door.close()
    assert door.worker is None


def test_typed_code_is_normalised_and_checks_in_once(qtbot, ctx, event_data):
    door = _door(qtbot, ctx)
    tn = event_data.paid_tickets[1]
    door.code_edit.setText("  " + tn.lower() + " ")
    result = _last_result(qtbot, door, door.on_code_entered)
    assert result.verdict.value == "OK" and door.verdict_panel.css_class == "ok"
    assert door.verdict_panel.guest.text() == "Ana Moreira"
    assert "Standing" in door.verdict_panel.details.text()
    assert event_data.paid_order in door.verdict_panel.details.text()
    again = _last_result(qtbot, door, lambda: door.submit(tn, "MANUAL"))
    assert again.verdict.value == "ALREADY_CHECKED_IN"
    qtbot.waitUntil(lambda: door.counter_label.text().startswith("Checked in 1 /"), timeout=5000)


def test_unpaid_ticket_is_red_with_amount_to_collect(qtbot, ctx, event_data):
    door = _door(qtbot, ctx)
    result = _last_result(qtbot, door, lambda: door.submit(event_data.unpaid_tickets[0]))
    assert result.verdict.value == "UNPAID"
    assert door.verdict_panel.css_class == "error"
    assert "To collect" in door.verdict_panel.extra.text() and "39.50" in door.verdict_panel.extra.text()
    assert ctx.sound.history[-1][0] == "error"
    assert _checked_in(ctx.ledger, event_data.unpaid_tickets) == set()


def test_unreadable_and_unknown_codes_are_red(qtbot, ctx, event_data):
    door = _door(qtbot, ctx)
    assert _last_result(qtbot, door, lambda: door.submit("045398")).verdict.value == "INVALID"
    assert door.verdict_panel.css_class == "error"
    assert _last_result(qtbot, door, lambda: door.submit("ZZZZ-ZZZZ-ZZ021")).verdict.value == "UNKNOWN"


def test_wr11_search_by_last_four_and_check_in_manual(qtbot, ctx, event_data):
    """WR-11: a guest without a code is found by the last 4 characters of the ticket number and checked in
    from the result; the check-in row is logged as MANUAL."""
    door = _door(qtbot, ctx)
    tn = event_data.paid_tickets[0]
    with qtbot.waitSignal(door.search.search_finished, timeout=5000):
        door.search.search_edit.setText(tn[-4:])
        door.search.search()
    assert door.search.select_ticket(tn)
    result = _last_result(qtbot, door, door.search.check_in_button.click)
    assert result.verdict.value == "OK" and result.ticket_number == tn
    with ctx.ledger.uow() as uow:
        methods = list(uow.session.scalars(select(CheckIn.method).where(CheckIn.ticket_number == tn)))
    assert methods == ["MANUAL"]


def test_search_by_name_and_email(qtbot, ctx, event_data):
    door = _door(qtbot, ctx)
    for text, expected in (("moreira", 2), ("gmial", 2), ("Castell", 1), (event_data.unpaid_order, 1)):
        with qtbot.waitSignal(door.search.search_finished, timeout=5000) as blocker:
            door.search.search_edit.setText(text)
            door.search.search()
        assert blocker.args == [expected], text


def test_undo_last_check_in(qtbot, ctx, event_data):
    door = _door(qtbot, ctx)
    tn = event_data.paid_tickets[0]
    assert _last_result(qtbot, door, lambda: door.submit(tn)).verdict.value == "OK"
    assert door.undo_button.isEnabled()
    door.undo_button.click()
    qtbot.waitUntil(lambda: door.verdict_panel.headline.text() == "Check-in undone", timeout=5000)
    assert _checked_in(ctx.ledger, [tn]) == set()
    assert not door.undo_button.isEnabled()
    assert _last_result(qtbot, door, lambda: door.submit(tn)).verdict.value == "OK", "admitted again after undo"


def test_undo_after_a_provisional_admission(qtbot, ctx, event_data):
    """Issue 7: undoing a ticket admitted provisionally (not in the local list) used to fail with NotFound."""
    door = _door(qtbot, ctx)
    ctx.clock_offset_s = 600.0
    door.offer_provisional("WEB1-8QQT-ZZ021")
    door.provisional_button.click()
    qtbot.waitUntil(lambda: door.undo_button.isEnabled(), timeout=5000)
    assert _checked_in(ctx.ledger, ["WEB1-8QQT-ZZ021"]) == {"WEB1-8QQT-ZZ021"}
    door.undo_button.click()
    qtbot.waitUntil(lambda: door.verdict_panel.headline.text() == "Check-in undone", timeout=5000)
    assert _checked_in(ctx.ledger, ["WEB1-8QQT-ZZ021"]) == set()
    with ctx.ledger.uow() as uow:
        rows = [(r.kind, r.method, (r.corrected_time - r.device_time).total_seconds())
                for r in uow.session.scalars(select(CheckIn).order_by(CheckIn.id))]
    assert rows == [("CHECK_IN", "PROVISIONAL", 600.0), ("UNDO", "MANUAL", 600.0)]


def test_failed_scan_is_reported_never_a_traceback(qtbot, ctx, event_data, monkeypatch):
    """A ledger failure reaches the operator as a red 'not checked in' panel with a clear message."""
    door = _door(qtbot, ctx)
    import app.tabs.door_tab as door_module

    def broken(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(door_module.core_door, "scan", broken)
    door.submit(event_data.paid_tickets[0])
    qtbot.waitUntil(lambda: door.verdict_panel.headline.text() == "NOT CHECKED IN", timeout=5000)
    assert door.verdict_panel.css_class == "error" and "disk full" in door.verdict_panel.details.text()
    assert not door._busy


def test_bc25_zbar_unavailable_door_says_so_and_still_scans(qtbot, ctx, event_data, tmp_path, monkeypatch):
    """BC-25: with zbar not importable the door says "QR decoder (zbar) unavailable", and the camera (zxing /
    OpenCV) and typed entry still check tickets in."""
    for name in ("pyzbar", "pyzbar.pyzbar", "pyzbar.wrapper", "pyzbar.zbar_library"):
        monkeypatch.setitem(sys.modules, name, None)  # import fails like a missing libzbar
    tn = event_data.paid_tickets[0]
    ctx.camera_source = str(make_ticket_video(tmp_path / "bc25.avi", check_in_url(tn, event_data.event_id)))
    door = _door(qtbot, ctx)
    results = []
    door.scanned.connect(results.append)
    qtbot.waitUntil(lambda: "QR decoder (zbar) unavailable" in door.decoder_status.text(), timeout=5000)
    assert "zbar" in door.decoder_unavailable
    door.show()
    qtbot.waitUntil(lambda: len(results) >= 1, timeout=15000)
    assert results[0].verdict.value == "OK"
    door.stop_camera()
    other = event_data.paid_tickets[1]
    assert _last_result(qtbot, door, lambda: door.submit(other, "MANUAL")).verdict.value == "OK"


@pytest.mark.parametrize("source", [7, "/nonexistent/camera.avi"])
def test_missing_camera_is_reported_and_door_still_works(qtbot, ctx, event_data, source):
    ctx.camera_source = source
    door = _door(qtbot, ctx)
    door.show()
    qtbot.waitUntil(lambda: "not available" in door.camera_status.text(), timeout=10000)
    assert _last_result(qtbot, door, lambda: door.submit(event_data.paid_tickets[0])).verdict.value == "OK"
    door.close()
