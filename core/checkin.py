"""The door verdict (DESIGN.md "The door verdict"): a scan is a value, computed and stored in one transaction.

Order of checks (validity before duplicates, BC-17, WR-07 c):
 1. INVALID         the payload does not parse (core.codes): empty, non-ASCII, another symbology… no lookup.
 2. UNKNOWN         no such ticket (or the URL's eventId does not match the ticket's event);
    WRONG_EVENT     a URL whose eventId is not a selected event (known or not), or a ticket found only in
                    another event (WR-07 a).
 3. CANCELED        order CANCELED/DECLINED, order archived, ticket canceled or archived (WR-07 c).
 4. UNPAID          order INITIATED/PENDING/OFFLINE_PENDING; amount_due = the order total (WR-02).
                    Any status we do not know (kept verbatim from the server) is NOT admitted: it is reported
                    in this UNPAID class as "order status X: not admitted" with no amount due — the box
                    office can look at the order, nothing is silently let in.
 5. WRONG_ENTRANCE  `entrance_definition_ids` given and the ticket's definition is not in it.
 6. ALREADY_CHECKED_IN  with when (corrected time) and where (station) — core.checkin_merge's one rule.
 7. OK              the CHECK_IN row + outbox row are written by core.checkin_merge.append (the one writer).
The door use case (GUI and CLI) is core.door, which calls scan_and_commit.
Only PAID and FREE orders are admitted.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core import checkin_store as store
from core.checkin_merge import CHECK_IN, append, current_check_in, local_row
from core.codes import ParsedCode, parse_payload
from core.money import Money
from core.status import SETTLED as ADMITTED_STATUSES, UNPAID as UNPAID_STATUSES, VOID as CANCELED_STATUSES
from core.timeutil import local, to_rfc3339



class Verdict(str, enum.Enum):
    """The door's answer to one scan."""

    OK = "OK"
    ALREADY_CHECKED_IN = "ALREADY_CHECKED_IN"
    UNPAID = "UNPAID"
    CANCELED = "CANCELED"
    WRONG_EVENT = "WRONG_EVENT"
    WRONG_ENTRANCE = "WRONG_ENTRANCE"
    UNKNOWN = "UNKNOWN"
    INVALID = "INVALID"


@dataclass(frozen=True)
class ScanResult:
    """What the screen shows, which is exactly what was stored. Times aware UTC; amount_due a Money."""

    verdict: Verdict
    payload: str
    ticket_number: str | None = None
    event_id: str | None = None
    order_number: str | None = None
    order_status: str | None = None
    guest_name: str = ""
    definition_name: str = ""
    checked_in_at: datetime | None = None
    checked_in_station: str = ""
    amount_due: Money | None = None
    message: str = ""

    @property
    def admitted(self) -> bool:
        return self.verdict is Verdict.OK

    def to_json(self) -> dict:
        """Contract-style camelCase JSON (CLI --json, hub)."""
        return {"payload": self.payload, "ticketNumber": self.ticket_number, "eventId": self.event_id,
                "orderNumber": self.order_number, "verdict": self.verdict.value,
                "checkedInAt": to_rfc3339(self.checked_in_at), "station": self.checked_in_station,
                "guestName": self.guest_name, "definitionName": self.definition_name,
                "orderStatus": self.order_status, "amountDue": self.amount_due.to_api() if self.amount_due else None,
                "message": self.message}


def _text(payload: Any) -> str:
    if payload is None:
        return ""
    return payload if isinstance(payload, str) else repr(payload)


def _guest_name(t: store.TicketView) -> str:
    guest = f"{t.guest_first_name or ''} {t.guest_last_name or ''}".strip()
    return guest or f"{t.first_name or ''} {t.last_name or ''}".strip()


def _validity(t: store.TicketView) -> tuple[Verdict, str, Money | None] | None:
    """Steps 3–4: CANCELED or UNPAID (with message and amount due), or None when the order admits."""
    status = (t.order_status or "").upper()
    if status in CANCELED_STATUSES:
        return Verdict.CANCELED, f"Order {status.lower()}", None
    if t.order_archived:
        return Verdict.CANCELED, "Order archived", None
    if t.canceled:
        return Verdict.CANCELED, "Ticket canceled", None
    if t.archived:
        return Verdict.CANCELED, "Ticket archived", None
    if status in UNPAID_STATUSES:
        due = Money.from_minor(t.total_minor or 0, t.currency)
        return Verdict.UNPAID, f"Payment outstanding: {due} to collect", due
    if status not in ADMITTED_STATUSES:
        return Verdict.UNPAID, f"Order status {t.order_status or '(none)'}: not admitted", None
    return None


def _already(row, time_zone: str) -> str:
    shown = local(row.corrected_time, time_zone or "UTC")
    where = f" at {row.station}" if row.station else ""
    return f"Already admitted {shown:%H:%M} (event time){where}"


