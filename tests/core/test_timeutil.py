"""core.timeutil: stored UTC, shown in the event's zone (case BC-11). `shown` is the one display format of the
CLI, review messages, receipts and reports: '2026-12-01 22:03 CET', never '2026-12-01T21:03:11+00:00'."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from core.errors import InvalidArgument
from core.timeutil import parse_rfc3339, shown, to_rfc3339

AT = datetime(2026, 12, 1, 21, 3, 11, tzinfo=timezone.utc)


def test_bc11_shown_in_the_event_zone():
    assert shown(AT, "Europe/Berlin") == "2026-12-01 22:03 CET"
    assert shown(AT, "Europe/Berlin", seconds=True) == "2026-12-01 22:03:11 CET"
    assert shown(AT, "Asia/Tokyo") == "2026-12-02 06:03 JST"  # the date follows the zone
    assert shown(AT.replace(month=7), "Europe/Zurich") == "2026-07-01 23:03 CEST"  # summer time


def test_shown_from_another_offset_is_the_same_instant():
    assert shown(AT.astimezone(timezone(timedelta(hours=-5))), "Europe/Berlin") == "2026-12-01 22:03 CET"


def test_shown_none_unknown_zone_and_naive():
    assert shown(None, "Europe/Berlin") == ""
    assert shown(AT, None) == shown(AT, "") == shown(AT, "Mars/Olympus") == "2026-12-01 21:03 UTC"
    with pytest.raises(InvalidArgument):
        shown(datetime(2026, 12, 1, 21, 3), "Europe/Berlin")  # naive: refused, never guessed


def test_storage_format_stays_rfc3339_utc():
    assert to_rfc3339(AT) == "2026-12-01T21:03:11.000Z" and parse_rfc3339("2026-12-01T21:03:11Z") == AT
