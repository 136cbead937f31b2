"""sync.push_gate: which outbox rows wait for a refused one (issue 8 items 1 and 2)."""
from __future__ import annotations

from core.status import OutboxKind
from sync.handler import Item
from sync.push_gate import Gate, waiting_reason


def _item(id_: int, kind: str, entity: str, event: str = "E1", payload: dict | None = None) -> Item:
    return Item(id_, kind, event, entity, payload or {}, f"k{id_}", 0)


SALE = {"order": {"tickets": [{"ticketNumber": "T1", "ticketDefinitionId": "D1"}]}}


def test_a_refused_event_holds_everything_of_its_event_only():
    gate = Gate()
    gate.block(_item(1, OutboxKind.EVENT_CREATE, "E1"), "refused")
    assert gate.waits(_item(2, OutboxKind.DEFINITION_CREATE, "D1")) == "refused"
    assert gate.waits(_item(3, OutboxKind.CHECKIN_CREATE, "T9")) == "refused"
    assert gate.waits(_item(4, OutboxKind.CHECKIN_CREATE, "T9", event="E2")) is None


def test_a_refused_sale_holds_its_check_ins_and_a_refused_definition_holds_its_sales():
    gate = Gate()
    gate.block(_item(5, OutboxKind.ORDER_CREATE, "O1", payload=SALE), "no")
    assert gate.waits(_item(6, OutboxKind.CHECKIN_CREATE, "T1")) == "no"
    assert gate.waits(_item(7, OutboxKind.ORDER_CONFIRM, "O1")) == "no"
    assert gate.waits(_item(8, OutboxKind.CHECKIN_CREATE, "T2")) is None
    gate = Gate()
    gate.block(_item(1, OutboxKind.DEFINITION_CREATE, "D1"), "def refused")
    assert gate.waits(_item(2, OutboxKind.ORDER_CREATE, "O2", payload=SALE)) == "def refused"


def test_only_later_rows_wait_and_forbidden_kinds_are_kept():
    gate = Gate()
    gate.block(_item(10, OutboxKind.DEFINITION_UPDATE, "D1"), "later refusal")
    assert gate.waits(_item(4, OutboxKind.DEFINITION_UPDATE, "D1")) is None  # a retried older row goes first
    assert gate.waits(_item(11, OutboxKind.DEFINITION_UPDATE, "D1")) == "later refusal"
    gate.forbid(OutboxKind.ORDER_CREATE, "403")
    gate.forbid(OutboxKind.ORDER_CREATE, "second")
    assert gate.forbidden == {OutboxKind.ORDER_CREATE: "403"}


def test_waiting_reason_names_the_refused_row():
    text = waiting_reason(_item(3, OutboxKind.EVENT_CREATE, "E1"), "403 PERMISSION_DENIED")
    assert text == "waiting for #3 (event.create E1), which the server refused: 403 PERMISSION_DENIED"
