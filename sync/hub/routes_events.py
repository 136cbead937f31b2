"""Events calls (routes in sync.hub.routes; hub, contract-like JSON; docs/HUB_EXTENSIONS.md "Events"): every station
reads events, organisers create and update them. Present in --plain mode too (stations need the event to sync)."""
from __future__ import annotations

from core import contract
from core.errors import InvalidArgument
from core.events import create_event, get_event, list_events, update_event
from core.paging import clamp
from sync.hub.params import field_mask, optional_guid, same_param
from sync.hub.runner import Call

EVENT_FIELDS = ("title", "timeZone", "start", "end")


def list_call(c: Call) -> dict:
    offset, limit = clamp(c.query.int("offset", 0), c.query.int("limit"))
    wanted = set(c.query.all("eventId", "id"))
    events = [ev for ev in list_events(c.session) if (not wanted or ev.id in wanted)
              and c.station.may_use_event(ev.id)]  # a key limited to events lists only those (issue 8 item 5)
    return {"events": [contract.event_to_api(ev) for ev in events[offset:offset + limit]],
            "total": len(events), "offset": offset, "limit": limit}


def get_call(c: Call) -> dict:
    event_id = same_param("eventId", c.path["eventId"], c.query.all("eventId"))
    return {"event": contract.event_to_api(get_event(c.session, event_id))}


def _event_body(c: Call) -> dict:
    data = c.body.get("event")
    if not isinstance(data, dict):
        raise InvalidArgument("event is required", field="event")
    return data


def create_call(c: Call) -> dict:
    data = _event_body(c)
    ev = create_event(c.session, title=data.get("title"), time_zone=data.get("timeZone"),
                      currency=data.get("currency"), start=data.get("start") or None,
                      end=data.get("end") or None, event_id=optional_guid(data.get("id"), "event.id"))
    return {"event": contract.event_to_api(ev)}


def update_call(c: Call) -> dict:
    event_id = same_param("eventId", c.path["eventId"], c.body.get("eventId"), c.query.all("eventId"))
    data = _event_body(c)
    mask = field_mask(c.body.get("fields"), prefix="event") or [f for f in EVENT_FIELDS if f in data]
    unknown = [f for f in mask if f not in EVENT_FIELDS]
    if unknown:
        raise InvalidArgument(f"fields {unknown} cannot be updated here (currency: use ChangeCurrency)",
                              field="fields")
    c.lock("event:" + event_id)
    values = {f: data.get(f) for f in mask}
    ev = update_event(c.session, event_id, title=values.get("title"), time_zone=values.get("timeZone"),
                      start=values.get("start"), end=values.get("end"))
    return {"event": contract.event_to_api(ev)}
