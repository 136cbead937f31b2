"""Aware datetimes: stored in UTC, shown in the event's IANA zone (case BC-11). Naive values are refused."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import InvalidArgument

UTC = timezone.utc


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def require_aware(value: datetime, field: str = "datetime") -> datetime:
    """Return `value` converted to UTC; raise InvalidArgument if it is naive (case BC-11)."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise InvalidArgument(f"{field} must carry a time zone (naive datetimes are refused)", field=field)
    return value.astimezone(UTC)


def parse_rfc3339(text: str | None, field: str = "timestamp") -> datetime | None:
    """Parse an RFC 3339 string ('2020-04-07T06:42:35.381Z') into an aware UTC datetime; None/'' -> None.
    A string without an offset raises InvalidArgument."""
    if text in (None, ""):
        return None
    try:
        value = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidArgument(f"{field}: not an RFC 3339 timestamp: {text!r}", field=field) from None
    return require_aware(value, field)


def to_rfc3339(value: datetime | None) -> str | None:
    """Format an aware datetime as RFC 3339 UTC with milliseconds and 'Z' ('2025-10-26T07:30:00.000Z')."""
    if value is None:
        return None
    return require_aware(value).isoformat(timespec="milliseconds")[:-6] + "Z"  # '+00:00' → 'Z'; 3x strftime's speed


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; InvalidArgument if unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidArgument(f"unknown IANA time zone {name!r}", field="timeZone") from None


def local(value: datetime, tz_name: str) -> datetime:
    """`value` (aware) shown in the event's zone `tz_name`."""
    return require_aware(value).astimezone(zone(tz_name))


SHOWN = "%Y-%m-%d %H:%M %Z"            # how a person reads a time: '2026-12-01 22:03 CET' (event's zone)
SHOWN_SECONDS = "%Y-%m-%d %H:%M:%S %Z"  # the same with seconds, where they matter (a sync cool-down)


def shown(value: datetime | None, tz_name: str | None, *, seconds: bool = False) -> str:
    """`value` (aware) as a person reads it, in the event's zone `tz_name`: '2026-12-01 22:03 CET'
    ('…:41 CET' with `seconds`); '' for None. The one display format of the CLI, review messages, receipts and
    reports (case BC-11: stored UTC, shown in the event's zone). A missing or unknown zone shows UTC."""
    if value is None:
        return ""
    try:
        tz = zone(tz_name or "UTC")
    except InvalidArgument:
        tz = UTC
    return require_aware(value).astimezone(tz).strftime(SHOWN_SECONDS if seconds else SHOWN)


def parse_local(text: str, tz_name: str, field: str = "datetime") -> datetime:
    """Parse '2025-10-26 08:30' as wall time in `tz_name` (or an ISO string with offset) into aware UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidArgument(f"{field}: not a date-time: {text!r} (use YYYY-MM-DD HH:MM in the event's time zone, "
                              "or an ISO 8601 time with an offset)", field=field) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone(tz_name))
    return value.astimezone(UTC)
