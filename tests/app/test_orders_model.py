"""OrdersTableModel over DTOs (no window), plus pytest-qt's qtmodeltester."""
from PySide6.QtCore import Qt

from app.models.base import GREEN, RED, RowRole, SortRole, make_proxy
from app.models.orders_model import COL_ARCHIVED, COL_CHANNEL, COL_CHECKED_IN, COL_CREATED, COL_STATUS, COL_TOTAL, \
    OrdersTableModel
from tests.app.rows import orders


def test_display_in_event_time_and_colours(qapp):
    model = OrdersTableModel(time_zone="Europe/Berlin")
    model.set_rows(orders())
    cell = lambda r, c, role=Qt.ItemDataRole.DisplayRole: model.data(model.index(r, c), role)  # noqa: E731
    assert cell(0, COL_CREATED) == "2026-03-07 19:30", "18:30Z shown in Berlin time"
    assert (cell(0, COL_CHECKED_IN), cell(0, COL_TOTAL), cell(0, COL_CHANNEL)) == ("1/2", "€50.00", "box office")
    assert cell(2, COL_ARCHIVED) == "archived"
    assert cell(0, COL_STATUS, Qt.ItemDataRole.ForegroundRole) == GREEN
    assert cell(2, COL_STATUS, Qt.ItemDataRole.ForegroundRole) == RED
    assert cell(1, COL_TOTAL, SortRole) == 3950 and cell(1, 0, RowRole).status == "OFFLINE_PENDING"


def test_sort_by_created_and_filter(qapp):
    model = OrdersTableModel()
    model.set_rows(orders())
    proxy = make_proxy(model)
    proxy.sort(COL_CREATED, Qt.SortOrder.DescendingOrder)
    assert [proxy.index(r, 0).data() for r in range(3)] == ["GGGG-HHHH-JJ", "AAAA-BBBB-CC", "DDDD-EEEE-FF"]
    proxy.setFilterFixedString("castell")
    assert proxy.rowCount() == 1


def test_replace_row_emits_data_changed(qtbot):
    model = OrdersTableModel()
    model.set_rows(orders())
    import dataclasses

    with qtbot.waitSignal(model.dataChanged, timeout=1000) as blocker:
        model.replace_row(1, dataclasses.replace(model.row(1), status="PAID"))
    assert blocker.args[0].row() == 1 and model.data(model.index(1, COL_STATUS)) == "PAID"


def test_qtmodeltester(qtmodeltester):
    model = OrdersTableModel()
    model.set_rows(orders())
    qtmodeltester.check(model)
