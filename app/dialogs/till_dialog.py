"""Amounts for a till (issue 10 item 3): the opening float, or the cash counted at close with the expected
cash and the live difference per currency. Amounts are parsed by app.formatting.parse_money (Money, never a
float); the dialog decides nothing — core.till validates and stores."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QWidget

from app import formatting
from core.money import Money


class TillAmountsDialog(QDialog):
    """One amount field per currency. With `expected` ({currency: Money}) it is the close dialog: each row
    shows the expected cash and the difference as the operator types. `amounts()` gives [Money] or None when a
    field is not a valid amount."""

    def __init__(self, title: str, currencies: list[str], parent: QWidget | None = None,
                 expected: dict[str, Money] | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.currencies, self.expected = currencies, expected or {}
        form = QFormLayout(self)
        self.edits: dict[str, QLineEdit] = {}
        self.differences: dict[str, QLabel] = {}
        for cur in currencies:
            edit = QLineEdit()
            edit.setPlaceholderText("0.00")
            edit.textChanged.connect(self._update)
            row = QHBoxLayout()
            row.addWidget(edit)
            if cur in self.expected:
                row.addWidget(QLabel(f"expected {formatting.money(self.expected[cur])}"))
                self.differences[cur] = QLabel("")
                row.addWidget(self.differences[cur])
            form.addRow(cur, row)
            self.edits[cur] = edit
        self.problem = QLabel("")
        form.addRow(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self._update()

    def amounts(self) -> list[Money] | None:
        """The typed amounts (an empty field is 0), or None when one is not a valid amount."""
        out = []
        for cur, edit in self.edits.items():
            value = formatting.parse_money(edit.text(), cur) if edit.text().strip() else Money.zero(cur)
            if value is None:
                return None
            out.append(value)
        return out

    def _update(self) -> None:
        amounts = self.amounts()
        self.problem.setText("" if amounts is not None else "Type amounts like 148.00")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(amounts is not None)
        for value in amounts or []:
            label = self.differences.get(value.currency)
            if label is not None:
                diff = value - self.expected[value.currency]
                label.setText("balanced" if diff.is_zero else
                              f"{'over' if diff.minor > 0 else 'short'} {formatting.money(Money.from_minor(abs(diff.minor), diff.currency))}")

    @classmethod
    def ask(cls, title: str, currencies: list[str], parent: QWidget | None = None,
            expected: dict[str, Money] | None = None) -> list[Money] | None:
        """Show the dialog; the amounts, or None when cancelled."""
        dialog = cls(title, currencies, parent, expected)
        return dialog.amounts() if dialog.exec() == QDialog.DialogCode.Accepted else None
