"""The review queue end to end (issue 8 item 7) against the real hub on loopback (and `--plain` where the fact
exists there): each item appears once across repeated syncs and stays until acknowledged — double admission
(BC-14), provisional admission accepted/refused (WR-13 b), admitted offline after a central cancel (BC-16), a
check-in removed by another client, oversell (BC-26 b), a replayed stale answer ignored (item 4)."""
from __future__ import annotations

import re
from datetime import timedelta

from core import outbox, review
from core.checkin import Verdict, scan_and_commit
from core.money import Money
from core.orders import update_order
from core.provisional import admit_provisionally
from core.sales import sell
from core.timeutil import shown
from tests.sync.engine_helpers import hour_ago

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:")                      # '2026-12-01T21:03' (UTC ISO): never shown
EVENT_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? CES?T")  # the seed event is in Europe/Zurich


def _in_event_zone(item, seconds: bool = False) -> None:
    """A review message shows its times in the event's zone (core.timeutil.shown), never UTC ISO."""
    assert not ISO.search(item.message) and EVENT_TIME.search(item.message), item.message
    assert item.time_zone == "Europe/Zurich"
    if item.happened is not None:
        assert shown(item.happened, "Europe/Zurich", seconds=seconds) in item.message


def _open(st) -> list:
    with st.ledger.uow() as uow:
        return review.list_open(uow.session)


def _kinds(st) -> list[str]:
    return sorted(r.kind for r in _open(st))


def _stays_once(st, times: int = 2) -> list:
    """Sync `times` more and check nothing new is raised; returns the open items."""
    before = _open(st)
    for _ in range(times):
        report = st.sync()
        assert report.ok and report.review_new == 0 and report.review_open == len(before)
    assert _open(st) == before
    return before


def test_bc14_double_admission_is_one_item_until_acknowledged(server, stations):
    ev = server.seed_event()
    d = server.seed_definition(ev, quantity=10)
    tn = server.seed_sale(ev, {d: 1})["tickets"][0]
    a, b = stations("A", "door", [ev], on=server), stations("B", "door", [ev], on=server)
    assert a.sync().ok and b.sync().ok
    t = hour_ago()
    assert scan_and_commit(a.ledger, tn, event_ids=[ev], station="A", now=t).verdict == Verdict.OK
    assert scan_and_commit(b.ledger, tn, event_ids=[ev], station="B", now=t + timedelta(seconds=2)).verdict \
        == Verdict.OK
    assert a.sync().ok
    rb = b.sync()
    assert rb.ok and rb.review_new == 1
    [item] = _stays_once(b)
    assert item.kind == "double_admission" and item.entity == tn and "admitted twice" in item.message
    assert item.details["ours"]["station"] == "B"
    _in_event_zone(item, seconds=True)
    if not server.plain:
        assert item.details["station"] == "A" and "A" in item.message
    with b.ledger.uow() as uow:
        assert review.acknowledge_all(uow.session, by="B") == 1
        uow.commit()
    assert b.sync().review_open == 0 and _open(b) == []


def test_wr13b_provisional_admissions_accepted_and_refused_are_items(server, stations):
    ev = server.seed_event()
    d = server.seed_definition(ev, quantity=20)
    st = stations("Door", "door", [ev], on=server)
    assert st.sync().ok
    bought = server.seed_sale(ev, {d: 1})["tickets"][0]
    with st.ledger.uow() as uow:
        for tn in (bought, "FAKE-0000-XX021"):
            assert admit_provisionally(uow.session, tn, event_id=ev, station="Door").admitted
        uow.commit()
    assert st.sync().review_new == 2
    items = {r.kind: r for r in _stays_once(st)}
    assert set(items) == {"provisional_accepted", "provisional_refused"}
    assert items["provisional_accepted"].entity == bought
    refused = items["provisional_refused"]
    assert refused.entity == "FAKE-0000-XX021" and "refused" in refused.message


