"""sync.appliers freshness for events and tickets (issue 8 item 4): a pulled event or ticket older than the one
held changes nothing; equal or newer ones apply; entities without `updated` (a plain server) always apply."""
import pytest

from core.events import create_event
from core.models import Event, Ticket
from sync.apply import order_from_api
from sync.appliers import EventApplier, TicketApplier, apply_event, fresh_tickets
from sync.errors import MalformedData
from tests.sync.test_apply import EV, _order, _ticket

T1, T2, T3 = "2025-06-14T10:00:00.000Z", "2025-06-14T11:00:00.000Z", "2025-06-14T12:00:00.000Z"


def _event(title: str, updated: str | None) -> dict:
    data = {"id": EV, "title": title, "timeZone": "Europe/Zurich", "currency": "EUR"}
    if updated:
        data["updated"] = updated
    return data


def _title(ledger) -> str:
    with ledger.uow() as uow:
        return uow.session.get(Event, EV).title


def test_an_older_event_changes_nothing(ledger):
    with ledger.uow() as uow:
        EventApplier().apply(uow.session, EV, [_event("Gala", T2)])
        assert apply_event(uow.session, _event("Old title", T1)) is None     # a replayed older answer
        uow.commit()
    assert _title(ledger) == "Gala"
    with ledger.uow() as uow:
        EventApplier().apply(uow.session, EV, [_event("Gala II", T2), _event("Gala III", T3)])
        uow.commit()
        assert uow.session.get(Event, EV).server_updated.isoformat().startswith("2025-06-14T12:00")
    assert _title(ledger) == "Gala III"


def test_an_event_without_updated_always_applies(ledger):
    with ledger.uow() as uow:
        apply_event(uow.session, _event("Gala", T2))
        apply_event(uow.session, _event("Plain title", None))
        uow.commit()
    assert _title(ledger) == "Plain title"


def test_an_unreadable_updated_is_malformed():
    with pytest.raises(MalformedData):
        EventApplier().check(_event("Gala", "yesterday"), EV)
    with pytest.raises(MalformedData):
        TicketApplier().check({**_ticket("T1"), "updated": "soon"}, EV)


def test_a_ticket_older_than_its_order_as_held_changes_nothing(ledger):
    with ledger.uow() as uow:
        create_event(uow.session, title="Gala", time_zone="UTC", currency="EUR", event_id=EV)
        order_from_api(uow.session, _order(updated=T2))
        on = "FM9X-EHKF-ZO"
        stale = {**_ticket(on + "021", on, archived=True), "updated": T1}
        same = {**_ticket(on + "022", on, archived=True), "updated": T2}
        assert [r["ticket_number"] for r in fresh_tickets(uow.session, [stale, same], EV)] == [on + "022"]
        TicketApplier().apply(uow.session, EV, [stale, same, {**_ticket(on + "023", on), "updated": T3}])
        uow.commit()
    with ledger.uow() as uow:
        assert uow.session.get(Ticket, on + "021").archived is False
        assert uow.session.get(Ticket, on + "022").archived is True
        assert uow.session.get(Ticket, on + "023") is not None
