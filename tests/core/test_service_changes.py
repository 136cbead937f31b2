"""Services say what they changed (core.changes.note): the unit of work's change set after commit."""
from core.definitions import change_currency, create_definition
from core.events import create_event, update_event


def _event(ledger):
    with ledger.uow() as uow:
        ev = create_event(uow.session, title="Night", time_zone="Europe/Berlin", currency="EUR")
        uow.commit()
    return ev.id


def test_definition_create_and_currency_change_note_definitions_and_event(ledger):
    event_id = _event(ledger)
    with ledger.uow() as uow:
        defn = create_definition(uow.session, event_id, {"name": "Adult"})
        uow.commit()
    assert uow.changes.definitions == {defn.id} and uow.changes.events == {event_id}, "registration type → TICKETS"
    with ledger.uow() as uow:
        change_currency(uow.session, event_id, "USD")
        uow.commit()
    assert uow.changes.definitions == {defn.id} and uow.changes.events == {event_id} and uow.changes.outbox


def test_event_update_notes_the_event_without_an_outbox_row(ledger):
    event_id = _event(ledger)
    with ledger.uow() as uow:
        update_event(uow.session, event_id, title="Late Night")
        uow.commit()
    assert uow.changes.events == {event_id} and not uow.changes.outbox
