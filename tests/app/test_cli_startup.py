"""app.cli.main start-up (issue 11 item 4): `tessera --help` and building the parser import neither
SQLAlchemy, Qt nor the decoders; a command imports only its own module; the light placeholders carry the
same help as the modules' register(); the default command still opens the GUI path."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "PySide6", "cv2", "zxingcpp", "pyzbar", "numpy", "fastapi", "httpx", "alembic", "core")


def _loaded_after(code: str) -> list[str]:
    probe = (f"import sys, contextlib, io\nimport app.cli.main as m\n{code}\n"
             f"print(' '.join(k for k in {HEAVY!r} if k in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_building_the_parser_and_help_import_nothing_heavy():
    assert _loaded_after("m.build_parser([])") == []
    help_run = ("with contextlib.redirect_stdout(io.StringIO()) as out:\n    code = m.main(['--help'])\n"
                "assert code == 0 and 'tickets' in out.getvalue(), out.getvalue()")
    assert _loaded_after(help_run) == []
    version_run = ("with contextlib.redirect_stdout(io.StringIO()):\n    assert m.main(['--version']) == 0")
    assert _loaded_after(version_run) == []


def test_a_command_imports_only_its_own_module():
    loaded = _loaded_after("m.build_parser(['tickets'])\nassert 'app.cli.hub_cmd' not in sys.modules\n"
                           "assert 'app.cli.scan_cmd' not in sys.modules")
    assert "sqlalchemy" in loaded and "PySide6" not in loaded and "cv2" not in loaded


def test_placeholders_carry_the_modules_help():
    parser = cli_main.build_parser()  # every module in full
    sub = next(a for a in parser._actions if isinstance(a, type(parser._subparsers._group_actions[0])))
    registered = {a.dest: a.help for a in sub._choices_actions}
    assert registered == cli_main.COMMAND_HELP


@pytest.mark.parametrize("argv, command", [(["--db", "x.db", "tickets", "list"], "tickets"), (["--json"], None),
                                           (["--db=x.db", "station", "show"], "station"), (["nope"], None),
                                           (["--help"], None)])
def test_command_of(argv, command):
    assert cli_main.command_of(argv) == command


def test_subcommand_help_and_unknown_command(capsys):
    assert cli_main.main(["tickets", "list", "--help"]) == 0
    assert "--search" in capsys.readouterr().out
    assert cli_main.main(["nope"]) == 2
    assert "invalid choice" in capsys.readouterr().err
