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


def _refused_definitions(ledger, *, pulled: bool) -> None:
    """A connected station whose last sync was refused the definitions listing (403)."""
    from core.timeutil import utcnow
    from sync.outcome import SyncOutcome
    from sync.station import StationConfig, save_config

    refusal = {"endpoint": "GET /events/v1/ticket-definitions", "permission": "definitions.read", "status": 403,
               "message": "no", "phase": "pull"}
    with ledger.uow() as uow:
        save_config(uow.session, StationConfig(url="http://hub.invalid", station="Door A", role="box-office"))
        if pulled:
            state.mark_success(uow.session, {"definitions"}, utcnow())
        state.set_last_outcome(uow.session, SyncOutcome(REFUSED, "no", (refusal,)).to_json(), utcnow())
        uow.commit()


def test_refused_definitions_show_the_cached_ones_with_their_age(qtbot, ctx, event_data):
    _refused_definitions(ctx.ledger, pulled=True)
    box = _shown(qtbot, BoxOfficeTab(ctx))
    box.set_event(ctx.event)
    qtbot.waitUntil(lambda: box.picker.rowCount() == 2 and bool(box.freshness.text()), timeout=5000)
    text = box.freshness.text()
    assert text.startswith("Ticket definitions as of ") and "refused GET /events/v1/ticket-definitions" in text
    assert "definitions.read" in text and box.no_stock_reason == ""


def test_nothing_cached_and_refused_blocks_the_sale_with_the_reason(qtbot, ctx, event_data):
    from dataclasses import replace

    from app import queries
    from core.events import create_event

    with ctx.ledger.uow() as uow:
        empty = create_event(uow.session, title="Bare", time_zone="UTC", currency="EUR").id
        uow.commit()
        info = queries.load_event(uow.session, empty)
    _refused_definitions(ctx.ledger, pulled=False)
    box = _shown(qtbot, BoxOfficeTab(replace(ctx, event=info)))
    box.set_event(info)
    qtbot.waitUntil(lambda: bool(box.no_stock_reason), timeout=5000)
    box._update_totals()
    assert not box.sell_button.isEnabled()
    assert box.hint.text().startswith("No ticket definitions loaded from the server: the server refused")
    assert "never loaded" in box.freshness.text()
