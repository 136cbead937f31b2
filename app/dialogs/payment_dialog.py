"""Taking the money for an unpaid order: cash (amount tendered, change due) or card (cases WR-03, WR-15).
The change and "tendered ≥ total" are core.quote.quote_payment's, the quick-tender amounts
core.sales.quick_tenders'; the dialog only displays them. Enter accepts (the OK button is the default)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QButtonGroup, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QRadioButton, QVBoxLayout)

from app import formatting
from core.money import Money
from core.quote import quote_payment
from core.sales import quick_tenders


class PaymentDialog(QDialog):
    """Shows the total to collect; the operator picks cash (with the amount tendered, typed or from a
    quick-tender button; the change due is shown large, OK disabled while it is short) or card.
    `payment()` → ("cash", Money) | ("card", None)."""

    def __init__(self, total: Money, order_number: str, parent=None, card_note: str | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Take payment — order {order_number}")
        self.total = total
        self.cash = QRadioButton("Cash")
        self.card = QRadioButton(f"Card — {card_note}" if card_note else "Card")  # offline: recorded only
        self.cash.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.cash)
        group.addButton(self.card)
        self.tendered = QLineEdit()
        self.tendered.setPlaceholderText(f"Amount handed over ({total.currency})")
        self.quick_buttons = []
        quick = QHBoxLayout()
        for i, amount in enumerate(quick_tenders(total)):
            text = formatting.money(amount)
            button = QPushButton(f"Exact {text}" if i == 0 else text)
            button.setAutoDefault(False)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _c=False, a=amount: self.tendered.setText(f"{a.amount:f}"))
            quick.addWidget(button)
            self.quick_buttons.append(button)
        self.change = QLabel("")
        self.change.setStyleSheet("font-size: 24pt; font-weight: bold;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Paid — complete order")
        ok.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("To collect:", QLabel(f"<b>{formatting.money(total)}</b>"))
        form.addRow(self.cash, self.tendered)
        form.addRow("", quick)
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
        for button in self.quick_buttons:
            button.setEnabled(self.cash.isChecked())
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
            card_note: str | None = None) -> tuple[str, Money | None] | None:
        """Run the dialog modally; the payment chosen, or None when cancelled (tests replace this).
        `card_note` (e.g. "offline: record what the card terminal took") is shown next to Card."""
        dialog = cls(total, order_number, parent, card_note)
        return dialog.payment() if dialog.exec() == QDialog.DialogCode.Accepted else None
