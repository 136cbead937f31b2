"""DefinitionsTableModel over DTOs (no window), plus pytest-qt's qtmodeltester."""
from dataclasses import replace

from PySide6.QtCore import QModelIndex, Qt

from app.models.base import RowRole, SortRole, make_proxy
from app.models.definitions_model import COL_AVAILABLE, COL_LEASED, COL_LIMIT, COL_PRICE, COL_QUANTITY, COL_SALE, \
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


def test_leased_seats_have_their_own_column(qapp):
    """Issue 10 item 6: seats leased to box offices are shown apart from sold ones."""
    model = DefinitionsTableModel()
    rows = definitions()
    model.set_rows([replace(rows[0], leased=4)] + rows[1:])
    index = model.index(0, COL_LEASED)
    assert model.HEADERS[COL_LEASED] == "Leased" and index.data() == "4" and model.index(1, COL_LEASED).data() == ""
    assert "offline sale" in index.data(Qt.ItemDataRole.ToolTipRole) and index.data(SortRole) == 4
