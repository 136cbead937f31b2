"""Orders & tickets tab: filters, search, order detail with its tickets, registration-form update, archive."""
from __future__ import annotations

import pytest

from app.models.base import RowRole
from app.tabs.orders_tab import OrdersTab
from core.models import Order, OutboxEntry


@pytest.fixture
def tab(qtbot, ctx):
    t = OrdersTab(ctx)
    qtbot.addWidget(t)
    t.show()  # a hidden tab defers its loading until shown
    with qtbot.waitSignal(t.loaded, timeout=5000):
        t.set_event(ctx.event)
    return t


def _reload(qtbot, tab, action):
    with qtbot.waitSignal(tab.loaded, timeout=5000):
        action()


def test_hidden_tab_loads_when_shown(qtbot, ctx):
    t = OrdersTab(ctx)
    qtbot.addWidget(t)
    t.set_event(ctx.event)
    qtbot.wait(200)
    assert t.orders_model.rowCount() == 0
    with qtbot.waitSignal(t.loaded, timeout=5000):
        t.show()
    assert t.orders_model.rowCount() == 2


def test_lists_orders_and_tickets(tab, event_data):
    numbers = {r.order_number for r in tab.orders_model.rows()}
    assert numbers == {event_data.paid_order, event_data.unpaid_order}
    assert len(tab.tickets_model.rows()) == 3
    assert tab.footer.text() == "2 orders · 3 tickets"


def test_status_filter_and_search(qtbot, tab, event_data):
    _reload(qtbot, tab, lambda: tab.status_box.setCurrentText("OFFLINE_PENDING"))
    assert [r.order_number for r in tab.orders_model.rows()] == [event_data.unpaid_order]
    assert [r.ticket_number for r in tab.tickets_model.rows()] == event_data.unpaid_tickets
    _reload(qtbot, tab, lambda: tab.status_box.setCurrentIndex(0))
    _reload(qtbot, tab, lambda: (tab.search_edit.setText("moreira"), tab.refresh()))
    assert [r.order_number for r in tab.orders_model.rows()] == [event_data.paid_order]


def test_checked_in_filter(qtbot, tab, ctx, event_data):
    from core.tickets import check_in

    with ctx.ledger.uow() as uow:
        check_in(uow.session, event_data.event_id, [event_data.paid_tickets[0]], station="Door A")
        uow.commit()
    _reload(qtbot, tab, lambda: tab.checked_box.setCurrentText("Checked in"))
    assert [r.ticket_number for r in tab.tickets_model.rows()] == [event_data.paid_tickets[0]]
    assert tab.orders_model.rows() == [], "no order is fully checked in"
    _reload(qtbot, tab, lambda: tab.checked_box.setCurrentText("Not checked in"))
    assert len(tab.tickets_model.rows()) == 2


def test_sorting_uses_raw_values(qtbot, tab):
    from app.models.orders_model import COL_TOTAL
    from PySide6.QtCore import Qt

    tab.orders_view.sortByColumn(COL_TOTAL, Qt.SortOrder.AscendingOrder)
    totals = [tab.orders_proxy.index(r, 0).data(RowRole).total.minor for r in range(tab.orders_proxy.rowCount())]
    assert totals == sorted(totals) == [3950, 5000]


def test_wr11_order_detail_update_form_and_archive(qtbot, tab, ctx, event_data):
    """WR-11: the mistyped e-mail is corrected in the order's registration form (queued as UpdateOrder);
    archiving moves the order out of the active list."""
    assert tab.select_order(event_data.paid_order)
    tab.open_selected()
    qtbot.waitUntil(lambda: tab.dialog is not None, timeout=5000)
    dialog = tab.dialog
    assert len(dialog.model.rows()) == 2 and dialog.inputs["email"].text() == "ana.moreira@gmial.com"
    dialog.inputs["email"].setText("ana.moreira@gmail.com")
    with qtbot.waitSignal(dialog.changed, timeout=5000):
        dialog.save_button.click()
    assert dialog.status.text() == "Registration form saved."
    with ctx.ledger.uow() as uow:
        order = uow.session.get(Order, event_data.paid_order)
        assert (order.email, order.first_name) == ("ana.moreira@gmail.com", "Ana")
        update = uow.session.query(OutboxEntry).filter_by(kind="order.update").one()
        assert update.payload["fields"] == ["checkoutForm"]
    with qtbot.waitSignal(dialog.changed, timeout=5000):
        dialog.archive_button.click()
    assert dialog.archive_button.text() == "Unarchive"
    qtbot.waitUntil(lambda: event_data.paid_order not in {r.order_number for r in tab.orders_model.rows()},
                    timeout=5000)
    _reload(qtbot, tab, lambda: tab.archived_box.setCurrentText("Archived"))
    assert [r.order_number for r in tab.orders_model.rows()] == [event_data.paid_order]
    dialog.close()


def test_order_dialog_shows_a_conflict_and_keeps_mine(qtbot, tab, ctx, event_data):
    """Issue 8 item 3: a field changed here and centrally is shown with both values; Keep mine re-queues ours."""
    from sync import conflicts

    with ctx.ledger.uow() as uow:
        conflicts.store(uow.session, event_data.event_id, event_data.paid_order,
                        {"checkoutForm.email": {"base": "a@x", "mine": "mine@x.org", "theirs": "theirs@x.org"}},
                        conflicts.ORDER)
        uow.commit()
    assert tab.select_order(event_data.paid_order)
    tab.open_selected()
    qtbot.waitUntil(lambda: tab.dialog is not None, timeout=5000)
    dialog = tab.dialog
    qtbot.waitUntil(lambda: dialog.conflict_box.isVisibleTo(dialog), timeout=5000)
    assert "mine@x.org" in dialog.conflict_label.text() and "theirs@x.org" in dialog.conflict_label.text()
    with qtbot.waitSignal(dialog.changed, timeout=5000):
        dialog.keep_button.click()
    qtbot.waitUntil(lambda: not dialog.conflict_box.isVisibleTo(dialog), timeout=5000)
    with ctx.ledger.uow() as uow:
        assert uow.session.get(Order, event_data.paid_order).email == "mine@x.org"
        update = uow.session.query(OutboxEntry).filter_by(kind="order.update").one()
        assert update.payload["paths"] == ["checkoutForm.email"]
        assert update.payload["base"] == {"checkoutForm.email": "theirs@x.org"}
        assert conflicts.list_conflicts(uow.session) == []
    dialog.close()
