"""sync.push with core.outbox's transitions: rejected changes are kept; the operator can queue one again or
dismiss it (never deleted)."""
import pytest
from sqlalchemy import select

from core.models import OutboxEntry
from core.outbox import (DISMISSED, PENDING, TransitionRefused, dismiss, enqueue, mark_rejected, rejected_entries,
                         retry)


@pytest.fixture
def rejected_id(ledger):
    with ledger.uow() as uow:
        row = enqueue(uow.session, "order.confirm", "ev-1", "Q9-OFFL", {"eventId": "ev-1", "orderNumber": ["Q9-OFFL"]})
        uow.session.flush()
        mark_rejected(uow.session, row.id, "428 ORDER_ACTION_NOT_AVAILABLE: order is CANCELED")
        uow.commit()
        return row.id


def test_retry_puts_a_rejected_change_back_in_the_queue_with_the_same_key(ledger, rejected_id):
    with ledger.uow() as uow:
        key = uow.session.get(OutboxEntry, rejected_id).idempotency_key
        retry(uow.session, rejected_id)
        uow.commit()
    with ledger.sessions() as s:
        row = s.get(OutboxEntry, rejected_id)
        assert (row.state, row.idempotency_key) == (PENDING, key)
        assert "ORDER_ACTION_NOT_AVAILABLE" in row.last_error
        assert rejected_entries(s) == []


def test_dismiss_keeps_the_row_for_audit_and_hides_it(ledger, rejected_id):
    with ledger.uow() as uow:
        assert [e["id"] for e in rejected_entries(uow.session, "ev-1")] == [rejected_id]
        dismiss(uow.session, rejected_id)
        uow.commit()
    with ledger.sessions() as s:
        assert s.scalars(select(OutboxEntry.state)).all() == [DISMISSED]
        assert rejected_entries(s) == []


def test_only_rejected_rows_can_be_retried_or_dismissed(ledger, rejected_id):
    with ledger.uow() as uow:
        retry(uow.session, rejected_id)
        with pytest.raises(TransitionRefused):
            retry(uow.session, rejected_id)
        with pytest.raises(TransitionRefused):
            dismiss(uow.session, 999)
