"""Box-office ticket picker: one row per definition with a quantity box capped by what is left and the
limit per checkout (cases BC-26, WR-04); the total is computed in Money, never float."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHeaderView, QSpinBox, QTableWidget, QTableWidgetItem

from app import formatting
from app.queries import DefinitionRow
from core.money import Money

UNLIMITED_PER_CHECKOUT = 20  # contract sentinel "no limit" (WR-04)
MAX_UNLIMITED = 200  # a box-office order's practical cap for an unlimited definition
COLUMNS = ("Ticket type", "Price", "Left", "Per order", "Quantity")


def max_quantity(row: DefinitionRow) -> int:
    """How many of `row` one order may take now: what is left (unlimited → MAX_UNLIMITED), capped by the
    limit per checkout (0 and 20 mean no limit), 0 when not on sale. The core enforces the same rules."""
    if row.sale_status != "SALE_STARTED":
        return 0
    cap = MAX_UNLIMITED if row.available is None else max(0, row.available)
    lpc = row.limit_per_checkout
    if 0 < lpc < UNLIMITED_PER_CHECKOUT:
        cap = min(cap, lpc)
    return cap


class TicketPicker(QTableWidget):
    """Rows of definitions with quantity spin boxes. `lines()` → {definition_id: qty>0}; `total()` → Money.
    Emits `changed()` whenever a quantity changes."""

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
        self._rows: list[DefinitionRow] = []
        self._spins: list[QSpinBox] = []
        self.currency = "EUR"

    def set_definitions(self, rows: list[DefinitionRow], currency: str) -> None:
        """Show `rows`; keeps the quantities already chosen for definitions still listed (clamped)."""
        before = self.lines()
        self.currency = currency
        self._rows = list(rows)
        self._spins = []
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            cap = max_quantity(row)
            left = "unlimited" if row.available is None else str(max(0, row.available))
            if row.sale_status != "SALE_STARTED":
                left = "not on sale"
            lpc = row.limit_per_checkout
            cells = (row.name, "free" if row.price.is_zero else formatting.money(row.price), left,
                     "—" if lpc in (0, UNLIMITED_PER_CHECKOUT) else str(lpc))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(r, c, item)
            spin = QSpinBox()
            spin.setRange(0, cap)
            spin.setEnabled(cap > 0)
            spin.setValue(min(before.get(row.id, 0), cap))
            spin.valueChanged.connect(lambda _v: self.changed.emit())
            self.setCellWidget(r, len(COLUMNS) - 1, spin)
            self._spins.append(spin)
        self.changed.emit()

    def spin_for(self, definition_id: str) -> QSpinBox | None:
        """The quantity box of a definition (tests and keyboard users)."""
        for row, spin in zip(self._rows, self._spins):
            if row.id == definition_id:
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
        return {row.id: spin.value() for row, spin in zip(self._rows, self._spins) if spin.value() > 0}

    def total(self) -> Money:
        """The order total: Σ price × quantity (exact Decimal Money)."""
        total = Money.zero(self.currency)
        for row, spin in zip(self._rows, self._spins):
            if spin.value():
                total = total + row.price * spin.value()
        return total

    def clear_quantities(self) -> None:
        """Every quantity back to 0."""
        for spin in self._spins:
            spin.setValue(0)
