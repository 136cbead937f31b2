"""One check-in writer (issue 7): every path that adds a row to a check-in log — door scan, manual check-in,
undo, provisional admission, the sync merge — goes through core.checkin_merge.append, and no other module
builds or inserts check-in rows."""
from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import select

from core import checkin_store
from core.checkin import scan_and_commit
from core.checkin_merge import record_row
from core.models import CheckIn, OutboxEntry
from core.provisional import admit_provisionally
from core.tickets import check_in, delete_check_in
from tests.core.checkin_data import T0, add_definition, add_event, add_order

ROOT = Path(__file__).resolve().parents[2]
WRITER_MODULES = {"core/checkin_merge.py", "core/checkin_store.py", "core/checkin_runner.py"}  # the sinks and PostgreSQL's runner


def _row_builders(path: Path) -> list[int]:
    """Lines of `path` that construct a CheckIn or insert into its table (CheckIn(...), insert(CheckIn),
    CheckIn.__table__). Stamping server_time on stored rows (sync.hub.changes) is not a log write, nor is
    reading the table (`select(CheckIn.__table__)`, the hub's plain-select feed)."""
    hits = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    read = {id(a) for node in ast.walk(tree) if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "select"
            for a in node.args}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "CheckIn":
            hits.append(node.lineno)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "insert" \
                and any(getattr(a, "id", "") == "CheckIn" for a in node.args):
            hits.append(node.lineno)
        if isinstance(node, ast.Attribute) and node.attr == "__table__" and getattr(node.value, "id", "") == "CheckIn" \
                and id(node) not in read:
            hits.append(node.lineno)
    return hits


def test_only_the_writer_modules_build_check_in_rows():
    found = {}
    for package in ("core", "sync", "app"):
        for path in (ROOT / package).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel or rel in WRITER_MODULES:
                continue
            lines = _row_builders(path)
            if lines:
                found[rel] = lines
    assert found == {}


def test_every_write_path_goes_through_the_sinks(ledger, monkeypatch):
    """Count the rows each sink stores: the door scan and manual check-in (prepared statements), undo, provisional and a
    merged sync row (ORM session) all arrive there."""
    seen = []
    for cls in (checkin_store.RawRunner, checkin_store.SessionSink):
        original = cls.add_row

        def spy(self, row, values, _original=original, _name=cls.__name__):
            seen.append((_name, values["ticket_number"], values["kind"]))
            return _original(self, row, values)
        monkeypatch.setattr(cls, "add_row", spy)
    with ledger.uow() as uow:
        ev = add_event(uow.session)
        add_order(uow.session, ev, "M-1000-", tickets=2, definition=add_definition(uow.session, ev))
        uow.commit()
        ev_id = ev.id
    scan_and_commit(ledger, "M-1000-021", event_ids=[ev_id], station="A", now=T0)
    with ledger.uow() as uow:
        check_in(uow.session, ev_id, ["M-1000-022"], station="A", now=T0)
        delete_check_in(uow.session, ev_id, ["M-1000-022"], station="A", now=T0)
        admit_provisionally(uow.session, "WEB1-8QQT-ZZ021", event_id=ev_id, station="A", now=T0)
        record_row(uow.session, {"nonce": "hub-1", "ticketNumber": "M-1000-021", "kind": "UNDO",
                                 "correctedTime": "2025-06-14T10:05:00Z", "station": "central"})
        uow.commit()
        rows = uow.session.scalar(select(CheckIn.id).order_by(CheckIn.id.desc()).limit(1))
        queued = [e.kind for e in uow.session.scalars(select(OutboxEntry).order_by(OutboxEntry.id))]
    assert seen == [("RawRunner", "M-1000-021", "CHECK_IN"), ("RawRunner", "M-1000-022", "CHECK_IN"),
                    ("SessionSink", "M-1000-022", "UNDO"), ("SessionSink", "WEB1-8QQT-ZZ021", "CHECK_IN"),
                    ("SessionSink", "M-1000-021", "UNDO")]
    assert rows == 5
    assert queued == ["checkin.create", "checkin.create", "checkin.delete", "checkin.create"]  # merged: none
