"""`tessera sync review [--json] [--all] [--ack ID… | --ack-all] [--by NAME]` (app/cli/review_cmd.py): the review
queue listed, acknowledged one by one or all at once, kept for audit (issue 8 item 7)."""
from __future__ import annotations

import json
import re

import pytest

from app.cli.main import main
from core import review
from core.db import Ledger
from core.review import ReviewKind


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_HOME", str(tmp_path / "home"))
    path = str(tmp_path / "station.db")
    ledger = Ledger.open(path)
    with ledger.uow() as uow:
        review.raise_item(uow.session, ReviewKind.SECOND_PAYMENT, "O-1", "refund the customer: order O-1 was "
                          "already paid at station A", entity="O-1")
        review.raise_item(uow.session, ReviewKind.DOUBLE_ADMISSION, "n-1", "ticket T-1 was admitted twice",
                          entity="T-1")
        uow.commit()
    ledger.close()
    return path


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def test_list_ack_and_audit(db, capsys):
    assert main(["sync", "review", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "Refund: paid twice" in out and "already paid at station A" in out and "Admitted twice" in out
    assert main(["sync", "review", "--json", "--db", db]) == 0
    items = _json(capsys)["items"]
    assert [i["kind"] for i in items] == ["second_payment", "double_admission"] and items[0]["acked_at"] is None
    assert main(["sync", "review", "--ack", str(items[0]["id"]), "--by", "Ana", "--json", "--db", db]) == 0
    assert _json(capsys) == {"acknowledged": 1, "by": "Ana", "open": 1}
    assert main(["sync", "review", "--json", "--db", db]) == 0
    assert [i["kind"] for i in _json(capsys)["items"]] == ["double_admission"]
    assert main(["sync", "review", "--ack-all", "--db", db]) == 0
    assert "1 item(s) acknowledged" in capsys.readouterr().out
    assert main(["sync", "review", "--db", db]) == 0
    assert "nothing to review" in capsys.readouterr().out
    assert main(["sync", "review", "--all", "--json", "--db", db]) == 0
    audit = _json(capsys)["items"]
    assert [(i["acked_by"], i["acked_at"] is not None) for i in audit] == [("Ana", True), ("cli", True)]


def test_unknown_id_and_both_flags_are_refused(db, capsys):
    assert main(["sync", "review", "--ack", "99", "--db", db]) == 2
    assert "NOT_FOUND" in capsys.readouterr().err
    assert main(["sync", "review", "--ack", "1", "--ack-all", "--db", db]) == 1


def test_times_are_shown_in_the_event_zone_json_keeps_utc(tmp_path, monkeypatch, capsys):
    """Fresh-user trial: the table showed '2026-12-01T21:03:11.000Z' where every other time is the event's wall
    time; now '2026-12-01 22:03 CET' (core.timeutil.shown), acknowledged ones too; `--json` stays RFC 3339 UTC."""
    from datetime import datetime, timezone

    from core.events import create_event

    monkeypatch.setenv("TESSERA_HOME", str(tmp_path / "home"))
    path = str(tmp_path / "station.db")
    at = datetime(2026, 12, 1, 21, 3, 11, tzinfo=timezone.utc)
    ledger = Ledger.open(path)
    with ledger.uow() as uow:
        ev = create_event(uow.session, title="Gala", time_zone="Europe/Berlin", currency="EUR").id
        review.raise_item(uow.session, ReviewKind.DOUBLE_ADMISSION, "n-9", "ticket T-9 was admitted twice",
                          event_id=ev, entity="T-9", happened=at)
        review.raise_item(uow.session, ReviewKind.SECOND_PAYMENT, "O-9", "refund", entity="O-9", now=at)  # no event
        uow.commit()
    ledger.close()
    assert main(["sync", "review", "--db", path]) == 0
    out = capsys.readouterr().out
    assert "2026-12-01 22:03 CET" in out and "2026-12-01 21:03 UTC" in out and "T21:03" not in out
    assert main(["sync", "review", "--ack-all", "--by", "Ana", "--db", path]) == 0
    capsys.readouterr()
    assert main(["sync", "review", "--all", "--db", path]) == 0
    audit = capsys.readouterr().out  # who and when, in the item's zone
    assert re.search(r"Ana \d{4}-\d\d-\d\d \d\d:\d\d CES?T", audit) and "Z\n" not in audit
    assert main(["sync", "review", "--json", "--all", "--db", path]) == 0
    items = _json(capsys)["items"]
    assert items[0]["happened"] == "2026-12-01T21:03:11.000Z" and "time_zone" not in items[0]
