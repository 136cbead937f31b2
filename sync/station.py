"""A station's connection: server URL, wix-site-id, station name, role and events, stored in the ledger
(sync.state); the API key goes to the OS keyring (`keyring`), or — when no keyring backend works — to a 0600
file in the user config directory, and the station says so (`key_storage`). The key is never logged.
Credentials are kept per ledger (issue 7 item 8): the keyring entry / file is named after the URL, the site id
and the ledger's own id, so two ledgers of one OS user connected to the same hub never share a key."""
from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import httpx
from platformdirs import user_config_path
from sqlalchemy.orm import Session

from core.timeutil import utcnow
from sync import plain_events, state
from sync.client import TicketingApi, device_now
from sync.errors import SyncError

logger = logging.getLogger(__name__)

KEYRING_SERVICE = "tessera"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, read=60.0)


@dataclass
class StationConfig:
    """The saved connection (no secret in it): `url` base URL, `site_id` wix-site-id, `station` name, `role`
    (hub: door | box-office | organiser; None on a plain server), `event_ids`, `extensions` seen at connect,
    `key_storage` where the key lives ("keyring: <backend>" or "file: <path>"), `ledger_id` the ledger this
    connection belongs to (sync.state.ledger_id; "" for a connection saved before keys were per ledger),
    `follow_all` the station takes every event its key may use, also those created after it connected
    (sync.engine.SyncEngine adds them at the next sync)."""

    url: str
    site_id: str = ""
    station: str = ""
    role: str | None = None
    event_ids: list[str] = field(default_factory=list)
    extensions: list[str] = field(default_factory=list)
    key_storage: str = ""
    ledger_id: str = ""
    follow_all: bool = False  # connected to a hub without --event: events the hub gets later join at a sync

    @property
    def key_id(self) -> str:
        """The keyring user name / key file stem of this connection: URL + site id + ledger id, hashed (a
        connection saved without a ledger id keeps its old name, URL + site id, so its key is still found)."""
        text = f"{self.url.rstrip('/')}|{self.site_id}"
        if self.ledger_id:
            text += f"|{self.ledger_id}"
        return hashlib.sha256(text.encode()).hexdigest()[:24]


def save_config(session: Session, cfg: StationConfig) -> None:
    """Store `cfg` in the ledger (sync.state; the caller commits)."""
    state.set_station(session, asdict(cfg))


def load_config(session: Session) -> StationConfig | None:
    """The saved connection, or None when the station was never connected."""
    value = state.station(session)
    if not value or not value.get("url"):
        return None
    known = {k: v for k, v in value.items() if k in StationConfig.__dataclass_fields__}
    return StationConfig(**known)


def default_key_dir() -> Path:
    """Where the fallback key file goes: $TESSERA_HOME/keys, else the platformdirs user config dir."""
    home = os.environ.get("TESSERA_HOME", "").strip()
    return Path(home).expanduser() / "keys" if home else user_config_path("tessera", appauthor=False) / "keys"


def _keyring_backend():
    """The usable keyring backend, or None (the "fail" backend or any import/config error = none)."""
    if os.environ.get("TESSERA_KEYRING", "").lower() in ("file", "0", "off", "no"):
        return None
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
            return None
        return backend
    except Exception as exc:  # noqa: BLE001 - any keyring trouble means: use the file
        logger.info("no keyring backend: %s", exc)
        return None


def store_key(cfg: StationConfig, key: str, key_dir: Path | None = None) -> str:
    """Save the API key in the OS keyring, or in `<key_dir>/<key_id>.key` with mode 0600 when no keyring
    backend works. Returns the storage description (also put in cfg.key_storage)."""
    backend = _keyring_backend()
    if backend is not None:
        try:
            backend.set_password(KEYRING_SERVICE, cfg.key_id, key)
            cfg.key_storage = f"keyring: {type(backend).__name__}"
            return cfg.key_storage
        except Exception as exc:  # noqa: BLE001 - a locked or broken keyring: fall back to the file
            logger.warning("keyring %s refused the key (%s); using a 0600 file", type(backend).__name__, exc)
    path = (key_dir or default_key_dir()) / f"{cfg.key_id}.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    os.chmod(path, 0o600)
    cfg.key_storage = f"file: {path} (no keyring backend available)"
    return cfg.key_storage