def scan(session: Session, payload: str, *, event_ids: list[str], station: str, operator: str = "",
         method: str = "SCAN", entrance_definition_ids: set[str] | None = None, now: datetime | None = None,
         clock_offset_s: float = 0.0) -> ScanResult:
    """Compute the verdict for `payload` at a door admitting `event_ids`; for OK, append the CHECK_IN row
    and its outbox row ("checkin.create") in `session`'s transaction — the caller commits (or use
    scan_and_commit). Pending ORM changes are flushed first, so e.g. a just-completed order counts.
    Never raises for bad input. `now` aware UTC (default the clock); corrected time = now + clock_offset_s
    seconds (BC-13). Rows are written through core.checkin_store, not the session's identity map."""
    parsed = parse_payload(payload) if isinstance(payload, str) else None
    if parsed is None:
        return ScanResult(Verdict.INVALID, _text(payload), message="Unreadable code")
    session.flush()
    conn = session.connection()
    st = store.statements(conn.dialect)
    kw = dict(event_ids=event_ids, station=station, operator=operator, method=method,
              entrance_definition_ids=entrance_definition_ids, now=now, clock_offset_s=clock_offset_s)
    if conn.dialect.name not in store.FAST_DIALECTS:
        return _scan_parsed(store.CoreRunner(conn, st), payload, parsed, **kw)
    cursor = conn.connection.cursor()
    try:
        return _scan_parsed(store.RawRunner(cursor, st), payload, parsed, **kw)
    finally:
        cursor.close()


def _scan_parsed(db: store.RawRunner, text: str, parsed: ParsedCode, *, event_ids, station,
                 operator="", method="SCAN", entrance_definition_ids=None, now=None,
                 clock_offset_s=0.0) -> ScanResult:
    selected = {e.lower() for e in event_ids}
    tn = parsed.ticket_number
    if parsed.event_id is not None and parsed.event_id not in selected:
        return ScanResult(Verdict.WRONG_EVENT, text, tn, parsed.event_id, message="Ticket for another event")
    t = db.lookup(tn)
    if t is None:
        return ScanResult(Verdict.UNKNOWN, text, tn, parsed.event_id, message="Ticket not found in this event")
    if t.event_id.lower() not in selected:
        return ScanResult(Verdict.WRONG_EVENT, text, tn, t.event_id, t.order_number, t.order_status,
                          message="Ticket for another event")
    if parsed.event_id is not None and t.event_id.lower() != parsed.event_id:
        return ScanResult(Verdict.UNKNOWN, text, tn, parsed.event_id, message="Code does not match the ticket")
    base = dict(payload=text, ticket_number=tn, event_id=t.event_id, order_number=t.order_number,
                order_status=t.order_status, guest_name=_guest_name(t), definition_name=t.name)
    invalid = _validity(t)
    if invalid is not None:
        verdict, message, due = invalid
        return ScanResult(verdict, amount_due=due, message=message, **base)
    if entrance_definition_ids is not None and t.definition_id not in entrance_definition_ids:
        return ScanResult(Verdict.WRONG_ENTRANCE, message=f"{t.name or 'This ticket'}: not this entrance", **base)
    current = current_check_in(t.rows)
    if current is not None:
        return ScanResult(Verdict.ALREADY_CHECKED_IN, checked_in_at=current.corrected_time,
                          checked_in_station=current.station, message=_already(current, t.time_zone), **base)
    values = _write(db, t, station=station, operator=operator, method=method, now=now,
                    clock_offset_s=clock_offset_s)
    return ScanResult(Verdict.OK, checked_in_at=values["corrected_time"], checked_in_station=station,
                      message="Admitted", **base)


def _write(db: store.RawRunner, t: store.TicketView, **kw) -> dict:
    """The CHECK_IN row + its outbox row through the one writer (core.checkin_merge.append) on the raw
    cursor. Returns the row's values."""
    values = local_row(t.ticket_number, t.event_id, CHECK_IN, **kw)
    append(db, t.rows, values)
    return values


def _engine(target) -> Engine:
    """The Engine of a core.db.Ledger, a sessionmaker bound to one, or an Engine."""
    if isinstance(target, Engine):
        return target
    if hasattr(target, "engine"):
        return target.engine
    bind = getattr(target, "kw", {}).get("bind")
    if bind is None:
        raise TypeError("scan_and_commit needs a Ledger, an Engine or a sessionmaker bound to an engine")
    return bind


def scan_and_commit(target, payload: str, *, before_commit: Callable[[ScanResult], Any] | None = None,
                    **kw) -> ScanResult:
    """scan() in its own transaction, committed. `target`: a core.db.Ledger, an Engine or a bound
    sessionmaker; keyword arguments as scan() (event_ids and station required).

    On SQLite the transaction starts with BEGIN IMMEDIATE: the verdict's read and the write see one state,
    and a concurrent long writer (the sync thread) is waited for through busy_timeout instead of failing
    with "database is locked" (BC-21). `before_commit(result)` runs inside the transaction (e.g. building
    the attendee panel): if it — or anything — raises, everything is rolled back, nothing is stored and the
    exception propagates (BC-19). INVALID payloads touch no database. Database failures (a full disk, a
    read-only file) raise sqlalchemy.exc.OperationalError & co., as on every other path (core.db)."""
    parsed = parse_payload(payload) if isinstance(payload, str) else None
    if parsed is None:
        return ScanResult(Verdict.INVALID, _text(payload), message="Unreadable code")
    engine = _engine(target)
    st = store.statements(engine.dialect)
    if engine.dialect.name not in store.FAST_DIALECTS:
        with engine.connect() as conn:
            result = _scan_parsed(store.CoreRunner(conn, st), payload, parsed, **kw)
            if before_commit is not None:
                before_commit(result)
            conn.commit()
        return result
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        result = _scan_parsed(store.RawRunner(cursor, st), payload, parsed, **kw)
        if before_commit is not None:
            before_commit(result)
        cursor.close()
        raw.commit()
        return result
    except BaseException as exc:
        raw.rollback()
        dbapi_error = engine.dialect.loaded_dbapi.Error
        if isinstance(exc, dbapi_error):  # the raw cursor's error, wrapped as SQLAlchemy would have
            raise DBAPIError.instance(None, None, exc, dbapi_error) from exc
        raise
    finally:
        raw.close()
