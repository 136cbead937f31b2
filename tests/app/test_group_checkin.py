"""Whole-order check-in through the real window (issue 9 item 10): an OK scan of one ticket of a group shows
"3 more in this order", the others listed with their state; Enter admits the checked ones, each as its own
check-in; an already-admitted ticket is listed as such and not offered; "Admit all" and Esc."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.main_window import MainWindow
from app.widgets.group_panel import GroupPanel, item_text
from core.door import GroupTicket
from core.models import CheckIn
from core.money import Money
from core.sales import sell
from core.tickets import checked_in_map
from sqlalchemy import select


@pytest.fixture
def window(qtbot, ctx):
    w = MainWindow(ctx, ctx.event_id)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: "Door Test" in w.event_label.text(), timeout=5000)
    yield w
    w.close()


@pytest.fixture
def family(ctx, event_data) -> list[str]:
    """A paid order of 4 Standing tickets (the Moreira family)."""
    with ctx.ledger.uow() as uow:
        done = sell(uow.session, event_data.event_id, {event_data.standing_id: 4},
                    {"firstName": "Rui", "lastName": "Moreira"}, payment="cash",
                    tendered=Money.of("100.00", "EUR"), station="Till 1")
        numbers = sorted(t.ticket_number for t in done.order.tickets)
        uow.commit()
    return numbers


def _scan(qtbot, door, payload):
    with qtbot.waitSignal(door.scanned, timeout=5000) as blocker:
        door.submit(payload, "MANUAL")
    return blocker.args[0]


def _checked(ctx, numbers):
    with ctx.ledger.uow() as uow:
        return set(checked_in_map(uow.session, numbers))


def test_group_check_in_admits_the_chosen_tickets_with_enter(qtbot, window, ctx, family):
    door = window.door
    assert _scan(qtbot, door, family[1]).verdict.value == "OK"
    assert _scan(qtbot, door, family[0]).verdict.value == "OK"
    panel = door.group_panel()
    qtbot.waitUntil(panel.isVisible, timeout=3000)
    assert panel.title.text().startswith("2 more in this order")  # family[1] is already in
    texts = [panel.list.item(i).text() for i in range(panel.list.count())]
    assert len(texts) == 3 and texts[0].endswith("— already in") and "Standing" in texts[1]
    assert panel.chosen() == family[2:]
    panel.list.item(2).setCheckState(Qt.CheckState.Unchecked)  # choose: only family[2]
    with qtbot.waitSignal(door.scanned, timeout=5000) as blocker:
        qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    assert blocker.args[0].ticket_number == family[2] and blocker.args[0].verdict.value == "OK"
    assert _checked(ctx, family) == set(family[:3])
    assert not panel.isVisible() and door.verdict_panel.css_class == "ok"
    assert "Admitted 1 of this order" in door.verdict_panel.extra.text()
    with ctx.ledger.uow() as uow:  # each its own check-in row
        assert len(list(uow.session.scalars(select(CheckIn).where(CheckIn.ticket_number.in_(family))))) == 3


def test_admit_all_and_escape(qtbot, window, ctx, family):
    door = window.door
    _scan(qtbot, door, family[0])
    panel = door.group_panel()
    qtbot.waitUntil(panel.isVisible, timeout=3000)
    qtbot.keyClick(panel.list, Qt.Key.Key_Escape)
    assert not panel.isVisible() and _checked(ctx, family) == {family[0]}
    _scan(qtbot, door, family[1])
    qtbot.waitUntil(panel.isVisible, timeout=3000)
    with qtbot.waitSignals([door.scanned, door.scanned], timeout=5000):
        panel.all_button.click()
    qtbot.waitUntil(lambda: _checked(ctx, family) == set(family), timeout=3000)


def test_no_panel_after_a_refusal(qtbot, window, ctx, event_data):
    door = window.door
    assert _scan(qtbot, door, event_data.unpaid_tickets[0]).verdict.value == "UNPAID"
    assert not door.group_panel().isVisible()


def test_panel_rows_without_a_window(qtbot):
    panel = GroupPanel()
    qtbot.addWidget(panel)
    tickets = [GroupTicket("A-1", "Ana", "Standing", False), GroupTicket("A-2", "Rui", "Standing", True),
               GroupTicket("A-3", "", "Balcony", False, void=True)]
    assert not panel.show_group("A", tickets, "A-1")  # nothing left to admit: hidden
    assert item_text(tickets[2]) == "Balcony · A-3 — void"
    assert panel.show_group("A", tickets + [GroupTicket("A-4", "Eva", "Standing", False)], "A-1")
    assert panel.chosen() == ["A-4"]
