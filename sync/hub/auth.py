"""Station keys and roles (docs/HUB_EXTENSIONS.md "Authentication and roles").

A station key is a random 256-bit token; only its SHA-256 is stored (a fast hash is enough for a
high-entropy random key, unlike a password). The role decides which permissions a call needs.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from core import roles
from core.errors import AlreadyExists, DomainError, InvalidArgument, NotFound
from core.timeutil import to_rfc3339, utcnow
from sync.hub.models import HubRevokedKey, HubStation, HubStationEvent

# The role table is core's (one rule for the hub and the station, core.roles); re-exported for callers.
DOOR, BOX_OFFICE, ORGANISER, ROLES, PERMISSIONS = roles.DOOR, roles.BOX_OFFICE, roles.ORGANISER, roles.ROLES, \
    roles.PERMISSIONS

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.\-]{0,63}")


class Unauthenticated(DomainError):
    """Missing or unknown station key (401)."""

    status = 401
    default_code = "UNAUTHENTICATED"


class PermissionDenied(DomainError):
    """The station's role may not make this call (403). The answer names the missing `permission` in
    applicationError.data (issue 8 item 6: the station says what is missing)."""

    status = 403
    default_code = "PERMISSION_DENIED"

    def __init__(self, message: str, code: str | None = None, permission: str | None = None):
        super().__init__(message, code)
        self.permission = permission

    def to_api(self) -> dict:
        body = super().to_api()
        if self.permission:
            body["details"]["applicationError"]["data"] = {"permission": self.permission}
        return body


@dataclass(frozen=True)
class Station:
    """The authenticated caller: station `name`, `role` and the `events` its key is limited to (empty = every
    event)."""

    name: str
    role: str
    events: tuple[str, ...] = ()

    def can(self, permission: str) -> bool:
        return roles.grants(self.role, permission)

    def may_use_event(self, event_id: str) -> bool:
        """True when the key is not limited to events or `event_id` is one of its events."""
        return not self.events or event_id in self.events


def hash_key(key: str) -> str:
    """SHA-256 hex of a station key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    """A fresh station key: `tsk_` + 43 url-safe characters (256 random bits)."""
    return "tsk_" + secrets.token_urlsafe(32)


def add_station(session: Session, name: str, role: str, *, replace: bool = False,
                events: list[str] | tuple[str, ...] = ()) -> str:
    """Register station `name` with `role` and return its new key (shown once; only the hash is stored).
    `events` limits the key to those event ids (empty = every event; issue 8 item 5).

    Raises InvalidArgument for a bad name or role, AlreadyExists when the name is taken (unless `replace`,
    which issues a new key, role and event scope for it). The caller commits."""
    if role not in ROLES:
        raise InvalidArgument(f"role must be one of {', '.join(ROLES)}", field="role")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidArgument("station name: 1-64 letters, digits, space, _ . -", field="name")
    key = new_key()
    row = session.get(HubStation, name)
    if row is not None and not replace:
        raise AlreadyExists(f"station {name!r} exists already")
    if row is None:
        session.add(HubStation(name=name, role=role, key_hash=hash_key(key), created=utcnow()))
    else:
        _remember_revoked(session, row, "replaced")
        row.role, row.key_hash = role, hash_key(key)
    set_scope(session, name, events)
    session.flush()
    return key


def set_scope(session: Session, name: str, events) -> None:
    """Limit station `name` to the event ids in `events` (empty = every event), replacing its scope."""
    for row in session.scalars(select(HubStationEvent).where(HubStationEvent.station == name)):
        session.delete(row)
    session.flush()
    for event_id in sorted({str(e) for e in events or () if str(e).strip()}):
        session.add(HubStationEvent(station=name, event_id=event_id))


def key_from_header(value: str | None) -> str | None:
    """The raw key of an `Authorization` header (a `Bearer ` prefix is tolerated); None when empty."""
    if not value:
        return None
    value = value.strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    return value or None


