"""Table model of today's box-office payments."""
from __future__ import annotations

from app import formatting
from app.models.base import RowTableModel, ts
from app.queries import SaleRow

COL_TIME, COL_ORDER, COL_BUYER, COL_METHOD, COL_AMOUNT, COL_TENDERED, COL_CHANGE, COL_STATION = range(8)


class SalesTableModel(RowTableModel):
    """Rows are app.queries.SaleRow; times in the event's zone `time_zone`."""

    HEADERS = ("Time", "Order", "Buyer", "Paid by", "Amount", "Tendered", "Change", "Station")
    NUMERIC_COLUMNS = frozenset({COL_AMOUNT, COL_TENDERED, COL_CHANGE})

    def __init__(self, parent=None, time_zone: str = "UTC"):
        super().__init__(parent)
        self.time_zone = time_zone

    def display(self, row: SaleRow, column: int) -> str:
        if column == COL_TIME:
            return formatting.when(row.created, self.time_zone, "%H:%M")
        if column == COL_ORDER:
            return row.order_number
        if column == COL_BUYER:
            return row.buyer_name
        if column == COL_METHOD:
            return row.method
        if column == COL_AMOUNT:
            return formatting.money(row.amount)
        if column == COL_TENDERED:
            return formatting.money(row.tendered)
        if column == COL_CHANGE:
            return formatting.money(row.change)
        return row.station

    def sort_key(self, row: SaleRow, column: int):
        if column == COL_TIME:
            return ts(row.created)
        if column == COL_AMOUNT:
            return row.amount.minor
        if column == COL_TENDERED:
            return row.tendered.minor if row.tendered else -1
        if column == COL_CHANGE:
            return row.change.minor if row.change else -1
        return self.display(row, column).lower()
