"""Report tables (core.report_table) as CSV, JSON and XLSX (issue 10 item 5). Qt-free.

Cells keep their types where the format has them:
- XLSX (openpyxl): int → number cell; money → numeric cell (Decimal, exact) with a currency number format
  ('#,##0.00 "EUR"', the currency's minor digits); datetime → a real date-time cell in the event's zone
  (Excel has no zones: the wall time of the table's `time_zone`, named in the header); date → a date cell.
  One sheet per table, headers in row 1, values from row 2.
- CSV: a money column becomes two, the decimal amount in major units and "<name> currency"; datetimes are
  ISO 8601 with the event zone's offset; several tables are written one after another, each after a line
  holding its title and separated by a blank line.
- PDF: core.report_pdf's printable tables; for the arrivals report the chart (core.report_chart), as PNG too.
- Text that a spreadsheet would run as a formula (a guest named "=HYPERLINK(…)") stays text: a string cell in
  XLSX; in CSV a leading "'" is added to text cells starting with = + - @ or a tab/CR (OWASP "CSV injection").
- JSON: {"tables": [{key, title, timeZone, columns: [{name, kind}], rows}]}; money {amount, currency} with a
  decimal string, datetimes ISO 8601 with offset (event zone), dates ISO.
"""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from core.errors import InvalidArgument
from core.money import exponent
from core.report_chart import chart_pdf, chart_png
from core.report_pdf import tables_pdf
from core.report_table import DATE, DATETIME, INT, MONEY, ReportTable

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    """`text` for a CSV cell: prefixed with "'" when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _iso(table: ReportTable, value: datetime) -> str:
    return table.local(value).isoformat(timespec="seconds")


# ---- CSV -----------------------------------------------------------------------------------------------
def _csv_header(table: ReportTable) -> list[str]:
    out = []
    for col in table.columns:
        out += [col.name, f"{col.name} currency"] if col.kind == MONEY else [col.name]
    return out


def _csv_cells(table: ReportTable, row: tuple) -> list[str]:
    out: list[str] = []
    for value, col in zip(row, table.columns):
        if col.kind == MONEY:
            out += ["", ""] if value is None else [f"{value.amount:f}", value.currency]
        elif value is None:
            out.append("")
        elif col.kind == DATETIME:
            out.append(_iso(table, value))
        elif col.kind == DATE:
            out.append(value.isoformat())
        elif col.kind == INT:
            out.append(str(value))
        else:
            out.append(safe_text(str(value)))
    return out


def to_csv(tables: Iterable[ReportTable]) -> str:
    """CSV text of `tables` (see the module docstring); one table alone has no title line."""
    tables = list(tables)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for i, table in enumerate(tables):
        if i:
            w.writerow([])
        if len(tables) > 1:
            w.writerow([table.title])
        w.writerow(_csv_header(table))
        for row in table.rows:
            w.writerow(_csv_cells(table, row))
    return buf.getvalue()


# ---- JSON ----------------------------------------------------------------------------------------------
def _json_cell(table: ReportTable, value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == MONEY:
        return {"amount": f"{value.amount:f}", "currency": value.currency}
    if kind == DATETIME:
        return _iso(table, value)
    if kind == DATE:
        return value.isoformat()
    return value


def to_json(tables: Iterable[ReportTable]) -> dict:
    """A JSON-able dict of `tables` (see the module docstring)."""
    return {"tables": [{"key": t.key, "title": t.title, "timeZone": t.time_zone,
                        "columns": [{"name": c.name, "kind": c.kind} for c in t.columns],
                        "rows": [[_json_cell(t, v, c.kind) for v, c in zip(row, t.columns)] for row in t.rows]}
                       for t in tables]}


# ---- XLSX ----------------------------------------------------------------------------------------------
def money_format(currency: str) -> str:
    """The XLSX number format of an amount in `currency`: '#,##0.00 "EUR"' (JPY: '#,##0 "JPY"')."""
    digits = exponent(currency)
    return f'#,##0{"." + "0" * digits if digits else ""} "{currency}"'


def _sheet_name(table: ReportTable, used: set[str]) -> str:
    base = _SHEET_BAD.sub(" ", table.key or table.title).strip()[:28] or "Report"
    name, n = base, 2
    while name.casefold() in used:
        name, n = f"{base[:26]} {n}", n + 1
    used.add(name.casefold())
    return name


def _put(cell, table: ReportTable, value: Any, kind: str) -> None:
    if value is None:
        return
    if kind == MONEY:
        cell.value = value.amount
        cell.number_format = money_format(value.currency)
    elif kind == DATETIME:
        cell.value = table.local(value).replace(tzinfo=None)
        cell.number_format = DATETIME_FORMAT
    elif kind == DATE:
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif kind == INT:
        cell.value = int(value)
    else:
        cell.value = str(value)
        cell.data_type = "s"  # never a formula, whatever the text starts with


def to_xlsx(tables: Iterable[ReportTable]) -> bytes:
    """An XLSX workbook of `tables`, one sheet each (see the module docstring), as bytes."""
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for table in tables:
        ws = wb.create_sheet(_sheet_name(table, used))
        for j, col in enumerate(table.columns, start=1):
            header = f"{col.name} ({table.time_zone})" if col.kind == DATETIME else col.name
            ws.cell(row=1, column=j, value=header)
            width = max([len(header)] + [len(str(r[j - 1])) for r in table.rows[:200]])
            ws.column_dimensions[get_column_letter(j)].width = min(max(10, width + 2), 60)
        for i, row in enumerate(table.rows, start=2):
            for j, (value, col) in enumerate(zip(row, table.columns), start=1):
                _put(ws.cell(row=i, column=j), table, value, col.kind)
        ws.freeze_panes = "A2"
    if not wb.worksheets:
        wb.create_sheet("Report")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


EXPORT_FORMATS = ("csv", "json", "xlsx", "pdf", "png")
SUFFIX = {"csv": ".csv", "json": ".json", "xlsx": ".xlsx", "pdf": ".pdf", "png": ".png"}


def render(tables: list[ReportTable], report: str, fmt: str) -> bytes:
    """The file of report `report` (a core.report_data.REPORTS key) made of `tables`, in `fmt` (one of
    EXPORT_FORMATS), as bytes (text formats UTF-8). pdf/png of "arrivals" are the chart. Raises
    InvalidArgument for an unknown format or png of another report."""
    if fmt == "csv":
        return to_csv(tables).encode("utf-8")
    if fmt == "json":
        body = dict(to_json(tables), report=report)
        return (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if fmt == "xlsx":
        return to_xlsx(tables)
    if fmt in ("pdf", "png") and report == "arrivals" and tables:
        return chart_png(tables[0]) if fmt == "png" else chart_pdf(tables[0])
    if fmt == "pdf":
        return tables_pdf(tables)
    if fmt == "png":
        raise InvalidArgument("png is the arrivals chart only", field="format")
    raise InvalidArgument(f"unknown format {fmt!r}: one of {', '.join(EXPORT_FORMATS)}", field="format")
