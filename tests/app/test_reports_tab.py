"""The Reports tab (app/tabs/reports_tab.py, issue 10 item 5) in the real main window, offscreen: the
arrivals of `tessera report arrivals --format xlsx` hold the same numbers as the tab; the chart is drawn; the
tab reloads after a door scan elsewhere; Export writes the files the CLI writes."""
from __future__ import annotations

from openpyxl import load_workbook
import pytest

from app.cli.main import main as cli_main
from app.main_window import MainWindow
from tests.core.report_fixtures import evening, make_venue, scan_at


@pytest.fixture
def venue(ledger):
    v = make_venue(ledger)
    evening(ledger, v)
    return v


@pytest.fixture
def window(qtbot, ledger, tmp_path, venue):
    from app import queries
    from app.context import StationContext
    from app.sound import SoundPlayer

    with ledger.uow() as uow:
        info = queries.load_event(uow.session, venue.event_id)
    ctx = StationContext(ledger=ledger, ledger_path=str(tmp_path / "ledger.db"), station="Office",
                         event=info, sound=SoundPlayer(player=[], use_beep=False))
    w = MainWindow(ctx, venue.event_id)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: "Harbour Night" in w.event_label.text(), timeout=5000)
    yield w
    w.close()


def _show(qtbot, window, report):
    tab = window.reports
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        if window.tabs.currentWidget() is not tab:
            window.tabs.setCurrentWidget(tab)
        if tab.report() != report:
            tab.choose(report)
        elif window.tabs.currentWidget() is tab:
            tab.refresh()
    return tab


def _model_cells(model):
    return [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]


def test_cli_xlsx_holds_the_numbers_the_tab_shows(qtbot, window, tmp_path):
    tab = _show(qtbot, window, "arrivals")
    [model] = tab.models()
    assert model.HEADERS == ("From", "Main", "Side", "Total")
    shown = _model_cells(model)
    assert [row[0] for row in shown] == ["2025-06-14 23:30", "2025-06-14 23:45", "2025-06-15 00:00",
                                         "2025-06-15 00:15"]
    out = tmp_path / "arrivals.xlsx"
    assert cli_main(["report", "arrivals", "--format", "xlsx", "--out", str(out), "--db",
                     window.ctx.ledger_path]) == 0
    ws = load_workbook(out).active
    sheet = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert [[int(v) for v in row[1:]] for row in shown] == [row[1:] for row in sheet]
    assert [r[0].strftime("%Y-%m-%d %H:%M") for r in sheet] == [row[0] for row in shown]
    assert tab.canvas is not None and tab.canvas.isVisible()
    assert tab.canvas.figure.axes and len(tab.canvas.figure.axes[0].patches) == 2 * 4  # 2 entrances × 4 buckets


def test_tab_reloads_after_a_scan_and_exits_lower_inside(qtbot, window, ledger, venue):
    tab = _show(qtbot, window, "summary")
    totals = dict(tuple(r) for r in _model_cells(tab.models()[0]))
    assert totals["Inside now"] == "3"
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        scan_at(ledger, venue, 1, "Exit", 70)
        window.on_data_changed("checkins")  # what run_op announces after a door scan
    totals = dict(tuple(r) for r in _model_cells(tab.models()[0]))
    assert totals["Inside now"] == "2" and totals["Exits"] == "2"


def test_export_buttons_write_csv_xlsx_pdf_png(qtbot, window, tmp_path):
    tab = _show(qtbot, window, "door-list")
    assert not tab.export_buttons["png"].isEnabled()  # png is the arrivals chart
    for fmt in ("csv", "xlsx", "pdf"):
        path = tmp_path / f"door.{fmt}"
        with qtbot.waitSignal(tab.exported, timeout=10000):
            tab.export(fmt, str(path))
        assert path.stat().st_size > 0
    assert (tmp_path / "door.pdf").read_bytes().startswith(b"%PDF")
    tab = _show(qtbot, window, "arrivals")
    assert tab.export_buttons["png"].isEnabled()
    with qtbot.waitSignal(tab.exported, timeout=10000):
        tab.export("png", str(tmp_path / "chart.png"))
    assert (tmp_path / "chart.png").read_bytes().startswith(b"\x89PNG")
