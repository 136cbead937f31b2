"""Bad input loses nothing (product brief): a killed process, a full disk and garbage scans leave the ledger
whole — every committed use case complete with its outbox rows, nothing half-written, scans never raise.
Real SQLite files, real subprocesses, real SIGKILL; the full disk is SQLite's own `max_page_count` cap."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from core.checkin import Verdict, scan, scan_and_commit
from core.codes import check_in_url
from core.db import Ledger
from core.definitions import create_definition
from core.events import create_event
from core.models import CheckIn, Order, OutboxEntry, Payment, Ticket
from core.money import Money
from core.sales import sell
from tests.core.ledger_audit import BUYER, audit, make_shop, page_count, page_limit

ROOT = Path(__file__).resolve().parents[2]


def counts(ledger: Ledger) -> tuple[int, ...]:
    with ledger.sessions() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (CheckIn, OutboxEntry, Order, Ticket,
                                                                             Payment))


# -- 1. a killed process --------------------------------------------------------------------------------

CHILD = textwrap.dedent("""
    import json, sys
    from core.checkin import scan_and_commit
    from core.db import Ledger
    from core.sales import sell

    db, event_id, def_id, tickets_file = sys.argv[1:5]
    ledger = Ledger.open(db)
    for i, tn in enumerate(json.loads(open(tickets_file).read())):
        result = scan_and_commit(ledger, tn, event_ids=[event_id], station="Door K")
        print("SCAN", tn, result.verdict.value, flush=True)
        with ledger.uow() as uow:
            sale = sell(uow.session, event_id, {def_id: 1 + i % 3}, {"firstName": "Kai", "lastName": f"K{i}"},
                        payment=("card", "unpaid")[i % 2], station="Till K")
            number = sale.order.order_number
            uow.commit()
        print("SALE", number, flush=True)
