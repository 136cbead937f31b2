"""The Events tab and dialog (issue 10, item 1): create and edit an event through core.events, the currency
disabled with core's reason once locked, a refusal reopening the form, switching events, and an empty
ledger's first event becoming the current one (pytest-qt, offscreen, modal dialogs patched)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from PySide6.QtCore import QDateTime

from app.dialogs.event_dialog import EventDialog
from app.main_window import MainWindow
from app.tabs.events_tab import EventsTab
from core.db import Ledger
from core.events import create_event, event_summary
from core.models import Event


@pytest.fixture
def tab(qtbot, ctx):
    t = EventsTab(ctx)
    qtbot.addWidget(t)
    t.show()
    with qtbot.waitSignal(t.loaded, timeout=5000):
        t.set_event(ctx.event)
    return t


def _answer(monkeypatch, fn):
    calls = []

    def ask(initial=None, parent=None, *, entered=None, error=""):
        calls.append({"initial": initial, "entered": entered, "error": error})
        return fn(initial)

    monkeypatch.setattr(EventDialog, "ask", staticmethod(ask))
    return calls


def test_lists_the_event_marked_current_with_the_lock_reason(tab, ctx):
    rows = tab.model.rows()
    assert [r.title for r in rows] == ["Door Test"] and rows[0].currency_locked
    assert tab.model.index(0, 0).data() == "▶ Door Test"
    assert "orders exist" in tab.model.index(0, 4).data(3)  # ToolTipRole


def test_create_event_through_the_dialog(qtbot, tab, ctx, monkeypatch):
    def fill(_initial):
        dialog = EventDialog()
        qtbot.addWidget(dialog)
        dialog.title.setText("Autumn Gala")
        dialog.time_zone.setCurrentText("Europe/Zurich")
        dialog.currency.setCurrentText("chf")
        dialog.start_on.setChecked(True)
        dialog.start.setDateTime(QDateTime(2030, 10, 4, 19, 30, 0))
        return dialog.changes()

    _answer(monkeypatch, fill)
    with qtbot.waitSignal(tab.loaded, timeout=5000):
        tab.new_button.click()
    assert tab.status.text() == "Event created."
    row = next(r for r in tab.model.rows() if r.title == "Autumn Gala")
    assert (row.time_zone, row.currency, row.currency_locked) == ("Europe/Zurich", "CHF", False)
    assert row.start == datetime(2030, 10, 4, 17, 30, tzinfo=timezone.utc)  # 19:30 CEST
    assert row.end is None


def test_edit_event_sends_only_what_changed_and_keeps_instants_on_a_zone_change(qtbot, tab, ctx, monkeypatch):
    with ctx.ledger.uow() as uow:
        ev = uow.session.get(Event, ctx.event_id)
        ev.start = datetime(2030, 6, 1, 18, 0, tzinfo=timezone.utc)
        uow.commit()
    with qtbot.waitSignal(tab.loaded, timeout=5000):
        tab.refresh()
    assert tab.select(ctx.event_id)

    def edit(initial):
        dialog = EventDialog(initial)
        qtbot.addWidget(dialog)
        assert not dialog.currency.isEnabled() and "orders exist" in dialog.currency.toolTip()
        assert dialog.lock_label.text() == initial.lock_reason
        dialog.title.setText("Door Test — Night 2")
        dialog.time_zone.setCurrentText("Europe/London")
        return dialog.changes()

    calls = _answer(monkeypatch, edit)
    with qtbot.waitSignal(tab.event_saved, timeout=5000) as blocker:
        tab.edit_button.click()
    assert blocker.args == [ctx.event_id] and calls[0]["initial"].title == "Door Test"
    with ctx.ledger.uow() as uow:
        got = event_summary(uow.session, ctx.event_id)
    assert (got.title, got.time_zone, got.currency) == ("Door Test — Night 2", "Europe/London", "EUR")
    assert got.start == datetime(2030, 6, 1, 18, 0, tzinfo=timezone.utc)


def test_refused_edit_reopens_with_the_reason(qtbot, tab, ctx, monkeypatch):
    tab.select(ctx.event_id)
    answers = iter([{"time_zone": "Mars/Olympus"}, None])
    calls = _answer(monkeypatch, lambda initial: next(answers))
    tab.edit_button.click()
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=5000)
    assert "Mars/Olympus" in calls[1]["error"] and calls[1]["entered"] == {"time_zone": "Mars/Olympus"}


def test_currency_editable_while_unlocked(qtbot, ledger):
    with ledger.uow() as uow:
        ev = create_event(uow.session, title="Draft", time_zone="UTC", currency="EUR")
        uow.commit()
        summary = event_summary(uow.session, ev.id)
    dialog = EventDialog(summary)
    qtbot.addWidget(dialog)
    assert dialog.currency.isEnabled() and not dialog.lock_label.isVisible()
    dialog.currency.setCurrentText("usd")
    assert dialog.changes() == {"currency": "USD"}


def test_switch_event_from_the_events_tab(qtbot, ctx, ledger, no_dialogs):
    with ledger.uow() as uow:
        other = create_event(uow.session, title="Second Night", time_zone="UTC", currency="EUR").id
        uow.commit()
    w = MainWindow(ctx, ctx.event_id)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: "Door Test" in w.event_label.text(), timeout=5000)
    w.show()
    w.tabs.setCurrentWidget(w.events)
    qtbot.waitUntil(lambda: w.events.select(other), timeout=5000)
    assert w.events.switch_button.isEnabled()
    w.events.switch_button.click()
    qtbot.waitUntil(lambda: "Second Night" in w.event_label.text(), timeout=5000)
    assert ctx.event_id == other
    w.close()


def test_first_event_in_an_empty_ledger_becomes_current(qtbot, tmp_path, monkeypatch, no_dialogs):
    from app.context import StationContext
    from app.sound import SoundPlayer

    ledger = Ledger.open(tmp_path / "empty.db")
    try:
        ctx = StationContext(ledger=ledger, ledger_path=str(tmp_path / "empty.db"), station="S",
                             sound=SoundPlayer(player=[], use_beep=False))
        w = MainWindow(ctx)
        qtbot.addWidget(w)
        qtbot.waitUntil(lambda: "none" in w.event_label.text(), timeout=5000)
        assert "Events tab" in w.event_label.text()
        _answer(monkeypatch, lambda _i: {"title": "First", "time_zone": "UTC", "currency": "EUR", "start": None,
                                         "end": None})
        w.show()
        w.tabs.setCurrentWidget(w.events)
        w.events.new_button.click()
        qtbot.waitUntil(lambda: "First" in w.event_label.text(), timeout=5000)
        w.close()
    finally:
        from app import tasks

        tasks.wait_for_done(10000)
        ledger.close()
