"""core.outbox: the outbox state machine — PENDING → SENT | REJECTED, REJECTED → PENDING (retry) | DISMISSED —
and its queries. Refused transitions raise TransitionRefused; rows are never deleted."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core import outbox
from core.models import OutboxEntry

MOVES = {"mark_sent": lambda s, i: outbox.mark_sent(s, i, "note"),
         "mark_rejected": lambda s, i: outbox.mark_rejected(s, i, "409 ALREADY_EXISTS"),
         "retry": outbox.retry, "dismiss": outbox.dismiss,
         "mark_failed": lambda s, i: outbox.mark_failed(s, i, "503")}


def _row(session, state: str, key: str = "T1", kind: str = "checkin.create") -> int:
    row = outbox.enqueue(session, kind, "ev-1", key, {"eventId": "ev-1"})
    session.flush()
    row.state = state  # set up a starting state directly (the test of the machine itself)
    session.flush()
    return row.id


@pytest.mark.parametrize("start,move,end", [
    (outbox.PENDING, "mark_sent", outbox.SENT),
    (outbox.PENDING, "mark_rejected", outbox.REJECTED),
    (outbox.PENDING, "mark_failed", outbox.PENDING),
    (outbox.REJECTED, "retry", outbox.PENDING),
    (outbox.REJECTED, "dismiss", outbox.DISMISSED),
])
def test_allowed_transitions(session, start, move, end):
    entry_id = _row(session, start)
    MOVES[move](session, entry_id)
    row = session.get(OutboxEntry, entry_id)
    assert row.state == end
    if move != "retry" and move != "dismiss":
        assert row.attempts == 1


@pytest.mark.parametrize("start,move", [
    (outbox.SENT, "mark_sent"), (outbox.SENT, "mark_rejected"), (outbox.SENT, "retry"), (outbox.SENT, "dismiss"),
    (outbox.SENT, "mark_failed"), (outbox.PENDING, "retry"), (outbox.PENDING, "dismiss"),
    (outbox.REJECTED, "mark_sent"), (outbox.REJECTED, "mark_rejected"), (outbox.REJECTED, "mark_failed"),
    (outbox.DISMISSED, "retry"), (outbox.DISMISSED, "dismiss"), (outbox.DISMISSED, "mark_sent"),
])
def test_refused_transitions(session, start, move):
    entry_id = _row(session, start)
    with pytest.raises(outbox.TransitionRefused):
        MOVES[move](session, entry_id)
    assert session.get(OutboxEntry, entry_id).state == start


def test_a_missing_row_is_refused(session):
    for move in MOVES.values():
        with pytest.raises(outbox.TransitionRefused):
            move(session, 404)


def test_sent_keeps_the_note_and_time_rejected_the_error(session):
    a, b = _row(session, outbox.PENDING, "A"), _row(session, outbox.PENDING, "B")
    outbox.mark_sent(session, a, "already settled on the server")
    outbox.mark_rejected(session, b, "E" * 3000)
    ra, rb = session.get(OutboxEntry, a), session.get(OutboxEntry, b)
    assert ra.sent_at is not None and ra.last_error == "already settled on the server"
    assert len(rb.last_error) == outbox.ERROR_MAX and rb.sent_at is None
    outbox.retry(session, b)
    assert session.get(OutboxEntry, b).last_error.startswith("retry requested after: EEE")


def test_queries(session):
    _row(session, outbox.PENDING, "T1")
    _row(session, outbox.PENDING, "T2", "checkin.delete")
    _row(session, outbox.PENDING, "O1", "order.update")
    _row(session, outbox.REJECTED, "D1", "definition.create")
    _row(session, outbox.SENT, "T3")
    assert outbox.pending_count(session) == 3 and outbox.pending_count(session, "other") == 0
    assert outbox.pending_by_kind(session) == {"checkin.create": 1, "checkin.delete": 1, "order.update": 1}
    assert outbox.pending_keys(session, ["T1", "T3", "D1", "X"]) == {"T1"}
    assert outbox.rejected_keys(session, ["D1", "T1"], "definition.create") == {"D1"}
    assert outbox.rejected_keys(session, ["D1"], "definition.update") == set()
    assert outbox.rejected_count(session) == 1 and [r["entity"] for r in outbox.rejected_entries(session)] == ["D1"]
    assert outbox.has_pending(session, "O1") and not outbox.has_pending(session, "T3")
    assert [r.entity_key for r in outbox.pending_rows(session, 2)] == ["T1", "T2"]
    assert [r.kind for r in outbox.pending_of(session, "T2")] == ["checkin.delete"]
    assert session.scalar(select(func.count()).select_from(OutboxEntry)) == 5  # nothing is ever deleted


# -- issue 8 items 1 and 2: hold, retry_all, fold_superseded, the retry audit -----------------------------------
def _update(session, key: str, fields: list[str], base: dict, definition: dict) -> int:
    row = outbox.enqueue(session, outbox.DEFINITION_UPDATE, "ev-1", key,
                         {"eventId": "ev-1", "definitionId": key, "fields": fields, "base": base,
                          "definition": definition})
    session.flush()
    return row.id


def test_hold_keeps_a_pending_row_pending_with_its_reason(session):
    entry_id = _row(session, outbox.PENDING)
    outbox.hold(session, entry_id, "waiting for #1")
    row = session.get(OutboxEntry, entry_id)
    assert (row.state, row.attempts, row.last_error) == (outbox.PENDING, 0, "waiting for #1")
    with pytest.raises(outbox.TransitionRefused):
        outbox.hold(session, _row(session, outbox.SENT, "T2"), "x")


def test_retry_all_in_outbox_order_and_the_audit_survives_the_send(session):
    ids = [_row(session, outbox.PENDING, f"T{i}") for i in range(3)]
    for entry_id in ids[:2]:
        outbox.mark_rejected(session, entry_id, "403 PERMISSION_DENIED")
    assert outbox.retry_all(session) == ids[:2]
    assert outbox.rejected_count(session) == 0 and outbox.pending_count(session) == 3
    outbox.mark_sent(session, ids[0])
    assert session.get(OutboxEntry, ids[0]).last_error == "retry requested after: 403 PERMISSION_DENIED"


def test_an_update_covered_by_a_newer_one_is_folded_into_it(session):
    old = _update(session, "D1", ["quantity"], {"quantity": 100}, {"quantity": 50, "name": "A"})
    other = _update(session, "D2", ["quantity"], {"quantity": 7}, {"quantity": 8})
    new = _update(session, "D1", ["quantity", "name"], {"quantity": 50, "name": "A"}, {"quantity": 40, "name": "B"})
    assert outbox.fold_superseded(session) == [(old, new)]
    assert session.get(OutboxEntry, old).state == outbox.DISMISSED
    assert "folded into #%d" % new in session.get(OutboxEntry, old).last_error
    assert session.get(OutboxEntry, new).payload["base"] == {"quantity": 100, "name": "A"}
    assert session.get(OutboxEntry, other).state == outbox.PENDING


def test_an_update_not_covered_by_the_newer_one_is_merged_into_it(session):
    """Issue 8 item 3: folding merges the masks, so the older edit's fields still go up."""
    old = _update(session, "D1", ["quantity", "name"], {"quantity": 100, "name": "A"}, {"quantity": 50, "name": "B"})
    new = _update(session, "D1", ["quantity"], {"quantity": 50}, {"quantity": 40, "name": "B"})
    assert outbox.fold_superseded(session) == [(old, new)]
    payload = session.get(OutboxEntry, new).payload
    assert payload["fields"] == ["quantity", "name"]
    assert payload["base"] == {"quantity": 100, "name": "A"}
    assert payload["definition"] == {"quantity": 40, "name": "B"}


