"""Freshness end to end (issue 8 item 4): a replayed older order answer (the hub answering a re-sent change
from its idempotency store) does not re-archive an order restored centrally since."""
from __future__ import annotations

from core import outbox
from core.models import Order
from core.orders import update_order


def _archived(ledger, number) -> bool:
    with ledger.uow() as uow:
        return uow.session.get(Order, number).archived


def test_a_replayed_older_order_answer_does_not_re_archive_a_restored_order(hub, stations):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=10)
    number = hub.seed_sale(ev, {d: 1})["orderNumber"]
    box = stations("B", "box-office", [ev], on=hub)
    assert box.sync().ok
    with box.ledger.uow() as uow:
        update_order(uow.session, ev, number, fields=["archived"], archived=True)
        uow.commit()
    assert box.sync().ok and _archived(hub.ledger, number)
    restored = hub.client("organiser").patch(f"/events/v1/events/{ev}/orders/{number}",
                                             json={"fields": "archived", "archived": False})
    assert restored.status_code == 200 and restored.json()["order"]["archived"] is False
    assert box.sync().ok and not _archived(box.ledger, number)
    with box.ledger.uow() as uow:                       # the old change goes up again with its key …
        assert len(outbox.resend(uow.session, [outbox.ORDER_UPDATE])) == 1
        uow.commit()
    report = box.sync()
    assert report.ok and report.pushed == 1           # … and the hub replays its stored (older) answer
    assert not _archived(box.ledger, number) and not _archived(hub.ledger, number)
