"""The box office: sell tickets at the door, take the money for unpaid orders, and sum the till.

The sale rules (quantity left, limitPerCheckout, sale period, one currency, change due) live in core.quote:
sell() validates through `quote_sale` and raises the error of the first problem it finds (cases BC-07,
BC-09, BC-26, WR-03, WR-04, WR-15). override=True (a supervisor's decision, BC-26 a) lets the quantity,
per-checkout and sale-period problems through; the sale is logged and its outbox order carries
"override": true and the reasons.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import codes, contract
from core.changes import note
from core.errors import FailedPrecondition, InvalidArgument, OrderActionNotAvailable
from core.events import get_event
from core.models import Event, Order, Payment, Ticket, TicketDefinition
from core.money import Money
from core.orders import complete_order, get_order
from core.outbox import enqueue
from core.quote import INPUT, PAYMENT, PAYMENTS, RULE, SaleQuote, quote_payment, quote_sale, raise_first
from core.status import (EMAIL_MAX as MAX_EMAIL, FORM_INPUTS_MAX as MAX_INPUTS, FORM_VALUE_MAX as MAX_VALUE, FREE,
                         PAID, PERSON_NAME_MAX as MAX_NAME, SETTLED, UNPAID, OutboxKind)
from core.timeutil import local, require_aware, to_rfc3339, utcnow

logger = logging.getLogger(__name__)

ORDER_METHOD = {"cash": "cash", "card": "card", "unpaid": "inPerson"}


@dataclass
class Sale:
    """The result of a box-office sale or payment: the order, the cash change due (None unless cash was
    taken) and the order's total."""

    order: Order
    change: Money | None
    total: Money


def _now(now: datetime | None) -> datetime:
    return require_aware(now, "now") if now is not None else utcnow()


def _payment(payment: str, allowed=PAYMENTS) -> str:
    if payment not in allowed:
        raise InvalidArgument(f"payment must be one of {', '.join(allowed)}, not {payment!r}", field="payment")
    return payment


def buyer_problem(buyer: dict, *, names_required: bool = True) -> str | None:
    """Why `buyer` cannot be the buyer of a sale, or None. First and last name are required unless the
    station lets walk-ins stay anonymous (`names_required` False: the box office's setting
    app.config "walk_in_names_required", passed in by the caller; issue 10). Names given must be text."""
    if not isinstance(buyer, dict):
        return "buyer must be a dict of form answers"
    for key, label in (("firstName", "First name"), ("lastName", "Last name")):
        value = buyer.get(key)
        if value is not None and not isinstance(value, str):
            return f"{label} must be text"
        if names_required and not (value or "").strip():
            return "First and last name are required."
    return None


def _buyer_inputs(buyer: dict, names_required: bool = True) -> list[dict]:
    """The buyer dict as the contract's checkoutForm inputValues; firstName and lastName are required
    (the contract's checkout form requires them; the door searches by name) unless `names_required` is
    False (anonymous walk-ins: empty names are stored as "" and left out of the form)."""
    problem = buyer_problem(buyer, names_required=names_required)
    if problem is not None:
        missing = [k for k in ("firstName", "lastName") if not (buyer.get(k) or "").strip()] if isinstance(
            buyer, dict) else []
        raise InvalidArgument(problem if not missing else f"buyer {missing[0]} is required",
                              field=missing[0] if missing else "buyer")
    buyer = {k: v for k, v in buyer.items() if not (k in ("firstName", "lastName") and not (v or "").strip())}
    email = buyer.get("email") or ""
    if not isinstance(email, str) or len(email) > MAX_EMAIL or (email.strip() and "@" not in email):
        raise InvalidArgument(f"not an e-mail address: {email!r}", field="email")
    inputs = []
    for name, value in buyer.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            entry = {"inputName": str(name), "value": "", "values": list(value)}
        elif isinstance(value, str):
            entry = {"inputName": str(name), "value": value.strip()}
        else:
            raise InvalidArgument(f"form answer {name!r} must be text or a list of text", field=str(name))
        if any(len(v) > MAX_VALUE for v in [entry["value"], *entry.get("values", [])]):
            raise InvalidArgument(f"form answer {name!r} longer than {MAX_VALUE} characters", field=str(name))
        inputs.append(entry)
    names = (buyer.get("firstName") or "", buyer.get("lastName") or "")
    if len(inputs) > MAX_INPUTS or any(len(n) > MAX_NAME for n in names):
        raise InvalidArgument("buyer form too large", field="buyer")
    return inputs


def _payment_row(order_number: str, payment: str, total: Money, tendered: Money | None, change: Money | None,
                 station: str, now: datetime, operator: str = "") -> Payment:
    return Payment(order_number=order_number, method=payment, amount_minor=total.minor, currency=total.currency,
                   tendered_minor=tendered.minor if change is not None else None,
                   change_minor=change.minor if change is not None else None, station=station, created=now,
                   operator=operator)


