"""Sales reports (issue 10 item 5): per event-local day, per ticket definition, per payment method and per
operator/station. Money is core.money.Money summed in integer minor units per currency (never a float); a
ledger holding orders in several currencies gets one row per currency.

Sold tickets follow core.status's ONE rule (`sold_clause`: the ticket not canceled, its order not
CANCELED/DECLINED); money taken is the box office's Payment rows (core.sales: one per cash/card sale or
completion, with station and operator); voids are the till's TillVoid rows (core.till: money handed back).
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.events import get_event
from core.models import Order, Payment, Ticket, TicketDefinition, TillVoid
from core.money import Money
from core.report_table import DATE, INT, MONEY, Column, ReportTable
from core.status import sold_clause
from core.timeutil import local


def _sold_tickets(session: Session, event_id: str):
    """(definition id, ticket name, price minor, currency, created) of the event's sold tickets."""
    q = (select(Ticket.definition_id, Ticket.name, Ticket.price_minor, Ticket.currency, Ticket.created)
         .join(Order, Ticket.order_number == Order.order_number)
         .where(Ticket.event_id == event_id, sold_clause(Order.status, Ticket.canceled)))
    return session.execute(q).all()


def _payments(session: Session, event_id: str):
    """(method, amount minor, currency, station, operator, created) of the event's payments."""
    q = (select(Payment.method, Payment.amount_minor, Payment.currency, Payment.station, Payment.operator,
                Payment.created)
         .join(Order, Payment.order_number == Order.order_number).where(Order.event_id == event_id)
         .order_by(Payment.id))
    return session.execute(q).all()


def _add(totals: dict, key, minor: int) -> None:
    totals[key] = totals.get(key, 0) + int(minor or 0)


def sales_per_day(session: Session, event_id: str) -> ReportTable:
    """Per event-local day and currency: "Tickets sold" (sold tickets created that day), "Payments" (how many)
    and "Taken" (Money, their sum). Raises NotFound for an unknown event."""
    event = get_event(session, event_id)
    tz = event.time_zone
    sold: dict = {}
    for _d, _n, _p, currency, created in _sold_tickets(session, event.id):
        _add(sold, (local(created, tz).date(), currency), 1)
    count: dict = {}
    taken: dict = {}
    for _m, minor, currency, _s, _o, created in _payments(session, event.id):
        key = (local(created, tz).date(), currency)
        _add(count, key, 1)
        _add(taken, key, minor)
    rows = tuple((day, cur, sold.get((day, cur), 0), count.get((day, cur), 0),
                  Money.from_minor(taken.get((day, cur), 0), cur))
                 for day, cur in sorted(set(sold) | set(count)))
    columns = (Column("Day", DATE), Column("Currency"), Column("Tickets sold", INT), Column("Payments", INT),
               Column("Taken", MONEY))
    return ReportTable(f"Sales per day — {event.title}", columns, rows, tz, "sales_days")


def sales_per_definition(session: Session, event_id: str) -> ReportTable:
    """Per ticket definition (in the definitions' order; a deleted one by its tickets' name, last):
    "Sold" (tickets, core.status.sold_clause) and "Value" (Money: the sold tickets' prices)."""
    event = get_event(session, event_id)
    names = {d.id: d.name for d in session.scalars(
        select(TicketDefinition).where(TicketDefinition.event_id == event.id)
        .order_by(TicketDefinition.order_index, TicketDefinition.created))}
    sold: dict = {}
    value: dict = {}
    for def_id, name, price, currency, _created in _sold_tickets(session, event.id):
        names.setdefault(def_id, name)
        _add(sold, (def_id, currency), 1)
        _add(value, (def_id, currency), price)
    index = {d: i for i, d in enumerate(names)}
    rows = [(names[d], sold.get((d, cur), 0), Money.from_minor(value.get((d, cur), 0), cur))
            for d, cur in sorted(sold, key=lambda k: (index[k[0]], k[1]))]
    rows += [(names[d], 0, Money.zero(event.currency)) for d in names if not any(k[0] == d for k in sold)]
    columns = (Column("Definition"), Column("Sold", INT), Column("Value", MONEY))
    return ReportTable(f"Sales per definition — {event.title}", columns, tuple(rows), event.time_zone,
                       "sales_definitions")


def payments_per_method(session: Session, event_id: str) -> ReportTable:
    """Per payment method and currency: "Payments", "Taken", "Voided" (handed back by till voids) and "Net"
    (Money)."""
    event = get_event(session, event_id)
    count: dict = {}
    taken: dict = {}
    for method, minor, currency, _s, _o, _c in _payments(session, event.id):
        _add(count, (method, currency), 1)
        _add(taken, (method, currency), minor)
    voided: dict = {}
    for method, minor, currency in session.execute(
            select(TillVoid.method, TillVoid.amount_minor, TillVoid.currency)
            .join(Order, TillVoid.order_number == Order.order_number).where(Order.event_id == event.id)):
        _add(voided, (method, currency), minor)
    rows = []
    for method, cur in sorted(set(taken) | set(voided)):
        t, v = Money.from_minor(taken.get((method, cur), 0), cur), Money.from_minor(voided.get((method, cur), 0), cur)
        rows.append((method, count.get((method, cur), 0), t, v, t - v))
    columns = (Column("Method"), Column("Payments", INT), Column("Taken", MONEY), Column("Voided", MONEY),
               Column("Net", MONEY))
    return ReportTable(f"Payments per method — {event.title}", columns, tuple(rows), event.time_zone,
                       "sales_methods")


def payments_per_operator(session: Session, event_id: str) -> ReportTable:
    """Per station, operator and currency: "Payments" and "Taken" (Money). An unnamed operator shows "—"."""
    event = get_event(session, event_id)
    count: dict = {}
    taken: dict = {}
    for _m, minor, currency, station, operator, _c in _payments(session, event.id):
        key = (station or "—", operator or "—", currency)
        _add(count, key, 1)
        _add(taken, key, minor)
    rows = tuple((station, operator, count[(station, operator, cur)],
                  Money.from_minor(taken[(station, operator, cur)], cur))
                 for station, operator, cur in sorted(count))
    columns = (Column("Station"), Column("Operator"), Column("Payments", INT), Column("Taken", MONEY))
    return ReportTable(f"Payments per operator and station — {event.title}", columns, rows, event.time_zone,
                       "sales_operators")


def sales_tables(session: Session, event_id: str) -> list[ReportTable]:
    """The four sales tables: per day, per definition, per payment method, per operator/station."""
    return [sales_per_day(session, event_id), sales_per_definition(session, event_id),
            payments_per_method(session, event_id), payments_per_operator(session, event_id)]


def total_taken(session: Session, event_id: str) -> dict[str, Money]:
    """{currency: Money} of every payment of the event (a check figure for the tables above)."""
    q = (select(Payment.currency, func.sum(Payment.amount_minor))
         .join(Order, Payment.order_number == Order.order_number)
         .where(Order.event_id == event_id).group_by(Payment.currency))
    return {cur: Money.from_minor(int(total or 0), cur) for cur, total in session.execute(q)}

