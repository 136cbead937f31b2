"""`tessera report …` (app/cli/report_cmd.py, issue 10 item 5): every report in text, CSV and JSON; XLSX,
PDF and PNG to --out; clear refusals."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.app.test_cli import cli  # noqa: F401  (fixture)
from tests.core.report_fixtures import evening, make_venue
from tests.ledgers import new_ledger


@pytest.fixture
def venue(tmp_path):
    ledger = new_ledger(tmp_path / "ledger.db")  # the ledger the cli fixture uses
    v = make_venue(ledger)
    evening(ledger, v)
    ledger.close()
    return v


@pytest.mark.parametrize("report", ["summary", "arrivals", "days", "sales", "door-list", "incidents"])
def test_every_report_prints_as_text_csv_and_json(cli, venue, report):  # noqa: F811
    code, out, err = cli("report", report, as_json=False)
    assert code == 0 and "Harbour Night" in out, err
    code, body, _ = cli("report", report)
    assert code == 0 and body["report"] == report and body["tables"]
    code, out, _ = cli("report", report, "--format", "csv", as_json=False)
    assert code == 0 and list(csv.reader(io.StringIO(out)))


def test_summary_text_shows_inside_per_entrance(cli, venue):  # noqa: F811
    code, out, _ = cli("report", "summary", as_json=False)
    assert code == 0
    line = next(ln for ln in out.splitlines() if ln.startswith("Inside now"))
    assert line.split()[-1] == "3"
    assert any(ln.split()[:2] == ["Exit", "EXIT"] and ln.split()[3] == "1" for ln in out.splitlines())


def test_files_xlsx_pdf_png(cli, venue, tmp_path):  # noqa: F811
    xlsx, png, pdf, door = (tmp_path / n for n in ("a.xlsx", "a.png", "a.pdf", "door.pdf"))
    assert cli("report", "arrivals", "--format", "xlsx", "--out", str(xlsx), as_json=False)[0] == 0
    ws = load_workbook(xlsx).active
    assert [c.value for c in ws[1]][1:] == ["Main", "Side", "Total"]
    assert cli("report", "arrivals", "--format", "png", "--out", str(png), as_json=False)[0] == 0
    assert png.read_bytes().startswith(b"\x89PNG")
    assert cli("report", "arrivals", "--format", "pdf", "--out", str(pdf), as_json=False)[0] == 0
    assert cli("report", "door-list", "--format", "pdf", "--out", str(door), as_json=False)[0] == 0
    assert pdf.read_bytes().startswith(b"%PDF") and door.read_bytes().startswith(b"%PDF")
    code, _, err = cli("report", "days", "--format", "csv", "--minutes", "30", "--out", str(tmp_path / "d.csv"),
                       as_json=False)
    assert code == 0 and (tmp_path / "d.csv").read_text().startswith("Day,Entries")


def test_refusals(cli, venue, tmp_path):  # noqa: F811
    code, _, err = cli("report", "sales", "--format", "png", "--out", str(tmp_path / "x.png"), as_json=False)
    assert code == 1 and "arrivals chart" in err
    code, _, err = cli("report", "arrivals", "--minutes", "0", as_json=False)
    assert code == 1 and "--minutes" in err
    code, _, err = cli("report", "summary", "--event", "nope", as_json=False)
    assert code == 2 and "not found" in err
