"""Table model of orders (box-office unpaid list, Orders tab)."""
from __future__ import annotations

from app import formatting
from app.models.base import GREY, RowTableModel, status_colour, ts
from app.queries import OrderRow
from core.status import classify_order

COL_NUMBER, COL_CREATED, COL_BUYER, COL_EMAIL, COL_STATUS, COL_TICKETS, COL_CHECKED_IN, COL_TOTAL, \
    COL_CHANNEL, COL_ARCHIVED = range(10)


class OrdersTableModel(RowTableModel):
    """Rows are app.queries.OrderRow; times are shown in the event's zone `time_zone`."""

    HEADERS = ("Order", "Created", "Buyer", "E-mail", "Status", "Tickets", "Checked in", "Total", "Channel",
               "Archived")
    NUMERIC_COLUMNS = frozenset({COL_TICKETS, COL_CHECKED_IN, COL_TOTAL})

    def __init__(self, parent=None, time_zone: str = "UTC"):
        super().__init__(parent)
        self.time_zone = time_zone

    def display(self, row: OrderRow, column: int) -> str:
        if column == COL_NUMBER:
            return row.order_number
        if column == COL_CREATED:
            return formatting.when(row.created, self.time_zone)
        if column == COL_BUYER:
            return row.buyer_name
        if column == COL_EMAIL:
            return row.email
        if column == COL_STATUS:
            return row.status
        if column == COL_TICKETS:
            return str(row.tickets)
        if column == COL_CHECKED_IN:
            return f"{row.checked_in}/{row.tickets}"
        if column == COL_TOTAL:
            return formatting.money(row.total)
        if column == COL_CHANNEL:
            return "box office" if row.channel == "OFFLINE_POS" else row.channel.lower()
        return "archived" if row.archived else ""

    def sort_key(self, row: OrderRow, column: int):
        if column == COL_CREATED:
            return ts(row.created)
        if column == COL_TICKETS:
            return row.tickets
        if column == COL_CHECKED_IN:
            return row.checked_in
        if column == COL_TOTAL:
            return row.total.minor
        return self.display(row, column).lower()

    def foreground(self, row: OrderRow, column: int):
        if column == COL_STATUS:
            return status_colour(classify_order(row.status))
        return GREY if row.archived else None
