"""Box-office ticket picker: one row per definition with a quantity box. It only displays core.quote: the
most one order may take (what is left, the limit per checkout, the sale period: cases BC-26, WR-04), and
the quote of the chosen lines (total in Money, never float)."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHeaderView, QSpinBox, QTableWidget, QTableWidgetItem

from app import formatting
from core.money import Money
from core.quote import SaleQuote, SaleSnapshot, Stock, quote

COLUMNS = ("Ticket type", "Price", "Left", "Per order", "Quantity")


def _cells(stock: Stock, snapshot: SaleSnapshot) -> tuple[str, ...]:
    """The texts of one row: name, price, what is left, the per-order limit."""
    left = "unlimited" if stock.left is None else str(stock.left)
    if not stock.on_sale(snapshot.taken_at):
        left = "not on sale"
    price = "free" if stock.price.is_zero else formatting.money(stock.price)
    return stock.name, price, left, "—" if stock.per_order is None else str(stock.per_order)


class TicketPicker(QTableWidget):
    """Rows of definitions with quantity spin boxes, from a core.quote.SaleSnapshot.
    `lines()` → {definition_id: qty>0}; `quote(payment, tendered)` → core's SaleQuote of those lines;
    `total()` → its Money total. Emits `changed()` whenever a quantity changes."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(COLUMNS)
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(COLUMNS)):
            self.horizontalHeader().setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.verticalHeader().hide()
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.snapshot: SaleSnapshot | None = None
        self._ids: list[str] = []
        self._spins: list[QSpinBox] = []

    @property
    def currency(self) -> str:
        return self.snapshot.currency if self.snapshot else "EUR"

    def set_snapshot(self, snapshot: SaleSnapshot) -> None:
        """Show `snapshot`'s definitions; quantities already chosen for definitions still listed are kept
        (clamped to the most core allows now)."""
        before = self.lines()
        self.snapshot = snapshot
        most = quote(snapshot, {}, payment="card").most
        self._ids, self._spins = [s.definition_id for s in snapshot.stock], []
        self.setRowCount(len(snapshot.stock))
        for r, stock in enumerate(snapshot.stock):
            for c, text in enumerate(_cells(stock, snapshot)):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(r, c, item)
            cap = most[stock.definition_id]
            spin = QSpinBox()
            spin.setRange(0, cap)
            spin.setEnabled(cap > 0)
            spin.setValue(min(before.get(stock.definition_id, 0), cap))
            spin.valueChanged.connect(lambda _v: self.changed.emit())
            self.setCellWidget(r, len(COLUMNS) - 1, spin)
            self._spins.append(spin)
        self.changed.emit()

    def spin_for(self, definition_id: str) -> QSpinBox | None:
        """The quantity box of a definition (tests and keyboard users)."""
        for def_id, spin in zip(self._ids, self._spins):
            if def_id == definition_id:
                return spin
        return None

    def set_quantity(self, definition_id: str, qty: int) -> int:
        """Set a quantity (clamped to what is allowed); returns the value actually set."""
        spin = self.spin_for(definition_id)
        if spin is None:
            return 0
        spin.setValue(qty)
        return spin.value()

    def lines(self) -> dict[str, int]:
        """{definition_id: quantity} of the rows with a quantity > 0."""
        return {def_id: spin.value() for def_id, spin in zip(self._ids, self._spins) if spin.value() > 0}

    def quote(self, payment: str = "card", tendered: Money | None = None) -> SaleQuote | None:
        """core.quote.quote of the chosen lines on the loaded snapshot (None before the first load)."""
        if self.snapshot is None:
            return None
        return quote(self.snapshot, self.lines(), payment=payment, tendered=tendered)

    def total(self) -> Money:
        """The order total as core quotes it (exact Decimal Money)."""
        quoted = self.quote()
        return quoted.total if quoted is not None else Money.zero(self.currency)

    def clear_quantities(self) -> None:
        """Every quantity back to 0."""
        for spin in self._spins:
            spin.setValue(0)
