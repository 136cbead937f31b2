"""The door verdict (DESIGN.md "The door verdict"): a scan is a value, computed and stored in one transaction.

Order of checks (validity before duplicates, BC-17, WR-07 c):
 1. INVALID         the payload does not parse (core.codes): empty, non-ASCII, another symbology… no lookup;
                    the message says "Not a ticket code: read “…”" with what was read (issue 9 item 2).
 2. UNKNOWN         no such ticket (or the URL's eventId does not match the ticket's event);
    WRONG_EVENT     a URL whose eventId is not a selected event (known or not), or a ticket found only in
                    another event (WR-07 a).
 3. CANCELED        order CANCELED/DECLINED, order archived, ticket canceled or archived (WR-07 c).
 4. UNPAID          order INITIATED/PENDING/OFFLINE_PENDING; amount_due = the order total (WR-02).
                    Any status we do not know (kept verbatim from the server) is NOT admitted: it is reported
                    in this UNPAID class as "order status X: not admitted" with no amount due — the box
                    office can look at the order, nothing is silently let in.
 5. WRONG_ENTRANCE  `entrance_definition_ids` given and the ticket's definition is not in it (core.entrances.admits,
                    the same rule the hub's CheckIn applies to a call naming its entrance).
 6. ALREADY_CHECKED_IN  with when (corrected time) and where (station) — core.checkin_merge's one rule
                    (entry_check) under the definition's entry rule (core.entry_rules: ONCE, DAILY by
                    event-local day, MULTI "N of N entries used").
 7. OK              the CHECK_IN row + outbox row are written by core.checkin_merge.append (the one writer).
An EXIT scan (direction EXIT: an exit entrance or the door's exit mode, issue 9 item 8) runs steps 1–2 and 5,
then always stores an EXIT row and answers OK "Exit recorded": anyone may leave (canceled, unpaid, or not
seen entering here — the entry may come from another station at the next sync). Re-entry after an exit is
an ordinary entry (the guest is no longer "checked in", core.checkin_merge).
A number typed without its dashes is looked up in its dashed layout too, and a typed (MANUAL) number with O/I/L
in its digit suffix with digits there (core.codes.lookup_variants).
UNPAID and CANCELED get their details after the scan (explain: amounts, when and by whom, and the stale
flag for a verdict resting on an old snapshot — amber at the door, never green, never hard red).
The door use case (GUI and CLI) is core.door, which calls scan_and_commit.
Only PAID and FREE orders are admitted.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core import checkin_store as store
from core.checkin_merge import CHECK_IN, ENTRY, EXIT, EntryCheck, append, current_check_in, entry_check, local_row
from core.entry_rules import DAILY, MULTI
from core.entrances import admits
from core.codes import KIND_URL, ParsedCode, lookup_variants, not_a_ticket_message, parse_payload
from core.money import Money
from core.models import Event, Ticket
from core.status import OFFLINE_PENDING, SETTLED as ADMITTED_STATUSES, UNPAID as UNPAID_STATUSES, \
    VOID as CANCELED_STATUSES
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
    ticket_price: Money | None = None
    order_total: Money | None = None
    changed_at: datetime | None = None
    changed_by: str = ""
    stale_since: datetime | None = None
    direction: str = ENTRY  # EXIT for an exit scan (its OK means "exit recorded")

    @property
    def admitted(self) -> bool:
        return self.verdict is Verdict.OK

    @property
    def stale(self) -> bool:
        """True when an UNPAID or CANCELED verdict rests on a snapshot that may be out of date (issue 9 item
        1): the door shows it amber with the snapshot's age (`stale_since`), never green, never hard red."""
        return self.stale_since is not None

    def to_json(self) -> dict:
        """Contract-style camelCase JSON (CLI --json, hub)."""
        return {"payload": self.payload, "ticketNumber": self.ticket_number, "eventId": self.event_id,
                "orderNumber": self.order_number, "verdict": self.verdict.value,
                "checkedInAt": to_rfc3339(self.checked_in_at), "station": self.checked_in_station,
                "guestName": self.guest_name, "definitionName": self.definition_name,
                "orderStatus": self.order_status, "amountDue": self.amount_due.to_api() if self.amount_due else None,
                "message": self.message, "ticketPrice": _api(self.ticket_price),
                "orderTotal": _api(self.order_total), "changedAt": to_rfc3339(self.changed_at),
                "changedBy": self.changed_by, "stale": self.stale, "staleSince": to_rfc3339(self.stale_since),
                "direction": self.direction}


