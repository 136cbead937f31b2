"""core.checkin: the door verdict in DESIGN.md order, one transaction per scan (BC-01/02/04/13/17/19/21,
WR-02, WR-07)."""
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from core.checkin import ScanResult, Verdict, scan, scan_and_commit
from core.models import CheckIn, Order, OutboxEntry, Ticket
from core.money import Money
from core.tickets import check_in, checked_in_map
from tests.core.checkin_data import T0, add_definition, add_event, add_order, url

NOW = datetime(2025, 6, 14, 18, 0, tzinfo=timezone.utc)  # 20:00 in Europe/Zurich


@pytest.fixture
def door(ledger):
    """Two events (the door admits `ev` only) and one definition each; returns (ledger, ev, other, defn)."""
    with ledger.sessions() as s:
        ev, other = add_event(s, "Gala"), add_event(s, "Other night")
        defn = add_definition(s, ev, "Standing")
        add_definition(s, other, "Other")
        s.commit()
        return ledger, ev, other, defn


def make_order(ledger, event, number, **kw):
    with ledger.sessions() as s:
        add_order(s, event, number, **kw)
        s.commit()


def stored(ledger, table=CheckIn):
    with ledger.sessions() as s:
        return s.scalar(select(func.count()).select_from(table))


def do_scan(ledger, payload, ev, **kw):
    kw.setdefault("station", "door-1")
    return scan_and_commit(ledger, payload, event_ids=[ev.id], now=kw.pop("now", NOW), **kw)


@pytest.mark.parametrize("status,verdict", [
    ("INITIATED", Verdict.UNPAID), ("PENDING", Verdict.UNPAID), ("OFFLINE_PENDING", Verdict.UNPAID),
    ("PAID", Verdict.OK), ("FREE", Verdict.OK), ("CANCELED", Verdict.CANCELED), ("DECLINED", Verdict.CANCELED),
    ("AWAITING_REVIEW", Verdict.UNPAID), ("", Verdict.UNPAID),
])
def test_bc17a_verdict_for_every_order_status(door, status, verdict):
    """BC-17 a: only PAID and FREE are admitted; unknown statuses are not admitted (UNPAID class)."""
    ledger, ev, _, defn = door
    make_order(ledger, ev, "S-0001-", status=status, definition=defn)
    result = do_scan(ledger, url("S-0001-021", ev), ev)
    assert result.verdict is verdict
    assert stored(ledger) == (1 if verdict is Verdict.OK else 0)
    assert stored(ledger, OutboxEntry) == (1 if verdict is Verdict.OK else 0)
    if status in ("AWAITING_REVIEW", ""):
        assert "not admitted" in result.message and result.amount_due is None


def test_wr02_unpaid_shows_amount_to_collect(door):
    """WR-02: OFFLINE_PENDING order P-4410, 2 tickets, 30.00 EUR → UNPAID with 30.00 EUR due."""
    ledger, ev, _, defn = door
    make_order(ledger, ev, "P-4410-", status="OFFLINE_PENDING", tickets=2, definition=defn, total_minor=3000)
    result = do_scan(ledger, "p-4410-022", ev)
    assert result.verdict is Verdict.UNPAID and result.amount_due == Money.of("30.00", "EUR")
    assert "30.00 EUR" in result.message and result.guest_name == "Mira Castell"
    assert result.to_json()["amountDue"] == {"value": "30.00", "amount": "30.00", "currency": "EUR"}


def test_bc17b_canceled_after_check_in_is_canceled_not_duplicate(door):
    """BC-17 b: checked in at 18:00, order canceled at 18:30, rescanned at 19:00 → CANCELED."""
    ledger, ev, _, defn = door
    make_order(ledger, ev, "T-5150-", definition=defn)
    assert do_scan(ledger, url("T-5150-021", ev), ev).verdict is Verdict.OK
    with ledger.sessions() as s:
        s.get(Order, "T-5150-").status = "CANCELED"
        s.commit()
    again = do_scan(ledger, url("T-5150-021", ev), ev, now=NOW + timedelta(hours=1))
    assert again.verdict is Verdict.CANCELED and stored(ledger) == 1