class StationCache:
    """Authenticates keys against hub_stations on every call: one indexed SELECT by key hash, no cache, so
    a revoke or a replaced key takes effect at once for every hub process sharing the database (issue 11;
    the earlier 30 s positive cache let a replaced key work for ~24 s). The name is kept for callers."""

    def authenticate(self, session: Session, header: str | None) -> Station:
        """The station owning the key in `header`; raises Unauthenticated (401)."""
        return authenticate(session, header)


_BY_KEY = (select(HubStation.name, HubStation.role, HubStationEvent.event_id)
           .outerjoin(HubStationEvent, HubStationEvent.station == HubStation.name)
           .where(HubStation.key_hash == bindparam("key_hash")))  # built once: a key check is one indexed query


def authenticate(session, header: str | None) -> Station:
    """The station owning the key in the `Authorization` header value, with its event scope, in one query on
    `session` (an ORM Session or a Connection); raises Unauthenticated (401)."""
    key = key_from_header(header)
    if key is None:
        raise Unauthenticated("missing API key (Authorization header)")
    conn = session.connection() if isinstance(session, Session) else session  # Core execution either way
    rows = conn.execute(_BY_KEY, {"key_hash": hash_key(key)}).all()
    if not rows:
        raise _unknown_key(conn, hash_key(key))
    return Station(rows[0].name, rows[0].role, tuple(sorted(r.event_id for r in rows if r.event_id)))


def _remember_revoked(session: Session, row: HubStation, reason: str) -> None:
    """Keep the hash of a key that stops working, so its station is told why (HubRevokedKey)."""
    if session.get(HubRevokedKey, row.key_hash) is None:
        session.add(HubRevokedKey(key_hash=row.key_hash, station=row.name, reason=reason, revoked=utcnow()))


def _unknown_key(conn, key_hash: str) -> Unauthenticated:
    """401 for a key no station owns: "revoked"/"replaced" with when and what to do, else "unknown API key"."""
    gone = conn.execute(select(HubRevokedKey.station, HubRevokedKey.reason, HubRevokedKey.revoked)
                        .where(HubRevokedKey.key_hash == key_hash)).first()
    if gone is None:
        return Unauthenticated("unknown API key")
    when = to_rfc3339(gone.revoked)
    fix = ("connect with the station's new key" if gone.reason == "replaced"
           else "ask the organiser for a new key (tessera hub add-station NAME --role ROLE --replace)")
    return Unauthenticated(f"this key of station {gone.station!r} was {gone.reason} at {when}: {fix}")


def key_id(key_hash: str) -> str:
    """The public id of a key: the first 12 hex digits of its SHA-256 (shown by add-station, used by revoke)."""
    return key_hash[:12]


def revoke(session: Session, who: str) -> str:
    """Revoke a station's key: `who` is a station name or a key id (≥ 8 leading hex digits of the key's
    SHA-256). The station row is deleted, so its key fails with 401 on the very next call in every hub
    process. Returns the station name; NotFound when nothing matches. The caller commits."""
    row = session.get(HubStation, who)
    if row is None and re.fullmatch(r"[0-9a-f]{8,64}", who or ""):
        rows = session.scalars(select(HubStation).where(HubStation.key_hash.startswith(who))).all()
        row = rows[0] if len(rows) == 1 else None
    if row is None:
        raise NotFound(f"no station or key id {who!r}")
    name = row.name
    _remember_revoked(session, row, "revoked")
    set_scope(session, name, ())
    session.delete(row)
    session.flush()
    return name


def require(station: Station, permission: str) -> None:
    """Raise PermissionDenied (403) unless the station's role grants `permission`."""
    if not station.can(permission):
        raise PermissionDenied(f"station {station.name!r} (role {station.role}) may not {permission}",
                               code="PERMISSION_DENIED", permission=permission)


def require_events(station: Station, event_ids) -> None:
    """Raise PermissionDenied (403, code EVENT_NOT_ALLOWED) when the key is limited to events and one of
    `event_ids` (the ids a call names) is not among them: a door key cannot check in another event's ticket."""
    for event_id in event_ids:
        if event_id and not station.may_use_event(str(event_id)):
            raise PermissionDenied(f"station {station.name!r} may not use event {event_id} (its key is limited "
                                   f"to {', '.join(station.events)})", code="EVENT_NOT_ALLOWED",
                                   permission=f"event:{event_id}")
