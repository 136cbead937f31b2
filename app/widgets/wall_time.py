"""Instants ↔ the wall time a QDateTimeEdit shows, in the event's time zone (DESIGN.md: stored UTC, shown in
the event's zone; case BC-11). One pair of converters for every dialog with a date/time field."""
from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDateTime

from core.errors import InvalidArgument
from core.timeutil import local, parse_rfc3339, to_rfc3339, zone


def to_wall(value: datetime | str | None, tz_name: str) -> QDateTime | None:
    """An aware instant (or RFC 3339 text) as the wall time of zone `tz_name`; None stays None."""
    when = parse_rfc3339(value) if isinstance(value, str) else value
    if when is None:
        return None
    wall = local(when, tz_name)
    return QDateTime(wall.year, wall.month, wall.day, wall.hour, wall.minute, 0)


def from_wall(value: QDateTime, tz_name: str) -> str:
    """A wall time of zone `tz_name` as an RFC 3339 instant. For a zone core does not know, the naive wall
    time is returned as text, so the core call that gets it names the bad zone (InvalidArgument)."""
    d, t = value.date(), value.time()
    try:
        tz = zone(tz_name)
    except InvalidArgument:
        return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute()).isoformat()
    return to_rfc3339(datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=tz))