@pytest.mark.parametrize("field", ["order_archived", "ticket_archived", "ticket_canceled"])
def test_wr07c_archived_or_canceled_before_duplicate(door, field):
    """WR-07 c: an archived order (or archived/canceled ticket) is not valid, checked before the duplicate."""
    ledger, ev, _, defn = door
    make_order(ledger, ev, "W-0007-", definition=defn)
    assert do_scan(ledger, "W-0007-021", ev).verdict is Verdict.OK
    with ledger.sessions() as s:
        target = s.get(Order, "W-0007-") if field == "order_archived" else s.get(Ticket, "W-0007-021")
        setattr(target, "archived" if field.endswith("archived") else "canceled", True)
        s.commit()
    assert do_scan(ledger, "W-0007-021", ev).verdict is Verdict.CANCELED


def test_wr07a_url_of_another_event_is_wrong_event(door):
    """WR-07 a: a QR for a different event (known here or not) at this door → WRONG_EVENT, nothing stored."""
    ledger, ev, other, defn = door
    make_order(ledger, other, "TQ4M-88RA-KD", definition=None)
    on_other = do_scan(ledger, url("TQ4M-88RA-KD021", other), ev)
    unknown_event = do_scan(ledger, "https://www.wixevents.com/check-in/TQ4M-88RA-KD021,"
                                    "5b0c7e2a-1111-4c2d-9e0f-0a1b2c3d4e5f", ev)
    bare_elsewhere = do_scan(ledger, "tq4m-88ra-kd021", ev)
    assert [r.verdict for r in (on_other, unknown_event, bare_elsewhere)] == [Verdict.WRONG_EVENT] * 3
    assert on_other.event_id == other.id and stored(ledger) == 0


def test_wr07b_typed_lower_case_number_is_admitted(door):
    """WR-07 b: staff type the bare number in lower case with spaces; looked up in the current event."""
    ledger, ev, _, defn = door
    make_order(ledger, ev, "TQ4M-88RA-KD", definition=defn, first="Ana", last="Moreira")
    result = do_scan(ledger, "  tq4m-88ra-kd021 ", ev, method="MANUAL")
    assert result.verdict is Verdict.OK and result.ticket_number == "TQ4M-88RA-KD021"
    with ledger.sessions() as s:
        assert s.scalar(select(CheckIn.method)) == "MANUAL"


def test_already_checked_in_says_when_and_where(door):
    """WR-07 c / BC-14: "already admitted 20:12 (event time)" with the station, from the one definition."""
    ledger, ev, _, defn = door
    make_order(ledger, ev, "D-0001-", definition=defn, guest=("Lou", "Reed"))
    first = do_scan(ledger, url("D-0001-021", ev), ev, now=NOW + timedelta(minutes=12), station="north")
    second = do_scan(ledger, url("D-0001-021", ev), ev, station="south", now=NOW + timedelta(minutes=30))
    assert second.verdict is Verdict.ALREADY_CHECKED_IN
    assert second.checked_in_at == first.checked_in_at == NOW + timedelta(minutes=12)
    assert second.checked_in_station == "north" and "20:12 (event time) at north" in second.message
    data = second.to_json()
    assert data["checkedInAt"] == "2025-06-14T18:12:00.000Z" and data["station"] == "north"
    assert data["guestName"] == "Lou Reed" and data["definitionName"] == "Standing"
    assert data["verdict"] == "ALREADY_CHECKED_IN" and data["orderNumber"] == "D-0001-"
    assert stored(ledger) == 1


def test_wrong_entrance(door):
    ledger, ev, _, defn = door
    make_order(ledger, ev, "E-0001-", definition=defn)
    r = do_scan(ledger, "E-0001-021", ev, entrance_definition_ids={"some-other-definition"})
    assert r.verdict is Verdict.WRONG_ENTRANCE and stored(ledger) == 0
    assert do_scan(ledger, "E-0001-021", ev, entrance_definition_ids={defn.id}).verdict is Verdict.OK


