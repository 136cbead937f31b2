"""The `tessera` command line: one argparse tree over the core services (README "Command line").

Each command group lives in app/cli/<group>_cmd.py and exposes `register(subparsers, parent)`: it adds its
parser(s) with `parents=[parent]` (which gives every command `--db PATH` and `--json`) and sets
`func=handler`; `handler(args) -> int | None` (None = 0). Before the handler runs, `args.db` holds the
ledger path or URL (default: app.config.default_db_path()), `args.db_given` whether --db was given, and
`args.json` a bool.
Errors: DomainError → "CODE: message" on stderr, exit 2; other user errors → "error: …", exit 1; never a
traceback unless TESSERA_DEBUG=1.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import traceback
from importlib.metadata import PackageNotFoundError, version

from sqlalchemy.exc import SQLAlchemyError

from app import config
from app.cli.output import CliError

logger = logging.getLogger(__name__)

COMMANDS = ["events", "definitions", "entrances", "orders", "sell", "tickets", "scan", "pdf", "receipt", "till",
            "report", "demo", "hub", "station", "sync", "settings", "gui"]
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
    try:
        return version("tessera")
    except PackageNotFoundError:
        return "unknown"


def _load_modules() -> list:
    """Import app.cli.<group>_cmd for every group; a module not written yet is skipped (temporary)."""
    modules, seen = [], set()
    for name in COMMANDS:
        mod_name = f"app.cli.{_MODULE_OF.get(name, name)}_cmd"
        if mod_name in seen:
            continue
        seen.add(mod_name)
        try:
            modules.append(importlib.import_module(mod_name))
        except ModuleNotFoundError as exc:
            if exc.name != mod_name:
                raise
            logger.debug("command module %s not present yet", mod_name)
    return modules


def build_parser() -> argparse.ArgumentParser:
    """The whole parser tree: top-level options plus every available command group."""
    parent = argparse.ArgumentParser(add_help=False)
    _add_common(parent)
    parser = argparse.ArgumentParser(
        prog="tessera", description="Tessera: offline-first door check-in and box office.")
    _add_common(parser)
    parser.add_argument("--version", action="version", version=f"tessera {app_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _load_modules():
        module.register(subparsers, parent)
    parser.set_defaults(has_gui="gui" in subparsers.choices)
    return parser


def _run(parser: argparse.ArgumentParser, argv: list[str]) -> int:
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        if args.has_gui:  # `tessera [--db PATH]` alone opens the window
            return _run(parser, [*argv, "gui"])
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


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `tessera` console script; returns the process exit code (0 ok, 1 error,
    2 refused by the domain or bad usage, 130 interrupted)."""
    from core.errors import DomainError

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _run(build_parser(), argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except DomainError as exc:
        print(f"{exc.code}: {exc.message}", file=sys.stderr)
        return 2
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `tessera … | head`: the reader left; not an error of ours
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"error: ledger {getattr(exc, 'orig', None) or exc} (--db {_db_arg(argv)})", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: say so clearly, trace only on request
        if os.environ.get("TESSERA_DEBUG"):
            traceback.print_exc()
        print(f"error: {type(exc).__name__}: {exc} (set TESSERA_DEBUG=1 for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
