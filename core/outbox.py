"""The outbox: every local change the centre must learn of is queued here in the same transaction as the
change itself (DESIGN.md §Sync). This module owns the outbox's kinds, its states and every transition between
them; the sync engine reads and marks rows only through it. Nothing here talks to a network.

Kinds (constants: core.status.OutboxKind) and payloads (JSON, the contract's field names):
- "event.create"       {eventId, event: {id, title, timeZone, currency, start, end}}   (hub Events route)
- "definition.create"  {eventId, definition: {...TicketDefinitionData}}
- "definition.update"  {eventId, definitionId, fields: [..], definition: {...}, base: {...fields before}}
- "definition.delete"  {eventId, definitionId}
- "event.change_currency" {eventId, currency}
- "order.create"       {eventId, order: {...Order with tickets, payments}}      (box-office sale upload)
- "order.update"       {eventId, orderNumber, fields: [..mask], paths: ["checkoutForm.<input>", "archived"],
                        checkoutForm?: {inputValues: [only the changed inputs]}, archived?, base: {path: before}}
- "order.confirm"      {eventId, orderNumber: [..]}
- "order.cancel"       {eventId, orderNumber}                  (hub extension `order-cancel`, issue 8 item 8)
- "checkin.create"     {eventId, ticketNumber, nonce, deviceTime, correctedTime, station, operator, method}
- "checkin.delete"     {eventId, ticketNumber, nonce, deviceTime, correctedTime, station, operator}
- "entrance.upsert"    {eventId, entrance: {id, eventId, name, definitionIds, direction}}  (hub extension)
- "entrance.delete"    {eventId, entranceId}                                            (hub extension)

States (STYLE.md §5; rows are never deleted, DESIGN.md §Sync "never drop a row"):

    PENDING --mark_sent--> SENT
    PENDING --mark_rejected--> REJECTED --retry--> PENDING
                               REJECTED --dismiss--> DISMISSED
    PENDING --mark_failed--> PENDING (attempts + 1, last error kept: a transient failure)
    PENDING --hold--> PENDING (waits for a refused change it depends on; reason kept, attempts unchanged)
    PENDING --fold--> DISMISSED (an update merged into the newer update of the same entity, which took it in)
    SENT --resend--> PENDING (the hub went back in time and may have lost it, issue 8 item 11; same key)

Any other transition raises TransitionRefused.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.changes import note, note_outbox_kind, writes_outbox
from core.errors import FailedPrecondition
from core.models import OutboxEntry
from core.status import CHECKIN_KINDS, OUTBOX_KINDS, OutboxKind
from core.timeutil import utcnow

PENDING, SENT, REJECTED, DISMISSED = "pending", "sent", "rejected", "dismissed"
STATES = (PENDING, SENT, REJECTED, DISMISSED)

# The kinds are declared once, in core.status (OutboxKind); these names are the same constants.
EVENT_CREATE, EVENT_CHANGE_CURRENCY = OutboxKind.EVENT_CREATE, OutboxKind.EVENT_CHANGE_CURRENCY
DEFINITION_CREATE, DEFINITION_UPDATE = OutboxKind.DEFINITION_CREATE, OutboxKind.DEFINITION_UPDATE
DEFINITION_DELETE = OutboxKind.DEFINITION_DELETE
ORDER_CREATE, ORDER_UPDATE, ORDER_CONFIRM = OutboxKind.ORDER_CREATE, OutboxKind.ORDER_UPDATE, OutboxKind.ORDER_CONFIRM
ORDER_CANCEL = OutboxKind.ORDER_CANCEL
CHECKIN_CREATE, CHECKIN_DELETE = OutboxKind.CHECKIN_CREATE, OutboxKind.CHECKIN_DELETE
ENTRANCE_UPSERT, ENTRANCE_DELETE = OutboxKind.ENTRANCE_UPSERT, OutboxKind.ENTRANCE_DELETE
KINDS = (EVENT_CREATE, EVENT_CHANGE_CURRENCY, DEFINITION_CREATE, DEFINITION_UPDATE, DEFINITION_DELETE,
         ORDER_CREATE, ORDER_UPDATE, ORDER_CONFIRM, ORDER_CANCEL, CHECKIN_CREATE, CHECKIN_DELETE,
         ENTRANCE_UPSERT, ENTRANCE_DELETE)
assert frozenset(KINDS) == OUTBOX_KINDS, "core.status.OutboxKind and core.outbox.KINDS disagree"

ERROR_MAX = 2000   # characters of last_error kept
RETRY_PREFIX = "retry requested after: "
RESEND_NOTE = "re-sent: the hub went back in time"
HELD_PREFIX = "waiting for #"  # last_error of a row held behind a refused one (sync.push_gate.waiting_reason)
CHUNK = 500        # keys per IN (...) query

# the allowed transitions: (from, to)
_ALLOWED = frozenset({(PENDING, SENT), (PENDING, REJECTED), (REJECTED, PENDING), (REJECTED, DISMISSED)})


class TransitionRefused(FailedPrecondition):
    """The outbox row does not exist or is not in the state the transition needs (e.g. retry of a sent row)."""

    default_code = "OUTBOX_STATE"


def enqueue(session: Session, kind: str, event_id: str, entity_key: str, payload: dict,
            idempotency_key: str | None = None) -> OutboxEntry | None:
    """Add an outbox row to `session` (the caller's transaction) and note the change (core.changes).
    The idempotency key is a uuid4 made here once and never regenerated (case BC-15). On a session whose
    unit of work writes no outbox (the hub) only the note is taken and None is returned."""
    note_outbox_kind(session, kind, entity_key)
    if not writes_outbox(session):
        return None
    note(session, outbox=True)
    row = OutboxEntry(kind=kind, event_id=event_id, entity_key=entity_key, payload=payload,
                      idempotency_key=idempotency_key or str(uuid.uuid4()), created=utcnow(),
                      attempts=0, state=PENDING, last_error="")
    session.add(row)
    return row


# -- transitions -------------------------------------------------------------------------------------------
def _move(row: OutboxEntry | None, target: str, entry_id: int | None = None) -> OutboxEntry:
    """Check one transition; raises TransitionRefused (missing row, or a move not in _ALLOWED)."""
    if row is None:
        raise TransitionRefused(f"outbox row {entry_id} does not exist")
    if (row.state, target) not in _ALLOWED:
        raise TransitionRefused(f"outbox row {row.id} is {row.state}: it cannot become {target}")
    row.state = target
    return row


def _get(session: Session, entry_id: int) -> OutboxEntry | None:
    return session.get(OutboxEntry, entry_id)


def mark_sent(session: Session, entry_id: int, note: str = "", at: datetime | None = None) -> OutboxEntry:
    """PENDING → SENT: the server took the change (`note` e.g. "already settled on the server"); attempts + 1,
    sent_at = `at` (default now, aware UTC). A retried row keeps why it was refused before (the audit, issue 8
    item 2) after the note. Caller commits."""
    row = _move(_get(session, entry_id), SENT, entry_id)
    at_retry = (row.last_error or "").find(RETRY_PREFIX)
    audit = row.last_error[at_retry:] if at_retry >= 0 else ""
    row.sent_at, row.attempts = at or utcnow(), row.attempts + 1
    row.last_error = "; ".join(x for x in (note, audit) if x)[:ERROR_MAX]
    return row


def mark_rejected(session: Session, entry_id: int, error: str) -> OutboxEntry:
    """PENDING → REJECTED: refused for good (400/404/409/428, DESIGN.md §Sync); kept with `error` for the
    operator. Caller commits."""
    row = _move(_get(session, entry_id), REJECTED, entry_id)
    row.attempts, row.last_error = row.attempts + 1, error[:ERROR_MAX]
    return row


def mark_failed(session: Session, entry_id: int, error: str) -> OutboxEntry:
    """A transient failure (network, 5xx, 429): the row stays PENDING, attempts + 1, `error` kept.
    Raises TransitionRefused for a row that is not pending. Caller commits."""
    row = _get(session, entry_id)
    if row is None or row.state != PENDING:
        raise TransitionRefused(f"outbox row {entry_id} is not pending")
    row.attempts, row.last_error = row.attempts + 1, error[:ERROR_MAX]
    return row


def retry(session: Session, entry_id: int) -> None:
    """REJECTED → PENDING after the operator fixed the cause; the next run sends it again with the same
    idempotency key. Raises TransitionRefused for a row that is not rejected. Caller commits. Returns None
    (an operator action run in a worker thread: no ORM object leaves the session)."""
    row = _move(_get(session, entry_id), PENDING, entry_id)
    row.last_error = f"{RETRY_PREFIX}{row.last_error}"[:ERROR_MAX]


def retry_all(session: Session, event_id: str | None = None) -> list[int]:
    """Every REJECTED row (optionally of one event) → PENDING, in outbox order; returns their ids. The rows
    keep their ids, so the next push sends them in the order they were made (issue 8 item 2)."""
    q = select(OutboxEntry.id).where(OutboxEntry.state == REJECTED).order_by(OutboxEntry.id)
    if event_id:
        q = q.where(OutboxEntry.event_id == event_id)
    ids = list(session.scalars(q))
    for entry_id in ids:
        retry(session, entry_id)
    return ids


def resend(session: Session, kinds: Iterable[str], reason: str = RESEND_NOTE) -> list[int]:
    """Every SENT row of `kinds` → PENDING, in outbox order, with `reason` as last_error; returns their ids.
    For a hub restored from an earlier copy or replaced (issue 8 item 11): the rows go up again with their
    own idempotency keys, so a hub that still has a change answers it again instead of applying it twice
    (check-ins also merge by nonce). Caller commits."""
    rows = list(session.scalars(select(OutboxEntry).where(OutboxEntry.state == SENT,
                                                          OutboxEntry.kind.in_(list(kinds)))
                                .order_by(OutboxEntry.id)))
    for row in rows:
        row.state, row.last_error = PENDING, reason[:ERROR_MAX]
    if rows:
        note(session, outbox=True)
    return [r.id for r in rows]


def hold(session: Session, entry_id: int, reason: str) -> None:
    """A pending row that waits for a refused change it depends on (issue 8 item 1): stays PENDING, attempts
    unchanged, `reason` kept as last_error (before the retry audit, if any). Raises TransitionRefused for a row that is not pending."""
    row = _get(session, entry_id)
    if row is None or row.state != PENDING:
        raise TransitionRefused(f"outbox row {entry_id} is not pending")
    at_retry = (row.last_error or "").find(RETRY_PREFIX)
    audit = row.last_error[at_retry:] if at_retry >= 0 else ""
    row.last_error = "; ".join(x for x in (reason, audit) if x)[:ERROR_MAX]


_FOLDABLE = (DEFINITION_UPDATE, ORDER_UPDATE)


def changed_paths(payload: dict) -> list[str]:
    """The paths an update row changed, in order: order.update's `paths` ("checkoutForm.<inputName>",
    "archived"), else the `fields` mask (definition.update: "name", "salePeriod.startDate" …; a legacy order
    row: "checkoutForm"/"archived"). Accepts a list or a comma-joined string."""
    raw = payload.get("paths") if payload.get("paths") is not None else payload.get("fields")
    raw = raw.split(",") if isinstance(raw, str) else (raw or [])
    return list(dict.fromkeys(str(p) for p in raw if str(p)))


def _mergeable(payload: dict) -> bool:
    """A row recording what it changed (`base`: the values before) can be merged with another; a legacy
    order.update carrying the whole form cannot."""
    return isinstance(payload.get("base"), dict)


def merge_update_payloads(older: dict, newer: dict) -> dict:
    """One update doing what `older` then `newer` did (issue 8 items 2, 3): paths and masks are unioned;
    values are the newer's where both touch a field, the older's elsewhere; `base` is the older's (the
    value the first editor started from) for its paths, the newer's for paths only it touched. Definition
    rows carry a full `definition` snapshot (the newer one already holds the older edit); order rows carry
    only the changed checkoutForm inputs, merged by inputName."""
    paths = list(dict.fromkeys(changed_paths(older) + changed_paths(newer)))
    merged = {**newer, "base": {**(newer.get("base") or {}), **(older.get("base") or {})}}
    if newer.get("paths") is not None or older.get("paths") is not None:
        merged["paths"] = paths
        mask = list(dict.fromkeys(p.split(".")[0] for p in paths))
        merged["fields"] = mask
        by_name = {i.get("inputName"): i for i in (older.get("checkoutForm") or {}).get("inputValues") or []}
        by_name.update({i.get("inputName"): i for i in (newer.get("checkoutForm") or {}).get("inputValues") or []})
        if by_name:
            merged["checkoutForm"] = {"inputValues": list(by_name.values())}
        if "archived" in older and "archived" not in newer:
            merged["archived"] = older["archived"]
    else:
        merged["fields"] = paths
    return merged


def fold_superseded(session: Session) -> list[tuple[int, int]]:
    """Fold each pending definition.update / order.update into the next pending update of the same kind and
    entity (issue 8 items 2, 3): the newer row takes the merged payload (merge_update_payloads: masks unioned,
    so an older e-mail edit folded into a newer name edit still goes up, and only the changed fields do) and
    the older row becomes DISMISSED with "folded into #N" (kept for audit). A legacy row without `base`
    folds only into a newer one whose fields cover its own. Returns [(older id, newer id)]. Caller commits."""
    rows = list(session.scalars(select(OutboxEntry).where(OutboxEntry.state == PENDING,
                                                          OutboxEntry.kind.in_(_FOLDABLE))
                                .order_by(OutboxEntry.id)))
    folded = []
    for i, old in enumerate(rows):
        new = next((r for r in rows[i + 1:] if r.kind == old.kind and r.entity_key == old.entity_key
                    and r.state == PENDING), None)
        if new is None:
            continue
        old_p, new_p = old.payload or {}, new.payload or {}
        if _mergeable(old_p) and _mergeable(new_p):
            new.payload = merge_update_payloads(old_p, new_p)
        elif not set(changed_paths(old_p)) <= set(changed_paths(new_p)):
            continue
        old.state, old.last_error = DISMISSED, f"folded into #{new.id} (a newer edit of the same entity)"
        folded.append((old.id, new.id))
    return folded


def dismiss(session: Session, entry_id: int) -> None:
    """REJECTED → DISMISSED: hidden from the Sync panel, kept for audit (never deleted). Raises
    TransitionRefused for a row that is not rejected. Caller commits."""
    _move(_get(session, entry_id), DISMISSED, entry_id)


# -- queries -----------------------------------------------------------------------------------------------
def pending_rows(session: Session, limit: int) -> list[OutboxEntry]:
    """Pending rows in outbox order (id), at most `limit`."""
    return list(session.scalars(select(OutboxEntry).where(OutboxEntry.state == PENDING)
                                .order_by(OutboxEntry.id).limit(limit)))


def pending_count(session: Session, event_id: str | None = None) -> int:
    """Number of changes not yet accepted by the centre (pending only; rejected ones are counted apart)."""
    q = select(func.count()).select_from(OutboxEntry).where(OutboxEntry.state == PENDING)
    if event_id:
        q = q.where(OutboxEntry.event_id == event_id)
    return session.scalar(q) or 0


def pending_by_kind(session: Session, event_id: str | None = None) -> dict[str, int]:
    """{kind: pending rows}, optionally of one event (WR-14: "37 check-ins not yet uploaded")."""
    q = select(OutboxEntry.kind, func.count()).where(OutboxEntry.state == PENDING).group_by(OutboxEntry.kind)
    if event_id:
        q = q.where(OutboxEntry.event_id == event_id)
    return {kind: n for kind, n in session.execute(q).all()}


def held_count(session: Session) -> int:
    """Pending rows held behind a refused change (their last_error starts with HELD_PREFIX)."""
    q = select(func.count()).select_from(OutboxEntry).where(OutboxEntry.state == PENDING,
                                                            OutboxEntry.last_error.startswith(HELD_PREFIX))
    return session.scalar(q) or 0


def rejected_count(session: Session) -> int:
    """Rows refused for good and not dismissed."""
    return session.scalar(select(func.count()).select_from(OutboxEntry).where(OutboxEntry.state == REJECTED)) or 0


def rows_in_state(session: Session, state: str) -> list[OutboxEntry]:
    """Every row in `state`, in outbox order (the push reads refused rows to hold their dependants)."""
    return list(session.scalars(select(OutboxEntry).where(OutboxEntry.state == state).order_by(OutboxEntry.id)))


def rejected_entries(session: Session, event_id: str | None = None) -> list[dict]:
    """Rejected rows for display (kept for audit, DESIGN.md §Sync): [{id, kind, entity, error, created}]."""
    q = select(OutboxEntry).where(OutboxEntry.state == REJECTED).order_by(OutboxEntry.id)
    if event_id:
        q = q.where(OutboxEntry.event_id == event_id)
    return [{"id": r.id, "kind": r.kind, "entity": r.entity_key, "error": r.last_error, "created": r.created}
            for r in session.scalars(q)]


def has_pending(session: Session, entity_key: str) -> bool:
    """True when `entity_key` (order number, definition id, ticket number) has a pending local change:
    a pull must not overwrite it (DESIGN.md §Sync, conflicts)."""
    q = select(OutboxEntry.id).where(OutboxEntry.entity_key == entity_key, OutboxEntry.state == PENDING).limit(1)
    return session.scalar(q) is not None


def _keys_in_state(session: Session, keys: Iterable[str], state: str, kind: str | None = None) -> set[str]:
    keys = list(dict.fromkeys(keys))
    found: set[str] = set()
    for i in range(0, len(keys), CHUNK):
        q = select(OutboxEntry.entity_key).where(OutboxEntry.entity_key.in_(keys[i:i + CHUNK]),
                                                 OutboxEntry.state == state)
        if kind is not None:
            q = q.where(OutboxEntry.kind == kind)
        found.update(session.scalars(q))
    return found


def pending_keys(session: Session, keys: Iterable[str]) -> set[str]:
    """The subset of `keys` with a pending row: the batched form of has_pending."""
    return _keys_in_state(session, keys, PENDING)


def rejected_keys(session: Session, keys: Iterable[str], kind: str) -> set[str]:
    """The subset of `keys` with a rejected row of `kind` (e.g. a refused definition.create stays local)."""
    return _keys_in_state(session, keys, REJECTED, kind)


def pending_of(session: Session, entity_key: str, kind: str | None = None) -> list[OutboxEntry]:
    """Pending rows of one entity (optionally of one kind), oldest first."""
    q = select(OutboxEntry).where(OutboxEntry.entity_key == entity_key, OutboxEntry.state == PENDING)
    if kind is not None:
        q = q.where(OutboxEntry.kind == kind)
    return list(session.scalars(q.order_by(OutboxEntry.id)))
