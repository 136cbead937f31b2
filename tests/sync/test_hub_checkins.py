"""Check-in rows upload (POST /tessera/v1/checkins): union by nonce, merge by corrected time, duplicates
flagged with their winner, late rows re-ordering statuses (cases BC-13, BC-14, BC-15)."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from core.models import CheckIn
from core.timeutil import parse_rfc3339
from tests.sync.hub_fixtures import expect_error, ok


HUB_NOW = datetime(2025, 6, 14, 12, 0, tzinfo=timezone.utc)  # the rows below are hours old, within the window


@pytest.fixture
def hub(hub_factory):
    """A hub whose clock reads HUB_NOW (corrected times far from the hub's clock are clamped)."""
    return hub_factory(clock=lambda: HUB_NOW)


@pytest.fixture
def venue(hub):
    ev = hub.seed_event()
    d = hub.seed_definition(ev)
    sale = hub.seed_sale(ev, {d: 3})
    return {"event": ev, "tickets": sale["tickets"], "a": hub.client("door", name="A"),
            "b": hub.client("door", name="B")}


def row(ticket: str, at: str, *, kind: str = "CHECK_IN", device: str | None = None, station: str = "",
        nonce: str | None = None) -> dict:
    return {"nonce": nonce or str(uuid.uuid4()), "ticketNumber": ticket, "kind": kind,
            "deviceTime": device or at, "correctedTime": at, "station": station, "operator": "op",
            "method": "SCAN"}


def upload(client, event_id: str, rows: list[dict], **kw) -> list[dict]:
    return ok(client.post("/tessera/v1/checkins", json={"eventId": event_id, "checkIns": rows}, **kw))["results"]


def ticket(client, event_id: str, number: str) -> dict:
    return ok(client.get(f"/events/v1/tickets/{number}", params={"eventId": event_id,
                                                                 "fieldset": "TICKET_DETAILS"}))["ticket"]


def test_bc14_same_ticket_on_two_offline_stations_keeps_one_accepted(venue):
    ev, t = venue["event"], venue["tickets"][0]
    a = upload(venue["a"], ev, [row(t, "2025-06-14T10:00:01Z", station="A")])
    b = upload(venue["b"], ev, [row(t, "2025-06-14T10:00:03Z", station="B")])
    assert a[0]["status"] == "ACCEPTED"
    assert b[0]["status"] == "DUPLICATE"
    assert b[0]["winner"] == {"station": "A", "correctedTime": "2025-06-14T10:00:01.000Z", "nonce": a[0]["nonce"]}
    assert ticket(venue["a"], ev, t)["checkIn"]["created"] == "2025-06-14T10:00:01.000Z"
    inside = ok(venue["a"].get("/events/v1/tickets", params={"eventId": ev, "state": "CHECKED_IN"}))
    assert inside["total"] == 1  # stats count one person


def test_bc14_late_earlier_row_flips_the_winner_and_the_feed_says_so(hub, venue):
    ev, t = venue["event"], venue["tickets"][0]
    b = upload(venue["b"], ev, [row(t, "2025-06-14T10:00:03Z", station="B")])
    assert b[0]["status"] == "ACCEPTED"
    feed = ok(venue["a"].get("/tessera/v1/changes", params={"eventId": ev}))
    a = upload(venue["a"], ev, [row(t, "2025-06-14T10:00:01Z", station="A")])
    assert a[0]["status"] == "ACCEPTED"
    replay_b = upload(venue["b"], ev, [row(t, "2025-06-14T10:00:03Z", station="B", nonce=b[0]["nonce"])])
    assert replay_b[0]["status"] == "DUPLICATE" and replay_b[0]["winner"]["station"] == "A"
    later = ok(venue["a"].get("/tessera/v1/changes", params={"eventId": ev, "since": feed["cursor"]}))
    rows = {c["data"]["nonce"]: c["data"]["status"] for c in later["changes"] if c["type"] == "checkin"}
    assert rows == {a[0]["nonce"]: "ACCEPTED", b[0]["nonce"]: "DUPLICATE"}
    assert any(c["type"] == "ticket" and c["data"]["ticketNumber"] == t for c in later["changes"])


def test_bc13_skewed_clock_check_in_does_not_outlive_a_later_undo(hub, venue):
    """Station B's clock says 2026-01-01 09:01 for a real 10:01 scan; A undoes at 10:02. Ordering by the
    corrected time lets the 10:02 undo stand; device, corrected and server times are all kept."""
    ev, t = venue["event"], venue["tickets"][1]
    undo = upload(venue["a"], ev, [row(t, "2025-06-14T10:02:00Z", kind="UNDO", station="A")])
    assert undo[0]["status"] == "DUPLICATE"  # nothing to undo yet
    skewed = row(t, "2025-06-14T10:01:00Z", device="2026-01-01T09:01:00Z", station="B")
    b = upload(venue["b"], ev, [skewed])
    assert b[0]["status"] == "ACCEPTED" and parse_rfc3339(b[0]["serverTime"]) is not None
    assert "checkIn" not in ticket(venue["a"], ev, t)  # the later undo stands
    again = upload(venue["a"], ev, [row(t, "2025-06-14T10:02:00Z", kind="UNDO", nonce=undo[0]["nonce"])])
    assert again[0]["status"] == "ACCEPTED"  # re-walked after B's earlier row arrived
    with hub.ledger.uow() as uow:
        stored = uow.session.scalar(select(CheckIn).where(CheckIn.nonce == skewed["nonce"]))
        assert stored.device_time == parse_rfc3339("2026-01-01T09:01:00Z")
        assert stored.corrected_time == parse_rfc3339("2025-06-14T10:01:00Z")
        assert stored.server_time is not None and stored.station == "B"


def test_bc15_batch_replayed_three_times_stores_three_rows(hub, venue):
    ev = venue["event"]
    batch = [row(t, f"2025-06-14T10:0{i}:00Z") for i, t in enumerate(venue["tickets"])]
    results = [upload(venue["a"], ev, batch) for _ in range(3)]
    assert results[0] == results[1] == results[2]
    assert [r["status"] for r in results[0]] == ["ACCEPTED"] * 3
    with hub.ledger.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(CheckIn)) == 3


