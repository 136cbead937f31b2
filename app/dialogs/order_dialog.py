"""Order detail: the order, its tickets, its registration form (editable: UpdateOrder checkoutForm, e.g. a
mistyped e-mail, case WR-11), archive / unarchive, and print or save its tickets. A field changed here and
centrally (issue 8 item 3, sync.conflicts) is shown with both values and resolved by Keep mine / Take theirs."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout

from app import formatting, queries
from app.models.tickets_model import TicketsTableModel
from app.printing import TicketOutput
from app.tasks import error_message, query_op, run_in_background, run_op
from app.widgets.table_view import make_table
from sync.conflicts import KEEP_MINE, ORDER, TAKE_THEIRS, list_conflicts, resolve

STANDARD_INPUTS = ("firstName", "lastName", "email")
LABELS = {"firstName": "First name", "lastName": "Last name", "email": "E-mail", "phone": "Phone"}


def _update(session, event_id, order_number, form_inputs, archived):
    from core.orders import update_order

    fields = (["checkoutForm"] if form_inputs is not None else []) + (["archived"] if archived is not None else [])
    update_order(session, event_id, order_number, fields=fields,
                 checkout_form={"inputValues": form_inputs} if form_inputs is not None else None,
                 archived=archived)
    return queries.order_detail(session, event_id, order_number)


def order_conflict(session, order_number: str) -> list[tuple[str, str, str]]:
    """The open conflict of the order as [(field, mine, theirs)] display text ([] when none)."""
    for conflict in list_conflicts(session, kind=ORDER):
        if conflict.key == order_number:
            return [(path.removeprefix("checkoutForm."), _text(v.get("mine")), _text(v.get("theirs")))
                    for path, v in conflict.fields.items()]
    return []


def _text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return ", ".join(value) if isinstance(value, list) else str(value)


def _resolve(session, event_id, order_number, choice):
    resolve(session, order_number, choice)
    return queries.order_detail(session, event_id, order_number)


class OrderDialog(QDialog):
    """Shows one order (an OrderRow and its TicketRows). Emits `changed(str)` after a stored change."""

    changed = Signal(str)

    def __init__(self, ctx, order: queries.OrderRow, tickets, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.order = order
        self.setWindowTitle(f"Order {order.order_number}")
        self.resize(820, 560)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.model = TicketsTableModel(self, ctx.time_zone)
        table, _proxy = make_table(self.model, self)
        self.inputs: dict[str, QLineEdit] = {}
        self.form_box = QGroupBox("Registration form")
        self.form = QFormLayout(self.form_box)
        self.status = QLabel("")
        self.conflict_box = QGroupBox("Changed here and centrally")
        self.conflict_label = QLabel("")
        self.conflict_label.setWordWrap(True)
        self.keep_button, self.take_button = QPushButton("Keep mine"), QPushButton("Take theirs")
        self.keep_button.clicked.connect(lambda: self.resolve_conflict(KEEP_MINE))
        self.take_button.clicked.connect(lambda: self.resolve_conflict(TAKE_THEIRS))
        row = QHBoxLayout(self.conflict_box)
        row.addWidget(self.conflict_label, 1)
        row.addWidget(self.keep_button)
        row.addWidget(self.take_button)
        self.conflict_box.hide()
        self.save_button = QPushButton("Save form")
        self.archive_button = QPushButton()
        self.print_button = QPushButton("Print tickets")
        self.pdf_button = QPushButton("Save tickets PDF…")
        close = QPushButton("Close")
        self.output = TicketOutput(ctx, self)
        self.save_button.clicked.connect(self.on_save_clicked)
        self.archive_button.clicked.connect(self.on_archive_clicked)
        self.print_button.clicked.connect(lambda: self.output.print(self.order.order_number))
        self.pdf_button.clicked.connect(lambda: self.output.save(self.order.order_number))
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        for b in (self.save_button, self.archive_button, self.print_button, self.pdf_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(table, 1)
        layout.addWidget(self.form_box)
        layout.addWidget(self.conflict_box)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.show_order(order, tickets)

    def show_order(self, order: queries.OrderRow, tickets) -> None:
        """Fill the dialog from an OrderRow and its TicketRows."""
        self.order = order
        self.model.set_rows(tickets)
        created = formatting.when(order.created, self.ctx.time_zone)
        archived = " · archived" if order.archived else ""
        channel = "box office" if order.channel == "OFFLINE_POS" else order.channel.lower()
        self.summary.setText(
            f"<b>{order.order_number}</b> — <b>{order.status}</b>{archived}<br>"
            f"{order.buyer_name} {('&lt;' + order.email + '&gt;') if order.email else ''}<br>"
            f"{order.tickets} ticket(s), {formatting.money(order.total)} · {channel}"
            f"{(' · ' + order.method) if order.method else ''} · created {created} (event time) · "
            f"checked in {order.checked_in}/{order.tickets}")
        self.archive_button.setText("Unarchive" if order.archived else "Archive")
        self._fill_form(order)
        run_in_background(query_op(self.ctx.ledger, order_conflict, order.order_number), self.show_conflict,
                          lambda _exc: None, parent=self)

    def show_conflict(self, fields: list[tuple[str, str, str]]) -> None:
        """Show the order's open conflict (or hide the box when there is none)."""
        self.conflict_box.setVisible(bool(fields))
        self.conflict_label.setText("<br>".join(f"<b>{LABELS.get(f, f)}</b>: mine “{m}”, theirs “{t}”"
                                                for f, m, t in fields))

    def resolve_conflict(self, choice: str) -> None:
        """Keep mine (queued for the next sync) or take theirs, for every conflicting field of the order."""
        self.keep_button.setEnabled(False)
        self.take_button.setEnabled(False)
        text = "Your values are kept and go up at the next sync." if choice == KEEP_MINE else \
            "The central values were taken."
        run_op(self.ctx.ledger, _resolve, self.ctx.event_id, self.order.order_number, choice,
               on_success=lambda detail: self._on_resolved(detail, text), on_error=self._on_failed, parent=self)

    def _on_resolved(self, detail, text: str) -> None:
        self.keep_button.setEnabled(True)
        self.take_button.setEnabled(True)
        self._on_saved(detail, text)

    def _fill_form(self, order: queries.OrderRow) -> None:
        values = {i.get("inputName"): i.get("value", "") for i in order.checkout_form if i.get("inputName")}
        first, *rest = (order.buyer_name.split(" ", 1) + [""])[:2]
        values.setdefault("firstName", first)
        values.setdefault("lastName", rest[0] if rest else "")
        values.setdefault("email", order.email)
        names = list(STANDARD_INPUTS) + [n for n in values if n not in STANDARD_INPUTS]
        for name in names:
            edit = self.inputs.get(name)
            if edit is None:
                edit = QLineEdit()
                self.inputs[name] = edit
                self.form.addRow(LABELS.get(name, name), edit)
            edit.setText(values.get(name, ""))
        self._original = {n: e.text() for n, e in self.inputs.items()}

    def form_changes(self) -> list[dict]:
        """The edited inputs as contract inputValues (only those that changed)."""
        return [{"inputName": n, "value": e.text().strip()} for n, e in self.inputs.items()
                if e.text() != self._original.get(n)]

    def on_save_clicked(self) -> None:
        """UpdateOrder with the changed checkoutForm inputs (queued for sync when offline)."""
        changes = self.form_changes()
        if not changes:
            self.status.setText("Nothing changed.")
            return
        self._run(changes, None, "Registration form saved.")

    def on_archive_clicked(self) -> None:
        """Archive or unarchive the order (UpdateOrder archived)."""
        self._run(None, not self.order.archived, "Unarchived." if self.order.archived else "Archived.")

    def _run(self, form_inputs, archived, done_text: str) -> None:
        self.save_button.setEnabled(False)
        self.archive_button.setEnabled(False)
        run_op(self.ctx.ledger, _update, self.ctx.event_id, self.order.order_number, form_inputs, archived,
               on_success=lambda detail: self._on_saved(detail, done_text), on_error=self._on_failed, parent=self)

    def _on_saved(self, detail, text: str) -> None:
        self.save_button.setEnabled(True)
        self.archive_button.setEnabled(True)
        self.show_order(*detail)
        self.status.setText(text)
        self.changed.emit("orders")

    def _on_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.archive_button.setEnabled(True)
        self.status.setText(f"<span style='color:#b3261e'>Not saved: {error_message(exc)}</span>")

    @staticmethod
    def load(ctx, order_number: str, on_loaded, on_error=None) -> None:
        """Load an order's detail in the background, then call `on_loaded((order_row, ticket_rows))`."""
        run_in_background(query_op(ctx.ledger, queries.order_detail, ctx.event_id, order_number), on_loaded,
                          on_error)
