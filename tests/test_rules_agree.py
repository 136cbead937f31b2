"""One rule, many readers (issue 7): for every order status — the contract's and unknown ones kept verbatim —
the GUI models' colour, the door verdict, the CLI and the hub agree with core.status; and "sold" is the same
count in capacity (definition_counts), the dashboards (GUI rows, CLI, hub) and reports.event_stats."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from PySide6.QtCore import Qt

from app import queries
from app.cli.main import main
from app.models.base import STATUS_COLOURS, status_colour
from app.models.orders_model import COL_STATUS as ORDER_STATUS_COL, OrdersTableModel
from app.models.tickets_model import COL_STATUS as TICKET_STATUS_COL, TicketsTableModel
from app.queries import OrderRow, TicketRow
from core import status as st
from core.checkin import Verdict, scan_and_commit
from core.db import Ledger
from core.definitions import definition_counts
from core.models import Order, Ticket
from core.money import Money
from core.reports import event_stats
from core.status import StatusClass, classify_order, classify_ticket, is_sold
from tests.core.checkin_data import add_definition, add_event, url
from tests.sync.hub_fixtures import ok

NOW = datetime(2025, 6, 14, 18, 0, tzinfo=timezone.utc)
STATUSES = (*st.ORDER_STATUSES, "NA_ORDER_STATUS", "AUTHORIZED", "VOIDED", "")
# What the door answers for each class of ticket (DESIGN.md "The door verdict", steps 3–4).
VERDICT_OF = {StatusClass.SETTLED: Verdict.OK, StatusClass.UNPAID: Verdict.UNPAID,
              StatusClass.VOID: Verdict.CANCELED, StatusClass.UNKNOWN: Verdict.UNPAID}
FLAGS = ({}, {"canceled": True}, {"archived": True}, {"order_archived": True})


def number(i: int) -> str:
    return f"S-{i:04d}-"


def add_order(session, event_id: str, currency: str, definition_id: str, order_number: str, status: str, *,
              tickets: int = 2, canceled: int = 0, archived: bool = False) -> None:
    """An order as a pull stores it (status verbatim), its first `canceled` tickets canceled."""
    session.add(Order(order_number=order_number, event_id=event_id, status=status, first_name="Mira",
                      last_name="Castell", email="", checkout_form=[], method="cash", currency=currency,
                      archived=archived, total_minor=1500 * tickets, channel="ONLINE", station="",
                      created=NOW, updated=NOW))
    for i in range(tickets):
        session.add(Ticket(ticket_number=f"{order_number}{21 + i:03d}", order_number=order_number,
                           event_id=event_id, definition_id=definition_id, name="Standing", price_minor=1500,
                           currency=currency, guest_first_name="", guest_last_name="", guest_email="",
                           guest_form=[], archived=False, canceled=i < canceled, created=NOW))


def seed_every_status(session, event_id: str, currency: str, definition_id: str) -> int:
    """Orders of 2 tickets in every status (the first ticket of each canceled in a second order); returns
    the number of sold tickets by core.status.is_sold."""
    sold = 0
    for i, status in enumerate(STATUSES):
        add_order(session, event_id, currency, definition_id, number(i), status)
        add_order(session, event_id, currency, definition_id, number(100 + i), status, canceled=1)
        sold += sum(is_sold(status, c) for c in (False, False, True, False))
    return sold


# ---- GUI colours ----------------------------------------------------------------------------------------
def test_status_colours_are_one_per_class():
    assert set(STATUS_COLOURS) == set(StatusClass)
    assert len({c.name() for c in STATUS_COLOURS.values()}) == len(StatusClass)


@pytest.mark.parametrize("status", STATUSES)
def test_gui_models_colour_every_status_by_its_class(qapp, status):
    money = Money.of("15.00", "EUR")
    orders = OrdersTableModel()
    orders.set_rows([OrderRow("S-0001-", status, "Mira", "", 1, 0, money, NOW, False, "ONLINE", "cash")])
    colour = orders.data(orders.index(0, ORDER_STATUS_COL), Qt.ItemDataRole.ForegroundRole)
    assert colour == status_colour(classify_order(status))
    tickets = TicketsTableModel()
    rows = [TicketRow("S-0001-021", "S-0001-", "d", "Standing", "Mira", "", status, money, None, "",
                      f.get("archived", False), f.get("canceled", False), f.get("order_archived", False))
            for f in FLAGS]
    tickets.set_rows(rows)
    for r, f in enumerate(FLAGS):
        colour = tickets.data(tickets.index(r, TICKET_STATUS_COL), Qt.ItemDataRole.ForegroundRole)
        assert colour == status_colour(classify_ticket(status, ticket_canceled=f.get("canceled", False),
                                                       ticket_archived=f.get("archived", False),
                                                       order_archived=f.get("order_archived", False)))


# ---- the door ---------------------------------------------------------------------------------------------
def test_door_verdict_of_every_status_and_ticket_state_follows_the_classification(ledger):
    with ledger.sessions() as s:
        ev = add_event(s, "Gala")
        d = add_definition(s, ev, "Standing")
        s.flush()
        cases = []
        for i, status in enumerate(STATUSES):
            for j, f in enumerate(FLAGS):
                n = number(10 * i + j)
                add_order(s, ev.id, ev.currency, d.id, n, status, tickets=1, canceled=int(bool(f.get("canceled"))),
                          archived=f.get("order_archived", False))
                if f.get("archived"):
                    s.flush()
                    s.get(Ticket, f"{n}021").archived = True
                cls = classify_ticket(status, ticket_canceled=f.get("canceled", False),
                                      ticket_archived=f.get("archived", False),
                                      order_archived=f.get("order_archived", False))
                cases.append((f"{n}021", status, cls))
        s.commit()
        event_id = ev.id
        payloads = {t: url(t, ev) for t, _, _ in cases}
    for ticket, status, cls in cases:
        result = scan_and_commit(ledger, payloads[ticket], event_ids=[event_id], station="door-1", now=NOW)
        assert result.verdict is VERDICT_OF[cls], (status, ticket)
        assert (result.amount_due is not None) == (cls is StatusClass.UNPAID and result.verdict is Verdict.UNPAID)


# ---- the CLI ----------------------------------------------------------------------------------------------
@pytest.fixture
def cli_ledger(tmp_path, capsys):
    """(run, sold): a ledger file with orders in every status; run(*args) -> (exit code, JSON or stderr)."""
    db = str(tmp_path / "ledger.db")
    led = Ledger.open(db)
    with led.sessions() as s:
        ev = add_event(s, "Gala")
        d = add_definition(s, ev, "Standing")
        s.flush()
        sold = seed_every_status(s, ev.id, ev.currency, d.id)
        s.commit()
    led.close()

    def run(*args):
        code = main([*args, "--db", db, "--json"])
        out, err = capsys.readouterr()
        return code, (json.loads(out) if code == 0 else err)

    return run, sold


def test_cli_status_choices_come_from_the_module_and_output_agrees(cli_ledger):
    run, sold = cli_ledger
    for status in st.ORDER_STATUSES:
        code, body = run("orders", "list", "--status", status)
        assert code == 0 and {o["status"] for o in body["orders"]} == {status}
        assert all(o["confirmed"] == (classify_order(status) is StatusClass.SETTLED) for o in body["orders"])
        code, body = run("tickets", "list", "--order-status", status)
        assert code == 0 and {t["orderStatus"] for t in body["tickets"]} == {status}
    for unknown in ("NA_ORDER_STATUS", "VOIDED", "paid"):
        code, err = run("orders", "list", "--status", unknown)
        assert code == 2 and "invalid choice" in err
    code, body = run("orders", "list", "--tag", "CONFIRMED", "--limit", "100")
    assert {o["status"] for o in body["orders"]} == st.SETTLED
    code, body = run("definitions", "list")
    assert body["definitions"][0]["dashboard"]["ticketsSold"] == sold


# ---- the hub ----------------------------------------------------------------------------------------------
def test_hub_filters_and_renders_by_the_classification(hub):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=500)
    with hub.uow() as s:
        sold = seed_every_status(s, ev, "EUR", d)
    box = hub.client("box-office")
    confirmed = ok(box.get("/events/v1/orders", params=[("eventId", ev), ("tag", "CONFIRMED"),
                                                         ("fieldset", "DETAILS")]))
    assert {o["status"] for o in confirmed["orders"]} == st.SETTLED
    every = ok(box.get("/events/v1/orders", params=[("eventId", ev), ("fieldset", "DETAILS")]))
    assert every["total"] == 2 * len(STATUSES)
    for o in every["orders"]:
        assert o["confirmed"] == (classify_order(o["status"]) is StatusClass.SETTLED), o["status"]
    for status in STATUSES:
        got = ok(box.get("/events/v1/orders", params=[("eventId", ev), ("status", status or "x"),
                                                       ("fieldset", "DETAILS")]))
        assert {o["status"] for o in got["orders"]} <= {status}
    dash = ok(hub.client().get(f"/events/v1/ticket-definitions/{d}", params={"fieldset": "DASHBOARD"}))
    assert dash["definition"]["dashboard"]["ticketsSold"] == sold


# ---- "sold" ----------------------------------------------------------------------------------------------
def test_sold_agrees_between_capacity_dashboard_and_reports(session):
    ev = add_event(session, "Gala")
    d = add_definition(session, ev, "Standing")
    session.flush()
    sold = seed_every_status(session, ev.id, ev.currency, d.id)
    session.flush()
    capacity = definition_counts(session, ev.id)[d.id].sold
    dashboard = next(r.sold for r in queries.definition_rows(session, ev.id) if r.id == d.id)
    stats = event_stats(session, ev.id)
    assert capacity == dashboard == stats["sold"] == stats["perDefinition"][d.id]["sold"] == sold
    assert stats["sold"] == stats["paid"] + stats["unpaid"] + stats["other"]
    assert stats["canceled"] == 2 * len(STATUSES) * 2 - sold
