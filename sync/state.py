"""Typed access to the sync engine's key/value state (core.models.SyncState). This module is the only one that
knows the keys; everything else calls the functions below. Keys and value shapes:

- "ledger"                    {"id": uuid4}  this ledger's identity, made once (per-ledger station key)
- "station"                   the saved connection (sync.station.StationConfig as a dict; no secret)
- "engine"                    {failures, lastFailure, lastError, lastRun}  (RFC 3339 times)
- "last_success"              {resource: RFC 3339}   (WR-13: separate ages per resource)
- "clock"                     {offsetS, measuredAt, source, serverTime}  (BC-13)
- "cursor:changes:<event>"    {cursor, at}   the hub's change-feed cursor of one event
- "conflict:definition:<id>"  {definitionId, eventId, created, fields}  (sync.conflicts)
- "conflict:order:<number>"   {key, eventId, created, fields}  (sync.conflicts, issue 8 item 3)
- "mode"                      {plain, extensions, at}  the server's mode, fixed at connect (issue 8 item 13)
- "hub"                       {id, epoch, at}  the hub's identity last seen in discovery (issue 8 item 11)
- "aside"                     {entries: [{type, eventId, key, reason, data, at}]}  pulled entities set aside as
                              malformed (issue 8 item 10), newest last, at most ASIDE_MAX
- "outcome"                   {kind, message, refusals, at}  the last run's class (sync.outcome, issue 8 item 6)
- "role"                      {role, events, permissions, at}  the station's hub role, its key's event scope
                              (empty = every event) and permissions, as the hub last said (issue 8 item 5)
- "door"                      {entrances: {eventId: entranceId}}  the entrance this station works at, per event
                              (issue 9 item 7; the door tab's entrance picker)

Every function works in the caller's session; writers never commit.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import SyncState
from core.timeutil import parse_rfc3339, to_rfc3339

LEDGER_KEY, STATION_KEY, ENGINE_KEY, SUCCESS_KEY, CLOCK_KEY = "ledger", "station", "engine", "last_success", "clock"
CURSOR_PREFIX, CONFLICT_PREFIX = "cursor:changes:", "conflict:definition:"
MODE_KEY, ASIDE_KEY, HUB_KEY, ROLE_KEY, OUTCOME_KEY, DOOR_KEY = "mode", "aside", "hub", "role", "outcome", "door"
ASIDE_MAX = 200


# -- the two primitives ----------------------------------------------------------------------------------------
def _read(session: Session, key: str) -> dict | None:
    row = session.get(SyncState, key)
    return dict(row.value) if row is not None and isinstance(row.value, dict) else None


def _write(session: Session, key: str, value: dict | None) -> None:
    """Store `value` under `key` (None deletes the row)."""
    row = session.get(SyncState, key)
    if value is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(SyncState(key=key, value=value))
    else:
        row.value = value


# -- ledger identity -------------------------------------------------------------------------------------------
def ledger_id(session: Session) -> str:
    """This ledger's id (a uuid4 made on first use and stored; the caller commits). Keys the station's
    credentials, so two ledgers of one OS user never share a key (issue 7 item 8)."""
    value = _read(session, LEDGER_KEY)
    if value and value.get("id"):
        return str(value["id"])
    new = str(uuid.uuid4())
    _write(session, LEDGER_KEY, {"id": new})
    session.flush()
    return new


# -- station connection ----------------------------------------------------------------------------------------
def station(session: Session) -> dict | None:
    """The saved connection as a plain dict (None = never connected); sync.station turns it into StationConfig."""
    return _read(session, STATION_KEY)


def set_station(session: Session, value: dict) -> None:
    """Save the connection dict (no secret in it)."""
    _write(session, STATION_KEY, dict(value))


# -- engine health and last success ----------------------------------------------------------------------------
@dataclass(frozen=True)
class EngineHealth:
    """Consecutive `failures`, the last failure's time and message, the last run's time, and `retry_at`: the
    earliest next run the server asked for (its Retry-After; None when it asked nothing). Aware UTC."""

    failures: int = 0
    last_failure: datetime | None = None
    last_error: str | None = None
    last_run: datetime | None = None
    retry_at: datetime | None = None


def engine_health(session: Session) -> EngineHealth:
    """The stored engine health (zero failures when never run)."""
    v = _read(session, ENGINE_KEY) or {}
    return EngineHealth(int(v.get("failures", 0)), parse_rfc3339(v.get("lastFailure")), v.get("lastError"),
                        parse_rfc3339(v.get("lastRun")), parse_rfc3339(v.get("retryAt")))


def record_run_ok(session: Session, at: datetime) -> None:
    """A run (or its push) succeeded at `at`: failures back to 0."""
    _write(session, ENGINE_KEY, {"failures": 0, "lastRun": to_rfc3339(at)})


def record_run_failed(session: Session, message: str, at: datetime,
                      retry_at: datetime | None = None) -> EngineHealth:
    """A run failed at `at` with `message` (≤500 chars kept), the server asking not to come back before
    `retry_at` (optional); returns the new health (failures + 1)."""
    failures = engine_health(session).failures + 1
    _write(session, ENGINE_KEY, {"failures": failures, "lastFailure": to_rfc3339(at), "lastError": message[:500],
                                 "lastRun": to_rfc3339(at),
                                 **({"retryAt": to_rfc3339(retry_at)} if retry_at else {})})
    return engine_health(session)


def last_success(session: Session) -> dict[str, datetime]:
    """{resource: last successful sync, aware UTC} (resources: push, events, definitions, orders, tickets,
    checkins)."""
    return {k: parse_rfc3339(v) for k, v in (_read(session, SUCCESS_KEY) or {}).items() if v}


def mark_success(session: Session, resources: set[str] | list[str], at: datetime) -> None:
    """Record `at` as the last success of every resource in `resources`."""
    value = _read(session, SUCCESS_KEY) or {}
    value.update({r: to_rfc3339(at) for r in resources})
    _write(session, SUCCESS_KEY, value)


# -- clock offset ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClockReading:
    """The stored offset: `offset_s` server − device in seconds, `measured_at` device time (UTC), `source`
    ("X-Server-Time" | "Date"), `server_time` the server's time then."""

    offset_s: float
    measured_at: datetime | None
    source: str
    server_time: datetime | None