def payment_to_api(p: Payment) -> dict:
    """A Payment row as the upload's JSON {method, amount, tendered?, change?, station, operator, paymentId?,
    created} (docs/HUB_EXTENSIONS.md "Payments")."""
    out = {"method": p.method, "amount": Money.from_minor(p.amount_minor, p.currency).to_api(),
           "station": p.station, "operator": p.operator or "", "created": to_rfc3339(p.created)}
    if p.payment_id:
        out["paymentId"] = p.payment_id
    if p.tendered_minor is not None:
        out["tendered"] = Money.from_minor(p.tendered_minor, p.currency).to_api()
        out["change"] = Money.from_minor(p.change_minor or 0, p.currency).to_api()
    return out


def _new_order_number(session: Session) -> str:
    for _ in range(10):  # bounded: a collision among ~8e14 numbers is already unlikely
        number = codes.new_order_number()
        if session.get(Order, number) is None:
            return number
    raise FailedPrecondition("could not find a free order number")


def sell(session: Session, event_id: str, lines: dict[str, int], buyer: dict, *, payment: str,
         tendered: Money | None = None, station: str = "", override: bool = False, names_required: bool = True,
         now: datetime | None = None) -> Sale:
    """Sell tickets at the box office in the caller's transaction (see the module docstring for the rules).

    lines {definitionId: quantity}; buyer {"firstName", "lastName", "email"?, …custom inputName: text};
    payment "cash" (needs `tendered` ≥ total, same currency) | "card" | "unpaid". `names_required` False lets
    first/last name stay empty (anonymous walk-in; see buyer_problem). Status: total 0 → FREE
    whatever the payment; cash/card → PAID with one Payment row; unpaid → OFFLINE_PENDING. Creates an
    Order (channel OFFLINE_POS, number from core.codes) and one Ticket per unit copying the definition's
    name and price and the buyer's names; locks the event currency; writes one outbox row "order.create"
    {eventId, order: order_to_api(order) + payments (+ override, overrideReasons)}.
    Everything is validated before anything is added, so a refused sale stores nothing.
    Raises InvalidArgument (payment, lines, buyer, tendered, mixed currencies), NotFound (event,
    definition), CapacityExceeded (BC-26, WR-04), FailedPrecondition SALE_NOT_OPEN."""
    when = _now(now)
    payment = _payment(payment)
    quoted = quote_sale(session, event_id, lines, payment=payment, tendered=tendered, now=when)
    raise_first(quoted.problems, INPUT)
    inputs = _buyer_inputs(buyer, names_required)
    if not override:
        raise_first(quoted.problems, RULE)
    raise_first(quoted.problems, PAYMENT)
    event = get_event(session, event_id)
    order = _build_order(session, event, quoted, buyer, inputs, station, when)
    payments = []
    if quoted.status == PAID:
        payments.append(_payment_row(order.order_number, payment, quoted.total, tendered, quoted.change, station,
                                     when))
        session.add(payments[0])
    event.currency_locked = True
    session.flush()
    body = dict(contract.order_to_api(order), payments=[payment_to_api(p) for p in payments])
    reasons = [p.message for p in quoted.problems if p.overridable]
    if reasons:
        body.update(override=True, overrideReasons=reasons)
        logger.warning("supervisor override on order %s at %r: %s", order.order_number, station, "; ".join(reasons))
    enqueue(session, OutboxKind.ORDER_CREATE, event.id, order.order_number, {"eventId": event.id, "order": body})
    note(session, tickets=[t.ticket_number for t in order.tickets], definitions=list(quoted.lines),
         events=[event.id])
    return Sale(order=order, change=quoted.change, total=quoted.total)


def _build_order(session: Session, event: Event, quoted: SaleQuote, buyer: dict, inputs: list[dict], station: str,
                 when: datetime) -> Order:
    """The Order of a quoted sale, with one Ticket per unit copying its definition's name and price."""
    number, status, total = _new_order_number(session), quoted.status, quoted.total
    first, last = (buyer.get("firstName") or "").strip(), (buyer.get("lastName") or "").strip()
    email = (buyer.get("email") or "").strip()
    order = Order(order_number=number, event_id=event.id, status=status, first_name=first, last_name=last,
                  email=email, checkout_form=inputs, method="" if status == FREE else ORDER_METHOD[quoted.payment],
                  total_minor=total.minor, currency=total.currency, archived=False, channel="OFFLINE_POS",
                  station=station, created=when, updated=when)
    index = 0
    for def_id, qty in quoted.lines.items():
        d = session.get(TicketDefinition, def_id)
        for _ in range(qty):
            order.tickets.append(Ticket(
                ticket_number=codes.ticket_number_for(number, index), event_id=event.id, definition_id=d.id,
                name=d.name, price_minor=d.price_minor, currency=d.currency, guest_first_name=first,
                guest_last_name=last, guest_email=email, guest_form=[], archived=False, canceled=False,
                created=when))
            index += 1
    session.add(order)
    return order


