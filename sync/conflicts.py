"""Ticket-definition edit conflicts (DESIGN.md §Sync "Conflicts"): the same field changed offline here and
centrally is stored for the organiser — never a silent overwrite — through sync.state (one record per
definition), and resolved by keep_mine (re-queue our value) or take_theirs (adopt the server's)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core import outbox
from core.definitions import update_definition
from core.errors import InvalidArgument, NotFound
from core.models import TicketDefinition
from core.timeutil import parse_rfc3339, to_rfc3339, utcnow
from sync import state
from sync.apply import parse_definition

KEEP_MINE, TAKE_THEIRS = "keep_mine", "take_theirs"


@dataclass(frozen=True)
class DefinitionConflict:
    """One definition's conflicting fields: `fields` = {path: {"base", "mine", "theirs"}} in TicketDefinitionData
    form (e.g. "price" → Money JSON, "salePeriod.startDate" → RFC 3339), `name` the local name for display."""

    definition_id: str
    event_id: str
    name: str
    fields: dict[str, dict[str, Any]]
    created: datetime | None

    def describe(self) -> str:
        """One line for the organiser: 'VIP: name (mine 'VIP Gold', theirs 'VIP Plus')'."""
        parts = [f"{p} (mine {v['mine']!r}, theirs {v['theirs']!r})" for p, v in self.fields.items()]
        return f"{self.name or self.definition_id}: " + "; ".join(parts)


def store(session: Session, event_id: str, definition_id: str, fields: dict[str, dict[str, Any]]) -> None:
    """Record (or extend) the conflict of `definition_id` in the caller's transaction; newer values of a path
    replace older ones."""
    value = state.conflict(session, definition_id) or {"definitionId": definition_id, "eventId": event_id,
                                                        "created": to_rfc3339(utcnow()), "fields": {}}
    value["fields"] = {**value.get("fields", {}), **fields}
    state.set_conflict(session, definition_id, value)


def list_conflicts(session: Session, event_id: str | None = None) -> list[DefinitionConflict]:
    """Open definition conflicts (optionally of one event), oldest first."""
    out = []
    for key, v in state.conflicts(session):
        if event_id and v.get("eventId") != event_id:
            continue
        defn = session.get(TicketDefinition, v.get("definitionId"))
        out.append(DefinitionConflict(v.get("definitionId", key), v.get("eventId", ""),
                                      defn.name if defn else "", dict(v.get("fields", {})),
                                      parse_rfc3339(v.get("created"))))
    return sorted(out, key=lambda c: (c.created is None, c.created or utcnow()))


def get_conflict(session: Session, definition_id: str) -> DefinitionConflict:
    """The open conflict of `definition_id`; NotFound when there is none."""
    for conflict in list_conflicts(session):
        if conflict.definition_id == definition_id:
            return conflict
    raise NotFound(f"no open conflict for ticket definition {definition_id}")


def _nested(fields: dict[str, dict], side: str) -> tuple[dict, list[str]]:
    """{path: {side: v}} → nested TicketDefinitionData ({"salePeriod": {"startDate": ...}}) and the paths."""
    data: dict[str, Any] = {}
    for path, values in fields.items():
        head, _, leaf = path.partition(".")
        if leaf:
            data.setdefault(head, {})[leaf] = values.get(side)
        elif isinstance(values.get(side), dict) and head == "salePeriod":
            data[head] = dict(values[side])
        else:
            data[head] = values.get(side)
    return data, list(fields)


_COLUMNS = {"name": ("name",), "description": ("description",), "policy": ("policy",),
            "price": ("price_minor", "currency"), "limited": ("limited",), "quantity": ("quantity", "limited"),
            "limitPerCheckout": ("limit_per_checkout",), "orderIndex": ("order_index",), "hidden": ("hidden",),
            "salePeriod": ("sale_start", "sale_end", "hide_not_on_sale"), "salePeriod.startDate": ("sale_start",),
            "salePeriod.endDate": ("sale_end",), "salePeriod.hideNotOnSale": ("hide_not_on_sale",)}


def _take_theirs(defn: TicketDefinition, conflict: DefinitionConflict) -> None:
    """Write the server's values of the conflicting paths into the local row (only those columns)."""
    data, _ = _nested(conflict.fields, "theirs")
    parsed = parse_definition({"id": defn.id, "eventId": defn.event_id, **data})
    for path in conflict.fields:
        for column in _COLUMNS.get(path, ()):
            if column in parsed:
                setattr(defn, column, parsed[column])
        if path == "quantity" and "limited" not in conflict.fields:
            defn.limited = defn.quantity is not None
    defn.updated = utcnow()


def resolve(session: Session, definition_id: str, choice: str) -> TicketDefinition:
    """Resolve a conflict in the caller's transaction and drop its record.

    keep_mine: set our values again through core.definitions.update_definition and queue that update with
    `base` = the server's values, so the next push PATCHes them (unless the server moved on once more, which
    makes a new conflict). take_theirs: write the server's values into the local row (no outbox row).
    Raises NotFound (no conflict / definition), InvalidArgument (unknown choice)."""
    conflict = get_conflict(session, definition_id)
    defn = session.get(TicketDefinition, definition_id)
    if defn is None:
        raise NotFound(f"ticket definition {definition_id} not found")
    if choice == KEEP_MINE:
        data, paths = _nested(conflict.fields, "mine")
        update_definition(session, definition_id, data, paths)
        session.flush()
        queued = outbox.pending_of(session, definition_id, outbox.DEFINITION_UPDATE)
        if queued:
            entry = queued[-1]
            base = dict(entry.payload.get("base", {}))
            base.update({p: v.get("theirs") for p, v in conflict.fields.items() if p in base})
            entry.payload = {**entry.payload, "base": base}
    elif choice == TAKE_THEIRS:
        _take_theirs(defn, conflict)
    else:
        raise InvalidArgument(f"choice must be {KEEP_MINE!r} or {TAKE_THEIRS!r}", field="choice")
    state.drop_conflict(session, definition_id)
    session.flush()
    return defn
