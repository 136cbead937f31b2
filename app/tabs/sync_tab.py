"""The Sync panel: connection and status (age of each resource, WR-13; clock warning, BC-13), a "Sync now"
button, the changes the server rejected (kept and shown with the reason, DESIGN.md §Sync; "Retry", "Retry all
rejected" — oldest first, so one entity's changes go up in the order they were made — and "Dismiss", issue 8 item 2)
and the ticket-definition conflicts, resolved by "Keep mine" / "Take theirs" (sync.conflicts.resolve), and the review
queue (app.widgets.review_list, issue 8 item 7)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app import formatting
from app.models.base import RED, RowRole, RowTableModel, ts
from app.tasks import error_message, mutation_op, query_op, run_in_background
from app.widgets.review_list import ReviewList
from app.widgets.sync_status import ages_text
from app.widgets.table_view import make_table
from core.outbox import dismiss, rejected_entries, retry, retry_all
from sync.conflicts import KEEP_MINE, TAKE_THEIRS, list_conflicts, resolve


@dataclass(frozen=True)
class RejectedRow:
    """One outbox row the server refused for good: id, kind, entity key, error text, created (aware UTC)."""

    id: int
    kind: str
    entity: str
    error: str
    created: datetime | None


@dataclass(frozen=True)
class ConflictRow:
    """One conflicting field of a ticket definition, values as display text."""

    definition_id: str
    name: str
    field: str
    base: str
    mine: str
    theirs: str


def show_value(value) -> str:
    """A conflict value for display: Money JSON as '50.00 EUR', None as '—', booleans as yes/no."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict) and "currency" in value:
        return f"{value.get('value', value.get('amount', ''))} {value['currency']}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {show_value(v)}" for k, v in value.items())
    return str(value)


def load_sync_lists(session) -> tuple[list[RejectedRow], list[ConflictRow]]:
    """(rejected changes, conflict fields) of every event, as DTOs (worker thread)."""
    rejected = [RejectedRow(r["id"], r["kind"], r["entity"], r["error"] or "", r["created"])
                for r in rejected_entries(session)]
    conflicts = [ConflictRow(c.definition_id, c.name or c.definition_id, path, show_value(v.get("base")),
                             show_value(v.get("mine")), show_value(v.get("theirs")))
                 for c in list_conflicts(session) for path, v in c.fields.items()]
    return rejected, conflicts


def _resolve(session, definition_id: str, choice: str) -> str:
    resolve(session, definition_id, choice)
    return definition_id


def _outbox_action(name: str):
    """core.outbox's transition `retry` or `dismiss(session, entry_id)` by the button's action name."""
    return {"retry_rejected": retry, "dismiss_rejected": dismiss}[name]


class RejectedTableModel(RowTableModel):
    HEADERS = ("Kind", "Entity", "Error", "Time")
    COL_KIND, COL_ENTITY, COL_ERROR, COL_TIME = range(4)

    def __init__(self, time_zone, parent=None):
        super().__init__(parent)
        self._tz = time_zone

    def display(self, row: RejectedRow, column: int) -> str:
        if column == self.COL_TIME:
            return formatting.when(row.created, self._tz())
        return (row.kind, row.entity, row.error)[column]

    def sort_key(self, row: RejectedRow, column: int):
        return ts(row.created) if column == self.COL_TIME else self.display(row, column)

    def foreground(self, row, column):
        return RED if column == self.COL_ERROR else None

    def tooltip(self, row, column):
        return row.error if column == self.COL_ERROR else None


class ConflictsTableModel(RowTableModel):
    HEADERS = ("Ticket definition", "Field", "Before", "Mine", "Theirs")

    def display(self, row: ConflictRow, column: int) -> str:
        return (row.name, row.field, row.base, row.mine, row.theirs)[column]