def _api(money: Money | None) -> dict | None:
    return money.to_api() if money is not None else None


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


def scan(session: Session, payload: str, *, event_ids: list[str], station: str, operator: str = "",
         method: str = "SCAN", entrance_definition_ids: set[str] | None = None, now: datetime | None = None,
         clock_offset_s: float = 0.0, entrance_id: str | None = None, direction: str = ENTRY) -> ScanResult:
    """Compute the verdict for `payload` at a door admitting `event_ids`; for OK, append the CHECK_IN row
    and its outbox row ("checkin.create") in `session`'s transaction — the caller commits (or use
    scan_and_commit). Pending ORM changes are flushed first, so e.g. a just-completed order counts.
    Never raises for bad input. `now` aware UTC (default the clock); corrected time = now + clock_offset_s
    seconds (BC-13). `entrance_definition_ids` the entrance's admitted definitions (None = all), `entrance_id`
    stored on the row, `direction` ENTRY or EXIT (see the module docstring). Rows are written through
    core.checkin_store, not the session's identity map."""
    parsed = parse_payload(payload) if isinstance(payload, str) else None
    if parsed is None:
        return ScanResult(Verdict.INVALID, _text(payload), message=not_a_ticket_message(payload))
    session.flush()
    conn = session.connection()
    st = store.statements(conn.dialect)
    kw = dict(event_ids=event_ids, station=station, operator=operator, method=method,
              entrance_definition_ids=entrance_definition_ids, now=now, clock_offset_s=clock_offset_s,
              entrance_id=entrance_id, direction=direction)
    if conn.dialect.name not in store.FAST_DIALECTS:
        return _scan_parsed(store.CoreRunner(conn, st), payload, parsed, **kw)
    cursor = conn.connection.cursor()
    try:
        return _scan_parsed(store.RawRunner(cursor, st), payload, parsed, **kw)
    finally:
        cursor.close()


def _scan_parsed(db: store.RawRunner, text: str, parsed: ParsedCode, *, event_ids, station,
                 operator="", method="SCAN", entrance_definition_ids=None, now=None,
                 clock_offset_s=0.0, entrance_id=None, direction=ENTRY) -> ScanResult:
    selected = {e.lower() for e in event_ids}
    tn = parsed.ticket_number
    if parsed.event_id is not None and parsed.event_id not in selected:
        return ScanResult(Verdict.WRONG_EVENT, text, tn, parsed.event_id, message="Ticket for another event")
    t = db.lookup(tn)
    typed = method == "MANUAL" and parsed.kind != KIND_URL  # look-alike suffix letters only when typed
    for variant in lookup_variants(tn, typed=typed)[1:]:  # typed without dashes / O for 0 (issue 9 item 2)
        if t is not None:
            break
        t = db.lookup(variant)
        tn = variant if t is not None else tn
    if t is None:
        return ScanResult(Verdict.UNKNOWN, text, tn, parsed.event_id, message="Ticket not found in this event")
    if t.event_id.lower() not in selected:
        return ScanResult(Verdict.WRONG_EVENT, text, tn, t.event_id, t.order_number, t.order_status,
                          message="Ticket for another event")
    if parsed.event_id is not None and t.event_id.lower() != parsed.event_id:
        return ScanResult(Verdict.UNKNOWN, text, tn, parsed.event_id, message="Code does not match the ticket")
    base = dict(payload=text, ticket_number=tn, event_id=t.event_id, order_number=t.order_number,
                order_status=t.order_status, guest_name=_guest_name(t), definition_name=t.name)
    invalid = _validity(t) if direction != EXIT else None
    if invalid is not None:
        verdict, message, due = invalid
        return ScanResult(verdict, amount_due=due, message=message, **base)
    if not admits(entrance_definition_ids, t.definition_id):
        return ScanResult(Verdict.WRONG_ENTRANCE, message=f"{t.name or 'This ticket'}: not this entrance",
                          direction=direction, **base)
    values = local_row(t.ticket_number, t.event_id, CHECK_IN, station=station, operator=operator, method=method,
                       now=now, clock_offset_s=clock_offset_s, entrance_id=entrance_id, direction=direction)
    current = current_check_in(t.rows)
    if direction != EXIT:
        check = entry_check(t.rows, t.rule, values["corrected_time"])
        if not check.allowed:
            return ScanResult(Verdict.ALREADY_CHECKED_IN, checked_in_at=check.winner.corrected_time,
                              checked_in_station=check.winner.station, message=_refusal(check, t.time_zone), **base)
    append(db, t.rows, values, rule=t.rule)
    message = "Admitted" if direction != EXIT else \
        ("Exit recorded" if current is not None else "Exit recorded (not inside as far as this station knows)")
    return ScanResult(Verdict.OK, checked_in_at=values["corrected_time"], checked_in_station=station,
                      message=message, direction=direction, **base)


