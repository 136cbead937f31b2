"""The verdict panel: colour class per verdict, what it shows for duplicates and unpaid orders."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from app.widgets.verdict_panel import VerdictPanel, verdict_class
from core.checkin import ScanResult, Verdict
from core.money import Money


@pytest.mark.parametrize("verdict,css", [(Verdict.OK, "ok"), (Verdict.ALREADY_CHECKED_IN, "warn"),
                                        (Verdict.UNPAID, "pay"), (Verdict.INVALID, "invalid")] +
                         [(v, "error") for v in Verdict if v not in (Verdict.OK, Verdict.ALREADY_CHECKED_IN,
                                                                   Verdict.UNPAID, Verdict.INVALID)])
def test_verdict_classes(verdict, css):
    assert verdict_class(verdict) == css


def test_duplicate_shows_when_in_event_time_and_where(qtbot):
    panel = VerdictPanel()
    qtbot.addWidget(panel)
    when = datetime(2020, 3, 7, 19, 12, tzinfo=timezone.utc)
    result = ScanResult(Verdict.ALREADY_CHECKED_IN, "x", "TQ4M-88RA-KD021", "e", "TQ4M-88RA-KD", "PAID",
                        "Ana Moreira", "Standing", when, "Door B")
    assert panel.show_result(result, "Europe/Berlin") == "warn"
    assert panel.headline.text() == "ALREADY CHECKED IN"
    assert panel.extra.text() == "Checked in 2020-03-07 20:12 (event time) at Door B"
    assert "#f0a500" in panel.styleSheet()


def test_unpaid_shows_amount_to_collect(qtbot):
    panel = VerdictPanel()
    qtbot.addWidget(panel)
    result = ScanResult(Verdict.UNPAID, "x", "P-4410021", "e", "P-4410", "OFFLINE_PENDING", "Mira Castell",
                        "Adult", amount_due=Money.of("30.00", "EUR"), message="Payment outstanding")
    assert panel.show_result(result, "UTC") == "pay"
    assert panel.extra.text() == "To collect: €30.00" and panel.guest.text() == "Mira Castell"
    assert "Order P-4410" in panel.details.text()


def test_messages_are_neutral_or_red(qtbot):
    panel = VerdictPanel()
    qtbot.addWidget(panel)
    panel.show_message("Check-in undone")
    assert panel.css_class == "idle" and panel.verdict is None
    panel.show_error("NOT CHECKED IN", "disk full")
    assert panel.css_class == "error"


# ---- issue 9 item 3: own icon, shape and colour per class; text that scales; codes that never wrap ------------
from app.widgets.verdict_panel import COLORS, ICONS, SOUNDS, nowrap, result_class  # noqa: E402


def test_every_class_has_its_own_colour_shape_and_glyph():
    classes = [c for c in COLORS if c != "idle"]
    assert len({COLORS[c][0] for c in classes}) == len(classes)
    assert len({ICONS[c][0] for c in classes}) == len(classes)
    assert {SOUNDS["ok"], SOUNDS["warn"], SOUNDS["error"]} == {"ok", "warn", "error"}


def test_stale_result_is_amber_never_red():
    r = ScanResult(Verdict.UNPAID, "x", "P-4410021", stale_since=datetime(2020, 3, 7, 18, tzinfo=timezone.utc),
                   message="Payment still pending at last sync 19:00, cannot confirm")
    assert result_class(r) == "stale"


def test_ticket_numbers_do_not_wrap_and_text_scales(qtbot):
    panel = VerdictPanel()
    qtbot.addWidget(panel)
    result = ScanResult(Verdict.OK, "x", "TQ4M-88RA-KD021", "e", "TQ4M-88RA-KD", "PAID", "Ana", "Standing")
    panel.resize(300, 220)
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_result(result, "UTC")
    assert nowrap("Ticket TQ4M-88RA-KD021") in panel.details.text()
    small = panel.text_pixel_size()
    panel.resize(1200, 900)
    qtbot.waitUntil(lambda: panel.text_pixel_size() > small, timeout=2000)