class SyncTab(QWidget):
    """The Sync panel over a SyncController. `changed(str)` after a resolved conflict (the main window marks
    the other tabs stale); `loaded()` after the tables were (re)filled; `message` shows the last action."""

    changed = Signal(str)
    loaded = Signal()

    def __init__(self, ctx, controller, parent=None):
        super().__init__(parent)
        self.ctx, self.controller = ctx, controller
        self._busy = self._dirty = False
        self._build()
        controller.state_changed.connect(self.on_state_changed)
        controller.sync_started.connect(self._on_sync_started)
        controller.sync_progress.connect(self.progress_label.setText)
        controller.sync_finished.connect(lambda report: self._on_sync_ended(report.summary()))
        controller.sync_failed.connect(lambda text: self._on_sync_ended(f"sync failed: {text}"))
        self.on_state_changed(controller.status)

    # ---- layout ---------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.status_label = QLabel("")
        self.status_label.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.server_label, self.ages_label = QLabel(""), QLabel("")
        self.progress_label, self.error_label, self.message = QLabel(""), QLabel(""), QLabel("")
        self.clock_label = QLabel("")
        self.clock_label.setStyleSheet("background: #f0a500; color: #1a1a1a; padding: 6px; font-weight: bold;")
        for label in (self.ages_label, self.error_label, self.clock_label, self.message):
            label.setWordWrap(True)
        self.clock_label.hide()
        self.sync_button = QPushButton("Sync now")
        self.sync_button.clicked.connect(lambda: self.controller.sync_now(force=True))
        self.rejected_model = RejectedTableModel(lambda: self.ctx.time_zone, self)
        self.rejected_view, self.rejected_proxy = make_table(self.rejected_model, self)
        self.retry_button, self.dismiss_button = QPushButton("Retry"), QPushButton("Dismiss")
        self.retry_button.clicked.connect(lambda: self._outbox("retry_rejected"))
        self.retry_all_button = QPushButton("Retry all rejected")
        self.retry_all_button.clicked.connect(self.retry_all)
        self.dismiss_button.clicked.connect(lambda: self._outbox("dismiss_rejected"))
        self.conflicts_model = ConflictsTableModel(self)
        self.conflicts_view, self.conflicts_proxy = make_table(self.conflicts_model, self)
        self.keep_button, self.take_button = QPushButton("Keep mine"), QPushButton("Take theirs")
        self.keep_button.clicked.connect(lambda: self.resolve_selected(KEEP_MINE))
        self.take_button.clicked.connect(lambda: self.resolve_selected(TAKE_THEIRS))
        for view in (self.rejected_view, self.conflicts_view):
            view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.review_list = ReviewList(self.ctx.ledger, lambda: self.ctx.time_zone,
                                      lambda: self.ctx.operator or self.ctx.station, self)
        self._lay_out()
        self._update_buttons()

    def _lay_out(self) -> None:
        status = QGroupBox("Status")
        top = QVBoxLayout(status)
        head = QHBoxLayout()
        head.addWidget(self.status_label, 1)
        head.addWidget(self.sync_button)
        top.addLayout(head)
        for w in (self.server_label, self.ages_label, self.progress_label, self.error_label, self.clock_label):
            top.addWidget(w)
        layout = QVBoxLayout(self)
        layout.addWidget(status)
        for title, view, buttons in (("Changes the server rejected", self.rejected_view,
                                      (self.retry_button, self.retry_all_button, self.dismiss_button)),
                                     ("Ticket-definition conflicts (changed here and on the server)",
                                      self.conflicts_view, (self.keep_button, self.take_button))):
            box = QGroupBox(title)
            inner = QVBoxLayout(box)
            inner.addWidget(view)
            row = QHBoxLayout()
            row.addStretch(1)
            for b in buttons:
                row.addWidget(b)
            inner.addLayout(row)
            view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            layout.addWidget(box, 1)
        layout.addWidget(self.review_list, 1)
        layout.addWidget(self.message)

    # ---- status ---------------------------------------------------------------------------------------
    def on_state_changed(self, status) -> None:
        """Show a SyncStatus and reload the tables (coalesced)."""
        tz = self.ctx.time_zone
        self.status_label.setText(status.text(tz))
        where = f"Server {status.server}" if status.server else "Not connected — run `tessera station connect`"
        who = f" · station {status.station}" + (f" ({status.role})" if status.role else "") if status.station else ""
        self.server_label.setText(where + who)
        ages = ages_text(status.last_success, tz)
        self.ages_label.setText("Last successful sync (event time) — " + (" · ".join(ages) if ages else "never"))
        self.error_label.setText(f"Last error: {status.error}" if status.error else "")
        self.clock_label.setText(status.clock_warning or "")
        self.clock_label.setVisible(bool(status.clock_warning))
        self.sync_button.setEnabled(not status.running)
        self.refresh()

    def _on_sync_started(self) -> None:
        self.sync_button.setEnabled(False)
        self.progress_label.setText("syncing…")

    def _on_sync_ended(self, text: str) -> None:
        self.sync_button.setEnabled(True)
        self.progress_label.setText(text)

    # ---- tables ---------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the rejected changes, conflicts and review items in the background (at most one query in flight)."""
        self.review_list.refresh()
        if self._busy:
            self._dirty = True
            return
        self._busy = True
        run_in_background(query_op(self.ctx.ledger, load_sync_lists), self._on_loaded, self._on_load_failed,
                          parent=self)

    def _on_loaded(self, lists) -> None:
        self._busy = False
        rejected, conflicts = lists
        if rejected != self.rejected_model.rows():
            self.rejected_model.set_rows(rejected)
        if conflicts != self.conflicts_model.rows():
            self.conflicts_model.set_rows(conflicts)
        self._update_buttons()
        self.loaded.emit()
        if self._dirty:
            self._dirty = False
            self.refresh()

    def _on_load_failed(self, exc: BaseException) -> None:
        self._busy = False
        self.message.setText(f"Sync lists unavailable: {error_message(exc)}")

    def _selected(self, view) -> object | None:
        rows = view.selectionModel().selectedRows()
        return rows[0].data(RowRole) if rows else None

    def _update_buttons(self, *_args) -> None:
        conflict = self._selected(self.conflicts_view) is not None
        self.keep_button.setEnabled(conflict)
        self.take_button.setEnabled(conflict)
        rejected = self._selected(self.rejected_view) is not None
        self.retry_button.setEnabled(rejected)
        self.dismiss_button.setEnabled(rejected)
        self.retry_all_button.setEnabled(bool(self.rejected_model.rows()))

    # ---- actions --------------------------------------------------------------------------------------
    def resolve_selected(self, choice: str) -> bool:
        """Resolve the selected definition's conflict (every conflicting field of it): KEEP_MINE re-queues our
        values for the next push, TAKE_THEIRS adopts the server's. False when nothing is selected."""
        row = self._selected(self.conflicts_view)
        if row is None:
            return False
        self.keep_button.setEnabled(False)
        self.take_button.setEnabled(False)
        fn = mutation_op(self.ctx.ledger, _resolve, row.definition_id, choice)
        run_in_background(fn, lambda _id: self._on_resolved(row, choice), self._on_action_failed, parent=self)
        return True

    def _on_resolved(self, row: ConflictRow, choice: str) -> None:
        if choice == KEEP_MINE:
            self.message.setText(f"{row.name}: your values are kept and will be uploaded at the next sync.")
            self.controller.on_local_change("definitions")
        else:
            self.message.setText(f"{row.name}: the server's values were taken.")
            self.controller.refresh_status()
        self.changed.emit("definitions")
        self.refresh()

    def _outbox(self, name: str) -> None:
        action, row = _outbox_action(name), self._selected(self.rejected_view)
        if row is None:
            return
        run_in_background(mutation_op(self.ctx.ledger, action, row.id), lambda _r: self._on_outbox_done(name, row),
                          self._on_action_failed, parent=self)

    def retry_all(self) -> None:
        """Queue every rejected change again, oldest first (core.outbox.retry_all; the audit text is kept)."""
        self.retry_all_button.setEnabled(False)
        run_in_background(mutation_op(self.ctx.ledger, retry_all), self._on_retried_all, self._on_action_failed,
                          parent=self)

    def _on_retried_all(self, ids: list[int]) -> None:
        self.message.setText(f"{len(ids)} rejected change(s) queued again; they go up at the next sync.")
        self.controller.on_local_change("outbox")
        self.refresh()

    def _on_outbox_done(self, name: str, row: RejectedRow) -> None:
        verb = "queued again" if name == "retry_rejected" else "dismissed"
        self.message.setText(f"{row.kind} {row.entity}: {verb}.")
        self.controller.on_local_change("outbox")
        self.refresh()

    def _on_action_failed(self, exc: BaseException) -> None:
        self._update_buttons()
        self.message.setText(f"Not done: {error_message(exc)}")
        self.refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()
