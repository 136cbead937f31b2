"""The door's headcount after refusals and undos, two stations on the real hub (h7-count item 1): a provisional
admission the centre refuses is no entry and nobody inside once the refusal is applied; every station counts
the same; the admitting door sees the refusal in its review queue; undoing a refused row is not offered (it
queues nothing the hub must refuse again)."""
import random
from datetime import timedelta

import pytest

from core.door import Door, admit_provisionally, scan, undo
from core.entrances import create_entrance
from core.headcount import headcount
from core.outbox import HELD_PREFIX, retry_all
from core.review import ReviewKind, list_items
from core.sales import sell
from tests.sync.engine_helpers import hour_ago


def counts(st, ev):
    with st.ledger.uow() as uow:
        hc = headcount(uow.session, ev)
    return hc.inside, hc.total_entries, hc.total_exits


def test_item1_refused_provisional_admission_is_counted_nowhere(server, stations):
    ev = server.seed_event()
    d = server.seed_definition(ev, quantity=20)
    tickets = server.seed_sale(ev, {d: 3})["tickets"]
    a = stations("A", "door", [ev], on=server)
    b = stations("B", "door", [ev], on=server)
    assert a.sync().ok and b.sync().ok
    door_a, door_b = Door((ev,), "A"), Door((ev,), "B")
    t0 = hour_ago()
    assert scan(a.ledger, door_a, tickets[0], now=t0).admitted
    assert scan(b.ledger, door_b, tickets[1], now=t0 + timedelta(seconds=1)).admitted
    fake = "FAKE-0000-XX021"
    assert admit_provisionally(a.ledger, door_a, fake, now=t0 + timedelta(seconds=2)).admitted
    assert counts(a, ev) == (2, 2, 0)                       # before the sync: its own scan and its provisional guest
    a.sync()
    b.sync()
    a.sync()
    assert counts(a, ev) == counts(b, ev) == (2, 2, 0)      # the refusal applied: counted nowhere
    with a.ledger.uow() as uow:
        kinds = [r.kind for r in list_items(uow.session)]
    assert ReviewKind.PROVISIONAL_REFUSED in kinds           # the door that admitted sees the refusal
    pending = len(a.outbox("pending"))
    assert not undo(a.ledger, door_a, fake).undone           # nothing in force to undo: not offered
    assert len(a.outbox("pending")) == pending               # no change the hub must refuse again
    a.sync()
    assert counts(a, ev) == counts(b, ev) == (2, 2, 0)


def test_item1_undo_before_the_refusal_and_a_retry_leave_the_counts_alone(server, stations):
    ev = server.seed_event()
    d = server.seed_definition(ev, quantity=20)
    [tn] = server.seed_sale(ev, {d: 1})["tickets"]
    a = stations("A", "door", [ev], on=server)
    b = stations("B", "door", [ev], on=server)
    assert a.sync().ok and b.sync().ok
    door_a, t0 = Door((ev,), "A"), hour_ago()
    assert scan(a.ledger, door_a, tn, now=t0).admitted
    fake = "FAKE-0000-XX022"
    assert admit_provisionally(a.ledger, door_a, fake, now=t0 + timedelta(seconds=1)).admitted
    assert undo(a.ledger, door_a, fake, now=t0 + timedelta(seconds=2)).undone   # taken back before any sync
    assert admit_provisionally(a.ledger, door_a, fake, now=t0 + timedelta(seconds=3)).admitted
    a.sync()
    b.sync()
    assert counts(a, ev) == counts(b, ev) == (1, 1, 0)
    assert all(r.last_error.startswith(HELD_PREFIX) for r in a.outbox("pending"))  # at most waiting (plain server)
    with a.ledger.uow() as uow:
        retry_all(uow.session)                                # the operator retries: refused again
        uow.commit()
    a.sync()
    assert counts(a, ev) == counts(b, ev) == (1, 1, 0)
    assert all(r.last_error.startswith(HELD_PREFIX) for r in a.outbox("pending"))


