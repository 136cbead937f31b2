"""What a use case changed: a typed change set (as Anki's `OpChanges`) and the recorder that collects it.

Every mutating core service says what it changed by calling `note()` (and, for changes the centre must learn
of, `core.outbox.enqueue`, which notes too). The recorder lives on the SQLAlchemy session
(`session.info`), put there by the unit of work (core.db.UnitOfWork), so services keep their plain
`verb(session, ...)` signatures and never know who is listening:

- the station's unit of work (`UnitOfWork(..., outbox=True)`, the default) writes an outbox row for each
  enqueued change, in the same transaction (DESIGN.md §Sync, outbox);
- the hub's unit of work (`outbox=False`) writes no outbox row — nothing would ever read it — and turns the
  collected keys into its change feed (sync/hub);
- the GUI reads `uow.changes` after commit and refreshes only the views that show what changed.

A session with no recorder (a bare session in a test or a script) behaves like the station: outbox rows are
written, and the notes are kept on a default recorder created on first use.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Iterable

from sqlalchemy.orm import Session

_KEY = "tessera.recorder"


@dataclass(frozen=True)
class Changes:
    """The entities a use case changed, by natural key. Empty sets = nothing of that kind changed.

    events: event ids; definitions: ticket definition ids; orders: order numbers; tickets: ticket numbers
    (sold, edited, canceled); checkins: ticket numbers whose check-in log changed (a row added or re-flagged);
    payments: order numbers that got a payment; entrances: entrance ids (core.entrances); tills: till session ids
    (opened, voided in, closed); outbox: True when outbox rows were written (the sync status
    has more to send); sync: True when a sync run applied pulled data (keys may then be partial)."""

    events: frozenset[str] = frozenset()
    definitions: frozenset[str] = frozenset()
    orders: frozenset[str] = frozenset()
    tickets: frozenset[str] = frozenset()
    checkins: frozenset[str] = frozenset()
    payments: frozenset[str] = frozenset()
    entrances: frozenset[str] = frozenset()
    tills: frozenset[str] = frozenset()
    outbox: bool = False
    sync: bool = False

    def __or__(self, other: "Changes") -> "Changes":
        """The union of two change sets."""
        merged = {}
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            merged[f.name] = (a or b) if isinstance(a, bool) else a | b
        return Changes(**merged)

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    @classmethod
    def everything(cls) -> "Changes":
        """A change set that touches every view (used after a restore, a ledger switch or a full pull)."""
        return cls(sync=True, outbox=True, events=frozenset({"*"}), definitions=frozenset({"*"}),
                   orders=frozenset({"*"}), tickets=frozenset({"*"}), checkins=frozenset({"*"}),
                   payments=frozenset({"*"}), entrances=frozenset({"*"}), tills=frozenset({"*"}))

    def kinds(self) -> set[str]:
        """The names of the non-empty fields, e.g. {"orders", "tickets", "outbox"}."""
        return {f.name for f in fields(self) if getattr(self, f.name)}


# Which entity an outbox kind's entity_key names (core.outbox kinds; the key is the natural key).
_KIND_FIELD = {"event": "events", "definition": "definitions", "order": "orders", "checkin": "checkins",
               "entrance": "entrances"}


@dataclass
class Recorder:
    """Collects a session's changes. `outbox`: whether enqueued changes become outbox rows (station) or not
    (hub). `changes` grows with every note()."""

    outbox: bool = True
    changes: Changes = field(default_factory=Changes)

    def add(self, **keys: Iterable[str] | bool) -> None:
        """Add keys (iterables of natural keys) or flags (bools) to the change set."""
        update = {}
        for name, value in keys.items():
            current = getattr(self.changes, name)
            if isinstance(current, bool):
                update[name] = current or bool(value)
            else:
                update[name] = current | frozenset(str(v) for v in value)
        self.changes = replace(self.changes, **update)


def install(session: Session, *, outbox: bool = True) -> Recorder:
    """Put a fresh Recorder on `session` (done by the unit of work when it opens the session)."""
    recorder = Recorder(outbox=outbox)
    session.info[_KEY] = recorder
    return recorder


def recorder(session: Session) -> Recorder:
    """The session's Recorder (a station-style one is installed on first use)."""
    found = session.info.get(_KEY)
    return found if found is not None else install(session)


def note(session: Session, **keys: Iterable[str] | bool) -> None:
    """Record that this transaction changed these entities, e.g. `note(s, orders=[n], tickets=tns)`.
    Field names as Changes; raises TypeError for an unknown name."""
    recorder(session).add(**keys)


def note_outbox_kind(session: Session, kind: str, entity_key: str) -> None:
    """Note the entity an outbox kind names ("order.create" + order number → orders, ...)."""
    name = _KIND_FIELD.get(kind.split(".", 1)[0])
    if name is not None:
        recorder(session).add(**{name: [entity_key]})
    if kind.startswith("order.create"):
        recorder(session).add(payments=[entity_key])


def writes_outbox(session: Session) -> bool:
    """True when enqueued changes of this session become outbox rows (a station; False on the hub)."""
    return recorder(session).outbox


def changes_of(session: Session) -> Changes:
    """What this session's transaction has changed so far."""
    return recorder(session).changes
