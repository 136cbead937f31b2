"""core.orders.cancel_order (issue 8 item 8): UNPAID/SETTLED → CANCELED with one order.cancel outbox row; an order
already CANCELED is unchanged; DECLINED and unknown statuses are refused; the seats are no longer sold."""
import pytest

from core.errors import NotFound, OrderActionNotAvailable
from core.orders import cancel_order
from core.status import is_sold
from tests.core.test_orders import T0, make_event, make_order, outbox


@pytest.fixture
def ev(session):
    return make_event(session)


@pytest.mark.parametrize("status", ["INITIATED", "PENDING", "OFFLINE_PENDING", "PAID", "FREE"])
def test_cancel_moves_to_canceled_and_queues_one_row(session, ev, status):
    make_order(session, ev, "A1", status)
    order = cancel_order(session, ev.id, "A1", now=T0)
    assert (order.status, order.updated) == ("CANCELED", T0)
    [row] = outbox(session, "order.cancel")
    assert row.payload == {"eventId": ev.id, "orderNumber": "A1"} and row.entity_key == "A1"
    assert not is_sold(order.status, False)


def test_cancel_twice_changes_nothing_more(session, ev):
    make_order(session, ev, "A1")
    cancel_order(session, ev.id, "A1")
    cancel_order(session, ev.id, "A1")
    assert len(outbox(session, "order.cancel")) == 1


@pytest.mark.parametrize("status", ["DECLINED", "AUTHORIZED"])
def test_declined_and_unknown_statuses_are_refused(session, ev, status):
    make_order(session, ev, "A1", status)
    with pytest.raises(OrderActionNotAvailable):
        cancel_order(session, ev.id, "A1")
    assert outbox(session, "order.cancel") == []


def test_unknown_order_or_other_event_is_not_found(session, ev):
    make_order(session, ev, "A1")
    with pytest.raises(NotFound):
        cancel_order(session, ev.id, "NOPE")
    with pytest.raises(NotFound):
        cancel_order(session, "another-event", "A1")
