"""The station's clock offset against the server (case BC-13): offset = server time − device time, in seconds,
measured on every sync from X-Server-Time (hub) or the HTTP Date header (plain server), stored in SyncState."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.models import SyncState
from core.timeutil import parse_rfc3339, to_rfc3339, utcnow
from sync.client import ClockSample

logger = logging.getLogger(__name__)

CLOCK_KEY = "clock"
WARN_THRESHOLD_S = 120.0


@dataclass(frozen=True)
class ClockStatus:
    """The stored offset: `offset_s` (server − device, seconds), when it was measured (device time, UTC),
    the header it came from, and `warning` (text) when |offset| exceeds 120 s."""

    offset_s: float
    measured_at: datetime | None
    source: str
    warning: str | None


def describe(offset_s: float) -> str | None:
    """A warning text for an offset above WARN_THRESHOLD_S, else None (BC-13: "a clear warning")."""
    if abs(offset_s) <= WARN_THRESHOLD_S:
        return None
    direction = "behind" if offset_s > 0 else "ahead of"
    return (f"This station's clock is {_human(abs(offset_s))} {direction} the server. Check-in times are "
            f"corrected by {offset_s:+.0f} s; please fix the computer's clock.")


def _human(seconds: float) -> str:
    delta = timedelta(seconds=round(seconds))
    if delta.days:
        return f"{delta.days} d {delta.seconds // 3600} h"
    hours, rest = divmod(delta.seconds, 3600)
    return f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min {rest % 60} s"


def record(session: Session, sample: ClockSample) -> ClockStatus:
    """Store the offset of `sample` (in the caller's transaction) and return it with its warning; the offset is
    logged above the threshold (BC-13)."""
    offset = round(sample.offset_s, 3)
    status = ClockStatus(offset, sample.device_time, sample.source, describe(offset))
    row = session.get(SyncState, CLOCK_KEY)
    value = {"offsetS": offset, "measuredAt": to_rfc3339(sample.device_time), "source": sample.source,
             "serverTime": to_rfc3339(sample.server_time)}
    if row is None:
        session.add(SyncState(key=CLOCK_KEY, value=value))
    else:
        row.value = value
    if status.warning:
        logger.warning("clock offset %.1f s (source %s): %s", offset, sample.source, status.warning)
    return status


def load(session: Session) -> ClockStatus:
    """The last stored offset (0.0 and no warning when never measured)."""
    row = session.get(SyncState, CLOCK_KEY)
    if row is None or not isinstance(row.value, dict):
        return ClockStatus(0.0, None, "", None)
    offset = float(row.value.get("offsetS", 0.0))
    return ClockStatus(offset, parse_rfc3339(row.value.get("measuredAt")), str(row.value.get("source", "")),
                       describe(offset))


def clock_offset_s(session: Session) -> float:
    """The offset a station passes to core's scan/check_in as `clock_offset_s` (corrected = device + offset)."""
    return load(session).offset_s


def corrected(device_time: datetime, offset_s: float) -> datetime:
    """Device time corrected by the offset: the time ordering and conflicts use (BC-13)."""
    return device_time + timedelta(seconds=offset_s)


def now_corrected(session: Session) -> datetime:
    """The current device time corrected by the stored offset."""
    return corrected(utcnow(), clock_offset_s(session))
