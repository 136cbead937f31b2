"""The change feed (GET /tessera/v1/changes): every write appends entries in its own transaction; cursor
paging; per-event filter; contract JSON of each entity; backfill of rows written by other tools."""
from __future__ import annotations

from sqlalchemy import select

from core.changes import Changes
from core.definitions import create_definition
from core.events import create_event
from core.timeutil import utcnow
from sync.hub.changes import touched
from sync.hub.models import HubChange
from tests.sync.hub_fixtures import expect_error, ok


def feed(client, event_id=None, since=None, limit=None) -> dict:
    params = [("eventId", event_id)] if event_id else []
    params += [("since", since)] if since else []
    params += [("limit", str(limit))] if limit else []
    return ok(client.get("/tessera/v1/changes", params=params))


def drain(client, event_id, since=None, limit=3, pages=50) -> tuple[list, str]:
    """Follow the cursor until hasMore is false (bounded)."""
    out: list = []
    for _ in range(pages):
        page = feed(client, event_id, since, limit)
        out += page["changes"]
        since = page["cursor"]
        if not page["hasMore"]:
            return out, since
    raise AssertionError("feed did not end")


def test_feed_from_the_beginning_holds_every_entity_in_parent_first_order(hub):
    org = hub.client("organiser")
    ev = ok(org.post("/events/v1/events", json={"event": {"title": "Gala", "timeZone": "Europe/Zurich",
                                                          "currency": "EUR"}}))["event"]["id"]
    d = ok(org.post("/events/v1/ticket-definitions", json={"eventId": ev, "definition": {
        "name": "Adult", "price": {"value": "9.00", "currency": "EUR"}}}))
    sale = hub.seed_sale(ev, {d["definition"]["id"]: 2}, payment="unpaid")
    ok(org.post("/events/v1/tickets/check-in", json={"eventId": ev, "ticketNumber": sale["tickets"][:1]}))
    changes = feed(org, ev)["changes"]
    types = [c["type"] for c in changes]
    assert types.index("event") < types.index("definition") < types.index("order") < types.index("checkin")
    order = next(c["data"] for c in changes if c["type"] == "order")
    assert order["status"] == "OFFLINE_PENDING" and order["ticketsQuantity"] == 2 and "checkoutForm" in order
    assert "tickets" not in order  # each ticket is its own entry: sent once (issue 11)
    tickets = {c["data"]["ticketNumber"]: c["data"] for c in changes if c["type"] == "ticket"}
    assert set(tickets) == set(sale["tickets"]) and "checkIn" in tickets[sale["tickets"][0]]
    assert all(t["updated"] == order["updated"] for t in tickets.values())  # freshness stamp (issue 8 item 4)
    definition = next(c["data"] for c in changes if c["type"] == "definition")
    assert definition["dashboard"]["ticketsSold"] == 2
    checkin = next(c["data"] for c in changes if c["type"] == "checkin")
    assert checkin["ticketNumber"] == sale["tickets"][0] and checkin["status"] == "ACCEPTED"
    assert [c["seq"] for c in changes] == sorted(c["seq"] for c in changes)


def test_cursor_paging_and_since(hub):
    org = hub.client("organiser")
    ev = hub.seed_event()
    for i in range(5):
        hub.seed_definition(ev, name=f"D{i}")
    everything, cursor = drain(org, ev, limit=2)
    assert sum(c["type"] == "definition" for c in everything) == 5
    assert feed(org, ev, cursor)["changes"] == []
    assert feed(org, ev, cursor)["cursor"] == cursor
    hub.seed_definition(ev, name="Late")
    newer = feed(org, ev, cursor)
    assert [c["data"]["name"] for c in newer["changes"] if c["type"] == "definition"] == ["Late"]
    assert newer["hasMore"] is False and newer["cursor"] != cursor


def test_event_filter_deletions_and_limits(hub):
    org = hub.client("organiser")
    ev1, ev2 = hub.seed_event(title="One"), hub.seed_event(title="Two")
    d1 = hub.seed_definition(ev1, name="Gone")
    hub.seed_definition(ev2, name="Stays")
    cursor = feed(org, ev1)["cursor"]
    ok(org.delete("/events/v1/ticket-definitions", params=[("eventId", ev1), ("byId.definitionId", d1)]))
    after = feed(org, ev1, cursor)["changes"]
    assert [(c["type"], c["data"]) for c in after if c["type"].startswith("definition")] == [
        ("definition.deleted", {"id": d1, "eventId": ev1})]
    only2 = feed(org, ev2)["changes"]
    assert {c["data"].get("eventId", c["data"].get("id")) for c in only2} == {ev2}
    assert feed(org, None, limit=50000)["limit"] == 5000  # clamped and said so
    expect_error(org.get("/tessera/v1/changes", params={"since": "yesterday"}), 400)
    expect_error(org.get("/tessera/v1/changes", params={"limit": "-1"}), 400)


def test_rows_written_by_other_tools_are_backfilled_at_start(hub):
    with hub.ledger.uow() as uow:  # e.g. `tessera events create --db hub.db`: no feed rows
        ev = create_event(uow.session, title="Side door", time_zone="UTC", currency="EUR").id
        create_definition(uow.session, ev, {"name": "Side"})
        uow.commit()
    org = hub.client("organiser")
    assert feed(org, ev)["changes"] == []
    hub.restart()
    org = hub.client("organiser")
    types = sorted(c["type"] for c in feed(org, ev)["changes"])
    assert types == ["definition", "event"]
    hub.restart()  # idempotent: nothing added twice
    assert len(feed(hub.client("organiser"), ev)["changes"]) == 2


def test_door_may_read_the_feed_box_office_too(hub):
    ev = hub.seed_event()
    for role in ("door", "box-office"):
        assert feed(hub.client(role), ev)["changes"][0]["type"] == "event"


def test_checkin_entries_are_the_entries_touched_gives_for_a_checkin(hub):
    """The hub's CheckIn builds its feed entries from what it holds (sync.hub.changes.checkin_entries, issue
    11); they must be the entries `touched` derives for the same check-in change: the ticket, every row of
    it, its definition — and no feed row for a refused repeat."""
    door = hub.client("door")
    ev = hub.seed_event()
    d = hub.seed_definition(ev, name="Adult")
    tn = hub.seed_sale(ev, {d: 1})["tickets"][0]
    with hub.ledger.uow(outbox=False) as uow:
        before = uow.session.scalar(select(HubChange.seq).order_by(HubChange.seq.desc()).limit(1))
    ok(door.post("/events/v1/tickets/check-in", json={"eventId": ev, "ticketNumber": [tn]}))
    ok(door.post("/events/v1/tickets/check-in", json={"eventId": ev, "ticketNumber": [tn]}))  # refused: no rows
    with hub.ledger.uow(outbox=False) as uow:
        written = [(r.type, r.key, r.event_id) for r in uow.session.scalars(
            select(HubChange).where(HubChange.seq > before).order_by(HubChange.seq))]
        derived = touched(uow.session, Changes(checkins=frozenset({tn})), utcnow())
    assert sorted(written) == sorted((t, k, e) for (t, k), e in derived.items())
    assert [t for t, _k, _e in written] == ["definition", "ticket", "checkin"]  # parents first
