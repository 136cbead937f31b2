"""The door's hot path: statements compiled once by SQLAlchemy and run straight on the DB-API cursor.

Why: a door scan must cost about what its commit costs (target ≤ 2× a bare INSERT + COMMIT on a 100k-ticket
ledger, bench/checkin_bench.py). SQLAlchemy's per-statement execution overhead (~40 µs) and an ORM flush
(~1 ms) dwarf SQLite's own work, so the scan runs three prepared statements (one indexed lookup joining
ticket, order, event and the ticket's check-in rows; the CHECK_IN insert; the outbox insert) on the raw
connection. SQL text, parameter order and every column's bind/result conversion (UTCDateTime, JSON, Boolean)
still come from SQLAlchemy's compiler and core.models, so the stored rows are the same as the ORM's.
Works for any dialect SQLAlchemy compiles for (SQLite qmark, psycopg pyformat).

Every check-in row is written by ONE function, core.checkin_merge.append, through a sink of this module:
RawRunner (the DB-API cursor, the door's hot path), CoreRunner (a SQLAlchemy Connection, other dialects; its
PostgreSQL form core.checkin_runner.PgRunner, chosen by core.checkin_runner.session_runner) or SessionSink
(an ORM Session: manual check-in, undo, provisional admission, rows merged by sync or the hub).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from core.changes import note, note_outbox_kind, writes_outbox
from core.entry_rules import ONCE_RULE, EntryRule, rule_of
from core.models import CheckIn, Event, OutboxEntry, Order, Ticket, TicketDefinition

LOOKUP_COLUMNS = (
    Ticket.ticket_number, Ticket.event_id, Ticket.definition_id, Ticket.name, Ticket.archived, Ticket.canceled,
    Ticket.guest_first_name, Ticket.guest_last_name, Order.order_number, Order.status, Order.archived,
    Order.first_name, Order.last_name, Order.total_minor, Order.currency, Event.time_zone,
    TicketDefinition.entry_rule, TicketDefinition.max_entries,
    CheckIn.id, CheckIn.kind, CheckIn.status, CheckIn.corrected_time, CheckIn.station, CheckIn.nonce, CheckIn.direction,
)
LOOKUP_NAMES = (
    "ticket_number", "event_id", "definition_id", "name", "archived", "canceled", "guest_first_name",
    "guest_last_name", "order_number", "order_status", "order_archived", "first_name", "last_name",
    "total_minor", "currency", "time_zone", "entry_rule", "max_entries",
    "c_id", "c_kind", "c_status", "c_corrected_time", "c_station", "c_nonce", "c_direction",
)
ANSWER_COLUMNS = (Ticket.price_minor, Ticket.currency, Ticket.guest_email, Ticket.guest_form, Ticket.created,
                  Order.channel)  # read by lookup_many too: a CheckIn's answer needs no second query (issue 11)
ANSWER_NAMES = ("price_minor", "ticket_currency", "guest_email", "guest_form", "created", "channel")
CHECKIN_COLUMNS = ("ticket_number", "event_id", "kind", "status", "device_time", "corrected_time", "server_time",
                   "station", "operator", "method", "nonce", "entrance_id", "direction")
FAST_DIALECTS = ("sqlite",)  # dialects whose DB-API cursor runs the prepared statements directly
OUTBOX_COLUMNS = ("kind", "event_id", "entity_key", "payload", "idempotency_key", "created", "attempts", "state",
                  "last_error", "sent_at")


@dataclass
class LogRow:
    """A check-in row as the merge walk needs it (duck-types core.models.CheckIn for checkin_merge.walk)."""

    id: int | None
    kind: str
    status: str
    corrected_time: datetime
    station: str
    nonce: str
    direction: str = "ENTRY"  # ENTRY or EXIT (core.checkin_merge.is_exit)


@dataclass
class TicketView:
    """The lookup's answer: the ticket, its order and event fields, and the ticket's check-in rows."""

    ticket_number: str
    event_id: str
    definition_id: str
    name: str
    archived: bool
    canceled: bool
    guest_first_name: str
    guest_last_name: str
    order_number: str
    order_status: str
    order_archived: bool
    first_name: str
    last_name: str
    total_minor: int
    currency: str
    time_zone: str
    entry_rule: str | None  # the definition's multi-entry rule (core.entry_rules; None = no definition row)
    max_entries: int | None
    rows: list[LogRow]
    answer: dict[str, Any] | None = None  # ANSWER_NAMES → values, where the lookup read them (CoreRunner)

    @property
    def rule(self) -> EntryRule:
        """The ticket's EntryRule read in the event's zone (core.entry_rules.rule_of)."""
        return rule_of(self.entry_rule, self.max_entries, self.time_zone)


class Prepared:
    """One statement compiled for a dialect: SQL text, parameter order and bind converters."""

    def __init__(self, stmt, dialect: Dialect):
        self.stmt = stmt
        compiled = stmt.compile(dialect=dialect)
        self.sql = str(compiled)
        self.positional = compiled.positional
        self.names = list(compiled.positiontup) if compiled.positional else list(compiled.binds)
        self.procs = [(name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
                      for name in self.names]

    def params(self, values: dict[str, Any]):
        """DB-API parameters (tuple for positional paramstyles, else dict) with SQLAlchemy's conversions."""
        conv = [p(values[n]) if p else values[n] for n, p in self.procs]
        return tuple(conv) if self.positional else dict(zip(self.names, conv))


