"""Create or edit a ticket definition: name, price, quantity or unlimited, limit per checkout, description,
policy, hidden, sale period (API.md §4.1), entry rule (hub extension, core.entry_rules). Times are entered in the event's zone; the result is the
contract's TicketDefinitionData plus the field mask of what changed (for a field-by-field update)."""
from __future__ import annotations


from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateTimeEdit, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QPlainTextEdit, QSpinBox, QVBoxLayout)

from app import formatting
from app.widgets.wall_time import from_wall, to_wall
from core.status import DESCRIPTION_MAX as MAX_DESCRIPTION, LIMIT_PER_CHECKOUT_MAX, NAME_MAX as MAX_NAME
from core.entry_rules import DAILY, MAX_ENTRIES, MULTI, ONCE, to_api as entry_rule_api
from core.status import POLICY_MAX as MAX_POLICY

MASK_FIELDS = ("name", "price", "description", "limited", "quantity", "limitPerCheckout", "policy", "hidden",
               "salePeriod", "entryRule")
RULES = ((ONCE, "Once per event"), (DAILY, "Once per day (event time)"), (MULTI, "A number of entries"))


class DefinitionDialog(QDialog):
    """`data()` → TicketDefinitionData; `changed_fields()` → mask paths that differ from `initial`."""

    def __init__(self, initial: dict | None, currency: str, time_zone: str, parent=None, entered: dict | None = None):
        super().__init__(parent)
        self.setWindowTitle("Edit ticket type" if initial else "New ticket type")
        self.initial = initial or {}
        self.currency, self.time_zone = currency, time_zone
        self.name = QLineEdit()
        self.name.setMaxLength(MAX_NAME)
        self.price = QLineEdit()
        self.price.setPlaceholderText("0 = free")
        self.unlimited = QCheckBox("Unlimited")
        self.quantity = QSpinBox()
        self.quantity.setRange(0, 1_000_000)
        self.limit = QSpinBox()
        self.limit.setRange(0, LIMIT_PER_CHECKOUT_MAX)
        self.description = QPlainTextEdit()
        self.policy = QPlainTextEdit()
        for box in (self.description, self.policy):
            box.setFixedHeight(60)
        self.hidden = QCheckBox("Hidden from online sale")
        self.rule = QComboBox()
        for kind, label in RULES:
            self.rule.addItem(label, kind)
        self.max_entries = QSpinBox()
        self.max_entries.setRange(1, MAX_ENTRIES)
        self.max_entries.setSuffix(" entries")
        self.start_on, self.end_on = QCheckBox("Sale starts"), QCheckBox("Sale ends")
        self.start, self.end = QDateTimeEdit(), QDateTimeEdit()
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
            edit.setDateTime(QDateTime.currentDateTime())
        self.error = QLabel("")
        self.error.setStyleSheet("color: #b3261e;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept_if_valid)
        self.buttons.rejected.connect(self.reject)
        self._lay_out()
        self._load(entered or self.initial)
        self.unlimited.toggled.connect(lambda on: self.quantity.setEnabled(not on))
        self.start_on.toggled.connect(lambda on: self.start.setEnabled(on))
        self.end_on.toggled.connect(lambda on: self.end.setEnabled(on))
        self.rule.currentIndexChanged.connect(lambda _: self.max_entries.setEnabled(self.rule.currentData() == MULTI))

    def _lay_out(self) -> None:
        form = QFormLayout()
        form.addRow("Name*", self.name)
        price = QHBoxLayout()
        price.addWidget(self.price)
        price.addWidget(QLabel(self.currency))
        form.addRow("Price", price)
        qty = QHBoxLayout()
        qty.addWidget(self.quantity)
        qty.addWidget(self.unlimited)
        form.addRow("Quantity", qty)
        form.addRow("Limit per order", self.limit)
        form.addRow("", QLabel("0 or 20 = no limit per order"))
        form.addRow("Description", self.description)
        form.addRow("Policy (printed)", self.policy)
        form.addRow("", self.hidden)
        entry = QHBoxLayout()
        entry.addWidget(self.rule)
        entry.addWidget(self.max_entries)
        form.addRow("Admits", entry)
        form.addRow(self.start_on, self.start)
        form.addRow(self.end_on, self.end)
        form.addRow("", QLabel(f"Times in the event's zone ({self.time_zone})"))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _load(self, data: dict) -> None:
        self.name.setText(data.get("name", ""))
        price = data.get("price") or {}
        self.price.setText(str(price.get("value") or price.get("amount") or "0"))
        unlimited = data.get("quantity") is None
        self.unlimited.setChecked(unlimited)
        self.quantity.setValue(data.get("quantity") or 0)
        self.quantity.setEnabled(not unlimited)
        self.limit.setValue(data.get("limitPerCheckout", 20))
        self.description.setPlainText(data.get("description", ""))
        self.policy.setPlainText(data.get("policy", ""))
        self.hidden.setChecked(bool(data.get("hidden")))
        rule = data.get("entryRule") or {}
        self.rule.setCurrentIndex(max(0, self.rule.findData(str(rule.get("kind") or ONCE).upper())))
        self.max_entries.setValue(int(rule.get("maxEntries") or 2))
        self.max_entries.setEnabled(self.rule.currentData() == MULTI)
        period = data.get("salePeriod") or {}
        for check, edit, key in ((self.start_on, self.start, "startDate"), (self.end_on, self.end, "endDate")):
            value = to_wall(period.get(key), self.time_zone)
            check.setChecked(value is not None)
            edit.setEnabled(value is not None)
            if value is not None:
                edit.setDateTime(value)

    def data(self) -> dict:
        """The entered values as TicketDefinitionData (price as the contract's Money dict)."""
        money = formatting.parse_money(self.price.text(), self.currency)
        unlimited = self.unlimited.isChecked()
        period = dict((self.initial.get("salePeriod") or {}))
        period.update(startDate=from_wall(self.start.dateTime(), self.time_zone) if self.start_on.isChecked() else None,
                      endDate=from_wall(self.end.dateTime(), self.time_zone) if self.end_on.isChecked() else None)
        period.setdefault("hideNotOnSale", False)
        return {"name": self.name.text().strip(),
                "price": money.to_api() if money is not None else {"value": self.price.text(), "currency": self.currency},
                "description": self.description.toPlainText()[:MAX_DESCRIPTION],
                "limited": not unlimited, "quantity": None if unlimited else self.quantity.value(),
                "limitPerCheckout": self.limit.value(), "policy": self.policy.toPlainText()[:MAX_POLICY],
                "hidden": self.hidden.isChecked(), "salePeriod": period,
                "entryRule": entry_rule_api(self.rule.currentData(), self.max_entries.value()).get("entryRule")}

    def changed_fields(self) -> list[str]:
        """The mask paths whose values differ from the initial ones (all of them for a new definition)."""
        new = self.data()
        if not self.initial:
            return list(MASK_FIELDS)
        out = []
        for key in MASK_FIELDS:
            before, after = self.initial.get(key), new.get(key)
            if key == "price":
                before = formatting.parse_money(str((before or {}).get("value", "0")), self.currency)
                after = formatting.parse_money(str(after.get("value", "")), self.currency)
            if before != after:
                out.append(key)
        return out

    def problem(self) -> str:
        """Why the entry cannot be saved yet ('' when it can)."""
        if not self.name.text().strip():
            return "The name is required."
        if formatting.parse_money(self.price.text(), self.currency) is None:
            return f"The price is not a valid {self.currency} amount."
        if self.start_on.isChecked() and self.end_on.isChecked() and self.start.dateTime() >= self.end.dateTime():
            return "The sale must start before it ends."
        return ""

    def _accept_if_valid(self) -> None:
        self.error.setText(self.problem())
        if not self.error.text():
            self.accept()

    @classmethod
    def ask(cls, initial: dict | None, currency: str, time_zone: str, parent=None, *, entered: dict | None = None,
            error: str = "") -> tuple[dict, list[str]] | None:
        """Run modally; (data, changed fields) or None when cancelled (tests replace this). `entered` refills
        the form after the core refused it, with `error` saying why."""
        dialog = cls(initial, currency, time_zone, parent, entered)
        dialog.error.setText(error)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.data(), dialog.changed_fields()
