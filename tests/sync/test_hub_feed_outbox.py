"""The hub's unit of work writes its change feed, not outbox rows (issue 7 item 5): after sales, edits,
check-ins and undos the hub database's outbox table is empty and the feed holds every change, taken from
what the core services noted (core.changes), with no after-flush listener."""
from __future__ import annotations

import uuid

from pathlib import Path

from sqlalchemy import func, select

import sync.hub as hub_package
from core.models import CheckIn, OutboxEntry
from tests.sync.hub_fixtures import ok


def feed(client, event_id: str, since: str | None = None) -> dict:
    params = [("eventId", event_id)] + ([("since", since)] if since else [])
    return ok(client.get("/tessera/v1/changes", params=params))


def kinds(page: dict) -> dict[str, set[str]]:
    """{type: {key}} of a feed page (definition/event ids, order and ticket numbers, check-in nonces)."""
    key = {"event": "id", "definition": "id", "definition.deleted": "id", "order": "orderNumber",
           "ticket": "ticketNumber", "checkin": "nonce"}
    out: dict[str, set[str]] = {}
    for c in page["changes"]:
        out.setdefault(c["type"], set()).add(str(c["data"][key[c["type"]]]))
    return out


def outbox_rows(hub) -> int:
    with hub.ledger.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(OutboxEntry))


def test_a_hub_run_writes_no_outbox_rows_and_the_feed_has_every_change(hub):
    org, door = hub.client("organiser"), hub.client("door")
    ev = ok(org.post("/events/v1/events", json={"event": {"title": "Gala", "timeZone": "UTC",
                                                          "currency": "EUR"}}))["event"]["id"]
    d = ok(org.post("/events/v1/ticket-definitions", json={"eventId": ev, "definition": {
        "name": "Adult", "price": {"value": "9.00", "currency": "EUR"}}}))["definition"]["id"]
    sale = hub.seed_sale(ev, {d: 3}, payment="unpaid")
    start = feed(org, ev)["cursor"]
    ok(org.patch(f"/events/v1/ticket-definitions/{d}", json={"eventId": ev, "definition": {"name": "Adult+"},
                                                             "fields": "name"}))
    ok(org.post(f"/events/v1/events/{ev}/orders/confirm", json={"orderNumber": [sale["orderNumber"]]}))
    t1, t2, t3 = sale["tickets"]
    ok(door.post("/events/v1/tickets/check-in", json={"eventId": ev, "ticketNumber": [t1]}))
    ok(door.delete("/events/v1/tickets/check-in", params={"eventId": ev, "ticketNumber": t1}))
    nonce = str(uuid.uuid4())
    ok(door.post("/tessera/v1/checkins", json={"eventId": ev, "checkIns": [{
        "nonce": nonce, "ticketNumber": t2, "kind": "CHECK_IN", "deviceTime": "2026-03-07T19:00:00Z"}]}))
    assert outbox_rows(hub) == 0
    page = kinds(feed(org, ev, start))
    assert page["definition"] == {d}
    assert page["order"] == {sale["orderNumber"]}
    assert {t1, t2} <= page["ticket"]
    with hub.ledger.uow() as uow:
        rows = list(uow.session.execute(select(CheckIn.nonce, CheckIn.server_time)
                                        .where(CheckIn.ticket_number.in_([t1, t2]))))
    assert page["checkin"] == {n for n, _ in rows} and len(rows) == 3  # check-in, undo, uploaded row
    assert all(server_time is not None for _, server_time in rows)  # the hub stamps what it received
    assert t3 in page["ticket"]  # confirming the order changes every ticket's orderStatus


def test_the_event_follows_the_first_sale_and_the_first_definition(hub):
    org = hub.client("organiser")
    ev = hub.seed_event()
    cursor = feed(org, ev)["cursor"]
    d = hub.seed_definition(ev)  # RSVP → TICKETS
    after_definition = feed(org, ev, cursor)
    assert kinds(after_definition)["event"] == {ev}
    event = next(c["data"] for c in after_definition["changes"] if c["type"] == "event")
    assert event["registrationType"] == "TICKETS"
    hub.seed_sale(ev, {d: 1})  # the first order locks the currency
    after_sale = feed(org, ev, after_definition["cursor"])
    event = next(c["data"] for c in after_sale["changes"] if c["type"] == "event")
    assert event["currencyLocked"] is True
    assert outbox_rows(hub) == 0


def test_no_module_of_the_hub_listens_to_flushes():
    """The feed comes from the change set the services note, not from watching the ORM."""
    for path in sorted(Path(hub_package.__file__).parent.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        assert "after_flush" not in source and "event.listen" not in source, path.name
