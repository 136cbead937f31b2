"""Station keys and roles (docs/HUB_EXTENSIONS.md "Authentication and roles").

A station key is a random 256-bit token; only its SHA-256 is stored (a fast hash is enough for a
high-entropy random key, unlike a password). The role decides which permissions a call needs.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import AlreadyExists, DomainError, InvalidArgument, NotFound
from core.timeutil import utcnow
from sync.hub.models import HubStation

DOOR, BOX_OFFICE, ORGANISER = "door", "box-office", "organiser"
ROLES = (DOOR, BOX_OFFICE, ORGANISER)

# Permissions. Door stations also read events and ticket definitions: the change feed carries them anyway,
# and a plain-contract pull (ListTicketDefinitions) must work for every station.
_DOOR = frozenset({"discovery", "events.read", "definitions.read", "tickets.read", "tickets.checkin",
                   "changes.read", "entrances.read"})
_BOX = _DOOR | {"orders.read", "orders.write", "orders.upload"}
_ORG = _BOX | {"definitions.write", "events.write", "entrances.write"}
PERMISSIONS = {DOOR: _DOOR, BOX_OFFICE: _BOX, ORGANISER: _ORG}

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.\-]{0,63}")


class Unauthenticated(DomainError):
    """Missing or unknown station key (401)."""

    status = 401
    default_code = "UNAUTHENTICATED"


class PermissionDenied(DomainError):
    """The station's role may not make this call (403)."""

    status = 403
    default_code = "PERMISSION_DENIED"


@dataclass(frozen=True)
class Station:
    """The authenticated caller: station `name` and `role`."""

    name: str
    role: str

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())


def hash_key(key: str) -> str:
    """SHA-256 hex of a station key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    """A fresh station key: `tsk_` + 43 url-safe characters (256 random bits)."""
    return "tsk_" + secrets.token_urlsafe(32)


def add_station(session: Session, name: str, role: str, *, replace: bool = False) -> str:
    """Register station `name` with `role` and return its new key (shown once; only the hash is stored).

    Raises InvalidArgument for a bad name or role, AlreadyExists when the name is taken (unless `replace`,
    which issues a new key and role for it). The caller commits."""
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
        row.role, row.key_hash = role, hash_key(key)
    session.flush()
    return key


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


def authenticate(session: Session, header: str | None) -> Station:
    """The station owning the key in the `Authorization` header value; raises Unauthenticated (401)."""
    key = key_from_header(header)
    if key is None:
        raise Unauthenticated("missing API key (Authorization header)")
    row = session.execute(select(HubStation.name, HubStation.role)
                          .where(HubStation.key_hash == hash_key(key))).first()
    if row is None:
        raise Unauthenticated("unknown API key")
    return Station(row.name, row.role)


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
    session.delete(row)
    session.flush()
    return name


def require(station: Station, permission: str) -> None:
    """Raise PermissionDenied (403) unless the station's role grants `permission`."""
    if not station.can(permission):
        raise PermissionDenied(f"station {station.name!r} (role {station.role}) may not {permission}",
                               code="PERMISSION_DENIED")
