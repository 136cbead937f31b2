"""DefinitionsTableModel over DTOs (no window), plus pytest-qt's qtmodeltester."""
from PySide6.QtCore import QModelIndex, Qt

from app.models.base import RowRole, SortRole, make_proxy
from app.models.definitions_model import COL_AVAILABLE, COL_LIMIT, COL_PRICE, COL_QUANTITY, COL_SALE, \
    DefinitionsTableModel
from tests.app.rows import definitions


def test_display_and_roles(qapp):
    model = DefinitionsTableModel()
    model.set_rows(definitions())
    cell = lambda r, c, role=Qt.ItemDataRole.DisplayRole: model.data(model.index(r, c), role)  # noqa: E731
    assert [cell(0, COL_PRICE), cell(1, COL_PRICE)] == ["€25.00", "free"]
    assert [cell(0, COL_QUANTITY), cell(1, COL_QUANTITY)] == ["100", "unlimited"]
    assert [cell(0, COL_LIMIT), cell(2, COL_LIMIT)] == ["no limit", "4"]
    assert [cell(0, COL_AVAILABLE), cell(1, COL_AVAILABLE)] == ["0", "∞"]
    assert cell(2, COL_SALE) == "not yet"
    assert cell(0, COL_AVAILABLE, Qt.ItemDataRole.ForegroundRole) is not None, "sold out is red"
    assert cell(1, 0, RowRole).id == "d2" and cell(0, COL_PRICE, SortRole) == 2500
    assert model.rowCount(model.index(0, 0)) == 0 and model.columnCount(QModelIndex()) == len(model.HEADERS)


def test_proxy_sorts_unlimited_last(qapp):
    model = DefinitionsTableModel()
    model.set_rows(definitions())
    proxy = make_proxy(model)
    proxy.sort(COL_QUANTITY, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, 0).data(RowRole).id for r in range(3)] == ["d3", "d1", "d2"]


def test_qtmodeltester(qtmodeltester):
    model = DefinitionsTableModel()
    model.set_rows(definitions())
    qtmodeltester.check(model)
