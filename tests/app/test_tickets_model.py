"""TicketsTableModel over DTOs (no window), plus pytest-qt's qtmodeltester."""
from PySide6.QtCore import Qt

from app.models.base import AMBER, RowRole, make_proxy
from app.models.tickets_model import COL_CHECKED_IN, COL_PRICE, COL_STATUS, TicketsTableModel
from tests.app.rows import tickets


def test_display(qapp):
    model = TicketsTableModel(time_zone="Europe/Berlin")
    model.set_rows(tickets())
    cell = lambda r, c, role=Qt.ItemDataRole.DisplayRole: model.data(model.index(r, c), role)  # noqa: E731
    assert cell(0, COL_CHECKED_IN) == "2026-03-07 19:30 (Door A)"
    assert cell(1, COL_CHECKED_IN) == "" and cell(2, COL_PRICE) == "€39.50"
    assert cell(2, COL_STATUS, Qt.ItemDataRole.ForegroundRole) == AMBER
    assert cell(2, 0, RowRole).order_status == "OFFLINE_PENDING"


def test_sort_checked_in_first_when_descending(qapp):
    model = TicketsTableModel()
    model.set_rows(tickets())
    proxy = make_proxy(model)
    proxy.sort(COL_CHECKED_IN, Qt.SortOrder.DescendingOrder)
    assert proxy.index(0, 0).data(RowRole).checked_in


def test_qtmodeltester(qtmodeltester):
    model = TicketsTableModel()
    model.set_rows(tickets())
    qtmodeltester.check(model)
    model.set_rows([])
    qtmodeltester.check(model)
