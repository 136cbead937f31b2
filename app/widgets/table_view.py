"""One way to show a table model: a QTableView over a sort/filter proxy, rows selected whole."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QHeaderView, QTableView

from app.models.base import RowRole, make_proxy

FIT_ROWS = 60


def make_table(model, parent=None, *, sort_column: int = -1, descending: bool = False,
               stretch_last: bool = True, fit_columns: bool = True) -> tuple[QTableView, object]:
    """(view, proxy) for `model`. `sort_column` -1 keeps the model's (query's) order until the user clicks a
    header; otherwise that column is sorted (`descending` for newest first). `fit_columns` sizes columns to
    their contents once the first rows arrive, without word-wrapping."""
    proxy = make_proxy(model, parent)
    view = QTableView(parent)
    view.setModel(proxy)
    header = view.horizontalHeader()
    header.setSortIndicator(sort_column, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder)
    view.setSortingEnabled(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setWordWrap(False)
    view.setAlternatingRowColors(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(stretch_last)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
    header.setResizeContentsPrecision(FIT_ROWS)  # size columns from the first rows, not all 1000
    if fit_columns:
        fitted = []

        def fit_once() -> None:  # later resets keep the widths (and the user's)
            if not fitted and model.rowCount() > 0:
                fitted.append(True)
                view.resizeColumnsToContents()

        model.modelReset.connect(fit_once)
    return view, proxy


def selected_row(view: QTableView):
    """The row DTO (RowRole) of the view's selected row, or None."""
    rows = view.selectionModel().selectedRows()
    return rows[0].data(RowRole) if rows else None


def select_by_id(view: QTableView, proxy, row_id: str) -> bool:
    """Select the row whose DTO has `.id == row_id`; False when it is not listed."""
    for r in range(proxy.rowCount()):
        if proxy.index(r, 0).data(RowRole).id == row_id:
            view.selectRow(r)
            return True
    return False


def button_row(*buttons, trailing=()) -> QHBoxLayout:
    """A tab's row of action buttons: `buttons` on the left, then a stretch, then `trailing` widgets."""
    row = QHBoxLayout()
    for b in buttons:
        row.addWidget(b)
    row.addStretch(1)
    for w in trailing:
        row.addWidget(w)
    return row