class Statements:
    """The prepared lookup / insert / update statements and result converters for one dialect."""

    def __init__(self, dialect: Dialect):
        joined = (select(*LOOKUP_COLUMNS).join(Order, Order.order_number == Ticket.order_number)
                  .join(Event, Event.id == Ticket.event_id)
                  .outerjoin(TicketDefinition, TicketDefinition.id == Ticket.definition_id)
                  .outerjoin(CheckIn, CheckIn.ticket_number == Ticket.ticket_number))
        self.joined = joined  # ticket, order, event, definition and check-in rows, no WHERE (core.checkin_runner)
        lookup = (joined.where(Ticket.ticket_number == bindparam("tn", type_=Ticket.ticket_number.type))
                  .with_for_update(of=Ticket))
        self.lookup = Prepared(lookup, dialect)
        self.lookup_many = (joined.add_columns(*ANSWER_COLUMNS)
                            .where(Ticket.ticket_number.in_(bindparam("tns", expanding=True)))
                            .with_for_update(of=Ticket))  # SQLAlchemy statement (expanding IN): CoreRunner
        self.result_procs = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in LOOKUP_COLUMNS]
        self.insert_checkin = Prepared(_insert(CheckIn.__table__, CHECKIN_COLUMNS), dialect)
        self.insert_outbox = Prepared(_insert(OutboxEntry.__table__, OUTBOX_COLUMNS), dialect)
        table = CheckIn.__table__
        self.set_status = Prepared(update(table).where(table.c.id == bindparam("row_id", type_=table.c.id.type))
                                    .values(status=bindparam("new_status", type_=table.c.status.type)), dialect)


def _insert(table, names):
    return insert(table).values({n: bindparam(n, type_=table.c[n].type) for n in names})


_CACHE: dict[tuple, Statements] = {}


def statements(dialect: Dialect) -> Statements:
    """The Statements for `dialect` (built once per dialect class and paramstyle)."""
    key = (type(dialect), dialect.paramstyle)
    found = _CACHE.get(key)
    if found is None:
        found = _CACHE[key] = Statements(dialect)
    return found


def _view(rows: list) -> TicketView | None:
    """Build the TicketView from processed lookup rows (one per check-in row, at least one)."""
    if not rows:
        return None
    first = dict(zip(LOOKUP_NAMES, rows[0]))
    c = _ROW_AT
    log = [LogRow(*r[c:c + 6], r[c + 6] or "ENTRY") for r in rows if r[c] is not None]
    return TicketView(**{k: first[k] for k in LOOKUP_NAMES[:c]}, rows=log)


def _with_answer(view: TicketView, row: tuple) -> TicketView:
    """`view` with the ANSWER_COLUMNS values that follow the LOOKUP_COLUMNS in a lookup_many row."""
    view.answer = dict(zip(ANSWER_NAMES, row[len(LOOKUP_NAMES):]))
    return view


