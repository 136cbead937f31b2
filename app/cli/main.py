"""The `tessera` command line: one argparse tree over the core services (README "Command line").

Each command group lives in app/cli/<group>_cmd.py and exposes `register(subparsers, parent)`: it adds its
parser(s) with `parents=[parent]` (which gives every command `--db PATH` and `--json`) and sets
`func=handler`; `handler(args) -> int | None` (None = 0). Before the handler runs, `args.db` holds the
ledger path or URL (default: app.config.default_db_path()), `args.db_given` whether --db was given, and
`args.json` a bool.
Errors: DomainError → "CODE: message" on stderr, exit 2; other user errors → "error: …", exit 1; never a
traceback unless TESSERA_DEBUG=1.

Start-up (issue 11 item 4): this module imports neither SQLAlchemy, Qt, core nor the decoders. Only the
module of the command being run is imported and registered in full; the other groups appear as light
placeholders (name + help from COMMAND_HELP), which is all `tessera --help` needs.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import os
import sys
import traceback
from typing import Iterable

from app import config
from app.cli.output import CliError

logger = logging.getLogger(__name__)

# command -> its one-line help, as its module's register() gives it (tests/app/test_cli_startup.py checks)
COMMAND_HELP = {
    "events": "create, list and get events",
    "definitions": "ticket definitions (types and prices)",
    "entrances": "entrances (check-in lists), exits, headcount",
    "orders": "list, show, correct and complete orders",
    "sell": "sell tickets at the box office",
    "tickets": "list and show tickets, check in by hand",
    "scan": "scan ticket QR codes and check them in",
    "pdf": "write an order's ticket PDF",
    "receipt": "print or save an order's receipt",
    "till": "open, void in, close and report a till session",
    "report": "reports: counts, arrivals, sales, door list, incidents (text, CSV, JSON, XLSX, PDF, PNG)",
    "demo": "create a demo event with ~200 tickets, PDFs, PNGs and real scans",
    "hub": "run the hub server and manage its stations",
    "station": "connect this station to a hub or the central API",
    "sync": "push local changes, then pull the server's",
    "settings": "show or change this station's settings",
    "gui": "open the desktop app (the default command)",
}
COMMANDS = list(COMMAND_HELP)
# Several commands may share a module (station + sync live in sync_cmd).
_MODULE_OF = {"station": "sync"}


def _add_common(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: a sub-parser's default must not overwrite a value given before the sub-command.
    parser.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                        help="ledger file or database URL (default: %s)" % config.default_db_path())
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="machine-readable output (the contract's field names)")


def app_version() -> str:
    """The installed distribution's version (pyproject.toml [project] version); "unknown" outside one."""
    from importlib.metadata import PackageNotFoundError, version  # only for --version (start-up time)

    try:
        return version("tessera")
    except PackageNotFoundError:
        return "unknown"


class _VersionAction(argparse.Action):
    """`--version`: prints "tessera X.Y" and exits; the version is looked up only then."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"tessera {app_version()}")  # on stdout, as argparse's own "version" action
        parser.exit()


def module_name(command: str) -> str:
    """The module of `command`: app.cli.<group>_cmd."""
    return f"app.cli.{_MODULE_OF.get(command, command)}_cmd"


def _present(command: str) -> bool:
    return importlib.util.find_spec(module_name(command)) is not None


def _load(command: str):
    """Import the module of `command`; None for a module not written yet (skipped, temporary)."""
    name = module_name(command)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        logger.debug("command module %s not present yet", name)
        return None


def build_parser(commands: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """The parser tree: top-level options plus every available command group. The groups in `commands`
    (None = all) are imported and registered in full; the others are placeholders with their help only."""
    full = {module_name(c) for c in (COMMANDS if commands is None else commands)}
    parent = argparse.ArgumentParser(add_help=False)
    _add_common(parent)
    parser = argparse.ArgumentParser(
        prog="tessera", description="Tessera: offline-first door check-in and box office.")
    _add_common(parser)
    parser.add_argument("--version", action=_VersionAction, help="show the version and exit")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        if name in subparsers.choices:
            continue
        module = _load(name) if module_name(name) in full else None
        if module is not None:
            module.register(subparsers, parent)
        elif module_name(name) not in full and _present(name):
            subparsers.add_parser(name, parents=[parent], help=COMMAND_HELP[name])
    parser.set_defaults(has_gui="gui" in subparsers.choices)
    return parser


def command_of(argv: list[str]) -> str | None:
    """The command group named in `argv` (the first word that is not a top-level option or its value)."""
    words = iter(argv)
    for word in words:
        if word == "--db":
            next(words, None)
        elif not word.startswith("-"):
            return word if word in COMMAND_HELP else None
    return None


def _run(parser: argparse.ArgumentParser, argv: list[str]) -> int:
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        if args.has_gui and args.command is None:  # `tessera [--db PATH]` alone opens the window
            return _run(build_parser(["gui"]), [*argv, "gui"])
        parser.print_help(sys.stderr)
        return 2
    args.db_given = bool(getattr(args, "db", None))  # e.g. the hub picks its own default file
    args.db = str(getattr(args, "db", None) or config.default_db_path())
    args.json = bool(getattr(args, "json", False))
    return int(args.func(args) or 0)


def _db_arg(argv: list[str]) -> str:
    for i, arg in enumerate(argv):
        if arg == "--db" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--db="):
            return arg[5:]
    return str(config.default_db_path())


def _raised(exc: Exception, module: str, name: str) -> bool:
    """isinstance(exc, module.name) without importing `module`: a command that never loaded it cannot have
    raised one (core and SQLAlchemy stay out of `tessera --help`)."""
    loaded = sys.modules.get(module)
    return loaded is not None and isinstance(exc, getattr(loaded, name))


def _failure(exc: Exception, argv: list[str]) -> int:
    """Print what went wrong (module docstring: Errors) and return the exit code."""
    if _raised(exc, "core.errors", "DomainError"):
        print(f"{exc.code}: {exc.message}", file=sys.stderr)
        return 2
    if isinstance(exc, (CliError, OSError, ValueError)):
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if _raised(exc, "sqlalchemy.exc", "SQLAlchemyError"):
        print(f"error: ledger {getattr(exc, 'orig', None) or exc} (--db {_db_arg(argv)})", file=sys.stderr)
        return 1
    if os.environ.get("TESSERA_DEBUG"):  # a bug: say so clearly, trace only on request
        traceback.print_exc()
    print(f"error: {type(exc).__name__}: {exc} (set TESSERA_DEBUG=1 for details)", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `tessera` console script; returns the process exit code (0 ok, 1 error,
    2 refused by the domain or bad usage, 130 interrupted)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        command = command_of(argv)
        return _run(build_parser([command] if command else []), argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except BrokenPipeError:  # `tessera … | head`: the reader left; not an error of ours
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        return _failure(exc, argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
