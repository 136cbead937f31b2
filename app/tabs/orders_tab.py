"""Orders & tickets: filterable (status, archived, checked in, search), sortable tables over background
queries (core.orders.list_orders / core.tickets.list_tickets, at most app.queries.MAX_ROWS rows each);
the order detail (its tickets, its registration form) and archive / unarchive."""
from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QTabWidget, QVBoxLayout, QWidget

from app import queries
from app.dialogs.order_dialog import OrderDialog
from app.models.base import RowRole
from app.models.orders_model import COL_CREATED, OrdersTableModel
from app.models.tickets_model import TicketsTableModel
from app.tabs.lazy import LazyRefresh
from app.tasks import error_message, query_op, run_in_background
from app.widgets.table_view import make_table
from core.status import ORDER_STATUSES

STATUSES = ["", *ORDER_STATUSES]
ARCHIVED = {"Active": ("NON_ARCHIVED", "ORDER_ACTIVE"), "Archived": ("ARCHIVED", "ORDER_ARCHIVED"), "All": None}
CHECKED_IN = {"Any check-in state": None, "Checked in": ("FULLY_CHECKED_IN", "CHECKED_IN"),
              "Not checked in": ("NOT_FULLY_CHECKED_IN", "NON_CHECKED_IN")}


class OrdersTab(LazyRefresh, QWidget):
    """Two tables sharing one filter bar. Signals `loaded()` after each finished load (what an order update
    changed is announced by app.tasks.run_op from the order dialog)."""

    loaded = Signal()

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self._generation = 0
        self.dialog: OrderDialog | None = None
        self.status_box = QComboBox()
        self.status_box.addItems(["All statuses"] + STATUSES[1:])
        self.archived_box = QComboBox()
        self.archived_box.addItems(list(ARCHIVED))
        self.checked_box = QComboBox()
        self.checked_box.addItems(list(CHECKED_IN))
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search name, e-mail, order or ticket number")
        self.search_edit.setClearButtonEnabled(True)
        self.orders_model = OrdersTableModel(self)
        self.orders_view, self.orders_proxy = make_table(self.orders_model, self, sort_column=COL_CREATED,
                                                         descending=True)
        self.tickets_model = TicketsTableModel(self)
        self.tickets_view, self.tickets_proxy = make_table(self.tickets_model, self)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.orders_view, "Orders")
        self.tabs.addTab(self.tickets_view, "Tickets")
        self.footer = QLabel("")
        self.open_button = QPushButton("Open order…")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(300)
        self._connect()
        self._lay_out()

    def _connect(self) -> None:
        self.open_button.clicked.connect(self.open_selected)
        self.orders_view.doubleClicked.connect(lambda *_: self.open_selected())
        self.tickets_view.doubleClicked.connect(lambda *_: self.open_selected())
        self._timer.timeout.connect(self.refresh)
        self.search_edit.textChanged.connect(lambda *_: self._timer.start())
        for box in (self.status_box, self.archived_box, self.checked_box):
            box.currentIndexChanged.connect(lambda *_: self.refresh())

    def _lay_out(self) -> None:
        bar = QHBoxLayout()
        for w in (self.status_box, self.archived_box, self.checked_box):
            bar.addWidget(w)
        bar.addWidget(self.search_edit, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.footer, 1)
        bottom.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)

    def set_event(self, event) -> None:
        """Work on `event` (EventInfo)."""
        self.ctx.event = event
        self.orders_model.time_zone = self.tickets_model.time_zone = self.ctx.time_zone
        self.refresh()

    def filters(self) -> dict:
        """The current filters as keyword arguments of app.queries.order_rows / ticket_rows."""
        status = STATUSES[self.status_box.currentIndex()]
        archived = ARCHIVED[self.archived_box.currentText()]
        checked = CHECKED_IN[self.checked_box.currentText()]
        search = self.search_edit.text().strip() or None
        order_tags = [t[0] for t in (archived, checked) if t]
        ticket_states = [t[1] for t in (archived, checked) if t]
        return {"orders": {"statuses": [status] if status else None, "tags": order_tags, "search": search},
                "tickets": {"order_statuses": [status] if status else None, "states": ticket_states,
                            "search": search}}

    def refresh(self) -> None:
        """Reload both tables with the current filters in the background (a newer load wins). A hidden
        tab only remembers to reload when it is shown."""
        self._timer.stop()
        if self.ctx.event_id is None:
            return
        if not self.visible_or_stale():
            return
        self._generation += 1
        generation, event_id, f = self._generation, self.ctx.event_id, self.filters()

        def load(session):
            return (queries.order_rows(session, event_id, **f["orders"]),
                    queries.ticket_rows(session, event_id, **f["tickets"]))

        self.footer.setText("Loading…")
        run_in_background(query_op(self.ctx.ledger, load), lambda r: self._on_loaded(generation, r),
                          lambda exc: self._on_failed(generation, exc), parent=self)

    def _on_loaded(self, generation: int, result) -> None:
        if generation != self._generation:
            return
        orders, tickets = result
        self.orders_model.set_rows(orders.rows)
        self.tickets_model.set_rows(tickets.rows)
        self.footer.setText(f"{_count(orders, 'order')} · {_count(tickets, 'ticket')}")
        self.loaded.emit()

    def _on_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self.footer.setText(f"Could not load: {error_message(exc)}")

    def selected_order_number(self) -> str | None:
        """The order of the selected row of the visible table."""
        view = self.tabs.currentWidget()
        rows = view.selectionModel().selectedRows()
        return rows[0].data(RowRole).order_number if rows else None

    def select_order(self, order_number: str) -> bool:
        """Select an order's row in the Orders table (and show that table)."""
        self.tabs.setCurrentWidget(self.orders_view)
        for r in range(self.orders_proxy.rowCount()):
            if self.orders_proxy.index(r, 0).data(RowRole).order_number == order_number:
                self.orders_view.selectRow(r)
                return True
        return False

    def open_selected(self) -> None:
        """Open the detail of the selected order (loaded in the background first)."""
        number = self.selected_order_number()
        if number is not None:
            OrderDialog.load(self.ctx, number, self._show_dialog)

    def _show_dialog(self, detail) -> None:
        self.dialog = OrderDialog(self.ctx, *detail, parent=self)
        self.dialog.changed.connect(self._on_dialog_changed)
        self.dialog.open()

    def _on_dialog_changed(self, _kind: str) -> None:
        self.refresh()


def _count(loaded: queries.Loaded, noun: str) -> str:
    shown = len(loaded.rows)
    if loaded.total > shown:
        return f"{shown} of {loaded.total} {noun}s shown (refine the filters)"
    return f"{loaded.total} {noun}{'s' if loaded.total != 1 else ''}"
