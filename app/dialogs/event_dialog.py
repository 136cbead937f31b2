"""Create or edit an event: title, IANA time zone, start/end (entered as wall time in the event's zone) and
currency. The currency can change only while core.events says it is not locked; once locked the field is
disabled and shows core's reason (core.events.currency_lock_reason). The event has no location in the
ledger's model, so there is none here. Every check is core's: a refusal reopens the form with its reason."""
from __future__ import annotations

from zoneinfo import available_timezones

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateTimeEdit, QDialog, QDialogButtonBox, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QVBoxLayout)

from app.widgets.wall_time import from_wall, to_wall
from core.events import EventSummary
from core.status import TITLE_MAX

COMMON_ZONES = ["Europe/Berlin", "Europe/Zurich", "Europe/Vienna", "Europe/Paris", "Europe/London",
                "Europe/Madrid", "Europe/Rome", "Europe/Amsterdam", "America/New_York", "America/Los_Angeles",
                "Asia/Tokyo", "Australia/Sydney", "UTC"]
COMMON_CURRENCIES = ["EUR", "CHF", "USD", "GBP", "JPY", "SEK", "NOK", "DKK", "PLN", "CZK", "AUD", "CAD", "KWD"]
FIELDS = ("title", "time_zone", "start", "end", "currency")


class EventDialog(QDialog):
    """`values()` → {title, time_zone, start, end, currency} (start/end RFC 3339 or None); `changes()` →
    only the entries that differ from `initial` (an EventSummary, or None for a new event)."""

    def __init__(self, initial: EventSummary | None = None, parent=None, *, entered: dict | None = None,
                 error: str = ""):
        super().__init__(parent)
        self.setWindowTitle("Edit event" if initial else "New event")
        self.initial = initial
        self.title = QLineEdit()
        self.title.setMaxLength(TITLE_MAX)
        self.time_zone = QComboBox()
        self.time_zone.setEditable(True)
        self.time_zone.addItems(COMMON_ZONES + sorted(available_timezones() - set(COMMON_ZONES)))
        self.currency = QComboBox()
        self.currency.setEditable(True)
        self.currency.addItems(COMMON_CURRENCIES)
        self.lock_label = QLabel("")
        self.lock_label.setWordWrap(True)
        self.start_on, self.end_on = QCheckBox("Starts"), QCheckBox("Ends")
        self.start, self.end = QDateTimeEdit(), QDateTimeEdit()
        for box, edit in ((self.start_on, self.start), (self.end_on, self.end)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
            edit.setDateTime(QDateTime.currentDateTime())
            box.toggled.connect(edit.setEnabled)
            edit.setEnabled(False)
        self.error = QLabel(error)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setVisible(bool(error))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._lay_out()
        self._fill(initial, entered)

    def _lay_out(self) -> None:
        form = QFormLayout()
        form.addRow("Title*", self.title)
        form.addRow("Time zone*", self.time_zone)
        for box, edit in ((self.start_on, self.start), (self.end_on, self.end)):
            row = QHBoxLayout()
            row.addWidget(box)
            row.addWidget(edit, 1)
            form.addRow(row)
        form.addRow("Currency*", self.currency)
        form.addRow(self.lock_label)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Times are wall times in the event's time zone."))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _fill(self, initial: EventSummary | None, entered: dict | None) -> None:
        tz_name = initial.time_zone if initial else "Europe/Berlin"
        self.title.setText(initial.title if initial else "")
        self.time_zone.setCurrentText(tz_name)
        self.currency.setCurrentText(initial.currency if initial else "EUR")
        for box, edit, value in ((self.start_on, self.start, initial.start if initial else None),
                                 (self.end_on, self.end, initial.end if initial else None)):
            shown = to_wall(value, tz_name)
            box.setChecked(shown is not None)
            if shown is not None:
                edit.setDateTime(shown)
        reason = initial.lock_reason if initial else None
        self.currency.setEnabled(reason is None)
        self.currency.setToolTip(reason or "The currency of every price of the event (not converted)")
        self.lock_label.setText(reason or "")
        self.lock_label.setVisible(bool(reason))
        if entered:  # reopened after a refusal: what the organiser typed
            self.title.setText(entered.get("title", self.title.text()) or "")
            self.time_zone.setCurrentText(entered.get("time_zone") or tz_name)
            if reason is None and entered.get("currency"):
                self.currency.setCurrentText(entered["currency"])

    def values(self) -> dict:
        """Everything in the form; start/end None when unticked; currency None when locked."""
        tz_name = self.time_zone.currentText().strip()
        return {"title": self.title.text().strip(), "time_zone": tz_name,
                "start": from_wall(self.start.dateTime(), tz_name) if self.start_on.isChecked() else None,
                "end": from_wall(self.end.dateTime(), tz_name) if self.end_on.isChecked() else None,
                "currency": self.currency.currentText().strip().upper() if self.currency.isEnabled() else None}

    def changes(self) -> dict:
        """The values that differ from the event being edited (all of them for a new event). Start/end are
        compared as wall times in the event's old zone, so changing only the zone keeps the instants."""
        values = self.values()
        ev = self.initial
        if ev is None:
            return values
        out = {k: values[k] for k in ("title", "time_zone", "currency")
               if values[k] is not None and values[k] != getattr(ev, k)}
        for key, box, edit in (("start", self.start_on, self.start), ("end", self.end_on, self.end)):
            before = to_wall(getattr(ev, key), ev.time_zone)
            now = edit.dateTime() if box.isChecked() else None
            if now != before and values[key] is not None:
                out[key] = values[key]
        return out

    @classmethod
    def ask(cls, initial: EventSummary | None = None, parent=None, *, entered: dict | None = None,
            error: str = "") -> dict | None:
        """Run the dialog modally: its `changes()` (for a new event: every value), or None when cancelled
        (tests replace this)."""
        dialog = cls(initial, parent, entered=entered, error=error)
        return dialog.changes() if dialog.exec() == QDialog.DialogCode.Accepted else None
