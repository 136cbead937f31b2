"""core.entrances: entrance services (outbox rows, validation) and the station-local entrance matrix —
definition × entrance through core.door — whose verdicts tests/sync/test_hub_entrances.py compares with the hub's
CheckIn (issue 9 item 7)."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.checkin import Verdict
from core.door import Door, scan
from core.entrances import (EXIT, admits, admitted_ids, create_entrance, delete_entrance, find_entrance,
                            get_entrance, list_entrances, remove, set_max_inside, update_entrance,
                            upsert_from_api)
from core.errors import AlreadyExists, InvalidArgument, NotFound
from core.models import CheckIn, Event, OutboxEntry
from tests.core.checkin_data import T0, add_definition, add_event, add_order


@pytest.fixture
def venue(ledger):
    """An event with Standing and VIP tickets and three entrances: Main (all), VIP gate (VIP only), Exit."""
    with ledger.uow() as uow:
        s = uow.session
        ev = add_event(s)
        standing, vip = add_definition(s, ev, "Standing"), add_definition(s, ev, "VIP")
        add_order(s, ev, "S-0001-", tickets=2, definition=standing)
        add_order(s, ev, "V-0001-", tickets=1, definition=vip)
        s.flush()
        main = create_entrance(s, ev.id, "Main")
        gate = create_entrance(s, ev.id, "VIP gate", [vip.id])
        out = create_entrance(s, ev.id, "Exit", direction="exit")
        uow.commit()
    return {"event": ev.id, "standing": standing.id, "vip": vip.id, "main": main, "gate": gate, "exit": out}


def _outbox(ledger):
    with ledger.uow() as uow:
        rows = uow.session.scalars(select(OutboxEntry).order_by(OutboxEntry.id))
        return [(r.kind, r.entity_key, r.payload) for r in rows]


def test_create_queues_an_upsert_with_the_whole_entrance(ledger, venue):
    kinds = [(k, key) for k, key, _p in _outbox(ledger)]
    assert kinds == [("entrance.upsert", venue[n].id) for n in ("main", "gate", "exit")]
    payload = _outbox(ledger)[1][2]
    assert payload == {"eventId": venue["event"], "entrance": {"id": venue["gate"].id, "eventId": venue["event"],
                                                                "name": "VIP gate", "definitionIds": [venue["vip"]],
                                                                "direction": "ENTRY"}}
    assert venue["exit"].is_exit and not venue["main"].is_exit


def test_list_get_find_update_delete(ledger, venue):
    with ledger.uow() as uow:
        s = uow.session
        assert [e.name for e in list_entrances(s, venue["event"])] == ["Exit", "Main", "VIP gate"]
        assert find_entrance(s, [venue["event"]], "  vip GATE ") == venue["gate"]
        assert find_entrance(s, [venue["event"]], venue["main"].id) == venue["main"]
        with pytest.raises(NotFound, match="entrances: Exit, Main, VIP gate"):
            find_entrance(s, [venue["event"]], "Back door")
        changed = update_entrance(s, venue["gate"].id, name="Gate B", definition_ids=[])
        assert changed.name == "Gate B" and admitted_ids(changed) is None
        delete_entrance(s, venue["main"].id)
        uow.commit()
    with ledger.uow() as uow:
        assert [e.name for e in list_entrances(uow.session, venue["event"])] == ["Exit", "Gate B"]
        with pytest.raises(NotFound):
            get_entrance(uow.session, venue["main"].id)
    assert [k for k, _key, _p in _outbox(ledger)][-2:] == ["entrance.upsert", "entrance.delete"]


def test_validation(ledger, venue):
    with ledger.uow() as uow:
        s = uow.session
        with pytest.raises(AlreadyExists):
            create_entrance(s, venue["event"], "main")
        with pytest.raises(InvalidArgument):
            create_entrance(s, venue["event"], "  ")
        with pytest.raises(InvalidArgument):
            create_entrance(s, venue["event"], "Side", direction="sideways")
        with pytest.raises(InvalidArgument, match="not ticket definitions"):
            create_entrance(s, venue["event"], "Side", ["no-such-definition"])
        with pytest.raises(NotFound):
            create_entrance(s, "no-such-event", "Side")
        with pytest.raises(InvalidArgument):
            set_max_inside(s, venue["event"], -1)


def test_upsert_from_api_and_remove_write_no_outbox(ledger, venue):
    before = len(_outbox(ledger))
    with ledger.uow() as uow:
        data = {"id": "ent-9", "eventId": venue["event"], "name": "Hub gate", "definitionIds": [venue["vip"]],
                "direction": "EXIT"}
        assert upsert_from_api(uow.session, data).is_exit
        assert upsert_from_api(uow.session, dict(data, name="Renamed")).name == "Renamed"
        assert remove(uow.session, venue["main"].id) and not remove(uow.session, "nothing")
        with pytest.raises(InvalidArgument):
            upsert_from_api(uow.session, {"id": "x"})
        uow.commit()
    assert len(_outbox(ledger)) == before


def test_the_entrance_rule():
    assert admits(None, "any") and admits({"a"}, "a") and not admits({"a"}, "b") and not admits(set(), "a")


# ---- the entrance matrix (station-local): definition × entrance ----------------------------------------------
MATRIX = [  # (ticket, entrance, verdict)
    ("S-0001-021", "main", Verdict.OK), ("V-0001-021", "main", Verdict.OK),
    ("S-0001-021", "gate", Verdict.WRONG_ENTRANCE), ("V-0001-021", "gate", Verdict.OK),
]


@pytest.mark.parametrize("ticket, entrance, verdict", MATRIX)
def test_entrance_matrix_offline(ledger, venue, ticket, entrance, verdict):
    d = Door((venue["event"],), "Door A", entrance=venue[entrance])
    result = scan(ledger, d, ticket, now=T0)
    assert result.verdict is verdict
    with ledger.uow() as uow:
        rows = list(uow.session.execute(select(CheckIn.entrance_id, CheckIn.direction)
                                        .where(CheckIn.ticket_number == ticket)))
    assert [tuple(r) for r in rows] == \
        ([(venue[entrance].id, "ENTRY")] if verdict is Verdict.OK else [])


def test_exit_entrance_records_an_exit_and_allows_re_entry(ledger, venue):
    main = Door((venue["event"],), "Door A", entrance=venue["main"])
    out = Door((venue["event"],), "Door B", entrance=venue["exit"])
    assert scan(ledger, main, "S-0001-021", now=T0).verdict is Verdict.OK
    assert scan(ledger, main, "S-0001-021", now=T0 + timedelta(minutes=1)).verdict is Verdict.ALREADY_CHECKED_IN
    left = scan(ledger, out, "S-0001-021", now=T0 + timedelta(minutes=2))
    assert (left.verdict, left.direction, left.message) == (Verdict.OK, EXIT, "Exit recorded")
    assert scan(ledger, main, "S-0001-021", now=T0 + timedelta(minutes=3)).verdict is Verdict.OK  # re-entry


def test_exit_mode_at_an_entry_door_and_an_exit_of_a_guest_not_seen(ledger, venue):
    d = Door((venue["event"],), "Door A", exit_mode=True)
    assert d.direction == EXIT and d.entrance_id is None
    result = scan(ledger, d, "V-0001-021", now=T0)
    assert result.verdict is Verdict.OK and "not inside" in result.message
    with ledger.uow() as uow:
        [row] = uow.session.scalars(select(CheckIn).where(CheckIn.ticket_number == "V-0001-021"))
        assert (row.direction, row.status) == ("EXIT", "DUPLICATE")


def test_old_rows_and_events_read_as_entries_without_capacity(ledger, venue):
    with ledger.uow() as uow:
        assert uow.session.get(Event, venue["event"]).max_inside is None
        set_max_inside(uow.session, venue["event"], 2)
        uow.commit()
    with ledger.uow() as uow:
        assert uow.session.get(Event, venue["event"]).max_inside == 2