def test_canceled_beats_wrong_entrance_and_unpaid_beats_duplicate(door):
    """Order of checks: CANCELED before WRONG_ENTRANCE; UNPAID before ALREADY_CHECKED_IN."""
    ledger, ev, _, defn = door
    make_order(ledger, ev, "C-0001-", status="DECLINED", definition=defn)
    make_order(ledger, ev, "U-0001-", status="PENDING", definition=defn)
    assert do_scan(ledger, "C-0001-021", ev, entrance_definition_ids=set()).verdict is Verdict.CANCELED
    with ledger.sessions() as s:
        check_in(s, ev.id, ["U-0001-021"], now=T0)
        s.commit()
    assert do_scan(ledger, "U-0001-021", ev).verdict is Verdict.UNPAID


@pytest.mark.parametrize("payload", ["", "   ", None, "\x00", "\r\n", 12345, b""])
def test_bc04c_empty_or_null_payload_never_matches(door, payload):
    """BC-04 c: a legacy ticket row whose number is '' exists; an empty/NULL-like read is INVALID."""
    ledger, ev, _, defn = door
    with ledger.sessions() as s:
        add_order(s, ev, "", tickets=0)
        s.add(Ticket(ticket_number="", order_number="", event_id=ev.id, definition_id=defn.id, name="Legacy",
                     currency="EUR", guest_form=[], created=T0))
        s.commit()
    result = do_scan(ledger, payload, ev)
    assert result.verdict is Verdict.INVALID and result.ticket_number is None
    with ledger.sessions() as s:
        assert scan(s, payload, event_ids=[ev.id], station="x").verdict is Verdict.INVALID
    assert stored(ledger) == 0


def test_bc02_other_symbology_and_changed_character(door):
    """BC-02: a lanyard's `045398` and a valid code with one character changed: no check-in stored."""
    ledger, ev, _, defn = door
    make_order(ledger, ev, "K7QP-2MZX-4R", definition=defn)
    good = url("K7QP-2MZX-4R021", ev)
    assert do_scan(ledger, "045398", ev).verdict is Verdict.INVALID
    changed_ticket = good.replace("K7QP-2MZX-4R021", "K7QP-2MZX-4R02I")
    changed_guid = good[:-1] + "z"
    assert do_scan(ledger, changed_ticket, ev).verdict in (Verdict.INVALID, Verdict.UNKNOWN)
    assert do_scan(ledger, changed_guid, ev).verdict in (Verdict.INVALID, Verdict.UNKNOWN)
    assert do_scan(ledger, "K7QP-2MZX-4R022", ev).verdict is Verdict.UNKNOWN
    assert stored(ledger) == 0 and stored(ledger, OutboxEntry) == 0


@pytest.mark.parametrize("payload", ["T-7781/Łucja Ørsted-Núñez", "ℳ", "ﾃ､ﾃｼ", "K7QP-2MZX-4R021\u00a0"])
def test_bc01_non_ascii_payload_is_invalid(door, payload):
    ledger, ev, _, defn = door
    make_order(ledger, ev, "K7QP-2MZX-4R", definition=defn)
    assert do_scan(ledger, payload, ev).verdict is Verdict.INVALID
    assert stored(ledger) == 0


def test_bc19_exception_after_insert_stores_nothing(door):
    """BC-19: order M-88 with 3 tickets; building the attendee panel for ticket 2 raises after the insert:
    nothing is stored (no row, no outbox) and the rescan says OK, matching the ledger."""
    ledger, ev, _, defn = door
    make_order(ledger, ev, "M-88-", tickets=3, definition=defn)

    def panel(result: ScanResult):
        assert result.verdict is Verdict.OK
        raise RuntimeError("attendee panel failed")

    with pytest.raises(RuntimeError):
        scan_and_commit(ledger, url("M-88-022", ev), event_ids=[ev.id], station="d", before_commit=panel)
    assert stored(ledger) == 0 and stored(ledger, OutboxEntry) == 0
    with ledger.uow() as uow:  # the session form: scan, then fail before commit
        assert scan(uow.session, url("M-88-022", ev), event_ids=[ev.id], station="d").verdict is Verdict.OK
    assert stored(ledger) == 0
    assert do_scan(ledger, url("M-88-022", ev), ev).verdict is Verdict.OK
    with ledger.sessions() as s:
        assert set(checked_in_map(s, ["M-88-021", "M-88-022", "M-88-023"])) == {"M-88-022"}
        assert s.scalar(select(func.count()).select_from(OutboxEntry)) == 1