def _refusal(check: EntryCheck, time_zone: str) -> str:
    """The ALREADY_CHECKED_IN message: "3 of 3 entries used (last 21:04 event time at A)" for MULTI,
    "Already admitted today 10:00 (event time) at A" for DAILY, else "Already admitted 10:00 (event time)…"."""
    row = check.winner
    when = f"{local(row.corrected_time, time_zone or 'UTC'):%H:%M}"
    where = f" at {row.station}" if row.station else ""
    if check.rule.kind == MULTI:
        return f"{check.used} of {check.rule.max_entries or 1} entries used (last {when} event time{where})"
    return f"Already admitted{' today' if check.rule.kind == DAILY else ''} {when} (event time){where}"


# ---- verdict details (issue 9 item 1): read after the scan, never on the OK path -----------------------------
def explain(session: Session, result: ScanResult, snapshot_at: datetime | None) -> ScanResult:
    """`result` with what the door needs to act on a refusal: for UNPAID the ticket's price and the order's
    total; for CANCELED when the order last changed and by whom as far as this station knows (the central
    list as of the last sync, or this station after it). `snapshot_at` the last successful pull of the
    ticket list (aware UTC; None = never synced). A verdict that rests on that snapshot — an order still
    PENDING/INITIATED at the last sync (OFFLINE_PENDING is this station's own), an order archived before it
    — gets `stale_since` = snapshot_at and a message saying it cannot be confirmed: the door shows it amber,
    never green and never hard red. Other verdicts are returned unchanged. Reads only."""
    if result.verdict not in (Verdict.UNPAID, Verdict.CANCELED) or not result.ticket_number:
        return result
    ticket = session.get(Ticket, result.ticket_number)
    if ticket is None:
        return result
    order, event = ticket.order, session.get(Event, ticket.event_id)
    tz = event.time_zone if event is not None and event.time_zone else "UTC"
    changed_at = order.updated
    from_snapshot = snapshot_at is not None and changed_at is not None and changed_at <= snapshot_at
    by = f"the central list (last sync {_hhmm(snapshot_at, tz)})" if from_snapshot else "this station"
    details = dict(ticket_price=Money.from_minor(ticket.price_minor, ticket.currency),
                   order_total=Money.from_minor(order.total_minor, order.currency), changed_at=changed_at,
                   changed_by=by)
    status = (order.status or "").upper()
    if result.verdict is Verdict.UNPAID and from_snapshot and status in UNPAID_STATUSES - {OFFLINE_PENDING}:
        msg = f"Payment still pending at last sync {_hhmm(snapshot_at, tz)}, cannot confirm"
        return replace(result, message=msg, stale_since=snapshot_at, **details)
    if result.verdict is Verdict.CANCELED and order.archived and from_snapshot and status not in CANCELED_STATUSES:
        msg = (f"Order removed at {_hhmm(changed_at, tz)}, may have been restored since — ask a supervisor "
               f"(last sync {_hhmm(snapshot_at, tz)})")
        return replace(result, message=msg, stale_since=snapshot_at, **details)
    if result.verdict is Verdict.CANCELED and changed_at is not None:
        msg = f"{result.message} (last change {_hhmm(changed_at, tz)} event time, by {by})"
        return replace(result, message=msg, **details)
    return replace(result, **details)


def _hhmm(when: datetime | None, tz: str) -> str:
    return f"{local(when, tz):%H:%M}" if when is not None else "?"


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
        return ScanResult(Verdict.INVALID, _text(payload), message=not_a_ticket_message(payload))
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
