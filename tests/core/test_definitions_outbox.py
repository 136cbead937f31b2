"""Ticket definition services write their outbox rows in the caller's transaction (DESIGN.md §Sync)."""
from core.definitions import create_definition, delete_definitions, get_definition, update_definition
from core.events import create_event
from core.models import TicketDefinition
from tests.core.test_definitions import outbox


def test_outbox_row_rolls_back_with_the_change(ledger):
    """The outbox row is written in the caller's transaction: without commit both vanish together."""
    with ledger.uow() as uow:
        create_event(uow.session, title="Gala", time_zone="UTC", currency="EUR", event_id="ev-t")
        uow.commit()
    with ledger.uow() as uow:
        create_definition(uow.session, "ev-t", {"name": "A"}, definition_id="d-t")
        assert len(outbox(uow.session)) == 1
    with ledger.uow() as uow:
        assert uow.session.get(TicketDefinition, "d-t") is None and outbox(uow.session) == []
        create_definition(uow.session, "ev-t", {"name": "A"}, definition_id="d-t")
        uow.commit()
    with ledger.uow() as uow:
        update_definition(uow.session, "d-t", {"name": "B"}, ["name"])
        delete_definitions(uow.session, "ev-t", ["d-t"])
    with ledger.uow() as uow:
        assert get_definition(uow.session, "d-t").name == "A"
        assert [r.kind for r in outbox(uow.session)] == ["definition.create"]
