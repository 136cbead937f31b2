"""The Sync tab's review queue against the real hub (issue 8 items 7 and 12): the box office took cash for an
order the hub has meanwhile settled; "Sync now" keeps the confirm rejected (409 ORDER_ALREADY_PAID) and lists one
"Refund: paid twice" item, still one after another sync, gone from the list once acknowledged (kept for audit)."""
from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt

from app.tabs.sync_tab import SyncTab
from app.widgets.review_list import ReviewTableModel
from core import review
from core.money import Money
from core.orders import complete_order
from core.sales import pay_and_complete
from tests.app.sync_helpers import first_pull, station_context


@pytest.fixture
def panel(qtbot, tmp_path, connect_station, make_controller):
    shop = connect_station("box-office")
    first_pull(shop.ledger)
    controller = make_controller()
    tab = SyncTab(station_context(shop, tmp_path), controller)
    qtbot.addWidget(tab)
    tab.show()
    return shop, tab


def _sync_now(qtbot, tab):
    with qtbot.waitSignal(tab.controller.sync_finished, timeout=20000) as blocker:
        qtbot.mouseClick(tab.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.sync_button.isEnabled(), timeout=5000)
    return blocker.args[0]


def test_second_payment_is_listed_once_and_acknowledged(qtbot, panel):
    shop, tab = panel
    number = shop.unpaid["orderNumber"]
    with shop.ledger.uow() as uow:
        pay_and_complete(uow.session, shop.event_id, number, payment="cash", tendered=Money.of("50.00", "EUR"),
                         station=shop.station)
        uow.commit()
    with shop.hub.uow() as s:                                  # paid elsewhere meanwhile
        complete_order(s, shop.event_id, [number])
    report = _sync_now(qtbot, tab)
    assert [r["entity"] for r in report.rejected] == [number] and report.review_open == 1
    reviewed = tab.review_list
    qtbot.waitUntil(lambda: reviewed.model.rowCount() == 1, timeout=5000)
    model = reviewed.model
    assert model.data(model.index(0, ReviewTableModel.COL_WHAT)) == "Refund: paid twice"
    assert model.data(model.index(0, ReviewTableModel.COL_ABOUT)) == number
    assert "refund the customer" in model.data(model.index(0, ReviewTableModel.COL_MESSAGE))
    shown_times = model.data(model.index(0, ReviewTableModel.COL_MESSAGE)) + model.data(
        model.index(0, ReviewTableModel.COL_WHEN))
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:|\+00:00", shown_times)  # event wall time only, never UTC ISO
    assert _sync_now(qtbot, tab).review_new == 0
    qtbot.waitUntil(lambda: not reviewed._busy, timeout=5000)
    assert reviewed.model.rowCount() == 1
    reviewed.view.selectRow(0)
    with qtbot.waitSignal(reviewed.acknowledged, timeout=10000):
        reviewed.ack_button.click()
    qtbot.waitUntil(lambda: reviewed.model.rowCount() == 0, timeout=5000)
    with shop.ledger.uow() as uow:
        [kept] = review.list_items(uow.session, include_acked=True)
    assert kept.acked_at is not None and kept.acked_by