def test_rows_for_unknown_or_other_event_tickets_are_rejected(hub, venue):
    other = hub.seed_event(title="Other night")
    d = hub.seed_definition(other)
    foreign = hub.seed_sale(other, {d: 1})["tickets"][0]
    res = upload(venue["a"], venue["event"], [row("NOPE-NOPE-NO021", "2025-06-14T10:00:00Z"),
                                               row(foreign, "2025-06-14T10:00:00Z"),
                                               row(venue["tickets"][0], "2025-06-14T10:00:00Z")])
    assert [(r["status"], r.get("reason")) for r in res] == [("REJECTED", "UNKNOWN_TICKET"),
                                                             ("REJECTED", "WRONG_EVENT"), ("ACCEPTED", None)]


def test_station_defaults_to_the_caller_and_malformed_rows_are_400(hub, venue):
    ev, t = venue["event"], venue["tickets"][2]
    res = upload(venue["b"], ev, [row(t, "2025-06-14T10:00:00Z")])
    with hub.ledger.uow() as uow:
        assert uow.session.scalar(select(CheckIn.station).where(CheckIn.nonce == res[0]["nonce"])) == "B"
    c = venue["a"]
    expect_error(c.post("/tessera/v1/checkins", json={"eventId": ev, "checkIns": [{"ticketNumber": t}]}), 400)
    expect_error(c.post("/tessera/v1/checkins", json={"eventId": ev, "checkIns": [
        dict(row(t, "2025-06-14T10:00:00Z"), kind="BOGUS")]}), 400)
    expect_error(c.post("/tessera/v1/checkins", json={"eventId": ev, "checkIns": [
        dict(row(t, "2025-06-14T10:00:00Z"), deviceTime="2025-06-14 10:00", correctedTime=None)]}), 400)
    expect_error(c.post("/tessera/v1/checkins", json={"eventId": ev, "checkIns": []}), 400)
    expect_error(c.post("/tessera/v1/checkins", json={"eventId": ev, "checkIns": [
        row(t, "2025-06-14T10:00:00Z") for _ in range(101)]}), 400)
    expect_error(c.post("/tessera/v1/checkins", json={"checkIns": [row(t, "2025-06-14T10:00:00Z")]}), 400)
