"""The station's clock offset against the server (case BC-13): offset = server time − device time, in seconds,
measured on every sync from X-Server-Time (hub) or the HTTP Date header (plain server), stored through
sync.state. The warning threshold is the caller's (the setting clock_warn_s, app/config.py)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.timeutil import utcnow
from sync import state
from sync.client import ClockSample

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClockStatus:
    """The stored offset: `offset_s` (server − device, seconds), when it was measured (device time, UTC),
    the header it came from, and `warning` (text) when |offset| exceeds the caller's threshold."""

    offset_s: float
    measured_at: datetime | None
    source: str
    warning: str | None


def describe(offset_s: float, warn_s: float) -> str | None:
    """A warning text when |offset_s| > `warn_s` seconds, else None (BC-13: "a clear warning")."""
    if abs(offset_s) <= warn_s:
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


def record(session: Session, sample: ClockSample, warn_s: float) -> ClockStatus:
    """Store the offset of `sample` (in the caller's transaction) and return it with its warning (|offset| >
    `warn_s` seconds); the offset is logged above the threshold (BC-13)."""
    offset = round(sample.offset_s, 3)
    status = ClockStatus(offset, sample.device_time, sample.source, describe(offset, warn_s))
    state.set_clock_reading(session, state.ClockReading(offset, sample.device_time, sample.source,
                                                        sample.server_time))
    if status.warning:
        logger.warning("clock offset %.1f s (source %s): %s", offset, sample.source, status.warning)
    return status


def load(session: Session, warn_s: float) -> ClockStatus:
    """The last stored offset with its warning against `warn_s` (0.0 and no warning when never measured)."""
    reading = state.clock_reading(session)
    if reading is None:
        return ClockStatus(0.0, None, "", None)
    return ClockStatus(reading.offset_s, reading.measured_at, reading.source, describe(reading.offset_s, warn_s))


def clock_offset_s(session: Session) -> float:
    """The offset a station passes to core's scan/check_in as `clock_offset_s` (corrected = device + offset)."""
    reading = state.clock_reading(session)
    return reading.offset_s if reading is not None else 0.0


def corrected(device_time: datetime, offset_s: float) -> datetime:
    """Device time corrected by the offset: the time ordering and conflicts use (BC-13)."""
    return device_time + timedelta(seconds=offset_s)


def now_corrected(session: Session) -> datetime:
    """The current device time corrected by the stored offset."""
    return corrected(utcnow(), clock_offset_s(session))
