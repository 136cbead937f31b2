"""An event made at a station goes up to an empty hub first, so its definitions, sales and check-ins follow
(found by a first-time user: a new hub had no way to learn the station's event)."""
from core.checkin import scan_and_commit
from core.codes import check_in_url
from core.definitions import create_definition
from core.events import create_event
from core.money import Money
from core.sales import sell
from core.tickets import get_ticket
from tests.sync.engine_helpers import checkins_of


def _offline_event(ledger):
    with ledger.uow() as uow:
        s = uow.session
        ev = create_event(s, title="Station-made Gala", time_zone="Europe/Lisbon", currency="EUR")
        d = create_definition(s, ev.id, {"name": "Adult", "price": {"value": "12.50", "currency": "EUR"},
                                         "limited": True, "quantity": 50})
        sale = sell(s, ev.id, {d.id: 2}, {"firstName": "Ana", "lastName": "Moreira"}, payment="cash",
                    tendered=Money.of("30.00", "EUR"), station="Till")
        uow.commit()
        return ev.id, d.id, [t.ticket_number for t in sale.order.tickets]


def test_station_event_definitions_sale_and_checkin_reach_an_empty_hub(hub_factory, stations):
    hub = hub_factory()
    st = stations("Org", "organiser", [], on=hub)
    event_id, definition_id, tickets = _offline_event(st.ledger)
    st.engine.event_ids = [event_id]
    assert scan_and_commit(st.ledger, check_in_url(tickets[0], event_id), event_ids=[event_id],
                           station="Org").verdict == "OK"
    report = st.sync()
    assert report.rejected == [] and st.outbox("pending") == []
    with hub.uow() as s:
        assert get_ticket(s, tickets[1], event_id).order.status == "PAID"
    [row] = [r for r in checkins_of(hub.ledger, tickets[0])]
    assert row.status == "ACCEPTED" and row.station == "Org"
    again = st.sync()  # nothing left to send; the event is not created twice
    assert again.rejected == [] and again.pushed == 0


def test_a_door_station_cannot_create_the_event_the_row_is_rejected_and_kept(hub_factory, stations):
    hub = hub_factory()
    st = stations("Door", "door", [], on=hub)
    with st.ledger.uow() as uow:
        ev = create_event(uow.session, title="Door-made", time_zone="UTC", currency="EUR")
        uow.commit()
    st.engine.event_ids = [ev.id]
    report = st.sync()
    assert [r["kind"] for r in report.rejected] == ["event.create"]
    assert "create it there" in report.rejected[0]["error"]
    assert [r.kind for r in st.outbox("rejected")] == ["event.create"]
