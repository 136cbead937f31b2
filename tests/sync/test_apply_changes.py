"""sync.apply says what a pull wrote (core.changes.note with sync=True): the GUI reloads just those views."""
from sync.apply import apply_orders, definition_from_api

EV = "5b0c7e2a-1111-4c2d-9e0f-0a1b2c3d4e5f"


def test_sync_apply_notes_what_it_wrote_with_sync_true(ledger):
    with ledger.uow() as uow:
        definition_from_api(uow.session, {"id": "def-1", "eventId": EV, "name": "Early",
                                          "price": {"value": "10.00", "currency": "EUR"}})
        apply_orders(uow.session, [{"orderNumber": "FM9X-EHKF-ZO", "eventId": EV, "status": "PAID",
                                    "tickets": [{"ticketNumber": "FM9X-EHKF-ZO021", "ticketDefinitionId": "def-1",
                                                 "name": "Early", "price": {"value": "10.00", "currency": "EUR"}}]}],
                     EV)
        uow.commit()
    changes = uow.changes
    assert changes.sync and not changes.outbox
    assert changes.definitions == {"def-1"} and changes.orders == {"FM9X-EHKF-ZO"} and EV in changes.events
    assert changes.tickets == {"FM9X-EHKF-ZO021"}
