"""The Box office: pick tickets, fill the registration form, take cash (tendered, change due), card or leave
unpaid, then print or save the tickets; complete unpaid orders; today's sales and the till per currency.

Every rule (quantity left, limit per checkout, sale period, one currency, change in Decimal) is core.quote's,
the buyer's names core.sales.buyer_problem's (with this station's "walk_in_names_required" setting) and
the quick-tender amounts core.sales.quick_tenders': this tab shows the quote of what is chosen and calls
core.sales through app.tasks.run_op (cases BC-26, WR-03, WR-04, WR-15).

Made for speed (issue 10): Enter in "Tendered" sells; after each sale the payment goes back to Cash and the
focus to the tickets; the change due is large; quick-tender buttons fill "Tendered"; the unpaid orders can
be searched; card payments are recorded while offline (the card terminal works without this station's
network)."""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QRadioButton, QVBoxLayout, QWidget)

from app import config, formatting, queries
from app.dialogs.payment_dialog import PaymentDialog
from app.models.base import RowRole
from app.models.orders_model import COL_CREATED, OrdersTableModel
from app.models.sales_model import SalesTableModel
from app.printing import TicketOutput
from app.receipt_output import ReceiptOutput
from app.role_guard import gate, station_role
from app.tabs.lazy import LazyRefresh
from app.tasks import error_message, query_op, run_in_background, run_op
from app.widgets.table_view import make_table
from app.widgets.ticket_picker import TicketPicker
from app.widgets.till_panel import TillPanel
from core import roles
from core.money import Money
from core.status import UNPAID
from core.quote import INPUT, load_snapshot
from core.sales import buyer_problem, pay_and_complete, quick_tenders, sell
from sync.connection import data_age

UNPAID_STATUSES = sorted(UNPAID)


@dataclass(frozen=True)
class SaleDone:
    """A finished sale or payment, as plain values: order number, status, total, change due, tickets."""

    order_number: str
    status: str
    total: Money
    change: Money | None
    tickets: int


def _done(_session, sale) -> SaleDone:
    """A core.sales.Sale as plain values (run inside the op's session)."""
    return SaleDone(sale.order.order_number, sale.order.status, sale.total, sale.change, len(sale.order.tickets))


