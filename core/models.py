"""The ledger's tables (SQLAlchemy 2 declarative). Works on SQLite (stations, default hub) and PostgreSQL (hub).

Money columns are integer minor units plus a currency code (case BC-07); datetimes go through UTCDateTime,
which stores UTC and gives back aware UTC values (case BC-11). Natural keys are the contract's identifiers
(event id, definition id, orderNumber, ticketNumber), so a pull upserts by them directly.
Check-in state is never stored on the ticket: it is derived from the append-only `checkins` log.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import (JSON, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, TypeDecorator,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from core.timeutil import require_aware


class UTCDateTime(TypeDecorator):
    """Aware datetime stored as naive UTC; naive input raises InvalidArgument; output is aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return require_aware(value).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    """Declarative base of every core table."""


class Event(Base):
    """An event. `currency` is the event's ticket currency; `currency_locked` is set by the first order
    (API.md §4.2 ChangeCurrency); `registration_type` turns from RSVP to TICKETS at the first definition."""

    __tablename__ = "events"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    currency: Mapped[str] = mapped_column(String(3))
    registration_type: Mapped[str] = mapped_column(String(16), default="RSVP")
    currency_locked: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    updated: Mapped[datetime] = mapped_column(UTCDateTime)
    server_updated: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # the server's, 0004
    max_inside: Mapped[int | None] = mapped_column(Integer, nullable=True)  # capacity alarm (0104; None = none)


class TicketDefinition(Base):
    """A ticket definition (API.md §4.1). `quantity` None = unlimited; `limit_per_checkout` 0..20 where 20
    on an unlimited definition means "no limit" (case WR-04). `reserved`/`reserved_until` mirror the
    server's dashboard holds of online checkouts; sold/checked-in counts are derived, never stored."""

    __tablename__ = "ticket_definitions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"), index=True)
    name: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(String(500), default="")
    price_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    limited: Mapped[bool] = mapped_column(Boolean, default=False)
    quantity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    limit_per_checkout: Mapped[int] = mapped_column(Integer, default=20)
    order_index: Mapped[int] = mapped_column(Integer, default=0)
    policy: Mapped[str] = mapped_column(String(1000), default="")
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    sale_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sale_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hide_not_on_sale: Mapped[bool] = mapped_column(Boolean, default=False)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    reserved_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    updated: Mapped[datetime] = mapped_column(UTCDateTime)
    server_updated: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # the server's, 0004
    # how often a ticket admits (0108, core.entry_rules): ONCE / DAILY (event-local day) / MULTI (max_entries)
    entry_rule: Mapped[str] = mapped_column(String(8), default="ONCE", server_default="ONCE")
    max_entries: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Order(Base):
    """An order (API.md §2.1). `status` keeps unknown server values verbatim. `checkout_form` is the
    contract's `inputValues` list. `channel` ONLINE or OFFLINE_POS (box office)."""

    __tablename__ = "orders"
    order_number: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"), index=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    first_name: Mapped[str] = mapped_column(String(200), default="", index=True)  # short-word search, 0109
    last_name: Mapped[str] = mapped_column(String(200), default="", index=True)
    email: Mapped[str] = mapped_column(String(320), default="")
    checkout_form: Mapped[list] = mapped_column(JSON, default=list)
    method: Mapped[str] = mapped_column(String(32), default="")
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str] = mapped_column(String(16), default="ONLINE")
    station: Mapped[str] = mapped_column(String(64), default="")
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    updated: Mapped[datetime] = mapped_column(UTCDateTime)
    server_updated: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # the server's, 0004
    tickets: Mapped[list["Ticket"]] = relationship(back_populates="order", order_by="Ticket.ticket_number")


