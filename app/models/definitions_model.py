"""Table model of an event's ticket definitions with sold / reserved / checked-in / leased counts (leased =
seats box offices hold for offline sale, core.leases). A definition priced
in another currency than the event's (synced that way from the server) is flagged: ⚠ and red price, a
tooltip saying why, and every price with its ISO code while more than one currency is in play (issue 10)."""
from __future__ import annotations

from app import formatting
from app.models.base import AMBER, GREY, RED, RowTableModel
from app.queries import DefinitionRow
from core.status import UNLIMITED_PER_CHECKOUT  # contract sentinel "no limit" (WR-04)

COL_NAME, COL_PRICE, COL_QUANTITY, COL_LIMIT, COL_SOLD, COL_RESERVED, COL_CHECKED_IN, COL_LEASED, \
    COL_AVAILABLE, COL_SALE, COL_HIDDEN = range(11)
SALE_TEXT = {"SALE_SCHEDULED": "not yet", "SALE_STARTED": "on sale", "SALE_ENDED": "ended"}


class DefinitionsTableModel(RowTableModel):
    """Rows are app.queries.DefinitionRow; `event_currency` (ISO code, set by the tab) is the event's."""

    HEADERS = ("Name", "Price", "Quantity", "Per order", "Sold", "Reserved", "Checked in", "Leased", "Left",
               "Sale", "Hidden")
    NUMERIC_COLUMNS = frozenset({COL_PRICE, COL_QUANTITY, COL_LIMIT, COL_SOLD, COL_RESERVED, COL_CHECKED_IN,
                                 COL_LEASED, COL_AVAILABLE})

    def __init__(self, parent=None, event_currency: str | None = None):
        super().__init__(parent)
        self.event_currency = event_currency
        self.several_currencies = False

    def set_rows(self, rows) -> None:
        """Replace every row; notes whether more than one currency is in play."""
        rows = list(rows)
        self.several_currencies = any(self.mismatched(r) for r in rows)
        super().set_rows(rows)

    def set_event_currency(self, currency: str | None) -> None:
        """The event's currency changed (or another event is shown): flags are recomputed."""
        self.event_currency = currency
        self.set_rows(self.rows())

    def mismatched(self, row: DefinitionRow) -> bool:
        """True when the definition's price is not in the event's currency."""
        return self.event_currency is not None and row.price.currency != self.event_currency

    def display(self, row: DefinitionRow, column: int) -> str:
        if column == COL_NAME:
            return f"⚠ {row.name}" if self.mismatched(row) else row.name
        if column == COL_PRICE:
            if row.price.is_zero:
                return "free"
            return formatting.money_code(row.price) if self.several_currencies else formatting.money(row.price)
        if column == COL_QUANTITY:
            return "unlimited" if row.quantity is None else str(row.quantity)
        if column == COL_LIMIT:
            lpc = row.limit_per_checkout
            return "no limit" if lpc in (0, UNLIMITED_PER_CHECKOUT) else str(lpc)
        if column == COL_SOLD:
            return str(row.sold)
        if column == COL_RESERVED:
            return str(row.reserved)
        if column == COL_CHECKED_IN:
            return str(row.checked_in)
        if column == COL_LEASED:
            return str(row.leased) if row.leased else ""
        if column == COL_AVAILABLE:
            return "∞" if row.available is None else str(row.available)
        if column == COL_SALE:
            return SALE_TEXT.get(row.sale_status, row.sale_status)
        return "hidden" if row.hidden else ""

    def sort_key(self, row: DefinitionRow, column: int):
        if column == COL_PRICE:
            return row.price.minor
        if column == COL_QUANTITY:
            return row.quantity if row.quantity is not None else 1 << 30
        if column == COL_LIMIT:
            return row.limit_per_checkout
        if column in (COL_SOLD, COL_RESERVED, COL_CHECKED_IN):
            return (row.sold, row.reserved, row.checked_in)[column - COL_SOLD]
        if column == COL_LEASED:
            return row.leased
        if column == COL_AVAILABLE:
            return row.available if row.available is not None else 1 << 30
        if column == COL_NAME:
            return row.name.lower()
        return self.display(row, column)

    def tooltip(self, row: DefinitionRow, column: int):
        if column == COL_LEASED and row.leased:
            return (f"{row.leased} seat(s) leased to box offices for offline sale and not sold yet; they are not "
                    "in Left until sold or handed back")
        if self.mismatched(row) and column in (COL_NAME, COL_PRICE):
            return (f"Priced in {row.price.currency}, but the event sells in {self.event_currency}: the box office "
                    "cannot sell it. Edit its price to fix it.")
        return None

    def foreground(self, row: DefinitionRow, column: int):
        if column in (COL_NAME, COL_PRICE) and self.mismatched(row):
            return RED
        if column == COL_AVAILABLE and row.available is not None and row.available <= 0:
            return RED  # sold out, or oversold (BC-26)
        if column == COL_SALE and row.sale_status != "SALE_STARTED":
            return AMBER
        if row.hidden:
            return GREY
        return None
