"""Entrances — check-in lists (issue 9 item 7; DESIGN.md "Entrance"): an organiser defines, per event, the
entrances of the venue: a name, the ticket definitions admitted there (an empty list = every definition) and a
direction (ENTRY, or EXIT: scans there record people leaving, issue 9 item 8). A door station works at one
entrance (core.door.Door.entrance); each check-in row keeps the entrance it was made at.

THE entrance rule lives here once — `admitted_ids` / `admits` — and is evaluated by the station's door verdict
(core.checkin, step 5 WRONG_ENTRANCE) and by the hub's CheckIn call when it carries an entranceId
(sync.hub.routes_tickets), so both give the same verdict.

Services take a session (the caller's unit of work commits) and say what they changed: on a station an outbox
row "entrance.upsert" (the whole entrance: last writer wins) or "entrance.delete"; on the hub only the note,
which becomes the change feed's "entrance" entry. `upsert_from_api` / `remove` apply what the hub sent (no
outbox row).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.changes import note
from core.checkin_merge import DIRECTIONS, ENTRY, EXIT
from core.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from core.events import get_event
from core.models import Entrance, Ticket, TicketDefinition
from core.outbox import enqueue
from core.status import OutboxKind
from core.timeutil import utcnow

NAME_MAX = 60  # characters (the column's length)
__all__ = ["ENTRY", "EXIT", "EntranceView", "admits", "admitted_ids", "create_entrance", "update_entrance",
           "delete_entrance", "list_entrances", "get_entrance", "find_entrance", "upsert_from_api", "remove",
           "check_admitted", "refused_tickets", "set_max_inside"]


@dataclass(frozen=True)
class EntranceView:
    """One entrance as the door and the GUI use it (never an ORM object). `definition_ids` empty = every
    definition of the event; `direction` ENTRY or EXIT."""

    id: str
    event_id: str
    name: str
    definition_ids: frozenset[str] = frozenset()
    direction: str = ENTRY

    @property
    def is_exit(self) -> bool:
        return self.direction == EXIT

    def to_api(self) -> dict:
        """Hub / outbox JSON: {id, eventId, name, definitionIds (sorted), direction} (docs/HUB_EXTENSIONS.md)."""
        return {"id": self.id, "eventId": self.event_id, "name": self.name,
                "definitionIds": sorted(self.definition_ids), "direction": self.direction}


def admitted_ids(entrance: EntranceView | None) -> frozenset[str] | None:
    """The definition ids an entrance admits, or None when it admits every definition (no entrance chosen,
    or an entrance with an empty list)."""
    if entrance is None or not entrance.definition_ids:
        return None
    return frozenset(entrance.definition_ids)


def admits(admitted: frozenset[str] | set[str] | None, definition_id: str) -> bool:
    """THE entrance rule (DESIGN.md "The door verdict" step 5): a ticket of `definition_id` may pass where
    `admitted` (admitted_ids; None = all) allows it. False means WRONG_ENTRANCE."""
    return admitted is None or definition_id in admitted


def view(row: Entrance) -> EntranceView:
    """The EntranceView of a stored row."""
    return EntranceView(row.id, row.event_id, row.name, frozenset(row.definition_ids or ()),
                        row.direction or ENTRY)


# ---- validation -------------------------------------------------------------------------------------------
def _name(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgument("an entrance needs a name", field="name")
    value = value.strip()
    if len(value) > NAME_MAX:
        raise InvalidArgument(f"entrance name: at most {NAME_MAX} characters", field="name")
    return value


def _direction(value) -> str:
    value = str(value or ENTRY).strip().upper()
    if value not in DIRECTIONS:
        raise InvalidArgument(f"direction must be {ENTRY} or {EXIT}", field="direction")
    return value


def _ids(value: Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InvalidArgument("definitionIds must be a list of definition ids", field="definitionIds")
    return sorted({v.strip() for v in value})


def _check_definitions(session: Session, event_id: str, ids: list[str]) -> None:
    """Every id must be a definition of the event (InvalidArgument naming the strangers)."""
    if not ids:
        return
    known = set(session.scalars(select(TicketDefinition.id).where(TicketDefinition.event_id == event_id,
                                                                     TicketDefinition.id.in_(ids))))
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise InvalidArgument(f"not ticket definitions of this event: {', '.join(unknown)}", field="definitionIds")


def _check_unique(session: Session, event_id: str, name: str, own_id: str | None) -> None:
    for row in session.scalars(select(Entrance).where(Entrance.event_id == event_id)):
        if row.name.casefold() == name.casefold() and row.id != own_id:
            raise AlreadyExists(f"entrance {name!r} exists already in this event", field="name")


def _queue_upsert(session: Session, row: Entrance) -> None:
    session.flush()
    enqueue(session, OutboxKind.ENTRANCE_UPSERT, row.event_id, row.id,
            {"eventId": row.event_id, "entrance": view(row).to_api()})


# ---- services ---------------------------------------------------------------------------------------------
def create_entrance(session: Session, event_id: str, name: str, definition_ids: Iterable[str] | None = None,
                    direction: str = ENTRY, *, entrance_id: str | None = None,
                    now: datetime | None = None) -> EntranceView:
    """Create an entrance of `event_id` (NotFound when the event is unknown). `definition_ids` definitions
    of that event (empty/None = all); `direction` ENTRY or EXIT. Names are unique per event, ignoring case
    (AlreadyExists). InvalidArgument for a bad name, direction or definition id. Queues "entrance.upsert"."""
    get_event(session, event_id)
    clean_name, ids = _name(name), _ids(definition_ids)
    _check_definitions(session, event_id, ids)
    _check_unique(session, event_id, clean_name, None)
    new_id = entrance_id or str(uuid.uuid4())
    if session.get(Entrance, new_id) is not None:
        raise AlreadyExists(f"entrance {new_id} exists already", field="id")
    stamp = now or utcnow()
    row = Entrance(id=new_id, event_id=event_id, name=clean_name, definition_ids=ids,
                   direction=_direction(direction), created=stamp, updated=stamp)
    session.add(row)
    _queue_upsert(session, row)
    note(session, entrances=[row.id])
    return view(row)


def _row(session: Session, entrance_id: str) -> Entrance:
    row = session.get(Entrance, entrance_id) if entrance_id else None
    if row is None:
        raise NotFound(f"entrance {entrance_id} not found", code="ENTRANCE_NOT_FOUND")
    return row


def update_entrance(session: Session, entrance_id: str, *, name: str | None = None,
                    definition_ids: Iterable[str] | None = None, direction: str | None = None,
                    now: datetime | None = None) -> EntranceView:
    """Change the given fields of an entrance (None = keep; definition_ids=[] = admit all). Same checks as
    create_entrance; NotFound for an unknown id. Queues "entrance.upsert" with the whole entrance."""
    row = _row(session, entrance_id)
    if name is not None:
        clean = _name(name)
        _check_unique(session, row.event_id, clean, row.id)
        row.name = clean
    if definition_ids is not None:
        ids = _ids(definition_ids)
        _check_definitions(session, row.event_id, ids)
        row.definition_ids = ids
    if direction is not None:
        row.direction = _direction(direction)
    row.updated = now or utcnow()
    _queue_upsert(session, row)
    note(session, entrances=[row.id])
    return view(row)


def delete_entrance(session: Session, entrance_id: str) -> None:
    """Delete an entrance (NotFound when unknown). Check-in rows made there keep its id. Queues
    "entrance.delete"."""
    row = _row(session, entrance_id)
    enqueue(session, OutboxKind.ENTRANCE_DELETE, row.event_id, row.id,
            {"eventId": row.event_id, "entranceId": row.id})
    session.delete(row)
    session.flush()
    note(session, entrances=[entrance_id])


def list_entrances(session: Session, event_id: str) -> list[EntranceView]:
    """The entrances of `event_id`, by name (case-insensitive)."""
    rows = session.scalars(select(Entrance).where(Entrance.event_id == event_id))
    return sorted((view(r) for r in rows), key=lambda e: (e.name.casefold(), e.id))


def get_entrance(session: Session, entrance_id: str) -> EntranceView:
    """One entrance by id; NotFound (code ENTRANCE_NOT_FOUND)."""
    return view(_row(session, entrance_id))


def find_entrance(session: Session, event_ids: Iterable[str], name_or_id: str) -> EntranceView:
    """The entrance of one of `event_ids` whose id or name (ignoring case and outer spaces) is `name_or_id`
    (`tessera scan --entrance NAME`); NotFound (code ENTRANCE_NOT_FOUND) listing the entrances there are."""
    wanted = (name_or_id or "").strip()
    known: list[EntranceView] = []
    for event_id in event_ids:
        known += list_entrances(session, event_id)
    for e in known:
        if e.id == wanted or e.name.casefold() == wanted.casefold():
            return e
    names = ", ".join(e.name for e in known) or "none"
    raise NotFound(f"no entrance {wanted!r} at this event (entrances: {names})", code="ENTRANCE_NOT_FOUND")


def refused_tickets(session: Session, entrance: EntranceView, ticket_numbers: Iterable[str]) -> list[str]:
    """The ticket numbers among `ticket_numbers` whose definition `entrance` does not admit (admits; unknown
    tickets are left to the caller's own NotFound)."""
    admitted = admitted_ids(entrance)
    if admitted is None:
        return []
    numbers = list(dict.fromkeys(ticket_numbers))
    found = session.execute(select(Ticket.ticket_number, Ticket.definition_id)
                            .where(Ticket.ticket_number.in_(numbers)))
    return sorted(tn for tn, definition_id in found if not admits(admitted, definition_id))


def check_admitted(session: Session, event_id: str, entrance_id: str, ticket_numbers: Iterable[str]) -> EntranceView:
    """The hub's CheckIn naming its entrance (extension field entranceId): the same rule as the station's
    door verdict. Returns the entrance; raises NotFound (ENTRANCE_NOT_FOUND, or one of another event),
    InvalidArgument for an exit (exits go up as check-in rows with direction EXIT) and FailedPrecondition
    (428, code WRONG_ENTRANCE) naming the tickets not admitted there — nothing is checked in then."""
    entrance = get_entrance(session, entrance_id)
    if entrance.event_id != event_id:
        raise NotFound(f"entrance {entrance_id} not found in event {event_id}", code="ENTRANCE_NOT_FOUND")
    if entrance.is_exit:
        raise InvalidArgument("an exit records people leaving: send check-in rows with direction EXIT",
                              field="entranceId")
    refused = refused_tickets(session, entrance, ticket_numbers)
    if refused:
        raise FailedPrecondition(f"{', '.join(refused)}: not admitted at {entrance.name}", code="WRONG_ENTRANCE")
    return entrance


# ---- what the hub sent (sync appliers; no outbox row) ------------------------------------------------------
def parse(data: dict) -> dict:
    """Column values of an entrance JSON (EntranceView.to_api shape); InvalidArgument when malformed."""
    if not isinstance(data, dict):
        raise InvalidArgument("entrance must be an object", field="entrance")
    entrance_id, event_id = data.get("id"), data.get("eventId")
    if not isinstance(entrance_id, str) or not entrance_id.strip():
        raise InvalidArgument("entrance needs an id", field="id")
    if not isinstance(event_id, str) or not event_id.strip():
        raise InvalidArgument("entrance needs an eventId", field="eventId")
    return {"id": entrance_id.strip(), "event_id": event_id.strip(), "name": _name(data.get("name")),
            "definition_ids": _ids(data.get("definitionIds")), "direction": _direction(data.get("direction"))}


def upsert_from_api(session: Session, data: dict, now: datetime | None = None) -> EntranceView:
    """Insert or overwrite the entrance of `data` (parse's shape) as the hub has it; notes it, queues nothing.
    InvalidArgument when malformed."""
    values = parse(data)
    row = session.get(Entrance, values["id"])
    stamp = now or utcnow()
    if row is None:
        row = Entrance(created=stamp, **values)
        session.add(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
    row.updated = stamp
    session.flush()
    note(session, entrances=[row.id])
    return view(row)


def remove(session: Session, entrance_id: str) -> bool:
    """Delete the entrance if present (the hub deleted it); no outbox row. True when a row was removed."""
    row = session.get(Entrance, entrance_id)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    note(session, entrances=[entrance_id])
    return True


def set_max_inside(session: Session, event_id: str, max_inside: int | None) -> None:
    """Set the event's capacity alarm: the most people inside at once (None = no alarm; InvalidArgument for a
    negative or non-integer value). A station setting: kept in this ledger, not synced."""
    if max_inside is not None and (isinstance(max_inside, bool) or not isinstance(max_inside, int)
                                   or max_inside < 0):
        raise InvalidArgument("max inside must be a whole number ≥ 0", field="maxInside")
    get_event(session, event_id).max_inside = max_inside
    note(session, events=[event_id])
