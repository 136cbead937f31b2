"""Refresh by change: a mutation runs through app.tasks.run_op, its Changes reach MainWindow.on_changes_applied,
and only the tabs that show those kinds reload; the outbox count follows without a polling timer."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer

from app import main_window, tasks
from app.main_window import MainWindow
from app.sync_wiring import run_changes
from core.changes import Changes
from core.definitions import create_definition
from core.money import Money
from core.outbox import pending_count
from core.quote import quote_sale
from sync.engine import SyncReport

TABS = ("door", "box_office", "definitions", "orders")


@pytest.fixture
def window(qtbot, ctx):
    w = MainWindow(ctx, ctx.event_id)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: "Door Test" in w.event_label.text(), timeout=5000)
    w.tabs.setCurrentWidget(w.box_office)
    qtbot.waitUntil(lambda: w.box_office.picker.rowCount() == 2, timeout=5000)
    assert tasks.wait_for_done(5000)
    yield w
    w.close()


def spy(monkeypatch, window) -> list[str]:
    """Record which tabs' refresh() runs (the tabs still refresh)."""
    calls: list[str] = []
    for name in TABS:
        tab = getattr(window, name)

        def counted(original=tab.refresh, name=name):
            calls.append(name)
            original()

        monkeypatch.setattr(tab, "refresh", counted)
    return calls


def test_a_sale_refreshes_the_tabs_showing_orders_and_counts(qtbot, window, monkeypatch, ctx, event_data):
    calls = spy(monkeypatch, window)
    box = window.box_office
    box.picker.set_quantity(event_data.standing_id, 1)
    box.first_name.setText("Zoë")
    box.last_name.setText("Brontë")
    box.card.setChecked(True)
    with qtbot.waitSignal(window.changes_applied, timeout=5000) as blocker:
        box.sell_button.click()
    changes = blocker.args[0]
    assert {"orders", "tickets", "payments", "definitions", "outbox"} <= changes.kinds()
    assert calls.count("box_office") == 1, "the box office refreshed itself once (it made the sale)"
    assert {"definitions", "orders", "door"} <= set(calls)


def test_a_definition_change_leaves_the_door_and_orders_alone(qtbot, window, monkeypatch, ctx):
    calls = spy(monkeypatch, window)
    with qtbot.waitSignal(window.changes_applied, timeout=5000) as blocker:
        tasks.run_op(ctx.ledger, create_definition, ctx.event_id, {"name": "Late entry"},
                     present=lambda _s, d: d.id, parent=window.definitions)
    assert blocker.args[0].definitions and blocker.args[0].outbox
    assert set(calls) == {"box_office"}, "definitions made it (its own refresh); door and orders untouched"


def test_a_check_in_leaves_the_box_office_alone(qtbot, window, monkeypatch, event_data):
    calls = spy(monkeypatch, window)
    with qtbot.waitSignal(window.changes_applied, timeout=5000) as blocker:
        window.door.submit(event_data.paid_tickets[0], "MANUAL")
    assert blocker.args[0].checkins == {event_data.paid_tickets[0]}
    assert "box_office" not in calls and {"orders", "definitions"} <= set(calls)


def test_another_ledger_s_changes_are_ignored(qtbot, window, monkeypatch):
    calls = spy(monkeypatch, window)
    tasks.announce(object(), Changes(orders=frozenset({"X"}), outbox=True))
    assert calls == []


def test_the_pending_count_follows_changes_without_a_polling_timer(qtbot, window, ctx, event_data):
    assert not hasattr(main_window, "PENDING_POLL_MS")
    polling = [t for t in window.findChildren(QTimer) if t.isActive() and not t.isSingleShot()]
    assert polling == [], "nothing polls for what the app itself changed"
    with ctx.ledger.uow() as uow:
        before = pending_count(uow.session)
    qtbot.waitUntil(lambda: window.sync_label.text() == f"offline — {before} changes waiting", timeout=5000)
    with qtbot.waitSignal(window.door.scanned, timeout=5000):
        window.door.submit(event_data.paid_tickets[1], "MANUAL")
    qtbot.waitUntil(lambda: window.sync_label.text() == f"offline — {before + 1} changes waiting", timeout=5000)


def test_the_box_office_shows_core_s_quote(qtbot, window, ctx, event_data):
    """The picker's maxima are core's `most`; total and change are the quote's."""
    box = window.box_office
    with ctx.ledger.uow() as uow:
        core = quote_sale(uow.session, ctx.event_id, {}, payment="card")
    assert {d: box.picker.spin_for(d).maximum() for d in core.most} == core.most
    box.picker.set_quantity(event_data.balcony_id, 2)
    box.cash.setChecked(True)
    box.tendered.setText("100")
    quoted = box.quote()
    assert quoted.total == Money.of("79.00", "EUR") and quoted.change == Money.of("21.00", "EUR")
    assert box.change_label.text() == "€21.00"


def test_sync_run_changes():
    plain = run_changes(SyncReport(ok=True, pulled=3, pulled_by={"orders": 2, "tickets": 1}))
    assert plain.sync and plain.orders and plain.tickets and not plain.outbox and not plain.definitions
    assert run_changes(SyncReport(ok=True, pushed=1)).outbox
    assert run_changes(SyncReport(ok=True)).kinds() == {"sync"}
