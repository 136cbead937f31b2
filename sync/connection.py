"""The station's saved connection as something to use: the one place that turns "no connection" or "no key"
into NotConnected and builds a SyncEngine on the saved connection (the GUI's engine slot, the door's lookups and
`tessera sync` all come here)."""
from __future__ import annotations

import httpx
from sqlalchemy.orm import Session

from sync.engine import SyncEngine
from sync.errors import SyncError
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
