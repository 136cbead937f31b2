"""Typed report tables (issue 10 item 5): what every report of core.report_data hands to the exports
(core.report_export, core.report_pdf, core.report_chart), the CLI (`tessera report …`) and the Reports tab.

A `ReportTable` is a title, typed columns and rows of plain values, built inside a session and safe to pass
between threads (frozen, no ORM objects). Cell values by column kind:

    text      str
    int       int                                  (None = no value, e.g. an unlimited quantity)
    money     core.money.Money (never a float)     (None = no value)
    datetime  aware UTC datetime                    shown in the table's `time_zone` (the event's)
    date      datetime.date, already event-local   (a day of the event's calendar)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from core.errors import InvalidArgument
from core.money import Money
from core.timeutil import local

TEXT, INT, MONEY, DATETIME, DATE = "text", "int", "money", "datetime", "date"
KINDS = (TEXT, INT, MONEY, DATETIME, DATE)
_TYPES = {TEXT: str, INT: int, MONEY: Money, DATETIME: datetime, DATE: date}


@dataclass(frozen=True)
class Column:
    """A column: its header `name` and `kind` (one of KINDS)."""

    name: str
    kind: str = TEXT

    def __post_init__(self):
        if self.kind not in KINDS:
            raise InvalidArgument(f"unknown column kind {self.kind!r}", field="kind")


@dataclass(frozen=True)
class ReportTable:
    """One table of a report. `rows` are tuples with one value per column (the kinds above; None = empty);
    `time_zone` the IANA zone datetimes are shown in (the event's); `key` a short machine name (the XLSX
    sheet, the JSON key)."""

    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple, ...]
    time_zone: str = "UTC"
    key: str = ""

    def __post_init__(self):
        for row in self.rows:
            if len(row) != len(self.columns):
                raise InvalidArgument(f"{self.title}: a row has {len(row)} values for {len(self.columns)} columns")
            for value, col in zip(row, self.columns):
                if value is not None and not _fits(value, col.kind):
                    raise InvalidArgument(f"{self.title}: {col.name} holds {type(value).__name__}, not {col.kind}")

    def column(self, name: str) -> list:
        """The values of the column `name` (KeyError-like InvalidArgument when there is none)."""
        for i, col in enumerate(self.columns):
            if col.name == name:
                return [row[i] for row in self.rows]
        raise InvalidArgument(f"{self.title} has no column {name!r}", field="column")

    def local(self, value: datetime) -> datetime:
        """`value` (aware UTC) in the table's zone."""
        return local(value, self.time_zone)


def _fits(value: Any, kind: str) -> bool:
    if kind == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == DATE:
        return isinstance(value, date) and not isinstance(value, datetime)
    if kind == DATETIME:
        return isinstance(value, datetime) and value.tzinfo is not None
    return isinstance(value, _TYPES[kind])


def text_of(table: ReportTable, value: Any, kind: str, locale: str = "en_US") -> str:
    """A cell as a person reads it: money formatted for `locale` (babel), datetimes "YYYY-MM-DD HH:MM" in the
    table's zone, dates ISO, None empty."""
    if value is None:
        return ""
    if kind == MONEY:
        return value.format(locale)
    if kind == DATETIME:
        return table.local(value).strftime("%Y-%m-%d %H:%M")
    if kind == DATE:
        return value.isoformat()
    return str(value)
