"""The review queue (issue 8 item 7): after a sync, the facts that need a person's eye, each kept ONCE (a stable
dedup key per fact, however many syncs see it again) with what happened and when, until someone acknowledges
it. Acknowledging keeps the row with who and when (an audit); nothing here deletes.

Who raises what (one place per fact):
- sync.push_checkins: a double admission the hub or plain server reports (BC-14), a provisional admission
  accepted or refused (WR-13 b);
- sync.push_orders: a second payment for an order already settled on the server (item 12);
- sync.apply.stale_keys: a replayed answer older than what the ledger holds, ignored (item 4);
- core.review_checks after each pull: admitted offline but the order was canceled/declined before the scan
  (BC-16), a check-in this station made removed by another client, a definition sold beyond its quantity
  (BC-26).
Shown by the Sync tab (app.widgets.review_list) and `tessera sync review`.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import InvalidArgument, NotFound
from core.models import Event, ReviewItem
from core.timeutil import require_aware, to_rfc3339, utcnow

KEY_MAX = 200
LIST_MAX = 1000


class ReviewKind(StrEnum):
    """What a review item is about (the `kind` column)."""

    ADMITTED_VOID = "admitted_void"                # admitted, but the order was canceled/declined before (BC-16)
    CHECKIN_REMOVED = "checkin_removed"            # another client removed a check-in this station made
    DOUBLE_ADMISSION = "double_admission"          # two stations admitted the same ticket (BC-14)
    PROVISIONAL_ACCEPTED = "provisional_accepted"  # a provisional admission the server knows the ticket of
    PROVISIONAL_REFUSED = "provisional_refused"    # a provisional admission the server refused (WR-13 b)
    OVERSELL = "oversell"                          # a definition sold beyond its quantity (BC-26)
    STALE_IGNORED = "stale_ignored"                # a replayed answer older than the ledger's data, ignored
    SECOND_PAYMENT = "second_payment"              # money taken for an order already paid elsewhere: refund


TITLES = {ReviewKind.ADMITTED_VOID: "Admitted, but the order was canceled",
          ReviewKind.CHECKIN_REMOVED: "Check-in removed elsewhere",
          ReviewKind.DOUBLE_ADMISSION: "Admitted twice",
          ReviewKind.PROVISIONAL_ACCEPTED: "Provisional admission accepted",
          ReviewKind.PROVISIONAL_REFUSED: "Provisional admission refused",
          ReviewKind.OVERSELL: "Oversold",
          ReviewKind.STALE_IGNORED: "Stale answer ignored",
          ReviewKind.SECOND_PAYMENT: "Refund: paid twice"}


@dataclass(frozen=True)
class ReviewRow:
    """One review item as the GUI and CLI see it (built inside the session; times aware UTC, shown in
    `time_zone`, its event's IANA zone: "UTC" when the event is unknown)."""

    id: int
    kind: str
    title: str
    event_id: str
    entity: str
    message: str
    details: dict
    happened: datetime | None
    raised: datetime
    acked_at: datetime | None
    acked_by: str
    key: str
    time_zone: str = "UTC"

    def to_json(self) -> dict:
        """The row as JSON (`tessera sync review --json`): times RFC 3339 or null."""
        out = asdict(self)
        del out["time_zone"]
        for name in ("happened", "raised", "acked_at"):
            out[name] = to_rfc3339(out[name]) if out[name] is not None else None
        return out


def item_key(kind: str, fact: str) -> str:
    """The stored dedup key of `fact` (the caller's stable text naming it, e.g. a nonce or an order number)
    for `kind`: "kind:fact", hashed when longer than the column (200)."""
    key = f"{kind}:{fact}"
    if len(key) <= KEY_MAX:
        return key
    return f"{kind}:sha256:{hashlib.sha256(fact.encode()).hexdigest()}"


def raise_item(session: Session, kind: ReviewKind | str, fact: str, message: str, *, event_id: str = "",
               entity: str = "", happened: datetime | None = None, details: dict | None = None,
               now: datetime | None = None) -> bool:
    """Keep a review item for `fact` of `kind` in the caller's transaction, unless one with the same key
    (item_key) exists already, acknowledged or not: each fact is raised ONCE. `message` says what happened
    (for a person); `entity` the order/ticket/definition; `happened` when it happened (aware UTC or None);
    `details` JSON-able extras; `now` the time it was noticed (default utcnow). Returns True when added.
    Raises InvalidArgument for an unknown kind, an empty fact or message, a naive datetime."""
    kind = _kind(kind)
    if not str(fact or "").strip() or not str(message or "").strip():
        raise InvalidArgument("a review item needs a fact key and a message", field="fact")
    key = item_key(kind, str(fact))
    if session.scalar(select(ReviewItem.id).where(ReviewItem.key == key)) is not None:
        return False
    session.add(ReviewItem(key=key, kind=kind.value, event_id=event_id or "", entity=str(entity or "")[:64],
                           message=str(message), details=dict(details or {}),
                           happened=require_aware(happened, "happened") if happened is not None else None,
                           raised=require_aware(now, "now") if now is not None else utcnow()))
    session.flush()
    return True


def list_open(session: Session, *, event_ids: Iterable[str] | None = None, limit: int = LIST_MAX) -> list[ReviewRow]:
    """The items not acknowledged yet, oldest first (at most `limit`), optionally only of `event_ids`."""
    return list_items(session, include_acked=False, event_ids=event_ids, limit=limit)


def list_items(session: Session, *, include_acked: bool = False, event_ids: Iterable[str] | None = None,
               limit: int = LIST_MAX) -> list[ReviewRow]:
    """Review items oldest first (at most `limit`, 1..1000); acknowledged ones too when `include_acked` (the
    audit). Raises InvalidArgument for a limit out of range."""
    if not 1 <= int(limit) <= LIST_MAX:
        raise InvalidArgument(f"limit must be 1..{LIST_MAX}", field="limit")
    q = select(ReviewItem).order_by(ReviewItem.id).limit(int(limit))
    if not include_acked:
        q = q.where(ReviewItem.acked_at.is_(None))
    if event_ids is not None:
        q = q.where(ReviewItem.event_id.in_(list(event_ids)))
    items = list(session.scalars(q))
    zones = dict(session.execute(select(Event.id, Event.time_zone)
                                 .where(Event.id.in_(sorted({r.event_id for r in items if r.event_id})))).all())
    return [_row(r, zones.get(r.event_id) or "UTC") for r in items]



def open_count(session: Session) -> int:
    """How many items wait for a person."""
    return int(session.scalar(select(func.count()).select_from(ReviewItem)
                              .where(ReviewItem.acked_at.is_(None))) or 0)


def acknowledge(session: Session, ids: Iterable[int], *, by: str, now: datetime | None = None) -> list[int]:
    """Acknowledge the items `ids` as `by` (operator or station name) at `now` (default utcnow), in the caller's
    transaction. An item acknowledged before keeps its first acknowledgement. Returns the ids newly
    acknowledged. Raises NotFound naming the unknown ids (nothing is changed then)."""
    wanted = sorted({int(i) for i in ids})
    rows = {r.id: r for r in session.scalars(select(ReviewItem).where(ReviewItem.id.in_(wanted)))}
    unknown = [i for i in wanted if i not in rows]
    if unknown:
        raise NotFound(f"no review item {', '.join(map(str, unknown))}")
    when = require_aware(now, "now") if now is not None else utcnow()
    done = []
    for row_id in wanted:
        row = rows[row_id]
        if row.acked_at is None:
            row.acked_at, row.acked_by = when, str(by or "")[:64]
            done.append(row_id)
    session.flush()
    return done


def acknowledge_all(session: Session, *, by: str, now: datetime | None = None) -> int:
    """Acknowledge every open item as `by` at `now` (default utcnow); returns how many."""
    ids = list(session.scalars(select(ReviewItem.id).where(ReviewItem.acked_at.is_(None))))
    return len(acknowledge(session, ids, by=by, now=now)) if ids else 0


def _kind(kind: ReviewKind | str) -> ReviewKind:
    try:
        return ReviewKind(kind)
    except ValueError:
        raise InvalidArgument(f"unknown review kind {kind!r}", field="kind") from None


def _row(r: ReviewItem, time_zone: str) -> ReviewRow:
    return ReviewRow(r.id, r.kind, TITLES.get(r.kind, r.kind), r.event_id, r.entity, r.message, dict(r.details or {}),
                     r.happened, r.raised, r.acked_at, r.acked_by, r.key, time_zone)
