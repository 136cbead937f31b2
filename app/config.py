"""Paths and settings of a Tessera station, resolved once from platformdirs (STYLE.md §6).

Every setting is declared once in SETTINGS (key, type, default, help); core and sync receive values as
arguments, never by global lookup. `TESSERA_HOME=/some/dir` switches to a dev directory: the ledger goes to
$TESSERA_HOME/ledger.db and logs to $TESSERA_HOME/logs (like Vorta's dev mode).
"""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_path, user_log_path

APP_NAME = "tessera"
LEDGER_FILE = "ledger.db"
ENV_HOME = "TESSERA_HOME"


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


def get(key: str):
    """The value of setting `key`: its environment override TESSERA_<KEY> converted to its type, else the
    default. KeyError for an undeclared key; ValueError for an env value of the wrong type."""
    setting = SETTINGS[key]
    raw = os.environ.get(setting.env)
    if raw is None or raw == "":
        return setting.default
    if setting.type is bool:
        return raw.strip().lower() in ("1", "true", "yes", "on")
    return setting.type(raw)