def test_item1_provisional_admission_of_a_ticket_admitted_at_another_door(server, stations):
    """The ticket was bought after A's last pull and admitted at B's entrance; A admits it provisionally offline at
    its own: after the sync A's row is the duplicate and both doors count one entry, one guest inside — at B's
    entrance (the hub's winner names it)."""
    ev = server.seed_event()
    d = server.seed_definition(ev, quantity=20)
    a = stations("A", "door", [ev], on=server)
    b = stations("B", "door", [ev], on=server)
    with server.uow() as s:
        main, side = create_entrance(s, ev, "Main"), create_entrance(s, ev, "Side")
    assert a.sync().ok
    [tn] = server.seed_sale(ev, {d: 1})["tickets"]
    assert b.sync().ok
    t0 = hour_ago()
    assert scan(b.ledger, Door((ev,), "B", entrance=side), tn, now=t0).admitted
    assert b.sync().ok
    assert admit_provisionally(a.ledger, Door((ev,), "A", entrance=main), tn, now=t0 + timedelta(seconds=5)).admitted
    a.sync()
    b.sync()
    assert counts(a, ev) == counts(b, ev) == (1, 1, 0)
    if not server.plain:  # a plain server keeps no entrances
        assert entrances(a, ev) == entrances(b, ev) == ({side.id: 1}, {side.id: 1})


def entrances(st, ev):
    with st.ledger.uow() as uow:
        hc = headcount(uow.session, ev)
    return hc.by_entrance, hc.entries


def hub_counts(hub, ev):
    with hub.ledger.uow() as uow:
        hc = headcount(uow.session, ev, with_peak=True)
    return hc.inside, hc.total_entries, hc.total_exits, hc.peak


@pytest.mark.parametrize("seed", range(3))
def test_item2_two_stations_agree_after_sync_over_random_sequences(hub, stations, seed):
    """Random admit / exit / re-admit / undo / refused provisional admissions at two doors with syncs in between:
    after the last sync both stations and the hub give the same figures, inside == entries − exits."""
    rng = random.Random(seed)
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=20)
    tickets = hub.seed_sale(ev, {d: 4})["tickets"]
    doors = [stations(n, "door", [ev], on=hub) for n in ("A", "B")]
    for st in doors:
        assert st.sync().ok
    t = hour_ago()
    for i in range(30):
        t += timedelta(seconds=rng.choice((1, 20, 60)))
        st = rng.choice(doors)
        door, tn, op = Door((ev,), st.name), rng.choice(tickets), rng.random()
        if op < 0.35:
            scan(st.ledger, door, tn, now=t)
        elif op < 0.55:
            scan(st.ledger, Door((ev,), st.name, exit_mode=True), tn, now=t)
        elif op < 0.7:
            undo(st.ledger, door, tn, now=t)
        elif op < 0.8:
            admit_provisionally(st.ledger, door, f"FAKE-0000-X{i:04d}", now=t)
        else:
            st.sync()
    for st in (*doors, *doors):
        st.sync()
    a, b = (hub_counts(st, ev) for st in doors)
    assert a == b == hub_counts(hub, ev)                     # inside, entries, exits and the peak
    assert a[0] == a[1] - a[2]


def test_item1_a_refusal_retried_after_the_sale_reached_the_hub_counts_again(hub, stations):
    """A box office's sale not yet on the hub: the door's provisional admission of its ticket is refused
    (UNKNOWN_TICKET) and counts nowhere; once the sale is up, `sync retry` gets it accepted and it counts again —
    at the door, at the box office and on the hub alike."""
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=10)
    box, door = stations("B", "box-office", [ev], on=hub), stations("D", "door", [ev], on=hub)
    assert box.sync().ok and door.sync().ok
    with box.ledger.uow() as uow:
        [tn] = [t.ticket_number for t in sell(uow.session, ev, {d: 1}, {"firstName": "Walk", "lastName": "In",
                                                                        "email": ""}, payment="card",
                                              station="B").order.tickets]
        uow.commit()
    assert admit_provisionally(door.ledger, Door((ev,), "D"), tn, now=hour_ago()).admitted
    door.sync()
    assert counts(door, ev) == (0, 0, 0) and [r.entity_key for r in door.outbox("rejected")] == [tn]
    assert box.sync().ok
    with door.ledger.uow() as uow:
        retry_all(uow.session)
        uow.commit()
    assert door.sync().ok and box.sync().ok
    assert counts(door, ev) == counts(box, ev) == hub_counts(hub, ev)[:3] == (1, 1, 0)
