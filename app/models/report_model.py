"""Table model of one report table (core.report_table.ReportTable): headers from its columns, cells as
core.report_table.text_of shows them (money in the GUI's locale, times in the event's zone), numbers and money
right-aligned, sorting by the raw value."""
from __future__ import annotations

from app import formatting
from app.models.base import RowTableModel
from core.report_table import DATE, DATETIME, INT, MONEY, ReportTable


class ReportTableModel(RowTableModel):
    """Rows are the table's value tuples; `set_table(table)` replaces headers and rows."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.table = ReportTable("", (), ())
        self.HEADERS = ()

    def set_table(self, table: ReportTable) -> None:
        """Show `table` (a model reset)."""
        self.table = table
        self.HEADERS = tuple(c.name for c in table.columns)
        self.NUMERIC_COLUMNS = frozenset(i for i, c in enumerate(table.columns) if c.kind in (INT, MONEY))
        self.set_rows(table.rows)  # one model reset: headers and rows together

    def display(self, row: tuple, column: int) -> str:
        value, kind = row[column], self.table.columns[column].kind
        if value is None:
            return ""
        if kind == MONEY:
            return formatting.money(value)
        if kind == DATETIME:
            return formatting.when(value, self.table.time_zone)
        if kind == DATE:
            return value.isoformat()
        return str(value)

    def sort_key(self, row: tuple, column: int):
        value, kind = row[column], self.table.columns[column].kind
        if value is None:
            return -1 if kind in (INT, MONEY) else ""
        if kind == INT:
            return value
        if kind == MONEY:
            return value.minor  # within one currency; minor units, never a float
        if kind in (DATETIME, DATE):
            return value.isoformat()
        return str(value).casefold()
