"""The shared shape of our table models: column constants + headers, set_rows, SortRole and RowRole.

Subclasses set HEADERS and implement `display(row, column)` and `sort_key(row, column)`; `data()` never
queries the database — rows are DTOs loaded in the background (STYLE.md §3)."""
from __future__ import annotations

from typing import Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor

from core.status import StatusClass

SortRole = Qt.ItemDataRole.UserRole + 1
RowRole = Qt.ItemDataRole.UserRole + 2

GREEN = QColor("#1b7f3b")
AMBER = QColor("#a86200")
RED = QColor("#b3261e")
GREY = QColor("#777777")
PURPLE = QColor("#6a3d9a")

# The one place a status class gets its colour (order/ticket status cells of every table): green admits,
# amber has money to collect, red is void, purple is a status this station does not know (not admitted).
STATUS_COLOURS = {StatusClass.SETTLED: GREEN, StatusClass.UNPAID: AMBER, StatusClass.VOID: RED,
                  StatusClass.UNKNOWN: PURPLE}


def status_colour(cls: StatusClass) -> QColor:
    """The text colour of a status cell of class `cls` (core.status.classify_order / classify_ticket)."""
    return STATUS_COLOURS[cls]


class RowTableModel(QAbstractTableModel):
    """A read-only table over a list of frozen row DTOs. `RowRole` gives a row's DTO, `SortRole` a
    comparable raw value (str, int or float; never None)."""

    HEADERS: tuple[str, ...] = ()
    NUMERIC_COLUMNS: frozenset[int] = frozenset()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[Any] = []
        self._text: dict[tuple[int, int], str] = {}  # display text cache: views ask for it many times

    # ---- our API --------------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[Any]) -> None:
        """Replace every row (a model reset)."""
        self.beginResetModel()
        self._rows = list(rows)
        self._text.clear()
        self.endResetModel()

    def replace_row(self, row_index: int, row: Any) -> None:
        """Replace one row in place and signal only its cells as changed."""
        self._rows[row_index] = row
        for col in range(len(self.HEADERS)):
            self._text.pop((row_index, col), None)
        self.dataChanged.emit(self.index(row_index, 0), self.index(row_index, self.columnCount() - 1))

    def rows(self) -> list[Any]:
        """The rows, in model order (a copy)."""
        return list(self._rows)

    def row(self, row_index: int) -> Any:
        """The DTO of model row `row_index`."""
        return self._rows[row_index]

    def display(self, row: Any, column: int) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def sort_key(self, row: Any, column: int) -> str | int | float:
        """The raw value to sort column `column` by; defaults to the displayed text."""
        return self.display(row, column)

    def foreground(self, row: Any, column: int) -> QColor | None:
        """An optional text colour of a cell."""
        return None

    def tooltip(self, row: Any, column: int) -> str | None:
        """An optional tooltip of a cell."""
        return None

    # ---- Qt overrides ---------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section] if 0 <= section < len(self.HEADERS) else None
        return str(section + 1) if 0 <= section < len(self._rows) else None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ROLES or not index.isValid():  # views ask for many roles we never set: answer fast
            return None
        r, col = index.row(), index.column()
        if not (0 <= r < len(self._rows)) or not (0 <= col < len(self.HEADERS)):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            text = self._text.get((r, col))
            if text is None:
                text = self._text[(r, col)] = self.display(self._rows[r], col)
            return text
        row = self._rows[r]
        if role == SortRole:
            return self.sort_key(row, col)
        if role == RowRole:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if col in self.NUMERIC_COLUMNS else _LEFT
        if role == Qt.ItemDataRole.ForegroundRole:
            return self.foreground(row, col)
        return self.tooltip(row, col)


_ROLES = frozenset({Qt.ItemDataRole.DisplayRole, SortRole, RowRole, Qt.ItemDataRole.TextAlignmentRole,
                    Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.ToolTipRole})
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


def make_proxy(model: RowTableModel, parent=None) -> QSortFilterProxyModel:
    """A sort/filter proxy over `model` sorting by SortRole and filtering case-insensitively on all columns."""
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(SortRole)
    proxy.setFilterKeyColumn(-1)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    return proxy


def ts(value) -> float:
    """A sortable number for an optional datetime (None sorts first)."""
    return value.timestamp() if value is not None else 0.0