def test_scan_in_callers_session_sees_unflushed_completion(door):
    """WR-03 flow in one transaction: the box office marks the order PAID (not yet flushed), then scans."""
    ledger, ev, _, defn = door
    make_order(ledger, ev, "Q9-OFFL-", status="OFFLINE_PENDING", tickets=3, definition=defn)
    with ledger.uow() as uow:
        uow.session.get(Order, "Q9-OFFL-").status = "PAID"
        result = scan(uow.session, "Q9-OFFL-021", event_ids=[ev.id], station="till", clock_offset_s=30, now=NOW)
        uow.commit()
    assert result.verdict is Verdict.OK and result.checked_in_at == NOW + timedelta(seconds=30)
    with ledger.sessions() as s:
        row = s.scalar(select(CheckIn))
        entry = s.scalar(select(OutboxEntry))
        assert (row.device_time, row.corrected_time, row.station) == (NOW, NOW + timedelta(seconds=30), "till")
        assert entry.kind == "checkin.create" and entry.idempotency_key == row.nonce
        assert entry.payload["correctedTime"] == "2025-06-14T18:00:30.000Z" and entry.payload["method"] == "SCAN"


def test_scan_row_sorting_before_existing_rows_follows_merge_rule(door):
    """BC-13: a station whose offset was corrected downwards scans after an UNDO stamped later: the walk
    keeps the ledger consistent (the new check-in is before the undo, so the ticket ends not checked in)."""
    ledger, ev, _, defn = door
    make_order(ledger, ev, "B-0013-", definition=defn)
    with ledger.sessions() as s:
        check_in(s, ev.id, ["B-0013-021"], now=NOW - timedelta(minutes=10))
        s.commit()
    with ledger.sessions() as s:
        from core.tickets import delete_check_in
        delete_check_in(s, ev.id, ["B-0013-021"], now=NOW + timedelta(minutes=10))
        s.commit()
    r = do_scan(ledger, "B-0013-021", ev, now=NOW)
    assert r.verdict is Verdict.OK
    with ledger.sessions() as s:
        statuses = [(c.kind, c.status) for c in s.scalars(select(CheckIn).order_by(CheckIn.corrected_time))]
        assert statuses == [("CHECK_IN", "ACCEPTED"), ("CHECK_IN", "DUPLICATE"), ("UNDO", "ACCEPTED")]
        assert checked_in_map(s, ["B-0013-021"]) == {}


def test_scan_and_commit_accepts_a_sessionmaker(door):
    ledger, ev, _, defn = door
    make_order(ledger, ev, "SM-001-", definition=defn)
    r = scan_and_commit(ledger.sessions, "SM-001-021", event_ids=[ev.id], station="d")
    assert r.verdict is Verdict.OK and stored(ledger) == 1
    with pytest.raises(TypeError):
        scan_and_commit(ledger, "SM-001-021", event_ids=[ev.id], station="d", colour="red")


def _long_sync_writer(ledger, ev, defn, started, done_at, errors, hold_s=0.4):
    """The sync thread: 5,000 tickets in ONE transaction; `started` is set once the write lock is held."""
    try:
        with ledger.sessions() as s:
            add_order(s, ev, "SYNC-BULK-", tickets=0)
            s.flush()
            started.set()
            for i in range(5000):
                s.add(Ticket(ticket_number=f"SYNC-{i:05d}", order_number="SYNC-BULK-", event_id=ev.id,
                             definition_id=defn.id, name="Standing", currency="EUR", guest_form=[], created=T0))
            s.flush()
            time.sleep(hold_s)
            s.commit()
            done_at["writer"] = time.monotonic()
    except Exception as exc:  # noqa: BLE001 — reported by the test's assertion
        errors.append(exc)
        started.set()


