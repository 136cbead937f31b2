"""The Reports tab (issue 10 item 5): the current event's reports of core.report_data — summary (sold /
checked in / inside per definition and per entrance), arrivals per 15 minutes per entrance with its chart,
check-ins per day, sales, the door list and the incidents of the sync — and Export buttons (CSV, XLSX, PDF,
PNG) writing exactly what `tessera report … --format …` writes (core.report_export.render).

Loading runs off the GUI thread (app.tasks.query_op) and only when the tab is seen (app.tabs.lazy); the main
window reloads it when check-ins, orders, payments, tickets, definitions, entrances or events change
(MainWindow TAB_KINDS). The chart is matplotlib's QtAgg canvas (PySide6) drawing core.report_chart's figure;
matplotlib and openpyxl (core.report_chart / core.report_export, ~40% of the window's import time) are imported
when the first chart is shown or the first export made, not at start-up.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QLabel, QPushButton, QSplitter, QTabWidget, QVBoxLayout,
                               QWidget)

from app.models.report_model import ReportTableModel
from app.tabs.lazy import LazyRefresh
from app.tasks import error_message, query_op, run_in_background
from app.widgets.table_view import button_row, make_table
from core.report_data import TITLES, build_report

EXPORTS = ("csv", "xlsx", "pdf", "png")


def load_report(session, report: str, event_id: str) -> list:
    """The worker's job: core.report_data.build_report; for "arrivals" also import matplotlib and register the
    chart's fonts here (seconds on a slow machine), so the GUI thread only draws."""
    tables = build_report(session, report, event_id)
    if report == "arrivals":
        from core.report_chart import font_families  # matplotlib: off the GUI thread, not at start-up

        font_families()
    return tables


class ReportsTab(LazyRefresh, QWidget):
    """Signals `loaded()` after each (re)load shown, `exported(str)` with the path of a file written and
    `failed(str)` with the reason a load or an export failed."""

    loaded = Signal()
    exported = Signal(str)
    failed = Signal(str)

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.tables: list = []
        self.shown_report = ""
        self._generation = 0
        self.canvas = None  # matplotlib FigureCanvasQTAgg, made with the first chart
        self.report_box = QComboBox()
        for key, title in TITLES.items():
            self.report_box.addItem(title, key)
        self.report_box.currentIndexChanged.connect(lambda *_: self.refresh())
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(lambda: self.refresh())
        self.export_buttons = {fmt: QPushButton(f"Export {fmt.upper()}…") for fmt in EXPORTS}
        for fmt, button in self.export_buttons.items():
            button.clicked.connect(lambda _checked=False, f=fmt: self.on_export_clicked(f))
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.table_tabs = QTabWidget()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table_tabs)
        layout = QVBoxLayout(self)
        layout.addLayout(button_row(QLabel("Report:"), self.report_box, self.refresh_button,
                                    trailing=tuple(self.export_buttons.values())))
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.status)
        self._update_buttons()

    # ---- loading --------------------------------------------------------------------------------------
    def report(self) -> str:
        """The chosen report's key (core.report_data.REPORTS)."""
        return self.report_box.currentData()

    def choose(self, report: str) -> None:
        """Show report `report` (a REPORTS key); reloads."""
        self.report_box.setCurrentIndex(self.report_box.findData(report))

    def set_event(self, event) -> None:
        """The station now works on `event` (EventInfo or None)."""
        self.refresh()

    def refresh(self) -> None:
        """Reload the chosen report of the current event in the background, when shown."""
        if not self.visible_or_stale():
            return
        self._generation += 1
        event_id = self.ctx.event_id
        if event_id is None:
            self._show([], "", "No event: create one in the Events tab")
            return
        gen, report = self._generation, self.report()
        self.status.setText("Loading…")
        run_in_background(query_op(self.ctx.ledger, load_report, report, event_id),
                          lambda tables: self._on_loaded(gen, report, tables),
                          lambda exc: self._on_failed(gen, exc), parent=self)

    def _on_loaded(self, gen: int, report: str, tables: list) -> None:
        if gen == self._generation:  # an older load finishing late is dropped
            self._show(tables, report, "")

    def _on_failed(self, gen: int, exc: BaseException) -> None:
        if gen == self._generation:
            self.status.setText(f"The report could not be made: {error_message(exc)}")
            self.failed.emit(error_message(exc))

    def _show(self, tables: list, report: str, message: str) -> None:
        self.tables, self.shown_report = list(tables), report
        current = self.table_tabs.currentIndex()
        while self.table_tabs.count():
            page = self.table_tabs.widget(0)
            self.table_tabs.removeTab(0)
            page.deleteLater()
        for table in self.tables:
            model = ReportTableModel(self)
            view, _proxy = make_table(model, self, stretch_last=False)
            model.set_table(table)
            view.model_ref = model  # tests and exports read the model behind the view
            self.table_tabs.addTab(view, table.title.split(" — ")[0])
        if 0 <= current < self.table_tabs.count():
            self.table_tabs.setCurrentIndex(current)
        self._show_chart(report == "arrivals" and bool(self.tables))
        self.status.setText(message)
        self._update_buttons()
        self.loaded.emit()

    def models(self) -> list[ReportTableModel]:
        """The models of the tables shown, in order."""
        return [self.table_tabs.widget(i).model_ref for i in range(self.table_tabs.count())]

    def _show_chart(self, on: bool) -> None:
        if on and self.canvas is None:
            # matplotlib (~0.3 s to import) only once a chart is wanted, never at start-up
            from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
            from matplotlib.figure import Figure

            self.canvas = FigureCanvasQTAgg(Figure(figsize=(8, 3.2)))
            self.canvas.setMinimumHeight(220)
            self.splitter.insertWidget(0, self.canvas)
            self.splitter.setSizes([3 * self.height() // 5, 2 * self.height() // 5])
        if self.canvas is not None:
            self.canvas.setVisible(on)
            if on:
                from core.report_chart import draw_arrivals  # matplotlib: not at start-up

                draw_arrivals(self.canvas.figure, self.tables[0])
                self.canvas.draw_idle()

    def _update_buttons(self) -> None:
        has = bool(self.tables)
        for fmt, button in self.export_buttons.items():
            button.setEnabled(has and (fmt != "png" or self.shown_report == "arrivals"))

    # ---- export ---------------------------------------------------------------------------------------
    def on_export_clicked(self, fmt: str) -> None:
        """Ask where to save, then export."""
        name = f"{self.shown_report or 'report'}.{fmt}"
        path, _filter = QFileDialog.getSaveFileName(self, f"Export {fmt.upper()}", str(Path.home() / name),
                                                    f"{fmt.upper()} (*.{fmt})")
        if path:
            self.export(fmt, path)

    def export(self, fmt: str, path: str) -> None:
        """Write the report shown to `path` as `fmt` (core.report_export.render) in the background; emits
        `exported(path)` or `failed(reason)`."""
        tables, report = list(self.tables), self.shown_report

        def job() -> str:
            from core.report_export import render  # openpyxl/matplotlib: not at start-up (module docstring)

            Path(path).write_bytes(render(tables, report, fmt))
            return path

        self.status.setText(f"Exporting {fmt.upper()}…")
        run_in_background(job, self._on_exported, self._on_export_failed, parent=self)

    def _on_exported(self, path: str) -> None:
        self.status.setText(f"Saved {path}")
        self.exported.emit(path)

    def _on_export_failed(self, exc: BaseException) -> None:
        self.status.setText(f"The export failed: {error_message(exc)}")
        self.failed.emit(error_message(exc))
