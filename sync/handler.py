"""The common shape of the sync adapters (after libpretixsync's one-class-per-resource sync adapters): an
OutboxHandler sends the outbox rows of its kinds, a PullApplier applies the pulled changes of its types. The
registry (sync.registry) maps kinds and types to them; push and pull only dispatch. Dependency direction:
engine → push/pull → registry → handlers → (client, apply, core); nothing here imports push or pull."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol

from sqlalchemy.orm import Session

from core.db import Ledger
from sync.client import Discovery, TicketingApi
from sync.errors import SyncError


@dataclass(frozen=True)
class Item:
    """A snapshot of one outbox row (ORM objects never leave their session)."""

    id: int
    kind: str
    event_id: str
    entity_key: str
    payload: dict
    idempotency_key: str
    attempts: int


@dataclass
class PushResult:
    """What one push did: counts, the rows kept local-only (plain server, WR-15), oversold definitions
    (BC-26), duplicate check-ins (BC-14), stored conflicts, the rejected rows, the rows `waiting` for a refused
    one ([{id, kind, entity, reason}], issue 8 item 1), and the error that stopped it."""

    sent: int = 0
    rejected: list[dict] = field(default_factory=list)
    waiting: list[dict] = field(default_factory=list)
    local_only: list[str] = field(default_factory=list)
    oversold: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)  # [{endpoint, permission, message}] 403s (issue 8 item 6)
    stopped: SyncError | None = None


@dataclass
class Outcome:
    """A handler's verdict for its rows: `done` ids sent; `rejected` {id: error}; `unconfirmed` {id: error}:
    sent, but the answer does not show them taken (kept pending, attempts + 1, checked again next run, BC-15/19);
    `skipped` ids left pending untouched (local-only); `apply(session)` run in the transaction that marks the
    rows; `notes` {id: text} kept as the sent row's last_error."""

    done: list[int] = field(default_factory=list)
    rejected: dict[int, str] = field(default_factory=dict)
    unconfirmed: dict[int, str] = field(default_factory=dict)
    skipped: list[int] = field(default_factory=list)
    apply: Callable[[Session], None] | None = None
    notes: dict[int, str] = field(default_factory=dict)


class PushContext(Protocol):
    """What a handler may use of the running push: the ledger, the API, the server's extensions, this
    station's name, the run's result (for warnings, oversold, duplicates, conflicts) and `local_only` — order
    numbers of box-office sales a plain server cannot take (WR-15)."""

    ledger: Ledger
    api: TicketingApi
    discovery: Discovery
    station: str
    result: PushResult
    local_only: set[str]


class OutboxHandler(Protocol):
    """Sends the outbox rows of `kinds`. `batch(items, start, ctx)` picks the rows from `items[start]` that go
    up together (at least that one); `handle(ctx, batch)` sends them and returns an Outcome, raising ApiError
    or SyncError for the batch as a whole (push classifies: rejects → rejected, else the run stops). A handler
    may also define `on_rejected(session, item, error)`: push calls it in the transaction that marks a row of
    its kinds rejected, however the refusal came (sync.push_checkins: the refused check-in counts nowhere)."""

    kinds: tuple[str, ...]

    def batch(self, items: list[Item], start: int, ctx: PushContext) -> list[Item]: ...

    def handle(self, ctx: PushContext, batch: list[Item]) -> Outcome: ...


class SingleRowHandler:
    """Base of handlers that send one row at a time. `senders` maps each outbox kind to its
    `send(ctx, item) -> Outcome`; `kinds` are its keys. Subclasses may override `handle` to skip rows first."""

    def __init__(self, senders: dict[str, Callable[[PushContext, Item], Outcome]]):
        self.senders = dict(senders)
        self.kinds: tuple[str, ...] = tuple(self.senders)

    def batch(self, items: list[Item], start: int, ctx: PushContext) -> list[Item]:
        """Just the row at `start`."""
        return [items[start]]

    def handle(self, ctx: PushContext, batch: list[Item]) -> Outcome:
        """Send the one row through its kind's sender (raises ApiError / SyncError for push to classify)."""
        item = batch[0]
        return self.senders[item.kind](ctx, item)


class PullApplier(Protocol):
    """Applies pulled changes of `types` (the hub's change-feed `type`) in the caller's transaction:
    `apply(session, event_id, items)` with items the changes' `data` objects; returns the resource name they
    count under in PullResult ("events", "definitions", "orders", "tickets", "checkins")."""

    types: tuple[str, ...]

    def apply(self, session: Session, event_id: str, items: list[dict]) -> str: ...


def is_set(cancel) -> bool:
    """A cancel token: threading.Event-like (`is_set()`), or an object with a truthy `cancelled`."""
    if cancel is None:
        return False
    if hasattr(cancel, "is_set"):
        return bool(cancel.is_set())
    return bool(getattr(cancel, "cancelled", False))
