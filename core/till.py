"""Till sessions of the box office (issue 10 item 3): open with a float, take sales and payments, void a sale
of the open session, close with the cash counted against the cash expected, per currency.

Rules:
- One open session per (event, station). It belongs to one operator; a station's payments for the event taken
  between `opened` and `closed` (core.sales, `Payment.station`/`created`) are the session's — payments carry
  no session id, so every sale path (sell, pay_and_complete, the door's pay-and-admit) counts without change.
- Expected cash = float + cash payments − cash handed back for voids. Card payments are reported, never
  counted in the drawer. Amounts are Money (minor units + ISO-4217 code), never floats.
- A void cancels an order sold or paid at this station inside the open session (core.orders.cancel_order:
  its tickets are refused at every door after sync, its seats are back on sale) and records the money handed
  back (one TillVoid per payment). An order from before the session or from another station is refused:
  that is a supervisor's refund, not a till correction.
- Closing needs a counted amount for every currency with a float or cash movement; the close stores counted
  and expected, so the close-out report (core.till_report) never changes afterwards.
Times are aware UTC (the caller's `now`, default utcnow).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.changes import note
from core.errors import FailedPrecondition, InvalidArgument, NotFound
from core.events import get_event
from core.models import Order, Payment, TillSession, TillVoid
from core.money import Money
from core.orders import cancel_order, get_order
from core.timeutil import require_aware, utcnow


@dataclass(frozen=True)
class CurrencyTotals:
    """One currency of a till session: `float_` (opening cash), `cash`/`card` taken, `voided_cash`/
    `voided_card` handed back, `expected` cash in the drawer, `counted` (None while open), `difference`
    = counted − expected (None while open; negative = missing), `orders` with a payment in the session."""

    currency: str
    float_: Money
    cash: Money
    card: Money
    voided_cash: Money
    voided_card: Money
    expected: Money
    counted: Money | None
    difference: Money | None
    orders: int


def _now(now: datetime | None) -> datetime:
    return require_aware(now) if now is not None else utcnow()


def current_till(session: Session, event_id: str, station: str) -> TillSession | None:
    """The open till session of `station` for the event, or None."""
    return session.scalars(select(TillSession).where(
        TillSession.event_id == event_id, TillSession.station == station, TillSession.closed.is_(None))).first()


def get_till(session: Session, till_id: str) -> TillSession:
    """The till session `till_id`. Raises NotFound (code TILL_NOT_FOUND)."""
    till = session.get(TillSession, till_id)
    if till is None:
        raise NotFound(f"till session {till_id!r} not found", code="TILL_NOT_FOUND")
    return till


def list_tills(session: Session, event_id: str) -> list[TillSession]:
    """The event's till sessions, newest first."""
    return list(session.scalars(select(TillSession).where(TillSession.event_id == event_id)
                                .order_by(TillSession.opened.desc())))


