"""The door's next steps (a mixin of app.tabs.door_tab.DoorTab, issue 9 items 1, 2, 4, 10): "Take payment &
admit" for an UNPAID ticket (core.door.pay_and_admit, the box office's PaymentDialog), provisional entry only
where core.door.provisional_refusal allows it, a safe undo that names the guest and asks once, and after an
OK the rest of the guest's order (app.widgets.group_panel, core.door.admit_group). Every
decision is core.door's; this module only shows them."""
from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox

from app import formatting
from app.dialogs.payment_dialog import PaymentDialog
from app.role_guard import gate, station_role
from app.tasks import announce, error_message, mutation_op, query_op, run_in_background
from app.widgets.group_panel import GroupPanel
from core import door as core_door, roles
from core.door import Door
from core.entrances import EntranceView, list_entrances
from core.headcount import Headcount, headcount
from core.timeutil import utcnow
from sync import state as sync_state

logger = logging.getLogger(__name__)


def door_of(ctx, entrance: EntranceView | None = None, exit_mode: bool = False) -> Door:
    """The core.door inputs of this station: its event, names, entrance (None: every definition), exit mode
    and the clock offset measured by the last sync (app.sync_wiring keeps ctx.clock_offset_s, BC-13)."""
    return Door((ctx.event_id,), ctx.station, ctx.operator, entrance, float(ctx.clock_offset_s or 0.0),
                exit_mode=exit_mode)


def entrance_facts(session, event_id: str) -> tuple[list[EntranceView], str | None, Headcount]:
    """(the event's entrances, the one this station works at, the headcount) — read in a worker. The count
    is an estimate while a connected station's last sync run failed (offline: what it has seen)."""
    from sync import station as sync_station  # lazy (start-up): it imports the HTTP client

    offline = sync_station.load_config(session) is not None and sync_state.engine_health(session).failures > 0
    return (list_entrances(session, event_id), sync_state.door_entrance(session, event_id),
            headcount(session, event_id, online=not offline))


def remember_entrance(session, event_id: str, entrance_id: str | None) -> None:
    """Persist the station's entrance for `event_id` (sync.state), committed by the caller's unit of work."""
    sync_state.set_door_entrance(session, event_id, entrance_id)


def station_facts(session) -> tuple[str | None, object]:
    """(the station's hub role or None — cached from the hub, app.role_guard — and the last ticket pull as
    aware UTC or None) — read in a worker."""
    from sync import door as sync_door  # lazy (start-up): it imports the HTTP client and the sync engine

    return station_role(session), sync_door.last_ticket_sync(session)


