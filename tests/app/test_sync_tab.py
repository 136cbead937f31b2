"""The Sync panel against the real hub: the status with per-resource ages, "Sync now", a change the hub
rejected shown in the table, a ticket-definition conflict shown and resolved by "Keep mine" / "Take theirs",
and the clock-offset warning (BC-13)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from PySide6.QtCore import Qt

from app.tabs.sync_tab import ConflictRow, SyncTab, show_value
from core.definitions import update_definition
from core.models import Order, OutboxEntry, TicketDefinition
from core.orders import complete_order, update_order
from core.timeutil import utcnow
from tests.app.sync_helpers import first_pull, station_context


@pytest.fixture
def panel(qtbot, tmp_path, connect_station, make_controller):
    """make(role, **hub_options) → (shop, controller, tab) after a first pull."""

    def make(role: str = "box-office", **hub_options):
        shop = connect_station(role, **hub_options)
        first_pull(shop.ledger)
        controller = make_controller()
        tab = SyncTab(station_context(shop, tmp_path), controller)
        qtbot.addWidget(tab)
        tab.show()
        return shop, controller, tab

    return make


def _sync_now(qtbot, tab):
    with qtbot.waitSignal(tab.controller.sync_finished, timeout=20000) as blocker:
        qtbot.mouseClick(tab.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.sync_button.isEnabled(), timeout=5000)
    return blocker.args[0]


def _cells(model, row):
    return [model.index(row, c).data() for c in range(model.columnCount())]


def test_status_shows_last_sync_per_resource_and_sync_now(qtbot, panel):
    shop, _controller, tab = panel()
    assert _sync_now(qtbot, tab).ok
    qtbot.waitUntil(lambda: "tickets: " in tab.ages_label.text(), timeout=5000)
    assert tab.status_label.text().startswith("online — last sync ")
    assert tab.status_label.text().endswith("0 changes waiting")
    ages = tab.ages_label.text()
    for resource in ("tickets", "orders", "ticket definitions"):
        assert f"{resource}: " in ages
    assert tab.server_label.text() == f"Server {shop.hub.url} · station Door A (box-office)"
    assert "sync ok" in tab.progress_label.text()
    assert not tab.clock_label.isVisibleTo(tab)


def test_rejected_change_appears_in_the_table(qtbot, panel):
    """A confirm the hub refuses (the order was canceled centrally meanwhile) is kept and listed."""
    shop, _controller, tab = panel()
    number = shop.unpaid["orderNumber"]
    with shop.ledger.uow() as uow:
        complete_order(uow.session, shop.event_id, [number])
        uow.commit()
    with shop.hub.uow() as s:
        s.get(Order, number).status = "CANCELED"
    report = _sync_now(qtbot, tab)
    assert len(report.rejected) == 1
    qtbot.waitUntil(lambda: tab.rejected_model.rowCount() == 1, timeout=5000)
    kind, entity, error, when = _cells(tab.rejected_model, 0)
    assert (kind, entity) == ("order.confirm", number) and "ORDER_ACTION_NOT_AVAILABLE" in error and when
    qtbot.waitUntil(lambda: "1 rejected" in tab.status_label.text(), timeout=5000)
    tab.rejected_view.selectRow(0)
    assert tab.retry_button.isEnabled() and tab.dismiss_button.isEnabled()
    tab.dismiss_button.click()
    qtbot.waitUntil(lambda: tab.rejected_model.rowCount() == 0, timeout=5000)
    assert "dismissed" in tab.message.text()
    with shop.ledger.sessions() as s:  # kept for audit, never deleted
        assert s.scalars(select(OutboxEntry.state).where(OutboxEntry.entity_key == number)).all() == ["dismissed"]


def test_retry_all_rejected_queues_every_refused_change_again(qtbot, panel):
    """Issue 8 item 2: "Retry all rejected" puts every refused change back in the queue (oldest first)."""
    shop, _controller, tab = panel()
    number = shop.unpaid["orderNumber"]
    with shop.ledger.uow() as uow:
        complete_order(uow.session, shop.event_id, [number])
        uow.commit()
    with shop.hub.uow() as s:
        s.get(Order, number).status = "CANCELED"
    assert len(_sync_now(qtbot, tab).rejected) == 1
    qtbot.waitUntil(lambda: tab.rejected_model.rowCount() == 1 and tab.retry_all_button.isEnabled(), timeout=5000)
    tab.retry_all_button.click()
    qtbot.waitUntil(lambda: tab.rejected_model.rowCount() == 0, timeout=5000)
    assert "1 rejected change(s) queued again" in tab.message.text()
    assert not tab.retry_all_button.isEnabled()
    with shop.ledger.sessions() as s:
        row = s.scalars(select(OutboxEntry).where(OutboxEntry.entity_key == number)).one()
        assert row.state == "pending" and row.last_error.startswith("retry requested after")


def _conflict(qtbot, shop, tab):
    """The same field (name) changed here and on the hub → one conflict row after "Sync now"."""
    d = shop.definition_id
    with shop.ledger.uow() as uow:
        update_definition(uow.session, d, {"name": "Adult Gold"}, ["name"])
        uow.commit()
    with shop.hub.uow() as s:
        update_definition(s, d, {"name": "Adult Plus"}, ["name"])
    report = _sync_now(qtbot, tab)
    assert report.conflicts == [d]
    qtbot.waitUntil(lambda: tab.conflicts_model.rowCount() == 1, timeout=5000)
    assert _cells(tab.conflicts_model, 0) == ["Adult Plus", "name", "Adult", "Adult Gold", "Adult Plus"]
    qtbot.waitUntil(lambda: "1 conflict" in tab.status_label.text(), timeout=5000)
    assert not tab.keep_button.isEnabled()  # nothing selected yet
    tab.conflicts_view.selectRow(0)
    assert tab.keep_button.isEnabled() and tab.take_button.isEnabled()


def _names(shop):
    out = []
    for ledger in (shop.ledger, shop.hub.ledger):
        with ledger.uow() as uow:
            out.append(uow.session.get(TicketDefinition, shop.definition_id).name)
    return out


def test_definition_conflict_keep_mine_uploads_my_value(qtbot, panel):
    shop, _controller, tab = panel("organiser")
    _conflict(qtbot, shop, tab)
    with qtbot.waitSignal(tab.changed, timeout=5000) as blocker:
        qtbot.mouseClick(tab.keep_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["definitions"]
    qtbot.waitUntil(lambda: tab.conflicts_model.rowCount() == 0, timeout=5000)
    assert "kept" in tab.message.text()
    assert _sync_now(qtbot, tab).ok
    assert _names(shop) == ["Adult Gold", "Adult Gold"]
    qtbot.waitUntil(lambda: "conflict" not in tab.status_label.text(), timeout=5000)


def test_definition_conflict_take_theirs_adopts_the_hub_value(qtbot, panel):
    shop, controller, tab = panel("organiser")
    _conflict(qtbot, shop, tab)
    qtbot.mouseClick(tab.take_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.conflicts_model.rowCount() == 0, timeout=5000)
    assert "server's values" in tab.message.text()
    assert _names(shop) == ["Adult Plus", "Adult Plus"]
    qtbot.waitUntil(lambda: controller.status.conflicts == 0 and controller.status.pending == 0, timeout=5000)


def test_order_conflict_listed_and_keep_mine_uploads_my_value(qtbot, panel):
    """Issue 8 item 3: the same order field edited here and on the hub is one conflict row of the same table."""
    shop, _controller, tab = panel()
    number = shop.unpaid["orderNumber"]
    form = {"inputValues": [{"inputName": "email", "value": "mine@example.org"}]}
    with shop.ledger.uow() as uow:
        update_order(uow.session, shop.event_id, number, fields=["checkoutForm"], checkout_form=form)
        uow.commit()
    with shop.hub.uow() as s:
        update_order(s, shop.event_id, number, fields=["checkoutForm"],
                     checkout_form={"inputValues": [{"inputName": "email", "value": "theirs@example.org"}]})
    assert _sync_now(qtbot, tab).conflicts == [number]
    qtbot.waitUntil(lambda: tab.conflicts_model.rowCount() == 1, timeout=5000)
    name, field, _before, mine, theirs = _cells(tab.conflicts_model, 0)
    assert name.startswith(f"order {number}") and (field, mine, theirs) == (
        "checkoutForm.email", "mine@example.org", "theirs@example.org")
    tab.conflicts_view.selectRow(0)
    with qtbot.waitSignal(tab.changed, timeout=5000) as blocker:
        qtbot.mouseClick(tab.keep_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["orders"]
    assert _sync_now(qtbot, tab).ok
    with shop.hub.uow() as s:
        assert s.get(Order, number).email == "mine@example.org"


def test_bc13_clock_offset_warning_is_shown(qtbot, panel):
    _shop, _controller, tab = panel(clock=lambda: utcnow() + timedelta(minutes=10))
    assert _sync_now(qtbot, tab).ok
    qtbot.waitUntil(lambda: tab.clock_label.isVisibleTo(tab), timeout=5000)
    assert "behind the server" in tab.clock_label.text()
    assert "check the clock" in tab.status_label.text()


def test_show_value_and_rows():
    assert show_value({"value": "50.00", "currency": "EUR"}) == "50.00 EUR"
    assert (show_value(None), show_value(True), show_value(40)) == ("—", "yes", "40")
    assert ConflictRow("d", "VIP", "name", "a", "b", "c") == ConflictRow("d", "VIP", "name", "a", "b", "c")
