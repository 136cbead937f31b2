"""Paths and settings of a Tessera station, resolved once from platformdirs (STYLE.md §6).

Every setting is declared once in SETTINGS (key, type, default, help); core and sync receive values as
arguments, never by global lookup. A value comes from, first to last: the environment (TESSERA_<KEY>), the
station's settings file (<data dir>/settings.json, written by `tessera settings set`, the Settings dialog and
the set-up wizard; 0600, replaced atomically), the declared default. A damaged settings file is logged and
ignored (defaults apply), never fatal. `TESSERA_HOME=/some/dir` switches to a dev directory: the ledger goes to
$TESSERA_HOME/ledger.db and logs to $TESSERA_HOME/logs (like Vorta's dev mode).
"""
from __future__ import annotations

import json
import logging
import os
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_path, user_log_path

logger = logging.getLogger(__name__)

APP_NAME = "tessera"
SETTINGS_FILE = "settings.json"
LEDGER_FILE = "ledger.db"
ENV_HOME = "TESSERA_HOME"
ENV_SETTINGS = "TESSERA_SETTINGS"


@dataclass(frozen=True)
class Setting:
    """One setting: `key` (also the env override TESSERA_<KEY upper>), python `type`, `default`, `help`."""

    key: str
    type: type
    default: object
    help: str

    @property
    def env(self) -> str:
        return "TESSERA_" + self.key.upper().replace(".", "_")


SETTINGS: dict[str, Setting] = {s.key: s for s in (
    Setting("station", str, "", "station name written on check-ins and sales (default: the host name)"),
    Setting("operator", str, "", "operator name written on check-ins"),
    Setting("scan_debounce_s", float, 2.0, "seconds in which the same code seen again by a camera counts once"),
    Setting("clock_warn_s", float, 120.0, "clock offset to the server above which the operator is warned"),
    Setting("sync_interval_s", float, 10.0, "seconds between sync runs when online"),
    Setting("locale", str, "en_US", "locale for money and dates (babel)"),
    # -- the door (issue 9) --
    Setting("door_provisional", bool, True, "supervisor: offer provisional entry for ticket-shaped codes missing "
            "from the local list on a station that has synced (off: never)"),
    Setting("door_take_payment", bool, True, "offer 'Take payment & admit' at the door (also needs a station "
            "role that may take orders: box-office or organiser, or no hub role)"),
    Setting("door_ready_after_s", float, 6.0, "seconds after the last read of a code before the door shows "
            "'Ready' again (0 = keep the verdict)"),
    Setting("undo_confirm_after_s", float, 120.0, "a check-in older than this many seconds is undone only after "
            "an explicit warning"),
    Setting("receipt_printer", str, "", "box office: ESC/POS receipt printer — network:HOST[:PORT], usb:VID:PID "
            "(hex), file:PATH; empty = receipts are saved as PDF"),
    Setting("receipt_auto", bool, False, "box office: print a receipt after every sale and payment"),
    Setting("ticket_layout", str, "a6", "ticket print layout: a6 (A6 page per ticket) or roll80 (80 mm roll)"),
    Setting("camera", str, "", "door scanner: a webcam index (0, 1, …) or a video device path; empty = no camera "
            "(typed codes / USB scanner)"),
    Setting("station_role", str, "", "role of a local (never connected) station: door, box-office or organiser; "
            "empty = every role. A connected station's role comes from its hub key"),
    Setting("walk_in_names_required", bool, True,
            "box office: a sale needs the buyer's first and last name (false: anonymous walk-ins)"),
)}


def home() -> Path | None:
    """The dev directory from $TESSERA_HOME, or None when platformdirs paths are used."""
    value = os.environ.get(ENV_HOME, "").strip()
    return Path(value).expanduser() if value else None


def data_dir() -> Path:
    """Directory of the station's data (ledger, rendered tickets): platformdirs user data dir "tessera"."""
    dev = home()
    return dev if dev else user_data_path(APP_NAME, appauthor=False)


def log_dir() -> Path:
    """Directory for rotating log files (platformdirs user log dir, or $TESSERA_HOME/logs)."""
    dev = home()
    return dev / "logs" if dev else user_log_path(APP_NAME, appauthor=False)


def default_db_path() -> Path:
    """The default ledger file: <data dir>/ledger.db (the directory is created on open, not here)."""
    return data_dir() / LEDGER_FILE


def default_station() -> str:
    """The station name: $TESSERA_STATION, else this computer's host name (≤64 chars, the column's size)."""
    return (get("station") or socket.gethostname() or "station")[:64]


def settings_path() -> Path:
    """The station's settings file: $TESSERA_SETTINGS when set (tests, several stations on one machine),
    else <data dir>/settings.json."""
    explicit = os.environ.get(ENV_SETTINGS, "").strip()
    return Path(explicit).expanduser() if explicit else data_dir() / SETTINGS_FILE


def _convert(setting: Setting, raw):
    """`raw` (text from the environment or the CLI, or a JSON value) as the setting's type; ValueError if not."""
    if setting.type is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            raise ValueError(f"{setting.key}: {raw!r} is not true/false")
        return text in ("1", "true", "yes", "on")
    if setting.type is float and isinstance(raw, bool):
        raise ValueError(f"{setting.key}: {raw!r} is not a number")
    try:
        return setting.type(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{setting.key}: {raw!r} is not a {setting.type.__name__}") from None


def stored() -> dict:
    """The settings file's values ({key: value}, unknown keys and wrong types dropped); {} when there is none
    or it is damaged (logged)."""
    path = settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        logger.warning("settings file %s ignored: %s", path, exc)
        return {}
    out = {}
    for key, value in (data.items() if isinstance(data, dict) else ()):
        if key in SETTINGS:
            try:
                out[key] = _convert(SETTINGS[key], value)
            except ValueError as exc:
                logger.warning("settings file %s: %s (default used)", path, exc)
    return out


def set_value(key: str, value) -> object:
    """Store setting `key` = `value` (converted to its type) in the settings file; returns the stored value.
    KeyError for an undeclared key, ValueError for a value of the wrong type, OSError when the file cannot be
    written (the previous file is then left as it was)."""
    setting = SETTINGS[key]
    converted = _convert(setting, value)
    values = stored()
    values[key] = converted
    _write(values)
    return converted


def unset(key: str) -> None:
    """Remove setting `key` from the settings file (its default applies again). KeyError if undeclared."""
    SETTINGS[key]
    values = stored()
    if values.pop(key, None) is not None:
        _write(values)


def _write(values: dict) -> None:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(values, f, indent=2, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def get(key: str):
    """The value of setting `key`: its environment override TESSERA_<KEY> converted to its type, else the
    settings file's value, else the default. KeyError for an undeclared key; ValueError for an env value of
    the wrong type."""
    setting = SETTINGS[key]
    raw = os.environ.get(setting.env)
    if raw is None or raw == "":
        return stored().get(key, setting.default)
    return _convert(setting, raw)