class DoorStepsMixin:
    """Payment, provisional entry and undo; the host defines ctx, verdict_panel, the buttons, _show,
    _admitted, _announce, _on_scan_failed, _on_facts, refresh, search, worker and _debouncer."""

    # ---- entrance, exit mode, inside now (issue 9 items 7–8) ------------------------------------------------
    def door(self) -> Door:
        """This station's core.door.Door with the picked entrance and exit mode."""
        return door_of(self.ctx, self.entrance_picker.entrance(), self.entrance_picker.exit_mode())

    def refresh_entrances(self) -> None:
        """Reload the entrances, the remembered choice and the headcount (in a worker)."""
        event_id = self.ctx.event_id
        if event_id is not None:
            run_in_background(query_op(self.ctx.ledger, entrance_facts, event_id),
                              lambda facts: self._on_entrances(event_id, facts),
                              lambda exc: self.entrance_picker.show_headcount(None), parent=self)

    def _on_entrances(self, event_id: str, facts) -> None:
        """Fill the picker: the remembered entrance on the first load of an event, afterwards the operator's
        current pick (a refresh never overrides it)."""
        entrances, chosen, count = facts
        if event_id != self.ctx.event_id:
            return
        picker = self.entrance_picker
        if getattr(self, "_entrances_event", None) == event_id:
            chosen = picker.combo.currentData()
        self._entrances_event = event_id
        picker.set_entrances(entrances, chosen)
        picker.show_headcount(count)

    def _on_entrance_changed(self) -> None:
        """The operator picked another entrance or toggled exit mode: remember the entrance, recount."""
        chosen, event_id = self.entrance_picker.entrance(), self.ctx.event_id
        if event_id is None:
            return
        run_in_background(mutation_op(self.ctx.ledger, remember_entrance, event_id, chosen.id if chosen else None),
                          lambda _r: self.refresh_entrances(), lambda exc: None, parent=self)

    # ---- take payment & admit (issue 9 item 1) ---------------------------------------------------------
    def _offer_payment(self, result) -> None:
        """Show "Take payment & admit" for an UNPAID result when the setting is on; enabled when this station's
        role may take payment (core.door.may_take_payment), else disabled with the reason on the button."""
        unpaid = result is not None and getattr(result.verdict, "value", "") == "UNPAID" and \
            bool(result.order_number) and result.order_total is not None and bool(self.take_payment_enabled)
        allowed = unpaid and core_door.may_take_payment(self.role, self.take_payment_enabled)
        self._unpaid = result if allowed else None
        self.pay_button.setVisible(unpaid)
        gate(self.pay_button, self.role, roles.TAKE_PAYMENT, allowed)
        self._offer_group(result)

    def take_payment(self) -> None:
        """Open the payment dialog for the whole order (cash with change, or card); on OK pay and admit."""
        result = self._unpaid
        if result is None:
            return
        self.verdict_panel.hold()
        self.payment_dialog = PaymentDialog(result.order_total, result.order_number, self)
        self.payment_dialog.accepted.connect(lambda: self._pay(result, self.payment_dialog.payment()))
        self.payment_dialog.rejected.connect(self.verdict_panel.restart_ready_timer)
        self.payment_dialog.open()

    def _pay(self, result, choice) -> None:
        payment, tendered = choice
        self.pay_button.setEnabled(False)
        ledger, door = self.ctx.ledger, self.door()
        run_in_background(lambda: core_door.pay_and_admit(ledger, door, result.payload, payment=payment,
                                                          tendered=tendered), self._on_paid,
                          self._on_scan_failed, parent=self)

    def _on_paid(self, done) -> None:
        self._offer_payment(None)
        self._show(done.result)
        if done.change is not None:
            self.verdict_panel.extra.setText(f"Change: {formatting.money(done.change)}")
        elif done.paid is not None:
            self.verdict_panel.extra.setText(f"Paid {formatting.money(done.paid)}")
        if done.changes:
            announce(self.ctx.ledger, done.changes, self)
        if done.result.admitted:
            self._undo_stack.append((done.result.ticket_number, done.result.payload))
            self.undo_button.setEnabled(True)
            self.refresh()
            self._offer_group(done.result)  # the order is paid now: its other tickets may come in too
        self.scanned.emit(done.result)

    # ---- whole-order check-in (issue 9 item 10) ----------------------------------------------------------
    def group_panel(self) -> GroupPanel:
        """The "N more in this order" panel, made on first use under the verdict's action row."""
        panel = getattr(self, "_group_panel", None)
        if panel is None:
            panel = self._group_panel = GroupPanel(self)
            panel.admit_requested.connect(self.admit_group)
            panel.dismissed.connect(self._group_done)
            self._right.insertWidget(2, panel)
        return panel

    def _offer_group(self, result) -> None:
        """After an OK scan, list the order's other tickets (core.door.order_group) in the group panel; any
        other result hides it. None (the verdict went back to Ready) keeps it: the group may still be at the
        door while the operator chooses; the next verdict, Esc or the admission closes it."""
        if result is None:
            return
        panel = self.group_panel()
        panel.clear()
        self._group_for = result  # a later verdict makes a late answer for this one moot
        if getattr(result.verdict, "value", "") != "OK" or not result.order_number:
            return
        ledger, door, scanned = self.ctx.ledger, door_of(self.ctx), result.ticket_number
        run_in_background(lambda: core_door.order_group(ledger, door, result.order_number),
                          lambda tickets: self._on_group(result, tickets, scanned),
                          lambda exc: logger.warning("order group failed: %s", exc), parent=self)

    def _on_group(self, result, tickets, scanned) -> None:
        if getattr(self, "_group_for", None) is result:
            self.group_panel().show_group(result.order_number, tickets, scanned)

    def admit_group(self, order_number: str, ticket_numbers: list) -> None:
        """Admit the chosen tickets of the order in one step (core.door.admit_group), each its own check-in."""
        self.group_panel().clear()
        ledger, door = self.ctx.ledger, door_of(self.ctx)
        run_in_background(lambda: core_door.admit_group(ledger, door, order_number, list(ticket_numbers)),
                          self._on_group_admitted, self._on_scan_failed, parent=self)

    def _on_group_admitted(self, done) -> None:
        admitted = done.admitted
        refused = [r for r in done.results if not r.admitted]
        self._show(admitted[-1] if admitted else refused[0])
        names = ", ".join(r.guest_name or r.ticket_number for r in admitted)
        text = f"Admitted {len(admitted)} of this order: {names}" if admitted else "No one admitted"
        if refused:
            text += "; not admitted: " + ", ".join(f"{r.ticket_number} ({r.verdict.value})" for r in refused)
        self.verdict_panel.extra.setText(text)
        for r in done.results:
            self._admitted(r)
            self.scanned.emit(r)
        self._group_done()

    def _group_done(self) -> None:
        self.verdict_panel.restart_ready_timer()
        self.code_edit.setFocus()

    # ---- provisional admission (WR-13 b, issue 9 item 2) -----------------------------------------------
    def offer_provisional(self, payload: str | None) -> None:
        """Offer "Admit provisionally" for `payload` (an unknown ticket while the server cannot be asked)
        when core.door.provisional_refusal allows it (ticket-shaped for this event, synced at least once,
        not turned off), with the last sync time; else say why not. None hides it. Called by
        app.sync_wiring after a failed lookup; any new scan hides it."""
        self._provisional_payload = None
        self.provisional_button.hide()
        self.provisional_button.setEnabled(False)
        self.provisional_note.setText("")
        if payload is None:
            return
        event_id = self.ctx.event_id
        run_in_background(query_op(self.ctx.ledger, station_facts),
                          lambda facts: self._on_provisional_facts(payload, event_id, facts),
                          lambda exc: self.provisional_note.setText(error_message(exc)), parent=self)

    def _on_provisional_facts(self, payload: str, event_id, facts) -> None:
        self._on_facts(facts)
        if event_id != self.ctx.event_id:
            return
        why_not = core_door.provisional_refusal(payload, event_id, self.last_sync, self.provisional_enabled)
        if why_not is not None:
            self.provisional_note.setText(why_not)
            return
        self._provisional_payload = payload
        self.provisional_button.show()
        self.provisional_button.setEnabled(True)
        self.provisional_note.setText(f"Last sync {formatting.clock(self.last_sync, self.ctx.time_zone)}")

    def admit_provisionally(self) -> None:
        """Store the offered ticket's provisional check-in (core.door.admit_provisionally) and show it."""
        payload, ctx = self._provisional_payload, self.ctx
        if payload is None or ctx.event_id is None:
            return
        self.provisional_button.setEnabled(False)
        ledger, door = ctx.ledger, self.door()
        run_in_background(lambda: core_door.admit_provisionally(ledger, door, payload), self._on_admitted,
                          self._on_scan_failed, parent=self)

    def _on_admitted(self, result) -> None:
        self.offer_provisional(None)
        self._show(result)
        self.verdict_panel.extra.setText(result.message)  # "Admitted provisionally: … checked at the next sync"
        self._admitted(result)

    # ---- undo (issue 9 item 4) --------------------------------------------------------------------------
    def undo_last(self) -> None:
        """Undo the newest check-in made here, after one question naming the guest (core.door.admitted_guest);
        a check-in older than undo_confirm_after_s is flagged in the question. Ctrl+Z while asking is ignored."""
        if not self._undo_stack or self.ctx.event_id is None or self._undo_asking:
            return
        self._undo_asking = True
        ticket_number, payload = self._undo_stack[-1]
        run_in_background(lambda: core_door.admitted_guest(self.ctx.ledger, ticket_number),
                          lambda who: self._confirm_undo(who, payload), self._on_undo_failed, parent=self)

    def _confirm_undo(self, who, payload: str) -> None:
        if not who.checked_in:
            self._undo_asking = False
            self._undo_stack.pop()
            self.undo_button.setEnabled(bool(self._undo_stack))
            why = " (its admission was refused at sync: see Review)" if who.refused else ""
            self.verdict_panel.show_message("Nothing to undo", f"Ticket {who.ticket_number} is not checked in{why}")
            return
        when = formatting.clock(who.checked_in_at, self.ctx.time_zone)
        text = f"Un-admit {who.guest_name or 'this guest'} (ticket {who.ticket_number}), checked in {when}"
        text += f" at {who.station}?" if who.station else "?"
        age_s = (utcnow() - who.checked_in_at).total_seconds()
        old = age_s > self.undo_confirm_after_s
        if old:
            text += f"\n\nThis check-in is {int(age_s // 60)} minute(s) old — is it really the wrong guest?"
        yes, no = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No
        answer = QMessageBox.question(self, "Undo check-in", text, yes | no, no if old else yes)
        self._undo_asking = False
        if answer != yes:
            return
        self._undo_stack.pop()
        self.undo_button.setEnabled(False)
        ledger, door = self.ctx.ledger, self.door()
        run_in_background(lambda: core_door.undo(ledger, door, who.ticket_number),
                          lambda done: self._on_undone(done, payload, who.guest_name), self._on_undo_failed,
                          parent=self)

    def _on_undone(self, done, payload: str, guest: str = "") -> None:
        self._debouncer.forget(payload)
        if self.worker is not None:
            self.worker.forget(payload)
        details = f"{guest} is no longer checked in" if done.undone and guest else done.message
        self.verdict_panel.show_message("Check-in undone" if done.undone else "Nothing to undo", details)
        self.undo_button.setEnabled(bool(self._undo_stack))
        if done.undone:
            self._announce(done.ticket_number)
        self.refresh()
        self.search.refresh()

    def _on_undo_failed(self, exc: BaseException) -> None:
        self._undo_asking = False
        self.undo_button.setEnabled(bool(self._undo_stack))
        self.verdict_panel.show_message("Undo failed", error_message(exc))