def pay_and_complete(session: Session, event_id: str, order_number: str, *, payment: str,
                     tendered: Money | None = None, station: str = "", operator: str = "",
                     now: datetime | None = None) -> Sale:
    """Take the money for an unpaid order at the box office, then ConfirmOrder it (case WR-03, WR-02).

    payment "cash" (needs `tendered` ≥ the order's total) | "card"; `operator` who took it. Records one Payment
    of the order's total (none for a zero total), sets the order's method, then core.orders.complete_order →
    PAID (outbox "order.confirm"; sync.push_orders sends the payment with it). An order already PAID/FREE
    records nothing and is returned unchanged with change None (a double click takes the money once: WR-03 c).
    Raises NotFound, InvalidArgument (payment, tendered), OrderActionNotAvailable (CANCELED, DECLINED or an
    unknown status; nothing recorded)."""
    when = _now(now)
    payment = _payment(payment, ("cash", "card"))
    order = get_order(session, order_number, event_id)
    total = Money.from_minor(order.total_minor, order.currency)
    if order.status in SETTLED:
        return Sale(order=order, change=None, total=total)
    if order.status not in UNPAID:
        raise OrderActionNotAvailable(f"order {order.order_number} is {order.status}: it cannot be paid")
    paid = quote_payment(total, payment=payment, tendered=tendered)
    raise_first(paid.problems, PAYMENT)
    change = paid.change
    if not total.is_zero:
        session.add(_payment_row(order.order_number, payment, total, tendered, change, station, when, operator))
        note(session, payments=[order.order_number])
    order.method = ORDER_METHOD[payment]
    complete_order(session, event_id, [order.order_number], now=when)
    return Sale(order=order, change=change, total=total)


def till_summary(session: Session, event_id: str, *, station: str | None = None,
                 day: date | None = None) -> dict[str, dict]:
    """Money taken for the event's orders, per currency: {"EUR": {"cash": Money, "card": Money, "orders": int}}.

    station: only payments taken there; day: only payments whose time falls on that date in the event's
    zone. "orders" counts distinct orders with a payment. Raises NotFound for an unknown event."""
    event = get_event(session, event_id)
    q = select(Payment).join(Order, Payment.order_number == Order.order_number).where(Order.event_id == event.id)
    if station is not None:
        q = q.where(Payment.station == station)
    out: dict[str, dict] = {}
    orders: dict[str, set] = {}
    for p in session.scalars(q.order_by(Payment.id)):
        if day is not None and local(p.created, event.time_zone).date() != day:
            continue
        cur = out.setdefault(p.currency, {"cash": Money.zero(p.currency), "card": Money.zero(p.currency)})
        key = "cash" if p.method == "cash" else "card"
        cur[key] = cur[key] + Money.from_minor(p.amount_minor, p.currency)
        orders.setdefault(p.currency, set()).add(p.order_number)
    for cur, numbers in orders.items():
        out[cur]["orders"] = len(numbers)
    return out


# Banknotes in common use per currency, in major units (quick-tender buttons of the till). Other currencies
# fall back to round amounts.
NOTES = {"EUR": (5, 10, 20, 50, 100, 200), "USD": (1, 5, 10, 20, 50, 100), "GBP": (5, 10, 20, 50),
         "CHF": (10, 20, 50, 100, 200), "JPY": (1000, 2000, 5000, 10000), "SEK": (20, 50, 100, 200, 500),
         "NOK": (50, 100, 200, 500), "DKK": (50, 100, 200, 500), "PLN": (10, 20, 50, 100, 200),
         "CZK": (100, 200, 500, 1000, 2000), "AUD": (5, 10, 20, 50, 100), "CAD": (5, 10, 20, 50, 100)}
ROUND_AMOUNTS = (1, 5, 10, 20, 50, 100)


def quick_tenders(total: Money, most: int = 3) -> list[Money]:
    """The amounts a customer most likely hands over for `total`: the exact total first, then up to
    `most` distinct amounts above it made of one currency's notes (each note rounded up to a multiple:
    37.50 EUR → [37.50, 40, 50, 100]). A zero total gives []. Exact Decimal Money, never a float."""
    if total.is_zero:
        return []
    out = [total]
    for note_value in NOTES.get(total.currency, ROUND_AMOUNTS):
        step = Money.of(note_value, total.currency)
        count = -(-total.minor // step.minor)  # ceiling division in minor units
        candidate = Money.from_minor(count * step.minor, total.currency)
        if candidate > total and candidate not in out:
            out.append(candidate)
    return [out[0]] + sorted(out[1:], key=lambda m: m.minor)[:most]
