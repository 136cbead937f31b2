"""The GUI's role guard (app.role_guard, issue 8 items 5 and 6): at a door-role station the box office's Sell
and Complete, the definition and event edits are disabled with the reason on the control; a ledger never
connected may do everything; the status bar says which class of failure the last sync had (pytest-qt)."""
from __future__ import annotations

import pytest

from app.sync_controller import SyncStatus
from app.tabs.box_office_tab import BoxOfficeTab
from app.tabs.definitions_tab import DefinitionsTab
from app.tabs.events_tab import EventsTab
from app.widgets.sync_status import RED, SyncStatusWidget
from sync import state
from sync.outcome import REFUSED, SyncOutcome


def _as_door(ledger) -> None:
    with ledger.uow() as uow:
        state.set_role_scope(uow.session, state.RoleScope("door", (), ("tickets.checkin",), None))
        uow.commit()


def _shown(qtbot, tab):
    qtbot.addWidget(tab)
    tab.show()
    return tab


def test_a_door_station_cannot_sell_or_complete_and_says_why(qtbot, ctx, event_data):
    _as_door(ctx.ledger)
    box = _shown(qtbot, BoxOfficeTab(ctx))
    box.set_event(ctx.event)
    qtbot.waitUntil(lambda: box.picker.rowCount() == 2 and box.role == "door", timeout=5000)
    box.picker.set_quantity(event_data.standing_id, 1)
    box.first_name.setText("Ada")
    box.last_name.setText("Lovelace")
    box._update_totals()
    assert not box.sell_button.isEnabled()
    assert "can't sell tickets" in box.sell_button.toolTip() and "can't sell tickets" in box.hint.text()
    assert not box.complete_button.isEnabled() and "can't take payments" in box.complete_button.toolTip()


def test_a_door_station_cannot_edit_definitions_or_events(qtbot, ctx, event_data):
    _as_door(ctx.ledger)
    defs = _shown(qtbot, DefinitionsTab(ctx))
    with qtbot.waitSignal(defs.loaded, timeout=5000):
        defs.set_event(ctx.event)
    assert not defs.new_button.isEnabled() and "can't edit ticket definitions" in defs.new_button.toolTip()
    assert not defs.currency_button.isEnabled()
    events = _shown(qtbot, EventsTab(ctx))
    with qtbot.waitSignal(events.loaded, timeout=5000):
        events.set_event(ctx.event)
    assert not events.new_button.isEnabled() and "can't edit events" in events.new_button.toolTip()


def test_a_ledger_never_connected_may_do_everything(qtbot, ctx, event_data):
    defs = _shown(qtbot, DefinitionsTab(ctx))
    with qtbot.waitSignal(defs.loaded, timeout=5000):
        defs.set_event(ctx.event)
    assert defs.new_button.isEnabled() and defs.role is None


@pytest.mark.parametrize("kind", [REFUSED])
def test_status_bar_names_a_refusal_with_endpoint_and_permission(qtbot, kind):
    widget = SyncStatusWidget()
    qtbot.addWidget(widget)
    refusal = {"endpoint": "GET /events/v1/ticket-definitions", "permission": "definitions.read", "status": 403,
               "message": "no", "phase": "pull"}
    widget.set_status(SyncStatus(connected=True, online=True, outcome=SyncOutcome(kind, "no", (refusal,))))
    assert widget.label.text().startswith("refused by the server") and widget.colour == RED
    assert "GET /events/v1/ticket-definitions" in widget.toolTip() and "definitions.read" in widget.toolTip()
