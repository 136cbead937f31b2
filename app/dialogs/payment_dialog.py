"""Taking the money for an unpaid order: cash (amount tendered, change due) or card (cases WR-03, WR-15).
The change and "tendered ≥ total" are core.quote.quote_payment's; the dialog only displays them."""
from __future__ import annotations

from PySide6.QtWidgets import (QButtonGroup, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QRadioButton, QVBoxLayout)

from app import formatting
from core.money import Money
from core.quote import quote_payment


class PaymentDialog(QDialog):
    """Shows the total to collect; the operator picks cash (with the amount tendered; the change due is
    shown, OK disabled while it is short) or card. `payment()` → ("cash", Money) | ("card", None)."""

    def __init__(self, total: Money, order_number: str, parent=None, card_reason: str | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Take payment — order {order_number}")
        self.total = total
        self.cash = QRadioButton("Cash")
        self.card = QRadioButton("Card")
        self.cash.setChecked(True)
        if card_reason:  # WR-15 a: card needs the payment service; the reason is shown, not just a grey button
            self.card.setEnabled(False)
            self.card.setText(f"Card — {card_reason}")
        group = QButtonGroup(self)
        group.addButton(self.cash)
        group.addButton(self.card)
        self.tendered = QLineEdit()
        self.tendered.setPlaceholderText(f"Amount handed over ({total.currency})")
        self.change = QLabel("")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Paid — complete order")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("To collect:", QLabel(f"<b>{formatting.money(total)}</b>"))
        form.addRow(self.cash, self.tendered)
        form.addRow("Change due:", self.change)
        form.addRow(self.card)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Completing confirms the order (→ PAID). The tickets are not necessarily "
                                "e-mailed: print them or show the QR code."))
        layout.addWidget(self.buttons)
        for signal in (self.tendered.textChanged, self.cash.toggled):
            signal.connect(lambda *_: self._update())
        self._update()

    def _update(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.tendered.setEnabled(self.cash.isChecked())
        method, tendered = self.payment()
        quoted = quote_payment(self.total, payment=method, tendered=tendered)
        if quoted.change is not None:
            self.change.setText(formatting.money(quoted.change))
        elif quoted.problems and tendered is not None:
            short = quoted.problems[0].code == "TENDERED_SHORT"
            self.change.setText("not enough" if short else quoted.problems[0].message)
        else:
            self.change.setText("")
        ok.setEnabled(not quoted.problems)

    def payment(self) -> tuple[str, Money | None]:
        """("cash", tendered) or ("card", None)."""
        if self.cash.isChecked():
            return "cash", formatting.parse_money(self.tendered.text(), self.total.currency)
        return "card", None

    @classmethod
    def ask(cls, total: Money, order_number: str, parent=None,
            card_reason: str | None = None) -> tuple[str, Money | None] | None:
        """Run the dialog modally; the payment chosen, or None when cancelled (tests replace this).
        `card_reason` (e.g. "unavailable offline") disables card payment and says why (WR-15 a)."""
        dialog = cls(total, order_number, parent, card_reason)
        return dialog.payment() if dialog.exec() == QDialog.DialogCode.Accepted else None