def _minor_map(amounts, field: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for m in amounts:
        if not isinstance(m, Money):
            raise InvalidArgument(f"{field}: {m!r} is not an amount with a currency", field=field)
        if m.minor < 0:
            raise InvalidArgument(f"{field}: {m} is negative", field=field)
        if m.currency in out:
            raise InvalidArgument(f"{field}: {m.currency} given twice", field=field)
        out[m.currency] = m.minor
    return out


def open_till(session: Session, event_id: str, *, station: str, operator: str = "", floats=(),
              now: datetime | None = None) -> TillSession:
    """Open a till session for `station` with the opening cash `floats` (Money, one per currency; none = an
    empty drawer in the event's currency). Raises NotFound (event), InvalidArgument (station empty, a
    negative or repeated float), FailedPrecondition TILL_ALREADY_OPEN (close the open one first)."""
    event = get_event(session, event_id)
    if not (station or "").strip():
        raise InvalidArgument("a till needs the station's name", field="station")
    open_one = current_till(session, event.id, station)
    if open_one is not None:
        raise FailedPrecondition(f"a till is already open at {station} (since {open_one.opened:%H:%M} UTC, "
                                 f"{open_one.operator or 'no operator'}): close it first", code="TILL_ALREADY_OPEN")
    amounts = _minor_map(floats, "float") or {event.currency: 0}
    till = TillSession(id=str(uuid.uuid4()), event_id=event.id, station=station, operator=operator or "",
                       opened=_now(now), closed=None, floats=amounts, counted=None, expected=None)
    session.add(till)
    session.flush()
    note(session, tills=[till.id])
    return till


def _session_payments(session: Session, till: TillSession, until: datetime | None) -> list[Payment]:
    q = (select(Payment).join(Order, Payment.order_number == Order.order_number)
         .where(Order.event_id == till.event_id, Payment.station == till.station, Payment.created >= till.opened))
    end = till.closed or until
    if end is not None:
        q = q.where(Payment.created <= end)
    return list(session.scalars(q.order_by(Payment.id)))


def _voids(session: Session, till: TillSession) -> list[TillVoid]:
    return list(session.scalars(select(TillVoid).where(TillVoid.till_id == till.id).order_by(TillVoid.id)))


def till_totals(session: Session, till: TillSession, *, now: datetime | None = None) -> list[CurrencyTotals]:
    """Per currency (sorted by code): float, cash, card, voids, expected cash, counted and difference."""
    payments, voids = _session_payments(session, till, _now(now)), _voids(session, till)
    currencies = sorted(set(till.floats) | {p.currency for p in payments} | {v.currency for v in voids})
    out = []
    for cur in currencies:
        def total(rows, method, cur=cur):
            return Money.from_minor(sum(r.amount_minor for r in rows if r.currency == cur
                                        and (r.method == "cash") == (method == "cash")), cur)
        float_ = Money.from_minor(till.floats.get(cur, 0), cur)
        cash, card = total(payments, "cash"), total(payments, "card")
        voided_cash, voided_card = total(voids, "cash"), total(voids, "card")
        expected = float_ + cash - voided_cash
        counted = None if till.counted is None or cur not in till.counted else Money.from_minor(till.counted[cur], cur)
        out.append(CurrencyTotals(
            currency=cur, float_=float_, cash=cash, card=card, voided_cash=voided_cash, voided_card=voided_card,
            expected=expected, counted=counted, difference=None if counted is None else counted - expected,
            orders=len({p.order_number for p in payments if p.currency == cur})))
    return out


def _require_open(session: Session, event_id: str, station: str) -> TillSession:
    till = current_till(session, event_id, station)
    if till is None:
        raise FailedPrecondition(f"no till is open at {station}: open one first", code="TILL_NOT_OPEN")
    return till


def void_sale(session: Session, event_id: str, order_number: str, *, station: str,
              now: datetime | None = None) -> list[TillVoid]:
    """Void a sale of the open till session at `station`: cancel the order (core.orders.cancel_order, outbox
    "order.cancel") and record the money handed back, one TillVoid per payment. An unpaid sale made in the
    session is canceled with nothing handed back. Raises NotFound, FailedPrecondition TILL_NOT_OPEN,
    NOT_IN_THIS_TILL (sold before the session or elsewhere), OrderActionNotAvailable (already void)."""
    when = _now(now)
    till = _require_open(session, event_id, station)
    order = get_order(session, order_number, event_id)
    payments = [p for p in _session_payments(session, till, when) if p.order_number == order.order_number]
    made_here = order.station == station and order.created >= till.opened
    if not payments and not made_here:
        raise FailedPrecondition(f"order {order.order_number} was not sold or paid in this till session: "
                                 "a supervisor refunds it", code="NOT_IN_THIS_TILL")
    if order.status == "CANCELED":
        raise FailedPrecondition(f"order {order.order_number} is already canceled", code="ALREADY_VOID")
    cancel_order(session, event_id, order.order_number, now=when)
    voids = [TillVoid(till_id=till.id, order_number=order.order_number, method=p.method,
                      amount_minor=p.amount_minor, currency=p.currency, created=when) for p in payments]
    session.add_all(voids)
    session.flush()
    note(session, tills=[till.id], tickets=[t.ticket_number for t in order.tickets], events=[order.event_id])
    return voids


def close_till(session: Session, event_id: str, *, station: str, counted=(),
               now: datetime | None = None) -> TillSession:
    """Close the open till session at `station` with the cash `counted` (Money, one per currency). Every
    currency with a float or cash movement needs its count (0 is a count). Stores counted and expected
    (minor units). Raises FailedPrecondition TILL_NOT_OPEN, InvalidArgument (missing/negative/repeated count,
    a currency the till never held)."""
    when = _now(now)
    till = _require_open(session, event_id, station)
    counts = _minor_map(counted, "counted")
    totals = {t.currency: t for t in till_totals(session, till, now=when)}
    missing = sorted(cur for cur, t in totals.items()
                     if cur not in counts and (not t.float_.is_zero or not t.cash.is_zero or not t.voided_cash.is_zero))
    if missing:
        raise InvalidArgument(f"count the cash in {', '.join(missing)} before closing", field="counted")
    foreign = sorted(set(counts) - set(totals))
    if foreign:
        raise InvalidArgument(f"this till never held {', '.join(foreign)}", field="counted")
    till.closed = when
    till.counted = {cur: counts.get(cur, 0) for cur in totals}
    till.expected = {cur: t.expected.minor for cur, t in totals.items()}
    session.flush()
    note(session, tills=[till.id])
    return till


def cash_outside_till(session: Session, event_id: str, station: str) -> str | None:
    """A warning when `station` takes cash for the event while it uses tills but none is open for this event:
    a till of another event open at this station (its drawer's expected cash will not hold this sale: found by
    a fresh-user trial), or a till used before for this event and none open now (found by a new-user trial).
    None otherwise. Till sessions are per event (core.till)."""
    if current_till(session, event_id, station) is not None:
        return None
    other = session.scalars(select(TillSession).where(TillSession.station == station, TillSession.closed.is_(None),
                                                      TillSession.event_id != event_id).limit(1)).first()
    if other is not None:
        return (f"the till open at {station} belongs to another event ({other.event_id}): this cash is not in its "
                f"expected cash; open a till for this event too (tessera till open --event {event_id})")
    used = session.scalars(select(TillSession.id).where(TillSession.event_id == event_id,
                                                        TillSession.station == station).limit(1)).first()
    if used is None:
        return None
    return f"no till is open at {station}: this cash is in no till session (open one: tessera till open)"
