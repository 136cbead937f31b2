"""`tessera definitions create|update --entry-rule once|daily|multi --max-entries N` (issue 9 item 9): the
rule lands on the definition (JSON `entryRule`, text "entry rule"), bad combinations are user errors."""
from __future__ import annotations

import json

import pytest

from app.cli.main import main


@pytest.fixture
def cli(tmp_path, capsys):
    db = str(tmp_path / "ledger.db")

    def run(*args, as_json=True):
        code = main([*args, "--db", db] + (["--json"] if as_json else []))
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return code, (json.loads(out) if as_json and code == 0 and out.strip() else out), err

    code, _, _ = run("events", "create", "--title", "Festival", "--time-zone", "Pacific/Auckland",
                     "--currency", "NZD", "--start", "2030-01-10 10:00", "--end", "2030-01-12 23:00")
    assert code == 0
    return run


def test_create_and_update_with_an_entry_rule(cli):
    code, made, _ = cli("definitions", "create", "--name", "Pass", "--entry-rule", "daily")
    assert code == 0 and made["definition"]["entryRule"] == {"kind": "DAILY"}
    code, changed, _ = cli("definitions", "update", made["definition"]["id"], "--max-entries", "3")  # implies multi
    assert code == 0 and changed["definition"]["entryRule"] == {"kind": "MULTI", "maxEntries": 3}
    code, text, _ = cli("definitions", "get", made["definition"]["id"], as_json=False)
    assert code == 0 and "3 entries" in text
    code, back, _ = cli("definitions", "update", made["definition"]["id"], "--entry-rule", "once")
    assert code == 0 and "entryRule" not in back["definition"]


def test_multi_without_max_entries_is_a_user_error(cli):
    code, _, err = cli("definitions", "create", "--name", "Pass", "--entry-rule", "multi")
    assert code != 0 and "maxEntries" in err