""")


def _run_and_kill(tmp_path: Path, db: Path, shop: dict, todo: list[str], kill_after: int) -> list[list[str]]:
    """Run the scan/sell loop in a subprocess, SIGKILL it once it printed `kill_after` lines (bounded by a
    30 s deadline); returns the printed lines, split."""
    script, tickets = tmp_path / "child.py", tmp_path / "todo.json"
    script.write_text(CHILD)
    tickets.write_text(json.dumps(todo))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, str(script), str(db), shop["event"], shop["standing"], str(tickets)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    lines: list[list[str]] = []
    deadline = time.monotonic() + 30
    try:
        while len(lines) < kill_after and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.split())
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    err = proc.stderr.read()
    assert len(lines) == kill_after, f"the loop ended before the kill: {lines[-3:]} {err}"
    assert proc.returncode == -signal.SIGKILL, err
    return lines


@pytest.mark.timeout(120)
def test_sigkill_mid_loop_leaves_every_committed_scan_and_sale_whole(tmp_path):
    """Three rounds: a subprocess scans and sells in a loop and is SIGKILLed mid-way; after each kill the
    ledger opens, integrity_check is ok, each printed (committed) scan and sale is stored, every check-in
    has its outbox row and every order its tickets, payment and outbox row — and the next round goes on."""
    db = tmp_path / "ledger.db"
    ledger = Ledger.open(db)
    shop = make_shop(ledger, tickets=400)
    with ledger.sessions() as s:
        sold = set(s.scalars(select(Order.order_number)))
    ledger.close()
    todo, known = list(shop["tickets"]), set()
    for kill_after in (11, 26, 47):
        lines = _run_and_kill(tmp_path, db, shop, todo, kill_after)
        audit(db)
        ledger = Ledger.open(db)  # the app's own path opens it (WAL recovered) and sees everything printed
        try:
            with ledger.sessions() as s:
                stored = {r.ticket_number for r in s.scalars(select(CheckIn).where(CheckIn.kind == "CHECK_IN"))}
                orders = set(s.scalars(select(Order.order_number)))
            scanned = {parts[1] for parts in lines if parts[0] == "SCAN"}
            assert all(parts[2] == "OK" for parts in lines if parts[0] == "SCAN")
            assert scanned <= stored - known
            assert len(stored - known - scanned) <= 1  # at most one committed but not yet printed
            printed = {parts[1] for parts in lines if parts[0] == "SALE"}
            assert printed <= orders - sold and len(orders - sold - printed) <= 1
            todo = [tn for tn in todo if tn not in stored]
            more = scan_and_commit(ledger, todo[0], event_ids=[shop["event"]], station="Door A")
            assert more.verdict is Verdict.OK  # the ledger is usable again
            known, sold, todo = stored | {todo[0]}, orders, todo[1:]
        finally:
            ledger.close()
    audit(db)


# -- 2. a full disk ------------------------------------------------------------------------------------

def test_scan_on_a_full_disk_raises_stores_nothing_and_succeeds_once_there_is_room(ledger, tmp_path):
    """Scans until SQLite reports "database or disk is full": that scan raises sqlalchemy's OperationalError
    (what core.db documents), stores neither its check-in nor its outbox row, and the same scan is OK once
    the cap is lifted. Every scan before it is kept."""
    shop = make_shop(ledger)
    db = tmp_path / "ledger.db"
    with page_limit(ledger.engine) as cap:
        cap["max"] = page_count(db)
        for tn in shop["tickets"]:
            before = counts(ledger)
            try:
                result = scan_and_commit(ledger, tn, event_ids=[shop["event"]], station="Door A")
            except OperationalError as exc:
                assert "full" in str(exc.orig)
                break
            assert result.verdict is Verdict.OK
        else:
            pytest.fail("the capped ledger never filled up")
        assert counts(ledger) == before
        audit(db)
        cap["max"] = None
        again = scan_and_commit(ledger, tn, event_ids=[shop["event"]], station="Door A")
    assert again.verdict is Verdict.OK
    after = counts(ledger)
    assert after[:2] == (before[0] + 1, before[1] + 1)
    assert audit(db)["checkins"] == shop["tickets"].index(tn) + 1


def test_sale_on_a_full_disk_raises_stores_nothing_and_succeeds_once_there_is_room(ledger, tmp_path):
    """Box-office sales until the disk is full: the refused sale leaves no order, ticket, payment or outbox
    row (one transaction, BC-19); the same sale goes through once there is room."""
    shop = make_shop(ledger, tickets=2)
    db = tmp_path / "ledger.db"
    done = 0
    with page_limit(ledger.engine) as cap:
        cap["max"] = page_count(db)
        for _ in range(200):
            before = counts(ledger)
            try:
                with ledger.uow() as uow:
                    sell(uow.session, shop["event"], {shop["standing"]: 3}, BUYER, payment="cash",
                         tendered=Money.of("100.00", "EUR"), station="Till 1")
                    uow.commit()
            except OperationalError as exc:
                assert "full" in str(exc.orig)
                break
            done += 1
        else:
            pytest.fail("the capped ledger never filled up")
        assert counts(ledger) == before
        audit(db)
        cap["max"] = None
        with ledger.uow() as uow:
            sale = sell(uow.session, shop["event"], {shop["standing"]: 3}, BUYER, payment="cash",
                        tendered=Money.of("100.00", "EUR"), station="Till 1")
            uow.commit()
    assert sale.order.status == "PAID" and sale.change == Money.of("25.00", "EUR")
    assert audit(db)["orders"] == 1 + done + 1


# -- 3. garbage scans ------------------------------------------------------------------------------------

EV = "0b0c6b1e-2b1f-4b5e-9a57-1c2d3e4f5a6b"  # the selected event's id in these payloads (see bad_shop)
GARBAGE = [
    "", " ", "   \t  ", "\r\n", "\x00", "\x00\x00\x00", "\x1d\x1e\x04", "\x7f",
    "A" * 10_000, "/" * 10_000, "a-" * 5_000, "-" * 10_000, "9" * 10_000, "ÿ" * 10_000,
    "https://www.wixevents.com/check-in/" + "A" * 10_000 + "," + EV,
    "https://www.wixevents.com/check-in/NOPE-NOPE-NO021," + EV + "?" + "x" * 10_000,
    "\x1b[31mRED\x1b[0m", "\u202eKCIT\u202c", "Ã©Ã¨Ã", "\udcff\udcfe", "\ufffd\ufffd\ufffd",
    "ＡＢＣＤ-ＥＦＧＨ-ＪＫ021", "ABCD\u00a0EFGH-JK021", "ABCD\u200bEFGH-JK021", "ABC\x00DEF\x00GH1",
    "' OR '1'='1", "'; DROP TABLE tickets; --", "NOPE-NOPE-NO021' OR 1=1 --", "%", "_", "*", "NOPE%",
    "\" OR \"\"=\"", "1; DELETE FROM checkins", "https://www.wixevents.com/check-in/X';--," + EV,
    # other ticketing systems
    "ab3dk2jf8sd9fj3k4j5k6l7m8n9pq2rs",  # a pretix secret: parses as a bare number → UNKNOWN
    "https://pretix.eu/demo/democon/order/ABC12/secret/", "https://pretix.eu/demo/democon/checkin/ab3dk2jf8sd9",
    "https://www.eventbrite.com/checkin?eid=123456789&barcode=1234567890123456789001",
    "1234567890123456789001", "4006381333931", "TM:1234567890:ABCDEF", "BEGIN:VCARD\nFN:Ana\nEND:VCARD",
    "https://www.eventbrite.com/check-in/1234567890," + EV,  # right shape, unknown ticket → UNKNOWN
    # a checkInUrl with a malformed GUID
    "https://www.wixevents.com/check-in/NOPE-NOPE-NO021,not-a-guid",
    "https://www.wixevents.com/check-in/NOPE-NOPE-NO021," + EV[:-1],
    "https://www.wixevents.com/check-in/NOPE-NOPE-NO021," + EV.replace("-", ""),
    "https://www.wixevents.com/check-in/NOPE-NOPE-NO021,{" + EV + "}",
    "https://www.wixevents.com/check-in/NOPE-NOPE-NO021," + EV.replace("0b", "zz"),
    "https://www.wixevents.com/check-in/NOPE-NOPE-NO021,",
    "https://www.wixevents.com/check-in/," + EV, "https://www.wixevents.com/check-in/NOPE-NOPE-NO021",
    "https://www.wixevents.com/check-in/NOPE-NOPE-NO021," + EV + "," + EV,
    "https://www.wixevents.com/check-in/%00%00," + EV, "https://www.wixevents.com/check-in/%E2%82%AC," + EV,
    "javascript:alert(1)", "<script>alert(1)</script>", '{"ticketNumber": "X"}', "null", "None",
]


@pytest.fixture(scope="module")
def bad_shop(tmp_path_factory):
    """A ledger with event EV, one PAID order of 2 tickets; module-wide (garbage must not change it)."""
    path = tmp_path_factory.mktemp("garbage") / "ledger.db"
    ledger = Ledger.open(path)
    with ledger.uow() as uow:
        s = uow.session
        create_event(s, title="Garbage", time_zone="UTC", currency="EUR", event_id=EV)
        d = create_definition(s, EV, {"name": "Standing", "price": {"value": "10.00", "currency": "EUR"}})
        sale = sell(s, EV, {d.id: 2}, BUYER, payment="card")
        tickets = [t.ticket_number for t in sale.order.tickets]
        uow.commit()
    yield ledger, tickets
    ledger.close()


@pytest.mark.parametrize("payload", GARBAGE, ids=[f"g{i:02d}" for i in range(len(GARBAGE))])
def test_garbage_scan_is_invalid_or_unknown_and_stores_nothing(bad_shop, payload):
    """BC-01, BC-02, BC-04: any payload gives INVALID or UNKNOWN (never an exception, never another
    verdict) through both scan entry points, and nothing at all is written."""
    ledger, _ = bad_shop
    before = counts(ledger)
    result = scan_and_commit(ledger, payload, event_ids=[EV], station="Door G")
    assert result.verdict in (Verdict.INVALID, Verdict.UNKNOWN), result
    json.dumps(result.to_json())  # the CLI / hub can always print it
    with ledger.uow() as uow:
        again = scan(uow.session, payload, event_ids=[EV], station="Door G")
        uow.commit()
    assert again.verdict is result.verdict
    assert counts(ledger) == before


@pytest.mark.parametrize("payload", [None, b"\xff\xfe", b"", 12345, 1.5, ["x"], {"ticket": "x"}, object()])
def test_non_text_scan_is_invalid(bad_shop, payload):
    """A wrong type from a decoder or a caller is INVALID, never a TypeError."""
    ledger, _ = bad_shop
    before = counts(ledger)
    assert scan_and_commit(ledger, payload, event_ids=[EV], station="Door G").verdict is Verdict.INVALID
    with ledger.uow() as uow:
        assert scan(uow.session, payload, event_ids=[EV], station="Door G").verdict is Verdict.INVALID
    assert counts(ledger) == before


def test_garbage_around_a_real_ticket_is_not_admitted(bad_shop):
    """Injection-like or wrapped forms of a real ticket number are INVALID, not a lookup of something else;
    the real code still admits afterwards (garbage changed nothing)."""
    ledger, tickets = bad_shop
    tn = tickets[1]
    for payload in (f"{tn}' OR '1'='1", f"{tn};DROP TABLE checkins", f"{tn} {tn}", f"{tn}%",
                    f"{check_in_url(tn, EV)}x", check_in_url(tn, str(uuid.uuid4())) + "/extra"):
        result = scan_and_commit(ledger, payload, event_ids=[EV], station="Door G")
        assert result.verdict is Verdict.INVALID, payload
    ok = scan_and_commit(ledger, check_in_url(tn, EV), event_ids=[EV], station="Door G")
    assert ok.verdict is Verdict.OK
    audit(ledger.engine.url.database)


def test_naive_datetimes_are_refused_with_a_clear_error(ledger):
    """BC-11: a naive `now` or event start raises InvalidArgument, and nothing is stored."""
    from datetime import datetime

    from core.errors import InvalidArgument

    shop = make_shop(ledger, tickets=1)
    before = counts(ledger)
    with pytest.raises(InvalidArgument, match="time zone"):
        with ledger.uow() as uow:
            create_event(uow.session, title="Naive", time_zone="UTC", currency="EUR", start=datetime(2030, 1, 1))
    with pytest.raises(InvalidArgument, match="time zone"):
        with ledger.uow() as uow:
            sell(uow.session, shop["event"], {shop["standing"]: 1}, BUYER, payment="card",
                 now=datetime(2030, 1, 1))
    with pytest.raises(InvalidArgument):
        scan_and_commit(ledger, shop["tickets"][0], event_ids=[shop["event"]], station="D",
                        now=datetime(2030, 1, 1))
    assert counts(ledger) == before


@pytest.mark.parametrize("amount, currency, message", [
    ("12.345", "EUR", "decimals"), ("100.5", "JPY", "decimals"), ("1.0001", "KWD", "decimals"),
    ("12,50", "EUR", "decimal"), ("NaN", "EUR", "finite"), ("-Infinity", "EUR", "finite"),
    ("1e400", "EUR", "large"), ("1e999999999999", "EUR", "large"), ("99999999999999999999999", "EUR", "large"),
    ("0x10", "EUR", "decimal"), ("10", "XYZ", "currency"), ("10", "", "currency"), ("10", "EURO", "currency"),
])
def test_money_parsing_refuses_bad_amounts_with_invalid_argument(amount, currency, message):
    """BC-07: more decimals than the currency has, non-numbers, huge amounts and unknown currencies raise
    InvalidArgument (never decimal.InvalidOperation, never an amount SQLite cannot store)."""
    from core.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match=message):
        Money.of(amount, currency)
