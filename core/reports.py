"""Live counts of an event from order statuses and the check-in log, never from attendance status (WR-02)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.events import get_event
from core.models import Order, Ticket, TicketDefinition
from core.money import Money
from core.status import UNPAID, StatusClass, classify_order, is_sold
from core.tickets import checked_in_map


_BUCKET = {StatusClass.SETTLED: "paid", StatusClass.UNPAID: "unpaid", StatusClass.UNKNOWN: "other"}


def _bucket(status: str, ticket_canceled: bool) -> str:
    """The bucket "canceled" when the ticket is not sold (core.status.is_sold: the ticket canceled or its order
    CANCELED/DECLINED), else by the order's class: paid (PAID/FREE), unpaid (INITIATED/PENDING/OFFLINE_PENDING)
    or other (a status this station does not know, kept verbatim: still sold)."""
    if not is_sold(status, ticket_canceled):
        return "canceled"
    return _BUCKET[classify_order(status)]


def _empty() -> dict:
    return {"sold": 0, "paid": 0, "unpaid": 0, "other": 0, "canceled": 0, "checkedIn": 0}


def event_stats(session: Session, event_id: str) -> dict:
    """Ticket counts of an event by order status (case WR-02: OFFLINE_PENDING is unpaid, not "attending").

    Returns {"currency", "sold", "paid", "unpaid", "other", "canceled", "checkedIn", "unpaidOrders",
    "toCollect": Money (event currency), "toCollectOther": {currency: Money} (only orders in another currency),
    "perDefinition": {definitionId: {"name", "quantity", "sold", "paid", "unpaid", "other", "canceled",
    "checkedIn"}}}. Counts are tickets: sold = paid + unpaid + other (core.status.is_sold, the rule
    core.definitions.definition_counts applies in SQL: not canceled, order not CANCELED/DECLINED); checkedIn =
    tickets checked in (core.tickets.checked_in_map), whatever their order's status.
    toCollect sums the totals of unpaid orders. Raises NotFound for an unknown event."""
    event = get_event(session, event_id)
    totals = _empty()
    per: dict[str, dict] = {}
    for d in session.scalars(select(TicketDefinition).where(TicketDefinition.event_id == event.id)
                             .order_by(TicketDefinition.order_index, TicketDefinition.created)):
        per[d.id] = dict(_empty(), name=d.name, quantity=d.quantity)
    rows = session.execute(select(Ticket.ticket_number, Ticket.definition_id, Ticket.name, Ticket.canceled,
                                  Order.status).join(Order, Ticket.order_number == Order.order_number)
                           .where(Ticket.event_id == event.id)).all()
    checked = checked_in_map(session, [r.ticket_number for r in rows])
    for number, def_id, name, canceled, status in rows:
        line = per.setdefault(def_id, dict(_empty(), name=name, quantity=None))  # a deleted definition
        bucket = _bucket(status, canceled)
        for counts in (totals, line):
            counts[bucket] += 1
            counts["sold"] += bucket != "canceled"
            counts["checkedIn"] += number in checked
    due: dict[str, Money] = {}
    unpaid_orders = 0
    for total_minor, currency in session.execute(select(Order.total_minor, Order.currency).where(
            Order.event_id == event.id, Order.status.in_(sorted(UNPAID)))):
        unpaid_orders += 1
        due[currency] = due.get(currency, Money.zero(currency)) + Money.from_minor(total_minor, currency)
    to_collect = due.pop(event.currency, Money.zero(event.currency))
    out = dict(totals, currency=event.currency, unpaidOrders=unpaid_orders, toCollect=to_collect, perDefinition=per)
    if due:
        out["toCollectOther"] = due
    return out
