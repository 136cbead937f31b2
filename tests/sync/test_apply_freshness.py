"""Freshness (issue 8 item 4): a pulled order or definition older (by the server's `updated`) than the one the
ledger holds changes nothing; equal or newer ones apply; a local edit's device time never counts."""
from core.events import create_event
from sqlalchemy import select

from core.models import Order, OutboxEntry, Ticket, TicketDefinition
from core.orders import update_order
from sync.apply import definition_from_api, order_from_api
from tests.sync.test_apply import DEF, EV, _def, _order

T1, T2, T3 = "2025-06-14T10:00:00.000Z", "2025-06-14T11:00:00.000Z", "2025-06-14T12:00:00.000Z"


def _setup(ledger):
    with ledger.uow() as uow:
        create_event(uow.session, title="Gala", time_zone="Europe/Zurich", currency="EUR", event_id=EV)
        uow.commit()


def test_an_older_order_answer_changes_nothing(ledger):
    _setup(ledger)
    with ledger.uow() as uow:
        order_from_api(uow.session, _order(archived=True, updated=T1))
        order_from_api(uow.session, _order(archived=False, status="CANCELED", updated=T2))  # restored centrally
        order_from_api(uow.session, _order(archived=True, updated=T1))  # replayed older answer
        uow.commit()
    with ledger.uow() as uow:
        order = uow.session.get(Order, "FM9X-EHKF-ZO")
        assert (order.archived, order.status) == (False, "CANCELED")


def test_same_or_newer_answers_apply(ledger):
    _setup(ledger)
    with ledger.uow() as uow:
        order_from_api(uow.session, _order(updated=T2))
        order_from_api(uow.session, _order(archived=True, updated=T2))
        order_from_api(uow.session, _order(archived=True, status="CANCELED", updated=T3))
        uow.commit()
    with ledger.uow() as uow:
        order = uow.session.get(Order, "FM9X-EHKF-ZO")
        assert (order.archived, order.status) == (True, "CANCELED")


def test_a_stale_order_leaves_its_tickets_alone(ledger):
    _setup(ledger)
    with ledger.uow() as uow:
        order_from_api(uow.session, _order(updated=T2))
        old = _order(updated=T1)
        old["tickets"][0]["archived"] = True
        order_from_api(uow.session, old)
        uow.commit()
    with ledger.uow() as uow:
        assert uow.session.get(Ticket, "FM9X-EHKF-ZO021").archived is False


def test_a_local_edit_with_a_fast_device_clock_does_not_hide_the_next_server_change(ledger):
    _setup(ledger)
    with ledger.uow() as uow:
        order_from_api(uow.session, _order(updated=T1))
        update_order(uow.session, EV, "FM9X-EHKF-ZO", fields=["archived"], archived=True)  # device time: now
        uow.commit()
    with ledger.uow() as uow:  # the push was answered (outbox row no longer pending), then a central change
        for row in uow.session.scalars(select(OutboxEntry)):
            row.state = "sent"
        order_from_api(uow.session, _order(archived=False, status="CANCELED", updated=T2))
        uow.commit()
    with ledger.uow() as uow:
        assert uow.session.get(Order, "FM9X-EHKF-ZO").status == "CANCELED"


def test_an_older_definition_changes_nothing(ledger):
    _setup(ledger)
    with ledger.uow() as uow:
        definition_from_api(uow.session, _def(name="New name", updated=T2))
        definition_from_api(uow.session, _def(name="Old name", updated=T1))
        uow.commit()
    with ledger.uow() as uow:
        assert uow.session.get(TicketDefinition, DEF).name == "New name"