_ROW_AT = LOOKUP_NAMES.index("c_id")  # where a lookup row's check-in columns start


def rule_for(session: Session, ticket_number: str) -> EntryRule:
    """The EntryRule of `ticket_number` (its definition's rule in its event's zone); ONCE_RULE for a ticket
    this ledger does not know (e.g. admitted provisionally) or without a definition row."""
    q = (select(TicketDefinition.entry_rule, TicketDefinition.max_entries, Event.time_zone)
         .select_from(Ticket).join(Event, Event.id == Ticket.event_id)
         .outerjoin(TicketDefinition, TicketDefinition.id == Ticket.definition_id)
         .where(Ticket.ticket_number == ticket_number))
    with session.no_autoflush:
        found = session.execute(q).first()
    return rule_of(*found) if found is not None else ONCE_RULE


def rules_for(session: Session, ticket_numbers) -> dict[str, EntryRule]:
    """{ticket number: its EntryRule} for many tickets in one query (rule_for's rule; ONCE_RULE for unknown
    ones) — the hub's CheckIn and check-in upload read them per call, not per ticket (issue 11 item 4)."""
    numbers = list(dict.fromkeys(ticket_numbers))
    found: dict[str, EntryRule] = {}
    for i in range(0, len(numbers), 500):
        q = (select(Ticket.ticket_number, TicketDefinition.entry_rule, TicketDefinition.max_entries, Event.time_zone)
             .select_from(Ticket).join(Event, Event.id == Ticket.event_id)
             .outerjoin(TicketDefinition, TicketDefinition.id == Ticket.definition_id)
             .where(Ticket.ticket_number.in_(numbers[i:i + 500])))
        with session.no_autoflush:
            for tn, kind, n, tz in session.execute(q):
                found[tn] = rule_of(kind, n, tz)
    return {tn: found.get(tn, ONCE_RULE) for tn in numbers}


class LogSink(Protocol):
    """Where core.checkin_merge.append stores a check-in row, re-flagged statuses and the outbox row."""

    def new_row(self, values: dict[str, Any]) -> Any:
        """An unsaved row object of `values` (CheckIn column names) the merge walk can set `status` on."""

    def store_status(self, row: Any) -> None:
        """Persist an existing row's new `status` (set by the walk)."""

    def add_row(self, row: Any, values: dict[str, Any]) -> None:
        """Insert the new row (its walked `status` wins over values["status"])."""

    def insert_outbox(self, values: dict[str, Any]) -> None:
        """Insert one outbox row (`values` keyed by OUTBOX_COLUMNS)."""

    def entry_rule(self, ticket_number: str) -> EntryRule:
        """The ticket's multi-entry rule (core.entry_rules), which the merge walk applies."""


class SessionSink:
    """LogSink over an ORM Session (rows are CheckIn objects; the session tracks status changes)."""

    def __init__(self, session: Session):
        self.session = session
        self.rules: dict[str, EntryRule] = {}

    def prime(self, ticket_numbers) -> None:
        """Read the entry rules of many tickets at once (rules_for) before a batch is merged."""
        self.rules.update(rules_for(self.session, [t for t in ticket_numbers if t not in self.rules]))

    def entry_rule(self, ticket_number: str) -> EntryRule:
        """rule_for, read once per ticket and sink."""
        if ticket_number not in self.rules:
            self.rules[ticket_number] = rule_for(self.session, ticket_number)
        return self.rules[ticket_number]

    def new_row(self, values: dict[str, Any]) -> CheckIn:
        return CheckIn(**values)

    def store_status(self, row: CheckIn) -> None:
        """Nothing to do: the walk set the attribute of a tracked ORM object."""

    def add_row(self, row: CheckIn, values: dict[str, Any]) -> None:
        self.session.add(row)

    def insert_outbox(self, values: dict[str, Any]) -> None:
        """Note the change (core.changes); the outbox row only where the unit of work writes one (not the hub)."""
        note_outbox_kind(self.session, values["kind"], values["entity_key"])
        if writes_outbox(self.session):
            note(self.session, outbox=True)
            self.session.add(OutboxEntry(**values))


