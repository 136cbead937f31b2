"""The hub's own tables (stations, idempotency records, change feed, mail queue), in their own metadata.

Why not Alembic: these tables exist only in a hub database, never in a station's ledger, and the core's
Alembic history (core/migrations) is one linear chain owned by the core. The hub therefore creates its
tables idempotently at start (`ensure_schema`, CREATE TABLE IF NOT EXISTS semantics via checkfirst) and
records `hub_meta.schema_version`; a future change to these tables bumps HUB_SCHEMA_VERSION and adds an
explicit step in `ensure_schema`. Datetimes use core's UTCDateTime (aware UTC in and out, case BC-11).
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import JSON, Engine, Index, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from core.models import UTCDateTime

HUB_SCHEMA_VERSION = 1


class HubBase(DeclarativeBase):
    """Declarative base of the hub tables (separate metadata from core.models.Base)."""


class HubMeta(HubBase):
    """Key/value facts about the hub database: `schema_version`, and the hub's identity `hub_id` (uuid4) and
    `epoch` (RFC 3339 time the database was made), both made once with the database (issue 8 item 11)."""

    __tablename__ = "hub_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))


class HubStation(HubBase):
    """A station allowed to call the hub. `role` door | box-office | organiser (docs/HUB_EXTENSIONS.md);
    `key_hash` is the SHA-256 hex of the station's API key (the key itself is never stored)."""

    __tablename__ = "hub_stations"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime)


class HubRevokedKey(HubBase):
    """The hash of a key that no longer works (`tessera hub revoke`, or replaced by `add-station --replace`), so
    a station still using it is told why (fresh-user trial: it read "unknown API key"). `reason` revoked |
    replaced; `revoked` aware UTC."""

    __tablename__ = "hub_revoked_keys"
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    station: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(16))
    revoked: Mapped[datetime] = mapped_column(UTCDateTime)


class HubStationEvent(HubBase):
    """An event a station's key is limited to (issue 8 item 5): a station with no rows may use every event.
    A table of its own, so a hub database made before scopes existed gets it from create_all."""

    __tablename__ = "hub_station_events"
    station: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class HubIdempotency(HubBase):
    """A stored answer to a write made with `Idempotency-Key` (per station), written in the same transaction
    as the write; a replay returns `status`/`body` unchanged (case BC-15)."""

    __tablename__ = "hub_idempotency"
    station: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(512))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict] = mapped_column(JSON)
    created: Mapped[datetime] = mapped_column(UTCDateTime)


class HubChange(HubBase):
    """One entry of the change feed: entity `type` and natural `key` changed in event `event_id`.
    Appended in the same transaction as the write; `seq` orders the feed (the cursor)."""

    __tablename__ = "hub_changes"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (Index("ix_hub_changes_event_seq", "event_id", "seq"),
                      Index("ix_hub_changes_type_key", "type", "key"))


class HubMail(HubBase):
    """A queued e-mail (order confirmation with the tickets PDF, case WR-03). `state` pending | sent;
    `next_attempt` is when the sender may (re)try; rows are never deleted."""

    __tablename__ = "hub_mail"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(36))
    order_number: Mapped[str] = mapped_column(String(36))
    recipient: Mapped[str] = mapped_column(String(320))
    state: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    __table_args__ = (UniqueConstraint("order_number", "kind", name="uq_hub_mail_order_kind"),)


def ensure_schema(engine: Engine) -> None:
    """Create the hub tables if missing and record the schema version and the hub's identity (idempotent,
    safe at every start; a hub database made before identities existed gets one at its next start)."""
    HubBase.metadata.create_all(engine, checkfirst=True)
    made = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    for key, value in (("schema_version", str(HUB_SCHEMA_VERSION)), ("hub_id", str(uuid.uuid4())),
                       ("epoch", made)):
        with Session(engine) as session:
            if session.get(HubMeta, key) is None:
                session.add(HubMeta(key=key, value=value))
                try:
                    session.commit()
                except Exception:  # another hub process created it concurrently
                    session.rollback()


def hub_identity(session: Session) -> tuple[str, str]:
    """(hub_id, epoch) of this hub database (ensure_schema made them); ("", "") when missing."""
    rows = dict(session.execute(select(HubMeta.key, HubMeta.value)
                                .where(HubMeta.key.in_(("hub_id", "epoch")))).all())
    return rows.get("hub_id", ""), rows.get("epoch", "")


def schema_version(engine: Engine) -> int | None:
    """The recorded hub schema version, or None when the hub tables were never created."""
    with Session(engine) as session:
        try:
            value = session.scalar(select(HubMeta.value).where(HubMeta.key == "schema_version"))
        except Exception:
            return None
        return int(value) if value else None
