"""Ticket definitions v1 on the hub (API.md §4.2): create, list, query, get, update by field mask, delete,
change currency — with the vendor client's wire habits (repeated keys, dotted keys, masks as strings)."""
from __future__ import annotations

import pytest

from tests.sync.hub_fixtures import expect_error, ok


@pytest.fixture
def org(hub):
    return hub.client("organiser")


def _create(org, event_id, **data):
    data.setdefault("name", "Adult")
    data.setdefault("price", {"value": "12.50", "currency": "EUR"})
    return ok(org.post("/events/v1/ticket-definitions", json={"eventId": event_id, "definition": data}))["definition"]


def test_create_get_and_fieldsets(hub, org):
    ev = hub.seed_event()
    d = _create(org, ev, name="Early Bird", policy="No refunds", limited=True, quantity=100,
                price={"amount": "19.99", "currency": "EUR"})
    assert d["price"]["value"] == "19.99" and d["dashboard"]["quantity"] == 100 and d["policy"] == "No refunds"
    bare = ok(org.get(f"/events/v1/ticket-definitions/{d['id']}", params={"definitionId": d["id"]}))["definition"]
    assert "policy" not in bare and "dashboard" not in bare and bare["name"] == "Early Bird"
    full = ok(org.get(f"/events/v1/ticket-definitions/{d['id']}",
                      params=[("fieldset", "POLICY"), ("fieldset", "DASHBOARD")]))["definition"]
    assert full["policy"] == "No refunds" and full["dashboard"]["unsold"] == 100
    expect_error(org.get(f"/events/v1/ticket-definitions/{d['id']}", params={"definitionId": "other"}), 400)
    expect_error(org.get("/events/v1/ticket-definitions/nope"), 404)


def test_create_validation_and_unknown_event(hub, org):
    ev = hub.seed_event()
    expect_error(org.post("/events/v1/ticket-definitions",
                          json={"eventId": ev, "definition": {"name": "x" * 31}}), 400)
    expect_error(org.post("/events/v1/ticket-definitions",
                          json={"eventId": ev, "definition": {"name": "A", "price": {"value": "5", "currency": "USD"}}}),
                 400)
    expect_error(org.post("/events/v1/ticket-definitions", json={"eventId": "missing", "definition": {"name": "A"}}),
                 404)
    expect_error(org.post("/events/v1/ticket-definitions", json={"eventId": ev}), 400)
    expect_error(org.post("/events/v1/ticket-definitions", json={"eventId": ev, "definition": {
        "name": "A", "id": "not-a-guid-" + "x" * 40}}), 400)
    given = "0b6f7a52-5d1e-4c4a-9a53-8f0b2a8f9c11"
    assert _create(org, ev, id=given)["id"] == given  # an organiser's offline id is kept


def test_list_repeated_event_ids_paging_and_limit_clamp(hub, org):
    ev1, ev2 = hub.seed_event(title="One"), hub.seed_event(title="Two")
    for i in range(3):
        _create(org, ev1, name=f"A{i}")
    _create(org, ev2, name="B0")
    body = ok(org.get("/events/v1/ticket-definitions", params=[("eventId", ev1), ("eventId", ev2),
                                                                ("limit", "500"), ("fieldset", "DASHBOARD")]))
    assert body["metaData"]["total"] == 4 and body["metaData"]["limit"] == 100  # clamped and said so
    assert all("dashboard" in d for d in body["definitions"])
    page = ok(org.get("/events/v1/ticket-definitions", params=[("eventId", ev1), ("offset", "1"), ("limit", "1")]))
    assert page["metaData"] == {"count": 1, "offset": 1, "total": 3, "limit": 1}
    assert ok(org.get("/events/v1/ticket-definitions", params=[("eventId", ev2)]))["metaData"]["total"] == 1
    expect_error(org.get("/events/v1/ticket-definitions", params={"limit": "-1"}), 400)
    expect_error(org.get("/events/v1/ticket-definitions", params={"limit": "many"}), 400)


def test_list_facets_and_states(hub, org):
    ev = hub.seed_event()
    _create(org, ev, name="Free", price={"value": "0", "currency": "EUR"})
    _create(org, ev, name="Paid")
    body = ok(org.get("/events/v1/ticket-definitions", params=[("eventId", ev), ("facet", "free"),
                                                                ("state", "PAID")]))
    assert [d["name"] for d in body["definitions"]] == ["Paid"]
    assert body["facets"]["free"]["counts"] == {"false": 1}


@pytest.mark.parametrize("fields", ["name,limitPerCheckout", {"paths": ["name", "limitPerCheckout"]},
                                    {"paths": ["definition.name", "limit_per_checkout"]}])