class RawRunner:
    """Runs the prepared statements on a DB-API cursor (SQLite: the hot path); a LogSink."""

    def __init__(self, cursor, st: Statements):
        self.cursor, self.st = cursor, st
        self.rules: dict[str, EntryRule] = {}

    def lookup(self, ticket_number: str) -> TicketView | None:
        """The ticket with its order, event, definition rule and check-in rows in one indexed query; None
        when unknown. Remembers the ticket's rule for entry_rule (the walk of the row written next)."""
        self.cursor.execute(self.st.lookup.sql, self.st.lookup.params({"tn": ticket_number}))
        procs = self.st.result_procs
        return self._keep(_view([[p(v) if p else v for p, v in zip(procs, r)] for r in self.cursor.fetchall()]))

    def lookup_many(self, ticket_numbers: list[str]) -> dict[str, TicketView]:
        """{ticket number: lookup(number)} for the known ones among `ticket_numbers` (SQLite: one prepared
        indexed query each, ~50 µs)."""
        found = {tn: self.lookup(tn) for tn in dict.fromkeys(ticket_numbers)}
        return {tn: v for tn, v in found.items() if v is not None}

    def _keep(self, view: TicketView | None) -> TicketView | None:
        if view is not None:
            self.rules[view.ticket_number] = view.rule
        return view

    def entry_rule(self, ticket_number: str) -> EntryRule:
        """The rule of a ticket looked up by this runner (ONCE_RULE for any other)."""
        return self.rules.get(ticket_number, ONCE_RULE)

    def _run(self, prepared: Prepared, values: dict[str, Any]) -> None:
        self.cursor.execute(prepared.sql, prepared.params(values))

    def insert_checkin(self, values: dict[str, Any]) -> int:
        """INSERT one checkins row (`values` keyed by CHECKIN_COLUMNS, python values); returns its id."""
        self._run(self.st.insert_checkin, values)
        return self.cursor.lastrowid

    def insert_outbox(self, values: dict[str, Any]) -> None:
        """INSERT one outbox row (`values` keyed by OUTBOX_COLUMNS: the columns core.outbox.enqueue fills)."""
        self._run(self.st.insert_outbox, values)

    def set_status(self, row_id: int, status: str) -> None:
        """UPDATE one row's merged status (when a new row sorts before existing ones, BC-13)."""
        self._run(self.st.set_status, {"row_id": row_id, "new_status": status})

    # LogSink
    def new_row(self, values: dict[str, Any]) -> LogRow:
        return LogRow(None, values["kind"], values["status"], values["corrected_time"], values["station"],
                      values["nonce"], values.get("direction") or "ENTRY")

    def store_status(self, row: LogRow) -> None:
        self.set_status(row.id, row.status)

    def add_row(self, row: LogRow, values: dict[str, Any]) -> None:
        values["status"] = row.status
        row.id = self.insert_checkin(values)


class CoreRunner(RawRunner):
    """The same statements through a SQLAlchemy Connection (other dialects, e.g. PostgreSQL on a hub):
    SQLAlchemy does every conversion itself."""

    def __init__(self, connection, st: Statements):
        self.conn, self.st = connection, st
        self.rules = {}

    def lookup(self, ticket_number: str) -> TicketView | None:
        return self._keep(_view([tuple(r) for r in self.conn.execute(self.st.lookup.stmt, {"tn": ticket_number})]))

    def lookup_many(self, ticket_numbers: list[str]) -> dict[str, TicketView]:
        """As RawRunner.lookup_many, in one query (a network round trip per ticket would dominate); each view
        also carries the fields a CheckIn answer renders (`answer`, ANSWER_COLUMNS)."""
        grouped: dict[str, list] = {}
        for r in self.conn.execute(self.st.lookup_many, {"tns": list(dict.fromkeys(ticket_numbers))}):
            grouped.setdefault(r[0], []).append(tuple(r))
        return {tn: self._keep(_with_answer(_view(rows), rows[0])) for tn, rows in grouped.items()}

    def _run(self, prepared: Prepared, values: dict[str, Any]):
        return self.conn.execute(prepared.stmt, values)

    def insert_checkin(self, values: dict[str, Any]) -> int:
        return self._run(self.st.insert_checkin, values).inserted_primary_key[0]