class Ticket(Base):
    """A ticket (API.md §3.1). `definition_id` deliberately has no foreign key: deleting a definition
    leaves sold tickets pointing at it (API.md gap 10). `name`/`price` are the definition's at sale time."""

    __tablename__ = "tickets"
    ticket_number: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("orders.order_number"), index=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"), index=True)
    definition_id: Mapped[str] = mapped_column(String(36), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    price_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    guest_first_name: Mapped[str] = mapped_column(String(200), default="", index=True)  # short words, 0109
    guest_last_name: Mapped[str] = mapped_column(String(200), default="", index=True)
    guest_email: Mapped[str] = mapped_column(String(320), default="")
    guest_form: Mapped[list] = mapped_column(JSON, default=list)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    canceled: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    order: Mapped[Order] = relationship(back_populates="tickets")


class CheckIn(Base):
    """One append-only row of the check-in log. `kind` CHECK_IN or UNDO; `status` ACCEPTED or DUPLICATE
    (a later check-in of the same ticket merged from another station, case BC-14). Ordering uses
    `corrected_time` (device time + the station's clock offset, case BC-13); `server_time` is set when the
    hub received it. `nonce` (uuid) dedups replays (case BC-15). `method` SCAN, MANUAL or SYNC."""

    __tablename__ = "checkins"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_number: Mapped[str] = mapped_column(String(36))
    event_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(16), default="CHECK_IN")
    status: Mapped[str] = mapped_column(String(16), default="ACCEPTED")
    device_time: Mapped[datetime] = mapped_column(UTCDateTime)
    corrected_time: Mapped[datetime] = mapped_column(UTCDateTime)
    server_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    station: Mapped[str] = mapped_column(String(64), default="")
    operator: Mapped[str] = mapped_column(String(64), default="")
    method: Mapped[str] = mapped_column(String(16), default="SCAN")
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    entrance_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # where it was made (0104)
    direction: Mapped[str] = mapped_column(String(8), default="ENTRY", server_default="ENTRY")  # ENTRY / EXIT
    __table_args__ = (Index("ix_checkins_ticket_id", "ticket_number", "id"),)


class Entrance(Base):
    """An entrance (check-in list, issue 9 item 7): `definition_ids` the ticket definitions admitted there
    (JSON list of ids; empty = every definition); `direction` ENTRY or EXIT (an exit records people leaving).
    Services: core.entrances."""

    __tablename__ = "entrances"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    definition_ids: Mapped[list] = mapped_column(JSON, default=list)
    direction: Mapped[str] = mapped_column(String(8), default="ENTRY", server_default="ENTRY")
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    updated: Mapped[datetime] = mapped_column(UTCDateTime)


class Payment(Base):
    """Money taken at the box office for an order (cash or card): the till's record (case WR-03, WR-15).
    Amounts in minor units; `tendered_minor`/`change_minor` only for cash. `payment_id` (uuid, made once when
    the row is added; NULL on rows older than revision 0102) names the payment on the hub, which keeps one
    payment per settled order (issue 8 item 12); `operator` who took it ("" unknown)."""

    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("orders.order_number"), index=True)
    method: Mapped[str] = mapped_column(String(16))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    tendered_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    change_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    station: Mapped[str] = mapped_column(String(64), default="")
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    payment_id: Mapped[str | None] = mapped_column(String(36), nullable=True,
                                                   default=lambda: str(uuid.uuid4()))  # 0102
    operator: Mapped[str | None] = mapped_column(String(64), nullable=True, default="")  # 0102
    __table_args__ = (Index("ux_payments_payment_id", "payment_id", unique=True),)