def test_update_by_field_mask_in_every_form(hub, org, fields):
    ev = hub.seed_event()
    d = _create(org, ev, name="Adult", description="keep me")
    body = {"eventId": ev, "definitionId": d["id"], "fields": fields,
            "definition": {"name": "Adult (door)", "limitPerCheckout": 4, "description": "ignored"}}
    new = ok(org.patch(f"/events/v1/ticket-definitions/{d['id']}", json=body))["definition"]
    assert new["name"] == "Adult (door)" and new["limitPerCheckout"] == 4 and new["description"] == "keep me"


def test_update_refuses_mismatched_ids_and_unknown_fields(hub, org):
    ev = hub.seed_event()
    d = _create(org, ev)
    path = f"/events/v1/ticket-definitions/{d['id']}"
    expect_error(org.patch(path, json={"definitionId": "other", "definition": {"name": "X"}}), 400)
    expect_error(org.patch(path, json={"eventId": hub.seed_event(title="Other"), "definition": {"name": "X"}}), 404)
    expect_error(org.patch(path, json={"definition": {"name": "X"}, "fields": "free"}), 400)
    expect_error(org.patch(path, json={"definition": {"name": "X"}, "fields": 5}), 400)


def test_delete_by_dotted_repeated_ids_and_all_answers_200_empty(hub, org):
    ev = hub.seed_event()
    ids = [_create(org, ev, name=f"D{i}")["id"] for i in range(4)]
    resp = org.delete("/events/v1/ticket-definitions",
                      params=[("eventId", ev), ("byId.definitionId", ids[0]), ("byId.definitionId", ids[1])])
    assert ok(resp) == {}
    left = ok(org.get("/events/v1/ticket-definitions", params={"eventId": ev}))["definitions"]
    assert sorted(d["id"] for d in left) == sorted(ids[2:])
    expect_error(org.delete("/events/v1/ticket-definitions", params=[("eventId", ev)]), 400)
    expect_error(org.delete("/events/v1/ticket-definitions",
                            params=[("eventId", ev), ("byId.definitionId", "missing")]), 404)
    assert ok(org.delete("/events/v1/ticket-definitions", params={"eventId": ev, "all": "true"})) == {}
    assert ok(org.get("/events/v1/ticket-definitions", params={"eventId": ev}))["metaData"]["total"] == 0


def test_change_currency_answers_200_empty_then_currency_locked_428(hub, org):
    ev = hub.seed_event(currency="EUR")
    d = _create(org, ev, price={"value": "10", "currency": "EUR"})
    assert ok(org.put("/events/v1/ticket-definitions/currency", json={"eventId": ev, "currency": "USD"})) == {}
    got = ok(org.get(f"/events/v1/ticket-definitions/{d['id']}"))["definition"]
    assert got["price"]["currency"] == "USD" and got["price"]["value"] == "10.00"  # not converted
    hub.seed_sale(ev, {d["id"]: 1})
    expect_error(org.put("/events/v1/ticket-definitions/currency", json={"eventId": ev, "currency": "EUR"}),
                 428, "CURRENCY_LOCKED")
    expect_error(org.put("/events/v1/ticket-definitions/currency", json={"eventId": ev, "currency": "XXY"}), 400)


def test_query_filters_sort_and_paging(hub, org):
    ev1, ev2 = hub.seed_event(title="One"), hub.seed_event(title="Two")
    for name in ("Zeta", "Alpha", "Mid"):
        _create(org, ev1, name=name)
    _create(org, ev2, name="Other")
    body = ok(org.post("/events/v1/ticket-definitions/query",
                       json={"filter": {"eventId": {"$in": [ev1]}, "name": {"$contains": "a"}},
                             "sort": "name:asc", "limit": 1000, "fieldset": ["DASHBOARD"]}))
    assert [d["name"] for d in body["definitions"]] == ["Alpha", "Zeta"]
    assert body["total"] == 2 and body["limit"] == 100 and "dashboard" in body["definitions"][0]
    nested = ok(org.post("/events/v1/ticket-definitions/query",
                         json={"query": {"filter": {"eventId": ev2}, "paging": {"offset": 0, "limit": 5}}}))
    assert [d["name"] for d in nested["definitions"]] == ["Other"]
    expect_error(org.post("/events/v1/ticket-definitions/query", json={"filter": {"price": 1}}), 400)


def test_door_reads_definitions_but_cannot_write(hub):
    ev = hub.seed_event()
    hub.seed_definition(ev)
    door = hub.client("door")
    assert ok(door.get("/events/v1/ticket-definitions", params={"eventId": ev}))["metaData"]["total"] == 1
    expect_error(door.post("/events/v1/ticket-definitions", json={"eventId": ev, "definition": {"name": "X"}}),
                 403)
