"""Entrance calls (hub extension `entrances`, docs/HUB_EXTENSIONS.md "Entrances"; routes in sync.hub.routes):
every station reads the entrances of its events, organisers create, change and delete them. The services are
core.entrances (validation, names unique per event); the hub's unit of work writes no outbox row and turns
what they noted into the change feed's "entrance" entries (sync.hub.changes)."""
from __future__ import annotations

from core.entrances import create_entrance, delete_entrance, get_entrance, list_entrances, parse, update_entrance
from core.errors import InvalidArgument
from core.models import Entrance
from sync.hub.params import require_str, same_param
from sync.hub.runner import Call


def list_call(c: Call) -> dict:
    """GET ?eventId → {entrances: [{id, eventId, name, definitionIds, direction}]}."""
    event_id = require_str(c.query.one("eventId"), "eventId")
    return {"entrances": [e.to_api() for e in list_entrances(c.session, event_id)]}


def put_call(c: Call) -> dict:
    """POST {eventId, entrance: {id, name, definitionIds, direction}} → {entrance}: created with the given id,
    or — when that id exists — replaced whole (the last writer wins: a station sends the whole entrance)."""
    event_id = require_str(c.body.get("eventId"), "eventId")
    data = c.body.get("entrance")
    if not isinstance(data, dict):
        raise InvalidArgument("entrance is required", field="entrance")
    values = parse(dict(data, eventId=data.get("eventId") or event_id))
    if values["event_id"] != event_id:
        raise InvalidArgument("entrance.eventId differs from eventId", field="eventId")
    c.lock("entrance:" + values["id"])
    row = c.session.get(Entrance, values["id"])
    if row is None:
        made = create_entrance(c.session, event_id, values["name"], values["definition_ids"], values["direction"],
                               entrance_id=values["id"], now=c.now)
    else:
        if row.event_id != event_id:
            raise InvalidArgument("an entrance cannot move to another event", field="eventId")
        made = update_entrance(c.session, values["id"], name=values["name"], definition_ids=values["definition_ids"],
                               direction=values["direction"], now=c.now)
    return {"entrance": made.to_api()}


def get_call(c: Call) -> dict:
    """GET /{entranceId} → {entrance}; 404 ENTRANCE_NOT_FOUND."""
    return {"entrance": get_entrance(c.session, c.path["entranceId"]).to_api()}


def delete_call(c: Call) -> dict:
    """DELETE /{entranceId} (?eventId optional copy) → {}; 404 ENTRANCE_NOT_FOUND."""
    entrance_id = same_param("entranceId", c.path["entranceId"], c.query.all("entranceId"))
    c.lock("entrance:" + entrance_id)
    delete_entrance(c.session, entrance_id)
    return {}
