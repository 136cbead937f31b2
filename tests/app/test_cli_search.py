"""`tessera tickets list --search` / `orders list --search` ignore accents (core.textsearch_fold): the door
types 'lucja orsted' for "Łucja Ørsted", and 'Jürgen' finds "Jurgen" — in the table and with --json (case WR-11:
the guest without a QR is found by surname)."""
from __future__ import annotations

import json

import pytest

from app.cli.main import main


@pytest.fixture
def cli(tmp_path, capsys):
    """run(*args, as_json=True) -> (exit code, parsed JSON or text) against tmp_path/ledger.db."""
    db = str(tmp_path / "ledger.db")

    def run(*args, as_json=True):
        code = main([*args, "--db", db] + (["--json"] if as_json else []))
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return code, (json.loads(out) if as_json and code == 0 else out)

    return run


def test_search_without_accents(cli):
    assert cli("events", "create", "--title", "Spring Concert", "--time-zone", "Europe/Zurich", "--currency",
               "CHF", "--start", "2030-05-01 19:30", "--end", "2030-05-01 23:00")[0] == 0
    assert cli("definitions", "create", "--name", "Adult", "--price", "30.00")[0] == 0
    for first, last, n in (("Łucja", "Ørsted", "2"), ("Jurgen", "Muller", "1")):
        assert cli("sell", "--ticket", f"Adult={n}", "--first-name", first, "--last-name", last,
                   "--payment", "unpaid")[0] == 0
    code, found = cli("tickets", "list", "--search", "lucja orsted")
    assert code == 0 and found["total"] == 2
    assert cli("tickets", "list", "--search", "Jürgen Müller")[1]["total"] == 1
    assert cli("tickets", "list", "--search", "lu")[1]["total"] == 2  # a short word: the start of a name
    code, table = cli("tickets", "list", "--search", "ORSTED", as_json=False)
    assert code == 0 and table.count("Łucja Ørsted") == 2
    assert cli("orders", "list", "--search", "orsted")[1]["total"] == 1
