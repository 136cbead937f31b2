"""TicketDefinitionManagement v1 calls (API.md §4.2; routes in sync.hub.routes): Create, List, Query, Get, Update,
Delete, ChangeCurrency over core.definitions. Delete and ChangeCurrency answer `200 {}`."""
from __future__ import annotations

from typing import Any

from core.definitions import (change_currency, create_definition, delete_definitions, get_definition,
                              list_definitions, update_definition)
from core.errors import InvalidArgument, NotFound
from core.paging import clamp
from sync.hub.params import field_mask, optional_guid, require_str, same_param
from sync.hub.render import DEFINITION_SETS, definitions_json, facet_counts, fieldsets
from sync.hub.runner import Call

ALL_SETS = DEFINITION_SETS
QUERY_SCAN_PAGES = 100  # Query scans at most 100 pages (10,000 definitions) before filtering


def _sets(values: list[str]) -> tuple[str, ...]:
    return fieldsets(values, DEFINITION_SETS)


def create_call(c: Call) -> dict:
    event_id = require_str(c.body.get("eventId"), "eventId")
    data = c.body.get("definition")
    if not isinstance(data, dict):
        raise InvalidArgument("definition is required", field="definition")
    c.lock("event:" + event_id)
    def_id = optional_guid(data.get("id"), "definition.id")
    defn = create_definition(c.session, event_id, data, definition_id=def_id, now=c.now)
    return {"definition": definitions_json(c.session, [defn], ALL_SETS, c.now)[0]}


def list_call(c: Call) -> dict:
    q = c.query
    args = {"event_ids": q.all("eventId") or None, "states": q.all("state", split=True) or None,
            "sale_statuses": q.all("saleStatus", split=True) or None,
            "sort": q.one("sort", default="created:asc"), "now": c.now}
    offset, limit = q.int("offset", 0), q.int("limit")
    if q.all("eventCreatorId"):  # no event creators on the hub: matches nothing
        offset, limit = clamp(offset, limit)
        return {"metaData": {"count": 0, "offset": offset, "total": 0, "limit": limit}, "definitions": [],
                "facets": {}}
    page = list_definitions(c.session, offset=offset, limit=limit, **args)
    facets = facet_counts(lambda off: list_definitions(c.session, offset=off, limit=100, **args),
                          q.all("facet", split=True), {"free": lambda d: not d.price_minor,
                                                       "hidden": lambda d: bool(d.hidden),
                                                       "eventId": lambda d: d.event_id})
    items = definitions_json(c.session, page.items, _sets(q.all("fieldset", split=True)), c.now)
    return {"metaData": {"count": len(items), "offset": page.offset, "total": page.total, "limit": page.limit},
            "definitions": items, "facets": facets}


def get_call(c: Call) -> dict:
    def_id = same_param("definitionId", c.path["definitionId"], c.query.all("definitionId"))
    defn = get_definition(c.session, def_id)
    return {"definition": definitions_json(c.session, [defn], _sets(c.query.all("fieldset", split=True)),
                                           c.now)[0]}


def update_call(c: Call) -> dict:
    def_id = same_param("definitionId", c.path["definitionId"], c.body.get("definitionId"),
                        c.query.all("definitionId"))
    data = c.body.get("definition")
    if not isinstance(data, dict):
        raise InvalidArgument("definition is required", field="definition")
    defn = get_definition(c.session, def_id)
    event_id = c.body.get("eventId")
    if event_id and event_id != defn.event_id:
        raise NotFound(f"ticket definition {def_id} not found in event {event_id}")
    c.lock("event:" + defn.event_id)
    defn = update_definition(c.session, def_id, data, field_mask(c.body.get("fields"), prefix="definition"),
                             now=c.now)
    return {"definition": definitions_json(c.session, [defn], ALL_SETS, c.now)[0]}


def delete_call(c: Call) -> dict:
    event_id = require_str(c.query.one("eventId") or c.body.get("eventId"), "eventId")
    ids = c.query.all("byId.definitionId", "definitionId")
    by_id = c.body.get("byId")
    if isinstance(by_id, dict) and by_id.get("definitionId"):
        raw = by_id["definitionId"]
        ids += raw if isinstance(raw, list) else [raw]
    everything = c.query.bool("all") or c.body.get("all") is True
    if not everything and not 1 <= len(ids) <= 100:
        raise InvalidArgument("give 1..100 byId.definitionId values or all=true", field="byId.definitionId")
    c.lock("event:" + event_id)
    delete_definitions(c.session, event_id, None if everything else ids, all=everything)
    return {}