class OutboxEntry(Base):
    """A local change the centre must learn of, written in the same transaction as the change.
    `kind` names the operation (see core.outbox); `idempotency_key` is made once and never regenerated;
    `state` pending → sent | rejected (rows are never deleted)."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(48))
    event_id: Mapped[str] = mapped_column(String(36))
    entity_key: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Few indexes on purpose: every door scan inserts one outbox row (bench/checkin_bench.py). These two
    # serve "pending rows in order / per event" and "has this entity a pending change".
    __table_args__ = (Index("ix_outbox_state_event", "state", "event_id"),
                      Index("ix_outbox_entity_state", "entity_key", "state"))


class SyncState(Base):
    """Key/value state of the sync engine (cursors, last success per resource, clock offset); JSON values."""

    __tablename__ = "sync_state"
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON, default=dict)


class TillSession(Base):
    """A box-office till session (issue 10 item 3): one operator at one station for one event, from opening
    with a float to closing with the cash counted. Payments belong to it by station and time (taken at
    `station` for the event between `opened` and `closed`), so no payment row carries a session id.
    `floats`/`counted`/`expected` are {ISO-4217 code: minor units}; `counted`/`expected` are set at close."""

    __tablename__ = "till_sessions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"), index=True)
    station: Mapped[str] = mapped_column(String(64))
    operator: Mapped[str] = mapped_column(String(64), default="")
    opened: Mapped[datetime] = mapped_column(UTCDateTime)
    closed: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    floats: Mapped[dict] = mapped_column(JSON, default=dict)
    counted: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    expected: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class TillVoid(Base):
    """Money handed back when a sale of an open till session is voided (its order canceled): `amount_minor`
    (positive, minor units) in `currency` by `method` (cash/card). One row per voided payment."""

    __tablename__ = "till_voids"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    till_id: Mapped[str] = mapped_column(ForeignKey("till_sessions.id"), index=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("orders.order_number"))
    method: Mapped[str] = mapped_column(String(16))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    created: Mapped[datetime] = mapped_column(UTCDateTime)


class ReviewItem(Base):
    """Something a person must look at after a sync (issue 8 item 7; core.review writes and reads them).
    `key` is the fact's stable dedup key: one row per fact, however many syncs see it. `kind` one of
    core.review's kinds; `entity` the order/ticket/definition it is about; `happened` when the fact happened
    (aware UTC, None unknown), `raised` when the station noticed it. Rows are never deleted: acknowledging sets
    `acked_at`/`acked_by` (the audit)."""

    __tablename__ = "review_queue"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(36), default="")
    entity: Mapped[str] = mapped_column(String(64), default="")
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    happened: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    raised: Mapped[datetime] = mapped_column(UTCDateTime)
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acked_by: Mapped[str] = mapped_column(String(64), default="")
    __table_args__ = (Index("ux_review_queue_key", "key", unique=True),
                      Index("ix_review_queue_open", "acked_at", "id"))


class LeaseBlock(Base):
    """The organiser's lease block size (issue 10 item 6): how many seats a box office may lease for offline
    sale, for one definition (`scope_id` = definition id) or a whole event (`scope_id` = event id; the
    definition's own row wins). No row = the definition is not leased. Used by core.leases."""

    __tablename__ = "lease_blocks"
    scope_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), index=True)
    block: Mapped[int] = mapped_column(Integer)


class CapacityLease(Base):
    """The hub's book of leases (issue 10 item 6): `seats` of a definition leased to `station` and not yet
    sold (an uploaded sale reduces them), valid until `expires`. One row per (station, definition)."""

    __tablename__ = "capacity_leases"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), index=True)
    definition_id: Mapped[str] = mapped_column(String(36))
    station: Mapped[str] = mapped_column(String(64))
    seats: Mapped[int] = mapped_column(Integer, default=0)
    expires: Mapped[datetime] = mapped_column(UTCDateTime)
    updated: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (UniqueConstraint("station", "definition_id", name="uq_capacity_leases_station_def"),)


class HeldLease(Base):
    """A lease this station holds (station side, issue 10 item 6), as the hub answered at the last sync:
    `seats` unsold under the lease then, valid until `expires`; `pool_leased` all stations' unused leased
    seats of the definition and `pool_left` the hub's seats neither sold nor leased, at `synced`."""

    __tablename__ = "held_leases"
    definition_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), index=True)
    lease_id: Mapped[str] = mapped_column(String(36))
    seats: Mapped[int] = mapped_column(Integer, default=0)
    block: Mapped[int] = mapped_column(Integer, default=0)
    expires: Mapped[datetime] = mapped_column(UTCDateTime)
    synced: Mapped[datetime] = mapped_column(UTCDateTime)
    pool_leased: Mapped[int] = mapped_column(Integer, default=0)
    pool_left: Mapped[int | None] = mapped_column(Integer, nullable=True)