def clock_reading(session: Session) -> ClockReading | None:
    """The last measured offset, or None when never measured."""
    v = _read(session, CLOCK_KEY)
    if v is None:
        return None
    return ClockReading(float(v.get("offsetS", 0.0)), parse_rfc3339(v.get("measuredAt")), str(v.get("source", "")),
                        parse_rfc3339(v.get("serverTime")))


def set_clock_reading(session: Session, reading: ClockReading) -> None:
    """Store a new offset measurement."""
    _write(session, CLOCK_KEY, {"offsetS": reading.offset_s, "measuredAt": to_rfc3339(reading.measured_at),
                                "source": reading.source, "serverTime": to_rfc3339(reading.server_time)})


# -- change-feed cursors ---------------------------------------------------------------------------------------
def cursor(session: Session, event_id: str) -> str | None:
    """The hub's change-feed cursor of `event_id` (None = pull from scratch)."""
    return (_read(session, CURSOR_PREFIX + event_id) or {}).get("cursor")


def set_cursor(session: Session, event_id: str, value: str, at: datetime) -> None:
    """Store the cursor of `event_id` (in the transaction that applied its page) with the time `at`."""
    _write(session, CURSOR_PREFIX + event_id, {"cursor": value, "at": to_rfc3339(at)})


def clear_cursor(session: Session, event_id: str) -> None:
    """Forget the cursor of `event_id` (the next pull starts from scratch)."""
    _write(session, CURSOR_PREFIX + event_id, None)


def clear_cursors(session: Session) -> int:
    """Forget every change-feed cursor (a hub that went back in time, issue 8 item 11); returns how many."""
    rows = list(session.scalars(select(SyncState).where(SyncState.key.startswith(CURSOR_PREFIX))))
    for row in rows:
        session.delete(row)
    return len(rows)


# -- hub identity (issue 8 item 11) ----------------------------------------------------------------------------
def hub_identity(session: Session) -> tuple[str, str] | None:
    """(hub id, epoch) last seen in the hub's discovery, or None when never seen."""
    v = _read(session, HUB_KEY)
    return (str(v.get("id") or ""), str(v.get("epoch") or "")) if v else None


def set_hub_identity(session: Session, hub_id: str, epoch: str, at: datetime) -> None:
    """Store the hub's identity as seen at `at`."""
    _write(session, HUB_KEY, {"id": hub_id, "epoch": epoch, "at": to_rfc3339(at)})


# -- edit conflicts (definitions and orders, sync.conflicts) ---------------------------------------------------
def _conflict_key(key: str, kind: str) -> str:
    return f"conflict:{kind}:{key}"


def conflict(session: Session, definition_id: str, kind: str = "definition") -> dict | None:
    """The stored conflict record of an entity (`kind` "definition" or "order"; shape: sync.conflicts), or None."""
    return _read(session, _conflict_key(definition_id, kind))


def set_conflict(session: Session, definition_id: str, value: dict, kind: str = "definition") -> None:
    """Store (replace) the conflict record of an entity."""
    _write(session, _conflict_key(definition_id, kind), dict(value))


def drop_conflict(session: Session, definition_id: str, kind: str = "definition") -> None:
    """Delete the conflict record of an entity (no-op when there is none)."""
    _write(session, _conflict_key(definition_id, kind), None)