def load_key(cfg: StationConfig, key_dir: Path | None = None) -> str | None:
    """The stored key (keyring first when that is where it went, else the file), or None."""
    if cfg.key_storage.startswith("keyring"):
        backend = _keyring_backend()
        if backend is not None:
            try:
                value = backend.get_password(KEYRING_SERVICE, cfg.key_id)
                if value:
                    return value
            except Exception as exc:  # noqa: BLE001
                logger.warning("keyring read failed: %s", exc)
    path = (key_dir or default_key_dir()) / f"{cfg.key_id}.key"
    if cfg.key_storage.startswith("file: "):
        path = Path(cfg.key_storage[6:].split(" (", 1)[0])
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def make_api(cfg: StationConfig, key: str, *, transport: httpx.BaseTransport | None = None,
             timeout: httpx.Timeout = DEFAULT_TIMEOUT, clock: Callable = device_now) -> TicketingApi:
    """A TicketingApi for the saved connection (an httpx.Client with base_url = cfg.url)."""
    http = httpx.Client(base_url=cfg.url.rstrip("/"), timeout=timeout, transport=transport)
    return TicketingApi(http, key, cfg.site_id, clock=clock)


def connect(session: Session, url: str, key: str, *, site_id: str = "", event_ids: list[str] | None = None,
            station: str = "", key_dir: Path | None = None,
            transport: httpx.BaseTransport | None = None, event_info: dict | None = None) -> StationConfig:
    """Check the key against the server (discovery; a plain server is detected by its 404), save the
    connection in the caller's session and the key in the keyring/file, and fix the server's mode (hub or
    plain; a later run never changes it, issue 8 item 13). With a hub and no `event_ids`, every
    event the hub lists (or the key's events) is taken, and events the hub gets later join at each sync. The key is stored under this ledger's id (per-ledger credentials).
    A plain server's events are read from its events call or completed by `event_info` {title, timeZone,
    currency} (sync.plain_events, issue 8 item 9) and stored. Raises Unauthorized (bad key), NetworkError,
    SyncError ("no event"), EventDetailsNeeded (plain: ask the organiser), InvalidArgument (bad event_info)."""
    cfg = StationConfig(url=url.rstrip("/"), site_id=site_id, event_ids=list(event_ids or []),
                        ledger_id=state.ledger_id(session))
    api = make_api(cfg, key, transport=transport)
    try:
        disc = api.discover()
        if not disc.plain and not cfg.event_ids:  # a key limited to events takes those (issue 8 item 5)
            cfg.event_ids = list(disc.events) or [e["id"] for e in api.list_events() if e.get("id")]
            cfg.follow_all = True
        elif disc.plain:
            for event_id in cfg.event_ids:  # a plain server has no discovery: prove the key with one read
                api.list_definitions([event_id], limit=1)
            events = plain_events.event_details(api, cfg.event_ids, event_info)
    finally:
        api.http.close()
    if not cfg.event_ids:
        raise SyncError("the server has no event for this station yet: an organiser creates it on an organiser "
                        "station (`tessera events create …`), connects with `--event EVENT_ID` and syncs (the "
                        "event goes up); then the other stations connect. Or give --event ID of an existing event")
    cfg.station = (disc.station or station or "station")[:64]
    cfg.role, cfg.extensions = disc.role, sorted(disc.extensions)
    store_key(cfg, key, key_dir)
    save_config(session, cfg)
    state.set_server_mode(session, disc.plain, disc.extensions, utcnow())  # fixed here (issue 8 item 13)
    if disc.plain:
        plain_events.store_events(session, events)
    state.set_role_scope(session, state.RoleScope(disc.role, disc.events, disc.permissions, utcnow()))
    return cfg
