"""`tessera settings [list] | get KEY | set KEY VALUE | unset KEY`: the station's settings (app.config).

Values are stored in the station's settings file (0600) and read by the GUI and the CLI; an environment
variable TESSERA_<KEY> still wins for one run. `list` shows each setting's value and where it comes from."""
from __future__ import annotations

import os

from app import config
from app.cli.output import CliError, emit, table


def register(subparsers, parent) -> None:
    """Add `settings` to the CLI."""
    p = subparsers.add_parser("settings", parents=[parent], help="show or change this station's settings",
                              description=__doc__.split("\n\n", 1)[1])
    sub = p.add_subparsers(dest="settings_command", metavar="COMMAND")
    p.set_defaults(func=cmd_list)
    sub.add_parser("list", parents=[parent], help="every setting, its value and source").set_defaults(func=cmd_list)
    g = sub.add_parser("get", parents=[parent], help="one setting's value")
    g.add_argument("key", metavar="KEY")
    g.set_defaults(func=cmd_get)
    s = sub.add_parser("set", parents=[parent], help="store a setting")
    s.add_argument("key", metavar="KEY")
    s.add_argument("value", metavar="VALUE")
    s.set_defaults(func=cmd_set)
    u = sub.add_parser("unset", parents=[parent], help="back to the default")
    u.add_argument("key", metavar="KEY")
    u.set_defaults(func=cmd_unset)


def _setting(key: str) -> config.Setting:
    try:
        return config.SETTINGS[key]
    except KeyError:
        raise CliError(f"unknown setting {key!r}; known: {', '.join(sorted(config.SETTINGS))}") from None


def _source(setting: config.Setting, stored: dict) -> str:
    if os.environ.get(setting.env):
        return f"environment {setting.env}"
    return "settings file" if setting.key in stored else "default"


def cmd_list(args) -> int:
    stored = config.stored()
    rows = [(s.key, config.get(s.key), _source(s, stored), s.help) for s in config.SETTINGS.values()]
    body = {"file": str(config.settings_path()),
            "settings": [{"key": k, "value": v, "source": src, "help": h} for k, v, src, h in rows]}
    emit(args, body, lambda: table(["KEY", "VALUE", "FROM"], [(k, v, src) for k, v, src, _h in rows])
         + f"\n\nfile: {config.settings_path()}")
    return 0


def cmd_get(args) -> int:
    setting = _setting(args.key)
    value = config.get(setting.key)
    emit(args, {"key": setting.key, "value": value, "source": _source(setting, config.stored())}, str(value))
    return 0


def cmd_set(args) -> int:
    setting = _setting(args.key)
    try:
        value = config.set_value(setting.key, args.value)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    note = f" (the environment's {setting.env} still wins for now)" if os.environ.get(setting.env) else ""
    emit(args, {"key": setting.key, "value": value}, f"{setting.key} = {value}{note}")
    return 0


def cmd_unset(args) -> int:
    setting = _setting(args.key)
    config.unset(setting.key)
    emit(args, {"key": setting.key, "value": config.get(setting.key)},
         f"{setting.key} back to {config.get(setting.key)!r}")
    return 0
