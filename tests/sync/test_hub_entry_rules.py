"""Multi-entry rules on the hub (issue 9 item 9): definitions carry `entryRule` (hub extension) over HTTP, and
the hub's CheckIn and check-in rows upload give the verdicts of the door (core.checkin_merge.entry_check /
the rule-aware walk) for a once-per-day pass in Pacific/Auckland and a 2-entry ticket."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from core.checkin import Verdict, scan_and_commit
from core.models import CheckIn
from core.timeutil import to_rfc3339
from tests.core.checkin_data import add_definition, add_event, add_order
from tests.sync.hub_fixtures import expect_error, ok

DAY1_2340 = datetime(2026, 1, 10, 10, 40, tzinfo=timezone.utc)  # 23:40 on 10 Jan in Auckland
DAY1_2350 = datetime(2026, 1, 10, 10, 50, tzinfo=timezone.utc)
DAY2_0010 = datetime(2026, 1, 10, 11, 10, tzinfo=timezone.utc)  # 00:10 on 11 Jan (same UTC date)
DAY2_0020 = datetime(2026, 1, 10, 11, 20, tzinfo=timezone.utc)
TIMES = [DAY1_2340, DAY1_2350, DAY2_0010, DAY2_0020]


@pytest.fixture
def clock():
    return {"now": DAY1_2340}


@pytest.fixture
def hub(hub_factory, clock):
    return hub_factory(clock=lambda: clock["now"])


def _venue(hub, rule: dict):
    org = hub.client("organiser")
    ev = hub.seed_event(title="Festival", currency="NZD", time_zone="Pacific/Auckland", start="2026-01-10T08:00:00Z")
    made = ok(org.post("/events/v1/ticket-definitions", json={"eventId": ev, "definition": {
        "name": "Pass", "price": {"value": "10.00", "currency": "NZD"}, "entryRule": rule}}))["definition"]
    sale = hub.seed_sale(ev, {made["id"]: 1})
    return org, ev, made, sale["tickets"][0]


def _door_verdicts(ledger, kind: str, n: int | None) -> list[str]:
    """The door's verdicts for TIMES on a station ledger with the same rule."""
    with ledger.sessions() as s:
        ev = add_event(s, "Festival", time_zone="Pacific/Auckland")
        defn = add_definition(s, ev, "Pass")
        defn.entry_rule, defn.max_entries = kind, n
        add_order(s, ev, "R-0001-", definition=defn)
        s.commit()
        ev_id = ev.id
    return [scan_and_commit(ledger, "R-0001-021", event_ids=[ev_id], station="gate", now=at).verdict.value
            for at in TIMES]


@pytest.mark.parametrize("rule,kind,n", [({"kind": "DAILY"}, "DAILY", None),
                                         ({"kind": "MULTI", "maxEntries": 2}, "MULTI", 2), (None, "ONCE", None)])
def test_hub_check_in_gives_the_doors_verdicts(hub, clock, ledger, rule, kind, n):
    org, ev, made, tn = _venue(hub, rule)
    assert made.get("entryRule") == rule
    verdicts = []
    for at in TIMES:
        clock["now"] = at
        before = len(_rows(hub, tn))
        ok(org.post("/events/v1/tickets/check-in", json={"eventId": ev, "ticketNumber": [tn]}))
        verdicts.append(Verdict.OK.value if len(_rows(hub, tn)) > before else Verdict.ALREADY_CHECKED_IN.value)
    assert verdicts == _door_verdicts(ledger, kind, n)
    assert verdicts == {"DAILY": ["OK", "ALREADY_CHECKED_IN", "OK", "ALREADY_CHECKED_IN"],
                        "MULTI": ["OK", "OK", "ALREADY_CHECKED_IN", "ALREADY_CHECKED_IN"],
                        "ONCE": ["OK"] + ["ALREADY_CHECKED_IN"] * 3}[kind]


def _rows(hub, tn):
    with hub.ledger.sessions() as s:
        return list(s.scalars(select(CheckIn.status).where(CheckIn.ticket_number == tn)))


def test_rows_upload_walks_under_the_rule(hub, clock):
    org, ev, _, tn = _venue(hub, {"kind": "DAILY"})
    clock["now"] = DAY2_0020 + timedelta(minutes=5)
    door = hub.client("door", name="A")
    rows = [{"nonce": str(uuid.uuid4()), "ticketNumber": tn, "kind": "CHECK_IN", "deviceTime": to_rfc3339(at),
             "correctedTime": to_rfc3339(at), "station": "A", "operator": "", "method": "SCAN"} for at in TIMES]
    results = ok(door.post("/tessera/v1/checkins", json={"eventId": ev, "checkIns": rows}))["results"]
    assert [r["status"] for r in results] == ["ACCEPTED", "DUPLICATE", "ACCEPTED", "DUPLICATE"]
    assert results[3]["winner"]["correctedTime"] == to_rfc3339(DAY2_0010)


def test_definition_rule_update_and_bad_rule(hub):
    org, ev, made, _ = _venue(hub, {"kind": "DAILY"})
    path = f"/events/v1/ticket-definitions/{made['id']}"
    changed = ok(org.patch(path, json={"eventId": ev, "definitionId": made["id"], "fields": "entryRule",
                                       "definition": {"entryRule": {"kind": "MULTI", "maxEntries": 3}}}))
    assert changed["definition"]["entryRule"] == {"kind": "MULTI", "maxEntries": 3}
    back = ok(org.patch(path, json={"eventId": ev, "definitionId": made["id"], "fields": "entryRule",
                                    "definition": {}}))
    assert "entryRule" not in back["definition"]  # ONCE: the plain contract's JSON
    expect_error(org.patch(path, json={"eventId": ev, "definitionId": made["id"], "fields": "entryRule",
                                       "definition": {"entryRule": {"kind": "MULTI"}}}), 400)
