"""The event of a plain contract server (issue 8 item 9). The contract itself has no event call, but a server
may answer one: Wix `GET /events/v1/events/{id}` or `GET /events/v3/events/{id}` (and the hub, in --plain mode
too). At connect the station reads the event's title, time zone and currency from there; what the server does
not answer is asked of the organiser ONCE (`EventDetailsNeeded`: CLI flags `--title --time-zone --currency` or a
prompt, the GUI's connect fields) — never an id as title or a UTC zone invented silently. Every plain pull asks
again (`refresh_events`) and takes what the server answers, so a later answer updates the organiser's values.

Shapes read: {"event": {...}} with `title`; `timeZone` | `scheduling.config.timeZoneId` (v1) |
`dateAndTimeSettings.timeZoneId` (v3); `currency` | `registration.ticketing.currency` (v1) |
`registration.tickets.currency` (inferred); `start`/`end` | `scheduling.config.startDate/endDate` |
`dateAndTimeSettings.startDate/endDate`; `updated` (freshness, sync.appliers.apply_event)."""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from core.errors import DomainError, InvalidArgument
from core.money import check_currency
from core.status import TITLE_MAX
from core.timeutil import parse_rfc3339, zone
from sync.appliers import apply_event
from sync.client import TicketingApi
from sync.errors import ApiError, BadAnswer, SyncError

logger = logging.getLogger(__name__)

FIELDS = ("title", "timeZone", "currency")
LABELS = {"title": "title (--title)", "timeZone": "time zone (--time-zone, e.g. Europe/Zurich)",
          "currency": "currency (--currency, e.g. EUR)"}
PATHS = ("/events/v1/events/{id}", "/events/v3/events/{id}")


class EventDetailsNeeded(SyncError):
    """The server does not say an event's title, time zone or currency and the organiser gave none.
    `missing` = {event id: [field names of FIELDS]}."""

    def __init__(self, missing: dict[str, list[str]]):
        self.missing = missing
        parts = [f"{event_id}: {', '.join(LABELS[f] for f in fields)}" for event_id, fields in missing.items()]
        super().__init__("this server does not say the event's " + "; ".join(parts)
                         + ". Give them once at connect (`tessera station connect URL --event ID --title TITLE "
                           "--time-zone ZONE --currency CUR`)")


def _dig(data: Any, *path: str) -> Any:
    for part in path:
        data = data.get(part) if isinstance(data, dict) else None
    return data


def parse_server_event(event_id: str, data: dict) -> dict:
    """A server's event object (see the module doc) → {id, title?, timeZone?, currency?, start?, end?,
    updated?}; only the values it really carries and that are valid (an unknown zone or currency, or an
    unreadable time, is left out)."""
    out: dict[str, Any] = {"id": event_id}
    title = data.get("title")
    if isinstance(title, str) and title.strip():
        out["title"] = title.strip()[:TITLE_MAX]
    tz = (data.get("timeZone") or _dig(data, "scheduling", "config", "timeZoneId")
          or _dig(data, "dateAndTimeSettings", "timeZoneId"))
    cur = (data.get("currency") or _dig(data, "registration", "ticketing", "currency")
           or _dig(data, "registration", "tickets", "currency"))
    try:
        if isinstance(tz, str) and tz.strip():
            out["timeZone"] = zone(tz.strip()).key
    except DomainError:
        logger.warning("event %s: the server's time zone %r is unknown; ignored", event_id, tz)
    try:
        if isinstance(cur, str) and cur.strip():
            out["currency"] = check_currency(cur)
    except DomainError:
        logger.warning("event %s: the server's currency %r is not ISO 4217; ignored", event_id, cur)
    for key, wix in (("start", "startDate"), ("end", "endDate")):
        when = (data.get(key) or _dig(data, "scheduling", "config", wix)
                or _dig(data, "dateAndTimeSettings", wix))
        if _is_time(when):
            out[key] = when
    if _is_time(data.get("updated")):
        out["updated"] = data["updated"]
    return out


def _is_time(value: Any) -> bool:
    """True for an aware RFC 3339 time (core.timeutil.parse_rfc3339 reads it)."""
    try:
        return isinstance(value, str) and bool(value) and parse_rfc3339(value) is not None
    except (TypeError, ValueError, DomainError):
        return False


def fetch_event(api: TicketingApi, event_id: str) -> dict | None:
    """The server's event (parse_server_event form) from the first events path that answers, or None when
    none does (404, 403, an unreadable answer: the server has no such call for this key). Network errors and
    5xx propagate (sync.errors)."""
    for path in PATHS:
        try:
            body = api.request("GET", path.format(id=event_id))
        except ApiError as exc:
            if exc.status in (400, 401, 403, 404, 405, 410, 501) or isinstance(exc, BadAnswer):
                continue
            raise
        event = body.get("event") if isinstance(body.get("event"), dict) else None
        if event is not None:
            return parse_server_event(event_id, event)
    return None


def check_given(given: dict | None) -> dict:
    """The organiser's {title, timeZone, currency} cleaned (empty ones dropped). Raises InvalidArgument for an
    unknown zone or currency, or a title over core.status.TITLE_MAX characters."""
    out: dict[str, str] = {}
    for key, value in (given or {}).items():
        if key in FIELDS and isinstance(value, str) and value.strip():
            out[key] = value.strip()
    if "timeZone" in out:
        out["timeZone"] = zone(out["timeZone"]).key
    if "currency" in out:
        out["currency"] = check_currency(out["currency"])
    if len(out.get("title", "")) > TITLE_MAX:
        raise InvalidArgument(f"title is longer than {TITLE_MAX} characters", field="title")
    return out


def event_details(api: TicketingApi, event_ids: list[str], given: dict | None = None) -> list[dict]:
    """At connect: per event, the server's values, completed by the organiser's `given` {title, timeZone,
    currency} (the server wins where it answers). Raises EventDetailsNeeded when a field is still missing,
    InvalidArgument for a bad given value."""
    clean = check_given(given)
    out, missing = [], {}
    for event_id in event_ids:
        server = fetch_event(api, event_id) or {"id": event_id}
        details = {**clean, **server}
        lacking = [f for f in FIELDS if not details.get(f)]
        if lacking:
            missing[event_id] = lacking
        out.append(details)
    if missing:
        raise EventDetailsNeeded(missing)
    return out


def store_events(session: Session, details: list[dict]) -> None:
    """Write the events (event_details form) into the ledger in the caller's transaction; no outbox row
    (the event is the server's)."""
    for item in details:
        apply_event(session, item)


def refresh_events(ledger, api: TicketingApi, event_ids: list[str]) -> list[str]:
    """Plain pull: ask the server for each event again and take what it answers (only the fields it carries;
    an older answer changes nothing; a failing answer keeps the held event). Returns the event ids updated.
    Network errors propagate."""
    updated = []
    for event_id in event_ids:
        try:
            server = fetch_event(api, event_id)
        except ApiError as exc:  # the optional call failing must not stop the pull; the listings go on
            logger.warning("event %s: the server's events call failed (%s); the held event is kept", event_id,
                           exc.message)
            continue
        if server is None or len(server) == 1:
            continue
        with ledger.uow() as uow:
            if apply_event(uow.session, server) is not None:
                updated.append(event_id)
            uow.commit()
    return updated
