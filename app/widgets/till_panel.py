"""The till of the Box office (issue 10 item 3): shows whether this station's till is open (operator,
float, expected cash per currency), opens it with a float, voids the selected sale of the open session,
closes it with the cash counted and saves the close-out (PDF or CSV). Every rule is core.till's; mutations
go through app.tasks.run_op so the tabs refresh by what changed."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QGroupBox, QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout

from app import formatting
from app.dialogs.till_dialog import TillAmountsDialog
from app.tasks import present_error, query_op, run_in_background, run_op
from core.till import close_till, current_till, list_tills, open_till, till_totals, void_sale
from core.till_report import closeout, closeout_csv, closeout_pdf


@dataclass(frozen=True)
class TillState:
    """This station's till as plain values: `till_id` None when none is open; `last_id` the latest session."""

    till_id: str | None
    operator: str
    totals: tuple
    last_id: str | None


def load_state(session, event_id: str, station: str) -> TillState:
    """Worker body: the station's open till and its running totals (core.till)."""
    till = current_till(session, event_id, station)
    last = next((t.id for t in list_tills(session, event_id) if t.station == station), None)
    if till is None:
        return TillState(None, "", (), last)
    return TillState(till.id, till.operator, tuple(till_totals(session, till)), last)


class TillPanel(QGroupBox):
    """Till controls. `selected_order` returns the order number to void (the selected sale) or None.
    Signals `closed(str)` with the till id after a close, `report_saved(str)` with the file written."""

    closed = Signal(str)
    report_saved = Signal(str)

    def __init__(self, ctx, selected_order: Callable[[], str | None], parent=None):
        super().__init__("Till", parent)
        self.ctx, self.selected_order = ctx, selected_order
        self.state = TillState(None, "", (), None)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.open_button, self.void_button = QPushButton("Open till…"), QPushButton("Void selected sale")
        self.close_button, self.report_button = QPushButton("Close till…"), QPushButton("Save close-out…")
        self.open_button.clicked.connect(self.on_open)
        self.void_button.clicked.connect(self.on_void)
        self.close_button.clicked.connect(self.on_close)
        self.report_button.clicked.connect(lambda: self.on_report())
        row = QHBoxLayout()
        for b in (self.open_button, self.void_button, self.close_button, self.report_button):
            row.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addLayout(row)
        self._show()

    def refresh(self) -> None:
        """Reload the till state in the background."""
        if self.ctx.event_id is None:
            return
        run_in_background(query_op(self.ctx.ledger, load_state, self.ctx.event_id, self.ctx.station), self._loaded,
                          parent=self)

    def _loaded(self, state: TillState) -> None:
        self.state = state
        self._show()

    def _show(self) -> None:
        s = self.state
        is_open = s.till_id is not None
        if is_open:
            money = "; ".join(f"{t.currency}: float {formatting.money(t.float_)}, expected cash "
                              f"{formatting.money(t.expected)}, card {formatting.money(t.card)}" for t in s.totals)
            self.status.setText(f"Till open{' — ' + s.operator if s.operator else ''}. {money}")
        else:
            self.status.setText("No till open: sales are recorded, but not counted in a till session.")
        self.open_button.setEnabled(not is_open)
        self.void_button.setEnabled(is_open)
        self.close_button.setEnabled(is_open)
        self.report_button.setEnabled(s.last_id is not None)

    def _currencies(self) -> list[str]:
        event = self.ctx.event
        return [t.currency for t in self.state.totals] or [event.currency if event else "EUR"]

    def on_open(self) -> None:
        floats = TillAmountsDialog.ask("Open till — opening cash", self._currencies(), self)
        if floats is not None:
            run_op(self.ctx.ledger, open_till, self.ctx.event_id, station=self.ctx.station,
                   operator=self.ctx.operator, floats=floats, on_success=lambda _r: self.refresh(),
                   present=lambda _s, till: till.id, parent=self)

    def on_void(self) -> None:
        number = self.selected_order()
        if not number:
            QMessageBox.information(self, "Void sale", "Select the sale to void in Today's sales.")
            return
        answer = QMessageBox.question(self, "Void sale", f"Void order {number}? Its tickets become invalid at every "
                                      "door after the next sync, and the money is handed back.")
        if answer == QMessageBox.StandardButton.Yes:
            run_op(self.ctx.ledger, void_sale, self.ctx.event_id, number, station=self.ctx.station,
                   present=lambda _s, voids: [(v.method, v.amount_minor, v.currency) for v in voids],
                   on_success=lambda _r: self.refresh(), parent=self)

    def on_close(self) -> None:
        expected = {t.currency: t.expected for t in self.state.totals}
        counted = TillAmountsDialog.ask("Close till — cash counted", list(expected), self, expected)
        if counted is not None:
            run_op(self.ctx.ledger, close_till, self.ctx.event_id, station=self.ctx.station, counted=counted,
                   present=lambda _s, till: till.id, on_success=self._on_closed, parent=self)

    def _on_closed(self, till_id: str) -> None:
        self.closed.emit(till_id)
        self.refresh()

    def on_report(self, path: str | None = None) -> None:
        """Save the latest session's close-out: PDF, or CSV when the chosen file ends in .csv."""
        till_id = self.state.last_id
        if till_id is None:
            return
        if not path:
            path, _f = QFileDialog.getSaveFileName(self, "Save close-out", str(Path.home() / "close-out.pdf"),
                                                   "PDF (*.pdf);;CSV (*.csv)")
        if not path:
            return
        ledger = self.ctx.ledger

        def job():
            with ledger.uow() as uow:
                report = closeout(uow.session, till_id)
            data = closeout_csv(report).encode() if path.lower().endswith(".csv") else closeout_pdf(report)
            Path(path).write_bytes(data)
            return path

        run_in_background(job, self.report_saved.emit, lambda exc: present_error(exc, self, "Save close-out"),
                          parent=self)
