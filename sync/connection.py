"""The station's saved connection as something to use: the one place that turns "no connection" or "no key"
into NotConnected and builds a SyncEngine on the saved connection (the GUI's engine slot, the door's lookups and
`tessera sync` all come here)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy.orm import Session

from core import roles
from sync import state
from sync.engine import SyncEngine
from sync.errors import ApiError, NetworkError, SyncError
from sync.station import StationConfig, load_config, load_key, make_api


class NotConnected(SyncError):
    """The station has no saved connection (sync.station) or its key is missing."""


def saved_config(session: Session) -> StationConfig:
    """The saved connection. Raises NotConnected when the station was never connected."""
    cfg = load_config(session)
    if cfg is None:
        raise NotConnected("not connected: connect this station to a hub or the central API "
                           "(`tessera station connect URL --key KEY`)")
    return cfg


def saved_key(cfg: StationConfig) -> str:
    """The station key of `cfg` from the keyring (or its 0600 file). Raises NotConnected when it is missing."""
    key = load_key(cfg)
    if not key:
        raise NotConnected(f"the station key is missing from {cfg.key_storage or 'the keyring'}: connect again")
    return key


def station_engine(ledger, *, clock_warn_s: float, timeout: httpx.Timeout | None = None,
                   cfg: StationConfig | None = None, **engine_kw) -> SyncEngine:
    """A SyncEngine on the saved connection (or `cfg`); `timeout` the HTTP client's (None: sync.station's
    default); `clock_warn_s` seconds of clock offset above which the operator is warned; other keywords go to
    SyncEngine. Raises NotConnected. The caller closes `engine.api.http`."""
    if cfg is None:
        with ledger.uow() as uow:
            cfg = saved_config(uow.session)
    key = saved_key(cfg)
    api = make_api(cfg, key, timeout=timeout) if timeout is not None else make_api(cfg, key)
    return SyncEngine(ledger, api, cfg.station, cfg.event_ids, clock_warn_s=clock_warn_s, **engine_kw)


# -- the station's role (issue 8 item 5) -----------------------------------------------------------------------
def refusal(session: Session, action: str) -> str | None:
    """Why this station may not do `action` (core.roles.ACTIONS) — its role is the hub's, cached in the ledger
    (sync.state.station_role) — or None when it may (a ledger never connected may do everything)."""
    return roles.refusal(state.station_role(session), action)


# -- how old the cached data is, and why it was not refreshed (issue 8 item 6) --------------------------------------
_ENDPOINTS = {"definitions": "ticket-definitions", "orders": "/orders", "tickets": "/tickets", "events": "/events"}


@dataclass(frozen=True)
class DataAge:
    """The cached `resource`'s last refresh `as_of` (aware UTC; None = never pulled), `connected` (a saved
    connection exists) and `problem`: why the last run did not refresh it ("hub refused GET … (missing
    definitions.read)", "offline: …"), None when it did or there was no run."""

    resource: str
    as_of: datetime | None
    connected: bool
    problem: str | None = None


def data_age(session: Session, resource: str) -> DataAge:
    """How old the cached `resource` (definitions, orders, tickets, events) is and why the last run did not
    refresh it: a refusal of its endpoint, or a run that stopped (offline, server error…). A failed load is shown
    with this, never as an empty list or "sold out"."""
    as_of = state.last_success(session).get(resource)
    connected = load_config(session) is not None
    last = state.last_outcome(session) or {}
    kind = last.get("kind")
    problem = None
    for r in last.get("refusals") or []:
        if r.get("phase") == "pull" and _ENDPOINTS.get(resource, resource) in (r.get("endpoint") or ""):
            missing = f", missing {r['permission']}" if r.get("permission") else ""
            problem = f"the server refused {r.get('endpoint')} ({r.get('status')}{missing})"
    if problem is None and kind in ("offline", "server-error", "failed", "refused"):
        problem = f"last sync {kind.replace('-', ' ')}: {last.get('message') or ''}".rstrip(": ")
    return DataAge(resource, as_of, connected, problem)


# -- the permission self-test of `station connect` (issue 8 item 6) -----------------------------------------------
@dataclass(frozen=True)
class Probe:
    """One permission the station's role needs: `permission` (core.roles), the `call` that proves it, `ok`,
    and `detail` (why not, or "stated by the hub" when no read-only call can prove a write permission)."""

    permission: str
    call: str
    ok: bool
    detail: str = ""


# Read-only calls that prove a read permission, per event: (permission, call text, api method name).
_READ_PROBES = (("definitions.read", "GET /events/v1/ticket-definitions", "list_definitions"),
                ("tickets.read", "GET /events/v1/tickets", "list_tickets"),
                ("orders.read", "GET /events/v1/orders", "list_orders"))


def _probe(permission: str, call: str, fn) -> Probe:
    """Run one read-only call `fn()`; a refusal or no answer is a failed Probe with the reason."""
    try:
        fn()
    except ApiError as exc:
        return Probe(permission, call, False, exc.message)
    except NetworkError as exc:
        return Probe(permission, call, False, f"unreachable: {exc.message}")
    return Probe(permission, call, True)


def self_test(api, role: str | None, event_ids: list[str], stated: tuple[str, ...] | None,
              hub: bool) -> list[Probe]:
    """Check every permission a station of `role` needs (core.roles.permissions; a plain server's station
    needs the reads of a box office) against the server behind `api`: read permissions by one read-only call
    per event (limit 1), the change feed on a hub, and write permissions by what the hub `stated` in discovery
    (None: not stated, reported as unproven). Returns one Probe per (permission, event); never writes."""
    needed = roles.permissions(role) if role else roles.permissions(roles.BOX_OFFICE) - {"changes.read"}
    probes: list[Probe] = []
    for event_id in event_ids:
        for permission, call, name in _READ_PROBES:
            if permission in needed:
                method = getattr(api, name)
                probes.append(_probe(permission, f"{call}?eventId={event_id}",
                                     lambda m=method, e=event_id: m([e], limit=1)))
        if hub and "changes.read" in needed:
            probes.append(_probe("changes.read", f"GET /tessera/v1/changes?eventId={event_id}",
                                 lambda e=event_id: api.changes(e, None, 1)))
    proved = {p.permission for p in probes}
    for permission in sorted(needed - proved - {"discovery"}):
        if stated is None:
            ok, why = not hub, "not stated by the server: the first upload tells"
        else:
            ok = permission in stated
            why = "stated by the hub" if ok else "the hub does not grant it"
        probes.append(Probe(permission, "(not probed)", ok, why))
    return probes


def check_saved(ledger, *, timeout: httpx.Timeout | None = None) -> list[Probe]:
    """The self-test (see self_test) on the saved connection and the role the hub stated (sync.state).
    Raises NotConnected. Blocking (network)."""
    with ledger.uow() as uow:
        cfg = saved_config(uow.session)
        scope = state.role_scope(uow.session)
    api = make_api(cfg, saved_key(cfg), timeout=timeout) if timeout is not None else make_api(cfg, saved_key(cfg))
    try:
        return self_test(api, cfg.role, list(cfg.event_ids), scope.permissions if scope else None,
                         bool(cfg.extensions))
    finally:
        api.http.close()