def test_bc21_scans_during_a_long_sync_transaction(door):
    """BC-21: a sync thread writes 5,000 tickets in one long transaction while 5 scans run from other
    threads on the real file ledger: all 5 are stored (they wait for the writer), none fails with "database is
    locked"."""
    ledger, ev, _, defn = door
    for i in range(5):
        make_order(ledger, ev, f"BC21-{i}-", definition=defn)
    started, errors, results, done_at = threading.Event(), [], {}, {}

    def scanner(i):
        try:
            t = time.monotonic()
            result = scan_and_commit(ledger, url(f"BC21-{i}-021", ev), event_ids=[ev.id], station=f"s{i}")
            results[i] = (result, time.monotonic() - t, time.monotonic())
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    writer = threading.Thread(target=_long_sync_writer, args=(ledger, ev, defn, started, done_at, errors))
    writer.start()
    assert started.wait(10)
    scanners = [threading.Thread(target=scanner, args=(i,)) for i in range(5)]
    for th in scanners:
        th.start()
    for th in [writer, *scanners]:
        th.join(30)
    assert errors == []
    assert [results[i][0].verdict for i in range(5)] == [Verdict.OK] * 5
    assert any(end >= done_at["writer"] for _, _, end in results.values())  # they did wait for the writer
    with ledger.sessions() as s:
        assert s.scalar(select(func.count()).select_from(CheckIn)) == 5
        assert s.scalar(select(func.count()).select_from(Ticket).where(Ticket.order_number == "SYNC-BULK-")) == 5000


def test_unknown_ticket_in_selected_event(door):
    ledger, ev, _, _ = door
    r = do_scan(ledger, url("NOPE-NOPE-NO021", ev), ev)
    assert r.verdict is Verdict.UNKNOWN and r.event_id == ev.id and stored(ledger) == 0
    assert do_scan(ledger, f"{uuid.uuid4()}", ev).verdict in (Verdict.UNKNOWN, Verdict.INVALID)


def test_sqlalchemy_connection_path_gives_the_same_verdicts(door, monkeypatch):
    """The path other dialects (a PostgreSQL hub) take — statements through a SQLAlchemy Connection —
    is exercised here on SQLite by switching the fast path off: same verdicts, same rows."""
    from core import checkin_store

    monkeypatch.setattr(checkin_store, "FAST_DIALECTS", ())
    ledger, ev, _, defn = door
    make_order(ledger, ev, "CORE-01-", tickets=2, definition=defn)
    make_order(ledger, ev, "CORE-02-", status="PENDING", definition=defn, total_minor=1500)
    assert do_scan(ledger, "CORE-01-021", ev).verdict is Verdict.OK
    again = do_scan(ledger, "CORE-01-021", ev, station="x")
    assert again.verdict is Verdict.ALREADY_CHECKED_IN and again.checked_in_station == "door-1"
    assert do_scan(ledger, "CORE-02-021", ev).amount_due == Money.of("15.00", "EUR")
    def panel(result):
        assert result.verdict is Verdict.OK
        raise RuntimeError("panel")

    with pytest.raises(RuntimeError):
        do_scan(ledger, "CORE-01-022", ev, before_commit=panel)
    assert stored(ledger) == 1
    with ledger.uow() as uow:
        assert scan(uow.session, "CORE-01-022", event_ids=[ev.id], station="s").verdict is Verdict.OK
        uow.commit()
    with ledger.sessions() as s:
        assert set(checked_in_map(s, ["CORE-01-021", "CORE-01-022"])) == {"CORE-01-021", "CORE-01-022"}
        entry = s.scalar(select(OutboxEntry).order_by(OutboxEntry.id))
        assert entry.payload["ticketNumber"] == "CORE-01-021" and entry.state == "pending"
    assert stored(ledger) == 2
