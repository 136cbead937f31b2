"""The organiser's entrance editor (issue 9 item 7) opened from the Events tab: add an entrance admitting one
ticket type, rename it, make an exit, delete it, set the capacity alarm — each stored by core.entrances with
its outbox row for the hub, a refusal shown with core's reason (pytest-qt, offscreen)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.tabs.events_tab import EventsTab
from core.entrances import list_entrances
from core.models import Event, OutboxEntry


@pytest.fixture
def dialog(qtbot, ctx):
    tab = EventsTab(ctx)
    qtbot.addWidget(tab)
    tab.show()
    with qtbot.waitSignal(tab.loaded, timeout=5000):
        tab.set_event(ctx.event)
    tab.select(ctx.event_id)
    assert tab.entrances_button.isEnabled()
    tab.entrances_button.click()
    d = tab.entrance_dialog
    qtbot.waitUntil(lambda: d.admits.count() == 2, timeout=5000)
    yield d
    d.close()


def _entrances(ctx):
    with ctx.ledger.uow() as uow:
        return list_entrances(uow.session, ctx.event_id)


def _saved(qtbot, d, action):
    with qtbot.waitSignal(d.loaded, timeout=5000):
        with qtbot.waitSignal(d.saved, timeout=5000):
            action()


def test_add_edit_delete_an_entrance(qtbot, ctx, event_data, dialog):
    d = dialog
    d.name.setText("Balcony gate")
    for i in range(d.admits.count()):
        if d.admits.item(i).text() == "Balcony":
            d.admits.item(i).setCheckState(Qt.CheckState.Checked)
    _saved(qtbot, d, d.add_button.click)
    [made] = _entrances(ctx)
    assert (made.name, made.definition_ids, made.direction) == ("Balcony gate", {event_data.balcony_id}, "ENTRY")
    assert d.current() == made and "Balcony gate — entry, Balcony" in d.entrance_list.item(0).text()
    d.name.setText("Way out")
    d.direction.setCurrentIndex(1)
    _saved(qtbot, d, d.save_button.click)
    [changed] = _entrances(ctx)
    assert changed.name == "Way out" and changed.is_exit
    _saved(qtbot, d, d.delete_button.click)
    assert _entrances(ctx) == []
    with ctx.ledger.uow() as uow:
        kinds = [k for k in uow.session.scalars(select(OutboxEntry.kind)) if k.startswith("entrance.")]
    assert kinds == ["entrance.upsert", "entrance.upsert", "entrance.delete"]


def test_a_refusal_shows_cores_reason_and_capacity_is_set(qtbot, ctx, event_data, dialog):
    d = dialog
    d.name.setText("   ")
    d.add_button.click()
    qtbot.waitUntil(lambda: "name" in d.status.text(), timeout=5000)
    assert _entrances(ctx) == []
    d.capacity.setValue(250)
    _saved(qtbot, d, d.capacity_button.click)
    with ctx.ledger.uow() as uow:
        assert uow.session.get(Event, ctx.event_id).max_inside == 250
    assert d.capacity.value() == 250