def currency_call(c: Call) -> dict:
    event_id = require_str(c.body.get("eventId"), "eventId")
    currency = require_str(c.body.get("currency"), "currency")
    c.lock("event:" + event_id)
    change_currency(c.session, event_id, currency)
    return {}


# -- Query (POST /ticket-definitions/query) ---------------------------------------------------------------

def _cond(value: Any, op: str, arg: Any) -> bool:
    text = "" if value is None else str(value)
    if op == "$eq":
        return text == str(arg)
    if op == "$ne":
        return text != str(arg)
    if op in ("$in", "$hasSome"):
        return text in [str(a) for a in (arg if isinstance(arg, list) else [arg])]
    if op == "$contains":
        return str(arg).lower() in text.lower()
    if op == "$startsWith":
        return text.lower().startswith(str(arg).lower())
    if op == "$urlized":
        return text.lower().replace(" ", "-") == str(arg).lower()
    if op in ("$gt", "$gte", "$lt", "$lte"):
        return {"$gt": text > str(arg), "$gte": text >= str(arg), "$lt": text < str(arg),
                "$lte": text <= str(arg)}[op]
    raise InvalidArgument(f"unsupported filter operator {op}", field="filter")


FILTER_FIELDS = {"ticketDefinitionId": lambda d: d.id, "id": lambda d: d.id, "eventId": lambda d: d.event_id,
                 "name": lambda d: d.name}


def _matches(defn, flt: dict) -> bool:
    for name, spec in flt.items():
        if name == "$and":
            if not all(_matches(defn, f) for f in spec):
                return False
            continue
        if name == "$or":
            if not any(_matches(defn, f) for f in spec):
                return False
            continue
        getter = FILTER_FIELDS.get(name)
        if getter is None:
            raise InvalidArgument(f"field {name!r} is not filterable", field="filter")
        ops = spec if isinstance(spec, dict) else {"$eq": spec}
        if not all(_cond(getter(defn), op, arg) for op, arg in ops.items()):
            return False
    return True


def _event_ids_of(flt: dict) -> list[str] | None:
    spec = flt.get("eventId")
    if isinstance(spec, str):
        return [spec]
    if isinstance(spec, dict):
        for op in ("$eq", "$in", "$hasSome"):
            if op in spec:
                return spec[op] if isinstance(spec[op], list) else [spec[op]]
    return None


def _sort_text(sort: Any) -> str:
    if isinstance(sort, list):  # [{fieldName, order: ASC|DESC}]
        return ",".join(f"{s.get('fieldName')}:{str(s.get('order', 'ASC')).lower()}" for s in sort
                        if isinstance(s, dict))
    return sort or "created:asc"


def query_call(c: Call) -> dict:
    body = dict(c.body.get("query") or {}, **{k: v for k, v in c.body.items() if k != "query"})
    flt = body.get("filter") or {}
    if not isinstance(flt, dict):
        raise InvalidArgument("filter must be an object", field="filter")
    paging = body.get("paging") if isinstance(body.get("paging"), dict) else {}
    offset, limit = clamp(body.get("offset", paging.get("offset")), body.get("limit", paging.get("limit")))
    sort, event_ids, matched = _sort_text(body.get("sort")), _event_ids_of(flt), []
    for page_no in range(QUERY_SCAN_PAGES):
        page = list_definitions(c.session, event_ids, offset=page_no * 100, limit=100, sort=sort, now=c.now)
        matched += [d for d in page.items if _matches(d, flt)]
        if (page_no + 1) * 100 >= page.total:
            break
    facet_names = body.get("facet") or []
    facets = facet_counts(lambda off: _ListPage(matched[off:off + 100], len(matched)),
                          facet_names if isinstance(facet_names, list) else [facet_names],
                          {"free": lambda d: not d.price_minor, "eventId": lambda d: d.event_id})
    sets = _sets(body.get("fieldset") or [])
    items = definitions_json(c.session, matched[offset:offset + limit], sets, c.now)
    return {"total": len(matched), "offset": offset, "limit": limit, "definitions": items, "facets": facets}


class _ListPage:
    """A Page-like slice of an in-memory list (for facet_counts)."""

    def __init__(self, items: list, total: int):
        self.items, self.total, self.limit = items, total, 100