def test_bc16_admitted_offline_after_a_central_cancel(hub, stations):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=10)
    sale = hub.seed_sale(ev, {d: 1})
    door = stations("Door", "door", [ev], on=hub)
    assert door.sync().ok
    door.faults.offline = True
    canceled = hub.client("organiser").post(f"/tessera/v1/events/{ev}/orders/{sale['orderNumber']}/cancel", json={})
    assert canceled.status_code == 200
    tn = sale["tickets"][0]
    assert scan_and_commit(door.ledger, tn, event_ids=[ev], station="Door").verdict == Verdict.OK  # stale list
    door.faults.offline = False
    assert door.sync().review_new == 1
    [item] = _stays_once(door)
    assert item.kind == "admitted_void" and item.entity == tn and "CANCELED" in item.message
    _in_event_zone(item)


def test_checkin_removed_by_another_client(server, stations):
    ev = server.seed_event()
    d = server.seed_definition(ev, quantity=10)
    tn = server.seed_sale(ev, {d: 1})["tickets"][0]
    door = stations("Door", "door", [ev], on=server)
    assert door.sync().ok
    assert scan_and_commit(door.ledger, tn, event_ids=[ev], station="Door", now=hour_ago()).verdict == Verdict.OK
    assert door.sync().ok
    owner = server.client("organiser", name="owner-app")
    resp = owner.delete("/events/v1/tickets/check-in", params={"eventId": ev, "ticketNumber": tn})
    assert resp.status_code == 200
    assert door.sync().review_new == 1
    [item] = _stays_once(door)
    assert item.kind == "checkin_removed" and item.entity == tn
    _in_event_zone(item)
    if not server.plain:
        assert "owner-app" in item.message


def test_bc26b_oversell_is_one_item(hub, stations):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, name="Early Bird", quantity=1)
    a, b = stations("A", "box-office", [ev], on=hub), stations("B", "box-office", [ev], on=hub)
    assert a.sync().ok and b.sync().ok
    a.faults.offline = b.faults.offline = True
    for st in (a, b):
        with st.ledger.uow() as uow:
            sell(uow.session, ev, {d: 1}, {"firstName": "W", "lastName": "I"}, payment="cash",
                 tendered=Money.of("50.00", "EUR"), station=st.name)
            uow.commit()
    a.faults.offline = b.faults.offline = False
    assert a.sync().ok and b.sync().review_new == 1
    [item] = _stays_once(b)
    assert item.kind == "oversell" and item.details["sold"] == 2 and item.details["quantity"] == 1
    assert a.sync().review_new == 1 and _kinds(a) == ["oversell"]


def test_a_replayed_stale_answer_ignored_is_one_item(hub, stations):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=10)
    number = hub.seed_sale(ev, {d: 1})["orderNumber"]
    box = stations("B", "box-office", [ev], on=hub)
    assert box.sync().ok
    with box.ledger.uow() as uow:
        update_order(uow.session, ev, number, fields=["archived"], archived=True)
        uow.commit()
    assert box.sync().ok
    hub.client("organiser").patch(f"/events/v1/events/{ev}/orders/{number}",
                                  json={"fields": "archived", "archived": False})
    assert box.sync().ok
    with box.ledger.uow() as uow:
        outbox.resend(uow.session, [outbox.ORDER_UPDATE])
        uow.commit()
    assert box.sync().review_new == 1
    [item] = _stays_once(box)
    assert item.kind == "stale_ignored" and item.entity == number and "ignored" in item.message
    _in_event_zone(item, seconds=True)


def test_an_exit_scan_of_a_canceled_ticket_is_no_admission(hub, stations):
    """Found by a new-user trial: an exit scan of a voided ticket (the guest never got in) raised "admitted,
    but the order was canceled" after sync. An EXIT row admits nobody: no item."""
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=10)
    sale = hub.seed_sale(ev, {d: 1})
    door = stations("Door", "door", [ev], on=hub)
    assert hub.client("organiser").post(f"/tessera/v1/events/{ev}/orders/{sale['orderNumber']}/cancel",
                                        json={}).status_code == 200
    assert door.sync().ok
    tn = sale["tickets"][0]
    assert scan_and_commit(door.ledger, tn, event_ids=[ev], station="Door").verdict == Verdict.CANCELED
    exit_scan = scan_and_commit(door.ledger, tn, event_ids=[ev], station="Door", direction="EXIT")
    assert exit_scan.verdict == Verdict.OK
    report = door.sync()
    assert report.ok and report.review_new == 0 and _kinds(door) == []