def test_order_updates_merge_their_changed_inputs(session):
    def order_update(paths, inputs, base):
        row = outbox.enqueue(session, outbox.ORDER_UPDATE, "ev-1", "O1",
                             {"eventId": "ev-1", "orderNumber": "O1", "fields": ["checkoutForm"], "paths": paths,
                              "checkoutForm": {"inputValues": inputs}, "base": base})
        session.flush()
        return row.id
    old = order_update(["checkoutForm.email"], [{"inputName": "email", "value": "a@x"}],
                       {"checkoutForm.email": "old@x"})
    new = order_update(["checkoutForm.email", "checkoutForm.phone"],
                       [{"inputName": "email", "value": "b@x"}, {"inputName": "phone", "value": "1"}],
                       {"checkoutForm.email": "a@x", "checkoutForm.phone": None})
    archive = outbox.enqueue(session, outbox.ORDER_UPDATE, "ev-1", "O1",
                             {"eventId": "ev-1", "orderNumber": "O1", "fields": ["archived"], "paths": ["archived"],
                              "archived": True, "base": {"archived": False}})
    session.flush()
    assert outbox.fold_superseded(session) == [(old, new), (new, archive.id)]
    payload = session.get(OutboxEntry, archive.id).payload
    assert payload["fields"] == ["checkoutForm", "archived"]
    assert payload["paths"] == ["checkoutForm.email", "checkoutForm.phone", "archived"]
    assert payload["checkoutForm"]["inputValues"] == [{"inputName": "email", "value": "b@x"},
                                                      {"inputName": "phone", "value": "1"}]
    assert payload["archived"] is True
    assert payload["base"] == {"checkoutForm.email": "old@x", "checkoutForm.phone": None, "archived": False}


def test_resend_moves_sent_rows_of_the_kinds_back_to_pending_in_order(session):
    a = _row(session, outbox.SENT, "T1")
    b = _row(session, outbox.SENT, "O1", kind="order.create")
    c = _row(session, outbox.SENT, "D1", kind="definition.update")
    d = _row(session, outbox.REJECTED, "T2")
    assert outbox.resend(session, ["checkin.create", "order.create"]) == [a, b]
    states = {r.id: r.state for r in session.scalars(select(OutboxEntry))}
    assert (states[a], states[b], states[c], states[d]) == (outbox.PENDING, outbox.PENDING, outbox.SENT,
                                                            outbox.REJECTED)
    assert session.get(OutboxEntry, a).last_error == outbox.RESEND_NOTE
    assert outbox.resend(session, ["checkin.create"]) == []