class BoxOfficeTab(LazyRefresh, QWidget):
    """Sell, complete unpaid orders, list today's sales. Signals `sold(object)` (a SaleDone) after every
    stored sale or payment; what changed is announced by app.tasks.run_op."""

    sold = Signal(object)

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.last_sale: SaleDone | None = None
        self.role: str | None = None  # the station's role (app.role_guard), from the last load
        self.no_stock_reason = ""  # why no definition is listed when the cache is empty and the load failed
        self.names_required = bool(config.get("walk_in_names_required"))
        self.output = TicketOutput(ctx, self)
        self.receipts = ReceiptOutput(ctx, self)
        self._build()

    CARD_OFFLINE = "offline: record what the card terminal took"

    def set_card_available(self, online: bool) -> None:
        """Offline, a card payment taken on the (stand-alone) card terminal is still recorded here: Card
        stays selectable and says it only records (issue 10; before, WR-15 a disabled it). The note also
        goes to the payment dialog of unpaid orders."""
        self.card_note = None if online else self.CARD_OFFLINE
        self.card.setText("Card" if online else f"Card — {self.CARD_OFFLINE}")

    # ---- layout ---------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.picker = TicketPicker()
        self.picker.changed.connect(self._update_totals)
        self.total_label = QLabel("")
        self.total_label.setStyleSheet("font-size: 18pt; font-weight: bold;")
        self.first_name, self.last_name, self.email, self.phone = (QLineEdit() for _ in range(4))
        self.card_note: str | None = None
        self.cash, self.card, self.unpaid = QRadioButton("Cash"), QRadioButton("Card"), QRadioButton("Leave unpaid")
        self.cash.setChecked(True)
        self.cash.setShortcut("F2")
        self.card.setShortcut("F3")
        self.unpaid.setShortcut("F4")
        group = QButtonGroup(self)
        for b in (self.cash, self.card, self.unpaid):
            group.addButton(b)
            b.toggled.connect(lambda *_: self._update_totals())
        self.tendered = QLineEdit()
        self.tendered.setPlaceholderText("Amount handed over — Enter sells")
        self.tendered.returnPressed.connect(self.on_sell_clicked)
        self.quick_box = QWidget()  # the quick-tender buttons live in it: never a parentless (top-level) button
        self.quick_row = QHBoxLayout(self.quick_box)
        self.quick_row.setContentsMargins(0, 0, 0, 0)
        self.quick_buttons: list[QPushButton] = []
        self._quick_total = None
        self.change_label = QLabel("")
        self.change_label.setStyleSheet("font-size: 28pt; font-weight: bold; color: #1b7f3b;")
        self.hint = QLabel("")
        self.freshness = QLabel("")  # "Ticket definitions as of 18:02 — the server refused …" (issue 8 item 6)
        self.freshness.setWordWrap(True)
        self.freshness.setStyleSheet("color: #a05a00;")
        self.sell_button = QPushButton("Sell")
        self.sell_button.setMinimumHeight(40)
        self.sell_button.clicked.connect(self.on_sell_clicked)
        for edit in (self.first_name, self.last_name, self.email, self.tendered):
            edit.textChanged.connect(lambda *_: self._update_totals())
        self._build_output()
        self.unpaid_model = OrdersTableModel(self)
        self.unpaid_view, self.unpaid_proxy = make_table(self.unpaid_model, self, sort_column=COL_CREATED,
                                                         descending=True)
        self.unpaid_view.selectionModel().selectionChanged.connect(lambda *_: self._update_complete())
        self.unpaid_search = QLineEdit()
        self.unpaid_search.setPlaceholderText("Search unpaid orders: name, order number, e-mail…")
        self.unpaid_search.setClearButtonEnabled(True)
        self.unpaid_search.textChanged.connect(self.unpaid_proxy.setFilterFixedString)
        self.complete_button = QPushButton("Take payment && complete")
        self.complete_button.setEnabled(False)
        self.complete_button.clicked.connect(self.on_complete_clicked)
        self.sales_model = SalesTableModel(self)
        self.sales_view, _ = make_table(self.sales_model, self)
        self.till_label = QLabel("")
        self.till_panel = TillPanel(self.ctx, self.selected_sale_order, self)
        self._lay_out()
        self._update_totals()

    def _build_output(self) -> None:
        self.result_label = QLabel("")
        self.result_label.setWordWrap(True)
        self.print_button = QPushButton("Print tickets")
        self.save_button = QPushButton("Save tickets PDF…")
        self.receipt_button = QPushButton("Receipt")
        self.receipt_button.setToolTip("print the receipt (receipt_printer setting) or save it as PDF")
        for b in (self.print_button, self.save_button, self.receipt_button):
            b.setEnabled(False)
        self.receipt_button.clicked.connect(lambda: self.receipts.issue(self.last_sale.order_number))
        self.print_button.clicked.connect(lambda: self.output.print(self.last_sale.order_number))
        self.save_button.clicked.connect(lambda: self.output.save(self.last_sale.order_number))

    def _lay_out(self) -> None:
        tickets = QGroupBox("Tickets")
        tl = QVBoxLayout(tickets)
        tl.addWidget(self.freshness)
        tl.addWidget(self.picker, 1)
        tl.addWidget(self.total_label)
        form_box = QGroupBox("Registration and payment")
        form = QFormLayout(form_box)
        mark = "*" if self.names_required else ""
        form.addRow(f"First name{mark}", self.first_name)
        form.addRow(f"Last name{mark}", self.last_name)
        form.addRow("E-mail", self.email)
        form.addRow("Phone", self.phone)
        pay = QHBoxLayout()
        for b in (self.cash, self.card, self.unpaid):
            pay.addWidget(b)
        form.addRow("Payment", pay)
        form.addRow("Tendered", self.tendered)
        form.addRow("", self.quick_box)
        form.addRow("Change due", self.change_label)
        form.addRow(self.hint)
        form.addRow(self.sell_button)
        form.addRow(self.result_label)
        out = QHBoxLayout()
        out.addWidget(self.print_button)
        out.addWidget(self.save_button)
        out.addWidget(self.receipt_button)
        form.addRow(out)
        unpaid_box = QGroupBox("Unpaid orders")
        ul = QVBoxLayout(unpaid_box)
        ul.addWidget(self.unpaid_search)
        ul.addWidget(self.unpaid_view)
        ul.addWidget(self.complete_button)
        sales_box = QGroupBox("Today's sales")
        sl = QVBoxLayout(sales_box)
        sl.addWidget(self.sales_view)
        sl.addWidget(self.till_label)
        sl.addWidget(self.till_panel)
        top = QHBoxLayout()
        top.addWidget(tickets, 3)
        top.addWidget(form_box, 2)
        bottom = QHBoxLayout()
        bottom.addWidget(unpaid_box, 1)
        bottom.addWidget(sales_box, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 3)
        layout.addLayout(bottom, 2)

    # ---- loading --------------------------------------------------------------------------------------
    def set_event(self, event) -> None:
        """Work on `event` (EventInfo)."""
        self.ctx.event = event
        for model in (self.unpaid_model, self.sales_model):
            model.time_zone = self.ctx.time_zone
        self.refresh()

    def refresh(self) -> None:
        """Reload definitions (with what is left), unpaid orders, today's sales and the till (when shown)."""
        event_id = self.ctx.event_id
        if event_id is None or not self.visible_or_stale():
            return
        ledger = self.ctx.ledger

        def load(session):
            return (load_snapshot(session, event_id),
                    queries.order_rows(session, event_id, statuses=UNPAID_STATUSES, tags=["NON_ARCHIVED"]),
                    queries.sale_rows(session, event_id), queries.till(session, event_id), station_role(session),
                    data_age(session, "definitions"))

        run_in_background(query_op(ledger, load), self._on_loaded, parent=self)
        self.till_panel.refresh()

    def _on_loaded(self, loaded) -> None:
        snapshot, unpaid, sales, till, self.role, age = loaded
        self._show_freshness(age, bool(snapshot.stock))
        self.picker.set_snapshot(snapshot)
        self.unpaid_model.set_rows(unpaid.rows)
        self.sales_model.set_rows(sales)
        parts = [f"{cur}: cash {formatting.money(v['cash'])} · card {formatting.money(v['card'])} "
                 f"({v.get('orders', 0)} orders)" for cur, v in sorted(till.items())]
        self.till_label.setText("Till today — " + ("; ".join(parts) if parts else "nothing taken yet"))
        self._update_complete()

    def _show_freshness(self, age, listed: bool) -> None:
        """The cached definitions' age when the last sync did not refresh them (sync.connection.data_age); with
        nothing cached, selling is blocked with that reason instead of an empty list that reads "sold out"."""
        when = formatting.clock(age.as_of, self.ctx.time_zone) if age.as_of else "never loaded"
        note = f"Ticket definitions as of {when} — {age.problem}" if age.connected and age.problem else ""
        self.freshness.setText(note)
        self.freshness.setVisible(bool(note))
        self.no_stock_reason = "" if listed or not age.connected or (age.as_of and not age.problem) else (
            f"No ticket definitions loaded from the server: {age.problem or 'sync has not brought them yet'}")

    # ---- selling --------------------------------------------------------------------------------------
    def payment(self) -> str:
        """"cash", "card" or "unpaid"."""
        return "cash" if self.cash.isChecked() else ("card" if self.card.isChecked() else "unpaid")

    def tendered_money(self):
        """The amount handed over as Money in the event's currency (None when empty or not a number)."""
        return formatting.parse_money(self.tendered.text(), self.picker.currency)

    def quote(self):
        """core.quote's SaleQuote of what is chosen now (None before the first load)."""
        payment = self.payment()
        return self.picker.quote(payment, self.tendered_money() if payment == "cash" else None)

    def _update_totals(self) -> None:
        quoted = self.quote()
        if quoted is None:
            self.sell_button.setEnabled(False)
            return
        money = self.picker.money_text
        currency = [p for p in quoted.problems if p.code in ("MIXED_CURRENCIES", "CURRENCY_MISMATCH")]
        self.total_label.setText("Total —" if currency else f"Total {money(quoted.total)}")
        cash = self.payment() == "cash" and not quoted.total.is_zero and not currency
        self.tendered.setEnabled(cash)
        self._show_quick_tenders(quoted.total if cash else None)
        self.change_label.setText(self._change_text(quoted))
        names = buyer_problem(self.buyer(), names_required=self.names_required)
        inputs = [p.message for p in quoted.problems if p.stage == INPUT]
        others = [p.message for p in quoted.problems if p.stage != INPUT]
        problem = ([self.no_stock_reason] if self.no_stock_reason else []) + inputs + ([names] if names else [])
        problem = (problem + others + [""])[0]
        refused = gate(self.sell_button, self.role, roles.SELL, not problem)
        problem = refused or problem
        self.hint.setText(problem[:1].upper() + problem[1:])

    def _change_text(self, quoted) -> str:
        """The change due of this quote; with nothing chosen yet, the last sale's (it stays readable while
        the operator counts it out)."""
        if quoted.change is not None:
            return self.picker.money_text(quoted.change)
        last = self.last_sale
        if not quoted.lines and last is not None and last.change is not None:
            return self.picker.money_text(last.change)
        return ""

    def _show_quick_tenders(self, total) -> None:
        """One button per likely amount handed over (core.sales.quick_tenders: exact, then the next notes);
        none when no cash is due. A click fills "Tendered" (Enter then sells)."""
        if total == self._quick_total:
            return
        self._quick_total = total
        for button in self.quick_buttons:
            self.quick_row.removeWidget(button)
            button.deleteLater()
        self.quick_buttons = []
        for i, amount in enumerate(quick_tenders(total) if total is not None else []):
            text = self.picker.money_text(amount)
            button = QPushButton(f"Exact {text}" if i == 0 else text, self.quick_box)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _c=False, a=amount: self.on_quick_tender(a))
            self.quick_row.addWidget(button)
            self.quick_buttons.append(button)

    def on_quick_tender(self, amount: Money) -> None:
        """Put `amount` in "Tendered" and leave the focus there, so Enter sells."""
        self.tendered.setText(f"{amount.amount:f}")
        self.tendered.setFocus()

    def buyer(self) -> dict:
        """The registration form as the buyer dict core.sales.sell takes (empty answers left out)."""
        out = {"firstName": self.first_name.text().strip(), "lastName": self.last_name.text().strip()}
        if self.email.text().strip():
            out["email"] = self.email.text().strip()
        if self.phone.text().strip():
            out["phone"] = self.phone.text().strip()
        return out

    def on_sell_clicked(self) -> None:
        """Store the sale in one transaction in the background (core.sales.sell); the result says the change."""
        if not self.sell_button.isEnabled() or self.ctx.event_id is None:
            return
        payment = self.payment()
        tendered = self.tendered_money() if payment == "cash" else None
        self.sell_button.setEnabled(False)
        run_op(self.ctx.ledger, sell, self.ctx.event_id, self.picker.lines(), self.buyer(), payment=payment,
               tendered=tendered, station=self.ctx.station, names_required=self.names_required, present=_done,
               on_success=self._on_sold, on_error=self._on_sell_failed, parent=self)

    def _on_sold(self, done: SaleDone) -> None:
        self.last_sale = done
        money = self.picker.money_text
        change = f" — change due {money(done.change)}" if done.change is not None else ""
        self.result_label.setText(f"<b>Order {done.order_number}</b>: {done.tickets} ticket(s), "
                                  f"{money(done.total)}, {done.status}{change}")
        for b in (self.print_button, self.save_button, self.receipt_button):
            b.setEnabled(True)
        if config.get("receipt_auto") and self.receipts.printer:
            self.receipts.print(done.order_number)
        self.picker.clear_quantities()
        for edit in (self.first_name, self.last_name, self.email, self.phone, self.tendered):
            edit.clear()
        self.cash.setChecked(True)  # the next customer starts from Cash, never from the last one's choice
        self.picker.setFocus()
        self.sold.emit(done)
        self.refresh()

    def _on_sell_failed(self, exc: BaseException) -> None:
        self.result_label.setText(f"<span style='color:#b3261e'>Not sold: {error_message(exc)}</span>")
        self._update_totals()
        self.refresh()

    # ---- completing unpaid orders ---------------------------------------------------------------------
    def selected_unpaid(self) -> queries.OrderRow | None:
        """The selected row of the unpaid list, or None."""
        rows = self.unpaid_view.selectionModel().selectedRows()
        return rows[0].data(RowRole) if rows else None

    def select_unpaid(self, order_number: str) -> bool:
        """Select an order of the unpaid list; False when it is not listed."""
        for r in range(self.unpaid_proxy.rowCount()):
            if self.unpaid_proxy.index(r, 0).data(RowRole).order_number == order_number:
                self.unpaid_view.selectRow(r)
                return True
        return False

    def selected_sale_order(self) -> str | None:
        """The order number of the selected row of today's sales (the till's void), or None."""
        rows = self.sales_view.selectionModel().selectedRows()
        return rows[0].data(RowRole).order_number if rows else None

    def _update_complete(self) -> None:
        gate(self.complete_button, self.role, roles.TAKE_PAYMENT, self.selected_unpaid() is not None)

    def on_complete_clicked(self) -> None:
        """Take the money for the selected unpaid order, then ConfirmOrder it (core.sales.pay_and_complete)."""
        row = self.selected_unpaid()
        if row is None or not self.complete_button.isEnabled():
            return
        choice = PaymentDialog.ask(row.total, row.order_number, self, card_note=self.card_note)
        if choice is None:
            return
        payment, tendered = choice
        self.complete_button.setEnabled(False)
        run_op(self.ctx.ledger, pay_and_complete, self.ctx.event_id, row.order_number, payment=payment,
               tendered=tendered, station=self.ctx.station, operator=self.ctx.operator, present=_done,
               on_success=self._on_sold, on_error=self._on_sell_failed, parent=self)
