"""The hub's fast paths (issue 11 item 4): a CheckIn in a few statements whatever the ticket count, a check-in
upload in a few statements per batch (not per row; only the row inserts grow), the answer rendered after the
commit (outside the SQLite write lock) unless an Idempotency-Key stores it, and one key check per call."""
from __future__ import annotations

import uuid
from contextlib import contextmanager

from sqlalchemy import event, func, select

from core.models import CheckIn
from core.timeutil import to_rfc3339, utcnow
from sync.hub.models import HubIdempotency
from tests.sync.hub_fixtures import ok


@contextmanager
def statements(hub):
    """The SQL statements the hub's database runs inside the block (a list of their first lines)."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _many):
        seen.append(statement.strip().split("\n")[0])

    event.listen(hub.ledger.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(hub.ledger.engine, "before_cursor_execute", count)


def _reads(seen: list[str]) -> list[str]:
    """The statements other than row inserts (the ORM may insert one row per statement on SQLite) and
    PostgreSQL's advisory locks (one for the call's tickets, one for the feed), up to their WHERE."""
    return [s.split(" WHERE ")[0] for s in seen if not s.startswith(("INSERT INTO checkins", "SELECT count(pg_adv",
                                                                      "SELECT pg_advisory"))]


def _venue(hub, tickets: int):
    ev = hub.seed_event()
    d = hub.seed_definition(ev)
    return ev, hub.seed_sale(ev, {d: tickets})["tickets"], hub.client("door", name="Door 1")


def test_check_in_costs_the_same_few_statements_for_one_ticket_or_ten(hub):
    ev, numbers, door = _venue(hub, 11)
    with statements(hub) as one:
        answer = ok(door.post("/events/v1/tickets/check-in", json={"eventId": ev, "ticketNumber": numbers[:1]}))
    with statements(hub) as ten:
        ok(door.post("/events/v1/tickets/check-in", json={"eventId": ev, "ticketNumber": numbers[1:]}))
    assert answer["tickets"][0]["checkIn"]["created"]  # the answer shows the check-in just written
    assert len(_reads(one)) <= 12, one  # + the key's event scope (roles), the entry rules in one read
    assert _reads(ten) == _reads(one), (one, ten)  # the same reads and updates; only the row inserts grow
    assert sum(s.startswith("SELECT hub_stations") for s in one) == 1  # one key check per call


def test_a_replayed_check_in_answers_what_was_stored_with_the_write(hub):
    ev, numbers, door = _venue(hub, 1)
    headers = {"Idempotency-Key": "scan-1"}
    first = ok(door.post("/events/v1/tickets/check-in", json={"eventId": ev, "ticketNumber": numbers},
                         headers=headers))
    again = door.post("/events/v1/tickets/check-in", json={"eventId": ev, "ticketNumber": numbers}, headers=headers)
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == first
    with hub.ledger.uow() as uow:
        assert uow.session.scalar(select(HubIdempotency.body)) == first
        assert uow.session.scalar(select(func.count()).select_from(CheckIn)) == 1


def test_check_in_upload_costs_a_few_statements_per_batch_not_per_row(hub):
    ev, numbers, door = _venue(hub, 40)
    now = to_rfc3339(utcnow())

    def rows(tickets):
        return [{"nonce": uuid.uuid4().hex, "ticketNumber": n, "kind": "CHECK_IN", "deviceTime": now,
                 "correctedTime": now, "station": "Door 1", "operator": "", "method": "SCAN"} for n in tickets]

    small, large = rows(numbers[:2]), rows(numbers[2:40])
    with statements(hub) as few:
        ok(door.post("/tessera/v1/checkins", json={"eventId": ev, "checkIns": small}))
    with statements(hub) as many:
        answer = ok(door.post("/tessera/v1/checkins", json={"eventId": ev, "checkIns": large + small}))
    assert {r["status"] for r in answer["results"]} == {"ACCEPTED"}  # the 2 replayed rows keep their result
    assert len(_reads(few)) <= 13 and _reads(many) == _reads(few), (few, many)
    with hub.ledger.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(CheckIn)) == 40


def test_check_in_answer_is_the_ticket_as_get_ticket_renders_it(hub):
    """CheckIn renders from the lookup's own columns on PostgreSQL (no second read of the ticket, issue 11)
    and from one Core query on SQLite: either way the answer is the ticket GetTicket renders, check-in
    included."""
    ev, numbers, door = _venue(hub, 2)
    with statements(hub) as seen:
        answer = ok(door.post("/events/v1/tickets/check-in", json={"eventId": ev, "ticketNumber": numbers}))
    full = [("fieldset", f) for f in ("TICKET_DETAILS", "GUEST_DETAILS")]
    for got, number in zip(answer["tickets"], numbers):
        assert got == ok(door.get(f"/events/v1/tickets/{number}", params=[("eventId", ev), *full]))["ticket"]
    ticket_reads = [s for s in seen if s.startswith("SELECT tickets.ticket_number")]
    # the lookups run on the DB-API cursor (not seen here); SQLite then reads the answer's columns once,
    # PostgreSQL's lookup carried them (core.checkin_runner.PgRunner)
    assert len(ticket_reads) == (0 if hub.backend == "postgresql" else 1), seen