def conflicts(session: Session) -> list[tuple[str, dict]]:
    """Every stored conflict as (entity key, record); the record's "kind" is set from its state key."""
    rows = session.scalars(select(SyncState).where(SyncState.key.startswith("conflict:")))
    out = []
    for row in rows:
        kind, _, key = row.key[len("conflict:"):].partition(":")
        out.append((key, {**dict(row.value or {}), "kind": kind}))
    return out


def rekey_conflict(session: Session, old: str, new: str) -> None:
    """Move a conflict record from definition id `old` to `new` (the server gave a created definition its id)."""
    value = conflict(session, old)
    if value is not None:
        drop_conflict(session, old)
        session.flush()
        set_conflict(session, new, {**value, "definitionId": new})


# -- server mode (issue 8 item 13) -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ServerMode:
    """The server's mode as fixed at connect: `plain` (a plain contract server) and the hub `extensions`."""

    plain: bool
    extensions: tuple[str, ...]


def server_mode(session: Session) -> ServerMode | None:
    """The fixed mode, or None when no run or connect has fixed it yet."""
    v = _read(session, MODE_KEY)
    if v is None:
        return None
    return ServerMode(bool(v.get("plain")), tuple(v.get("extensions") or ()))


def set_server_mode(session: Session, plain: bool, extensions, at: datetime) -> None:
    """Fix the mode (station connect, or the first run of a ledger connected before modes were stored)."""
    _write(session, MODE_KEY, {"plain": bool(plain), "extensions": sorted(extensions), "at": to_rfc3339(at)})


# -- pulled entities set aside (issue 8 item 10) ---------------------------------------------------------------
def add_aside(session: Session, entries: list[dict]) -> None:
    """Append set-aside entries ({type, eventId, key, reason, data, at}); the oldest beyond ASIDE_MAX go."""
    if entries:
        value = (_read(session, ASIDE_KEY) or {}).get("entries", [])
        _write(session, ASIDE_KEY, {"entries": (value + list(entries))[-ASIDE_MAX:]})


def aside(session: Session) -> list[dict]:
    """The set-aside entries, oldest first."""
    return list((_read(session, ASIDE_KEY) or {}).get("entries", []))


# -- the station's role and event scope (issue 8 item 5) -------------------------------------------------------
@dataclass(frozen=True)
class RoleScope:
    """The station's hub `role` (None: no hub role), the `events` its key is limited to (empty = every event),
    the `permissions` the hub stated (None = not stated) and when the hub said so (`at`, aware UTC)."""

    role: str | None
    events: tuple[str, ...] = ()
    permissions: tuple[str, ...] | None = None
    at: datetime | None = None


def role_scope(session: Session) -> RoleScope | None:
    """The cached role and scope (for offline use), or None when the hub never told one."""
    v = _read(session, ROLE_KEY)
    if v is None:
        return None
    perms = v.get("permissions")
    return RoleScope(v.get("role"), tuple(v.get("events") or ()), None if perms is None else tuple(perms),
                     parse_rfc3339(v.get("at")))


def set_role_scope(session: Session, scope: RoleScope) -> None:
    """Cache what the hub said about this station's key (connect, and every run's discovery)."""
    _write(session, ROLE_KEY, {"role": scope.role, "events": list(scope.events),
                               "permissions": None if scope.permissions is None else list(scope.permissions),
                               "at": to_rfc3339(scope.at)})


def station_role(session: Session) -> str | None:
    """The role every station action is checked against (core.roles): the cached hub role, else the role
    saved with the connection; None for a ledger never connected or connected to a plain server (every
    action allowed: the server decides on upload)."""
    scope = role_scope(session)
    if scope is not None:
        return scope.role
    return (station(session) or {}).get("role")


# -- the last run's outcome (issue 8 item 6) -------------------------------------------------------------------
def last_outcome(session: Session) -> dict | None:
    """The last run's class as stored ({kind, message, refusals: [{endpoint, permission, status, message,
    phase}], at}), or None before the first run."""
    return _read(session, OUTCOME_KEY)


def set_last_outcome(session: Session, value: dict, at: datetime) -> None:
    """Store the last run's outcome (sync.outcome.SyncOutcome.to_json()) with the time `at`."""
    _write(session, OUTCOME_KEY, {**value, "at": to_rfc3339(at)})
# -- the door's entrance (issue 9 item 7) --------------------------------------------------------------------
def door_entrance(session: Session, event_id: str) -> str | None:
    """The id of the entrance this station works at for `event_id` (None = none chosen: every definition)."""
    return ((_read(session, DOOR_KEY) or {}).get("entrances") or {}).get(event_id)


def set_door_entrance(session: Session, event_id: str, entrance_id: str | None) -> None:
    """Remember the entrance this station works at for `event_id` (None forgets it)."""
    chosen = dict((_read(session, DOOR_KEY) or {}).get("entrances") or {})
    if entrance_id:
        chosen[event_id] = entrance_id
    else:
        chosen.pop(event_id, None)
    _write(session, DOOR_KEY, {"entrances": chosen})
