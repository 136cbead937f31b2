"""Idempotency-Key replay (docs/HUB_EXTENSIONS.md "Idempotency", case BC-15): the stored answer is written in
the same transaction as the write, replayed unchanged, scoped per station; errors are not stored."""
from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select

from core.models import CheckIn
from sync.hub.models import HubIdempotency
from tests.sync.hub_fixtures import expect_error, ok


@pytest.fixture
def gate(hub):
    ev = hub.seed_event()
    d = hub.seed_definition(ev)
    sale = hub.seed_sale(ev, {d: 3}, payment="unpaid")
    return {"event": ev, "tickets": sale["tickets"], "order": sale["orderNumber"]}


def count(hub, model) -> int:
    with hub.ledger.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def test_bc15_same_key_three_times_gives_one_check_in(hub, gate):
    c = hub.client("door")
    key = str(uuid.uuid4())
    body = {"eventId": gate["event"], "ticketNumber": [gate["tickets"][0]]}
    answers = [c.post("/events/v1/tickets/check-in", json=body, headers={"Idempotency-Key": key}) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert "Idempotent-Replayed" not in answers[0].headers and answers[2].headers["Idempotent-Replayed"] == "true"
    assert count(hub, CheckIn) == 1 and count(hub, HubIdempotency) == 1


def test_replay_returns_the_stored_answer_even_after_later_changes(hub, gate):
    box = hub.client("box-office")
    ev, number = gate["event"], gate["order"]
    key = {"Idempotency-Key": "confirm-" + number}
    first = ok(box.post(f"/events/v1/events/{ev}/orders/confirm", json={"orderNumber": [number]}, headers=key))
    ok(box.patch(f"/events/v1/events/{ev}/orders/{number}", json={"fields": "archived", "archived": True}))
    replay = ok(box.post(f"/events/v1/events/{ev}/orders/confirm", json={"orderNumber": [number]}, headers=key))
    assert replay == first and replay["orders"][0]["archived"] is False


def test_keys_are_scoped_per_station_and_not_reusable_across_calls(hub, gate):
    ev, tns = gate["event"], gate["tickets"]
    one, two = hub.client("door"), hub.client("door")
    key = {"Idempotency-Key": "same-key"}
    ok(one.post("/events/v1/tickets/check-in", json={"eventId": ev, "ticketNumber": [tns[0]]}, headers=key))
    theirs = ok(two.post("/events/v1/tickets/check-in", json={"eventId": ev, "ticketNumber": [tns[1]]}, headers=key))
    assert theirs["tickets"][0]["ticketNumber"] == tns[1]  # executed, not station one's stored answer
    expect_error(one.delete("/events/v1/tickets/check-in", params={"eventId": ev, "ticketNumber": tns[0]},
                            headers=key), 409, "IDEMPOTENCY_KEY_REUSED")
    assert count(hub, CheckIn) == 2


def test_failed_writes_are_not_stored(hub, gate):
    c = hub.client("door")
    key = {"Idempotency-Key": "k-404"}
    expect_error(c.post("/events/v1/tickets/check-in", json={"eventId": gate["event"],
                                                             "ticketNumber": ["NOPE-NOPE-NO021"]}, headers=key), 404)
    assert count(hub, HubIdempotency) == 0
    ok(c.post("/events/v1/tickets/check-in", json={"eventId": gate["event"], "ticketNumber": [gate["tickets"][0]]},
              headers=key))
    assert count(hub, HubIdempotency) == 1 and count(hub, CheckIn) == 1


def test_bc15_concurrent_replays_of_one_key_write_once(hub, gate):
    """Five copies of the same upload race (a client retrying after a timeout): one write, five equal answers."""
    c = hub.client("door")
    rows = [{"nonce": str(uuid.uuid4()), "ticketNumber": t, "kind": "CHECK_IN",
             "deviceTime": "2025-06-14T10:00:00Z", "correctedTime": "2025-06-14T10:00:00Z"} for t in gate["tickets"]]
    payload = {"eventId": gate["event"], "checkIns": rows}
    answers: list = []
    lock = threading.Lock()

    def send():
        resp = c.post("/tessera/v1/checkins", json=payload, headers={"Idempotency-Key": "race-1"})
        with lock:
            answers.append((resp.status_code, resp.json()))

    threads = [threading.Thread(target=send) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert [s for s, _ in answers] == [200] * 5
    assert all(body == answers[0][1] for _, body in answers)
    assert count(hub, CheckIn) == 3 and count(hub, HubIdempotency) == 1


def test_plain_mode_ignores_idempotency_keys(hub_factory):
    plain = hub_factory(plain=True)
    ev = plain.seed_event()
    d = plain.seed_definition(ev)
    tn = plain.seed_sale(ev, {d: 1})["tickets"][0]
    c = plain.client("door")
    for _ in range(2):
        resp = c.post("/events/v1/tickets/check-in", json={"eventId": ev, "ticketNumber": [tn]},
                      headers={"Idempotency-Key": "k"})
        assert ok(resp)["tickets"][0]["checkIn"] and "Idempotent-Replayed" not in resp.headers
    assert count(plain, HubIdempotency) == 0 and count(plain, CheckIn) == 1  # CheckIn is idempotent by itself
