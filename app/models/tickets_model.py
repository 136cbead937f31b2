"""Table model of tickets (door search results, Orders tab ticket list, order detail)."""
from __future__ import annotations

from app import formatting
from app.models.base import GREEN, GREY, RowTableModel, status_colour, ts
from app.queries import TicketRow
from core.status import StatusClass, classify_ticket

COL_NUMBER, COL_GUEST, COL_DEFINITION, COL_ORDER, COL_STATUS, COL_CHECKED_IN, COL_PRICE, COL_EMAIL = range(8)


def status_class(row: TicketRow) -> StatusClass:
    """The ticket's StatusClass as the door decides it (core.status.classify_ticket)."""
    return classify_ticket(row.order_status, ticket_canceled=row.canceled, ticket_archived=row.archived,
                           order_archived=row.order_archived)


class TicketsTableModel(RowTableModel):
    """Rows are app.queries.TicketRow; check-in times are shown in the event's zone `time_zone`."""

    HEADERS = ("Ticket", "Guest", "Ticket type", "Order", "Order status", "Checked in", "Price", "E-mail")
    NUMERIC_COLUMNS = frozenset({COL_PRICE})

    def __init__(self, parent=None, time_zone: str = "UTC"):
        super().__init__(parent)
        self.time_zone = time_zone

    def display(self, row: TicketRow, column: int) -> str:
        if column == COL_NUMBER:
            return row.ticket_number
        if column == COL_GUEST:
            return row.guest_name
        if column == COL_DEFINITION:
            return row.definition_name
        if column == COL_ORDER:
            return row.order_number
        if column == COL_STATUS:
            flags = [row.order_status] + (["archived"] if row.archived or row.order_archived else []) \
                + (["canceled"] if row.canceled else [])
            return ", ".join(flags)
        if column == COL_CHECKED_IN:
            if row.checked_in_at is None:
                return ""
            where = f" ({row.checked_in_station})" if row.checked_in_station else ""
            return formatting.clock(row.checked_in_at, self.time_zone) + where
        if column == COL_PRICE:
            return formatting.money(row.price)
        return row.email

    def sort_key(self, row: TicketRow, column: int):
        if column == COL_CHECKED_IN:
            return ts(row.checked_in_at)
        if column == COL_PRICE:
            return row.price.minor
        return self.display(row, column).lower()

    def foreground(self, row: TicketRow, column: int):
        if column == COL_STATUS:
            return status_colour(status_class(row))
        if column == COL_CHECKED_IN and row.checked_in:
            return GREEN
        return GREY if row.archived or row.order_archived else None
