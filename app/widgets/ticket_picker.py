"""Box-office ticket picker: one row per definition with a quantity box. It only displays core.quote: the
most one order may take (what is left, the limit per checkout, the sale period: cases BC-26, WR-04), and
the quote of the chosen lines (total in Money, never float).

A definition priced in another currency than the event's (synced that way from the server) is flagged
(⚠, its price with the ISO code, a tooltip saying why) and may still be chosen: core.quote then reports
CURRENCY_MISMATCH / MIXED_CURRENCIES, which the box office shows instead of selling (issue 10)."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHeaderView, QSpinBox, QTableWidget, QTableWidgetItem

from app import formatting
from core.money import Money
from core.quote import SaleQuote, SaleSnapshot, Stock, quote

COLUMNS = ("Ticket type", "Price", "Left", "Per order", "Quantity")


def several_currencies(snapshot: SaleSnapshot | None) -> bool:
    """True when the snapshot's definitions are priced in more than the event's one currency."""
    return snapshot is not None and any(s.price.currency != snapshot.currency for s in snapshot.stock)


def money_text(value: Money | None, snapshot: SaleSnapshot | None) -> str:
    """`value` with its ISO code when more than one currency is in play, else as the locale writes it."""
    return formatting.money_code(value) if several_currencies(snapshot) else formatting.money(value)


def mismatch_reason(stock: Stock, snapshot: SaleSnapshot) -> str | None:
    """Why a definition cannot be sold with this event's tickets (its currency differs), or None."""
    if stock.price.currency == snapshot.currency:
        return None
    return (f"Priced in {stock.price.currency}, but this event sells in {snapshot.currency} (as synced from the "
            "server): it cannot be sold until the organiser fixes the price.")


def _cells(stock: Stock, snapshot: SaleSnapshot) -> tuple[str, ...]:
    """The texts of one row: name (⚠ when its currency differs), price, what is left, the per-order limit."""
    left = "unlimited" if stock.left is None else str(stock.left)
    if not stock.on_sale(snapshot.taken_at):
        left = "not on sale"
    price = "free" if stock.price.is_zero else money_text(stock.price, snapshot)
    name = f"⚠ {stock.name}" if mismatch_reason(stock, snapshot) else stock.name
    return name, price, left, "—" if stock.per_order is None else str(stock.per_order)


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
            reason = mismatch_reason(stock, snapshot)
            for c, text in enumerate(_cells(stock, snapshot)):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if reason:
                    item.setToolTip(reason)
                self.setItem(r, c, item)
            # A mismatched definition may be chosen (within its own limits) so that core's refusal is shown.
            cap = stock.most(snapshot.taken_at, stock.price.currency) if reason else most[stock.definition_id]
            spin = QSpinBox()
            spin.setRange(0, cap)
            spin.setEnabled(cap > 0)
            spin.setValue(min(before.get(stock.definition_id, 0), cap))
            spin.valueChanged.connect(lambda _v: self.changed.emit())
            self.setCellWidget(r, len(COLUMNS) - 1, spin)
            self._spins.append(spin)
        self.changed.emit()

    def mismatched(self) -> list[str]:
        """Ids of the definitions flagged for a currency other than the event's."""
        snap = self.snapshot
        return [] if snap is None else [s.definition_id for s in snap.stock if mismatch_reason(s, snap)]

    def money_text(self, value: Money | None) -> str:
        """`value` for this screen: with its ISO code when more than one currency is in play."""
        return money_text(value, self.snapshot)

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
