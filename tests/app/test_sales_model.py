"""SalesTableModel over DTOs (no window), plus pytest-qt's qtmodeltester."""
from PySide6.QtCore import Qt

from app.models.base import SortRole
from app.models.sales_model import COL_CHANGE, COL_TENDERED, COL_TIME, SalesTableModel
from tests.app.rows import sales


def test_display(qapp):
    model = SalesTableModel(time_zone="Europe/Berlin")
    model.set_rows(sales())
    cell = lambda r, c, role=Qt.ItemDataRole.DisplayRole: model.data(model.index(r, c), role)  # noqa: E731
    assert (cell(0, COL_TIME), cell(0, COL_TENDERED), cell(0, COL_CHANGE)) == ("19:30", "€60.00", "€10.00")
    assert (cell(1, COL_TENDERED), cell(1, COL_CHANGE, SortRole)) == ("", -1)


def test_qtmodeltester(qtmodeltester):
    model = SalesTableModel()
    model.set_rows(sales())
    qtmodeltester.check(model)
