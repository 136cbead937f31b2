"""core.report_export / report_chart / report_pdf (issue 10 item 5): XLSX with typed cells (numbers as
numbers, money numeric with a currency format, dates and datetimes as real date cells in the event's zone),
CSV and JSON without floats, the arrivals chart as a PNG with non-blank pixels and a PDF, and the door list
PDF: alphabetical, with a Korean and an Arabic name extracted from the page."""
from __future__ import annotations

import csv
import io
import json
import unicodedata
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pypdf
import pypdfium2
import pytest
from openpyxl import load_workbook
from PIL import Image

from core.errors import InvalidArgument
from core.report_chart import chart_pdf, chart_png
from core.report_data import build_report
from core.report_export import money_format, render, to_csv, to_json, to_xlsx
from core.report_pdf import tables_pdf
from tests.core.report_fixtures import evening, make_venue


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    from tests.ledgers import new_ledger

    ledger = new_ledger(tmp_path_factory.mktemp("reports") / "ledger.db")
    v = make_venue(ledger)
    evening(ledger, v)
    with ledger.uow() as uow:
        out = {name: build_report(uow.session, name, v.event_id)
               for name in ("summary", "arrivals", "days", "sales", "door-list")}
    ledger.close()
    return out


def test_xlsx_cells_are_typed(reports):
    wb = load_workbook(io.BytesIO(to_xlsx(reports["arrivals"] + reports["days"] + reports["sales"])))
    arrivals, days, sales_days = wb["arrivals"], wb["days"], wb["sales_days"]
    assert [c.value for c in arrivals[1]] == ["From (Pacific/Auckland)", "Main", "Side", "Total"]
    first = arrivals["A2"]
    assert first.is_date and isinstance(first.value, datetime) and first.value == datetime(2025, 6, 14, 23, 30)
    assert [arrivals.cell(row=r, column=4).value for r in range(2, 6)] == [1, 1, 1, 1]
    assert all(type(arrivals.cell(row=r, column=2).value) is int for r in range(2, 6))
    assert days["A3"].is_date and days["A3"].value.date() == date(2025, 6, 15) and days["B3"].value == 2
    taken = sales_days["E2"]
    assert taken.data_type == "n" and Decimal(str(taken.value)) == Decimal("75.00")
    assert taken.number_format == '#,##0.00 "EUR"' and sales_days["B2"].value == "EUR"


def test_money_format_follows_the_currency_digits():
    assert money_format("JPY") == '#,##0 "JPY"'
    assert money_format("KWD") == '#,##0.000 "KWD"'


def test_csv_and_json_keep_money_exact_and_times_in_the_event_zone(reports):
    rows = list(csv.reader(io.StringIO(to_csv(reports["arrivals"]))))
    assert rows[0] == ["From", "Main", "Side", "Total"]
    assert rows[1] == ["2025-06-14T23:30:00+12:00", "1", "0", "1"]
    text = to_csv(reports["sales"])
    assert "Sales per day — Harbour Night" in text and "2025-06-14,EUR,3,3,75.00,EUR" in text
    body = to_json(reports["sales"])
    day = body["tables"][0]
    assert day["columns"][4] == {"name": "Taken", "kind": "money"}
    assert day["rows"][0] == ["2025-06-14", "EUR", 3, 3, {"amount": "75.00", "currency": "EUR"}]
    assert json.loads(render(reports["sales"], "sales", "json"))["report"] == "sales"


def test_arrivals_chart_png_has_ink_and_pdf_is_a_pdf(reports):
    png = chart_png(reports["arrivals"][0])
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert img.shape[0] > 300 and img.shape[1] > 800
    coloured = (np.abs(img.astype(int) - img.mean(axis=2, keepdims=True)) > 40).any(axis=2)
    assert coloured.sum() > 500  # the bars
    pdf = chart_pdf(reports["arrivals"][0])
    assert pdf.startswith(b"%PDF") and len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == 1
    assert render(reports["arrivals"], "arrivals", "png") == png
    with pytest.raises(InvalidArgument):
        render(reports["sales"], "sales", "png")


def _pdf_lines(pdf: bytes) -> list[str]:
    """The text lines of every page (pypdfium2: one line per printed row)."""
    doc = pypdfium2.PdfDocument(pdf)
    text = "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    return [unicodedata.normalize("NFKC", line).strip() for line in text.splitlines() if line.strip()]


def test_door_list_pdf_is_alphabetical_and_prints_korean_and_arabic(reports):
    lines = _pdf_lines(tables_pdf(reports["door-list"]))
    rows = [ln for ln in lines if "Standing" in ln]
    assert len(rows) == 5
    assert [ln.split(",")[0] for ln in rows[:3]] == ["Brontë", "Dvořák", "Moreira"]  # A→Z first
    assert "✓" not in rows[0] and rows[2].endswith("✓")  # Zoë left by the exit; Ana is inside
    arabic, korean = rows[3], rows[4]  # then the other scripts, by code point
    assert "ليلى" in arabic and "حداد" in arabic
    assert korean.startswith("김, 민수")


def test_a_long_door_list_runs_over_pages_with_the_header_repeated(reports):
    from core.report_table import ReportTable

    table = reports["door-list"][0]
    rows = tuple((f"Guest {i:03d}, A", f"T-{i:03d}", "Standing", "PAID", "") for i in range(120))
    pdf = tables_pdf([ReportTable(table.title, table.columns, rows, table.time_zone)])
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 3
    assert all("Name" in page.extract_text() for page in reader.pages)


def test_text_that_looks_like_a_formula_stays_text():
    from core.report_table import Column, ReportTable

    table = ReportTable("Door list", (Column("Name"), Column("n", "int")),
                        (("=HYPERLINK(\"http://x\")", 1), ("-Ana", -2), ("Zoë", 3)))
    ws = load_workbook(io.BytesIO(to_xlsx([table]))).active
    assert ws["A2"].data_type == "s" and ws["A2"].value == "=HYPERLINK(\"http://x\")"
    assert ws["B3"].value == -2
    rows = list(csv.reader(io.StringIO(to_csv([table]))))
    assert rows[1:] == [["'=HYPERLINK(\"http://x\")", "1"], ["'-Ana", "-2"], ["Zoë", "3"]]
