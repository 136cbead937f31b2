"""A sale quote: what a box-office sale would charge, the change due, the most of each definition one order
may take right now, and every reason it would be refused — before anything is stored.

This is the one home of the box-office sale rules (cases BC-07, BC-09, BC-26, WR-04, WR-15):
- Quantity: sold + active holds + requested ≤ quantity; quantity None = unlimited. sold and holds are
  core.definitions.definition_counts (the figures the dashboard shows; holds = `reserved` while
  `reserved_until` > now, WR-04).
- limitPerCheckout (0..20) caps one definition in one order (OVER_LIMIT → PerOrderLimitExceeded,
  TICKET_LIMIT_PER_ORDER_EXCEEDED with the limit; quantity refusals stay TICKET_CAPACITY_EXCEEDED); 20 is the
  contract's "unlimited" sentinel (WR-04) and 0 means "no per-checkout limit set" (the contract reports 0 for
  definitions that cannot be bought online now, e.g. sold out, which the quantity rule already covers).
- Outside the sale period (start ≤ now < end) a definition is not on sale. Hidden definitions sell normally.
- One order holds at most MAX_TICKETS tickets (ticket suffixes 021..999, core.codes); one currency, the event's.
- Money is Decimal only; change = tendered − total, in the currency's minor units (JPY 0, EUR 2, KWD 3).

`quote_sale(session, ...)` reads the ledger; `quote(snapshot, ...)` is the same rule on a SaleSnapshot
loaded earlier (pure, no session: the GUI quotes on every keystroke without a query). core.sales.sell
validates through quote_sale and raises `Problem.error()` of what it finds (overridable problems — quantity,
per-checkout, sale period — only without the supervisor override, BC-26 a).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session


from core.definitions import definition_counts
from core.errors import (CapacityExceeded, DomainError, FailedPrecondition, InvalidArgument, NotFound,
                         PerOrderLimitExceeded)
from core.events import get_event
from core.leases import offline_left, pool_leased
from core.models import TicketDefinition
from core.money import Money
from core.status import FREE, MAX_TICKETS_PER_ORDER, OFFLINE_PENDING, PAID, UNLIMITED_PER_CHECKOUT
from core.timeutil import require_aware, shown, utcnow

PAYMENTS = ("cash", "card", "unpaid")
MAX_TICKETS = MAX_TICKETS_PER_ORDER  # core.status: ticket suffixes 021..999 → 979 tickets in one order

INPUT, RULE, PAYMENT = "input", "rule", "payment"  # problem stages, in the order sell() raises them
# code → (stage, error class, field, error code); RULE problems are the ones a supervisor may override.
_KINDS: dict[str, tuple[str, type[DomainError], str | None, str | None]] = {
    "BAD_PAYMENT": (INPUT, InvalidArgument, "payment", None),
    "BAD_LINES": (INPUT, InvalidArgument, "lines", None),
    "BAD_QUANTITY": (INPUT, InvalidArgument, "quantity", None),
    "NO_TICKETS": (INPUT, InvalidArgument, "lines", None),
    "TOO_MANY_TICKETS": (INPUT, InvalidArgument, "quantity", None),
    "UNKNOWN_DEFINITION": (INPUT, NotFound, None, None),
    "MIXED_CURRENCIES": (INPUT, InvalidArgument, "lines", None),
    "CURRENCY_MISMATCH": (INPUT, InvalidArgument, "currency", None),
    "NOT_ON_SALE": (RULE, FailedPrecondition, None, "SALE_NOT_OPEN"),
    "OVER_LIMIT": (RULE, PerOrderLimitExceeded, None, None),
    "SOLD_OUT": (RULE, CapacityExceeded, None, None),
    "NOT_ENOUGH_LEFT": (RULE, CapacityExceeded, None, None),
    "LEASE_SHORT": (RULE, CapacityExceeded, None, None),
    "TENDERED_MISSING": (PAYMENT, InvalidArgument, "tendered", None),
    "TENDERED_CURRENCY": (PAYMENT, InvalidArgument, "tendered", None),
    "TENDERED_SHORT": (PAYMENT, InvalidArgument, "tendered", None),
}


@dataclass(frozen=True)
class Problem:
    """Why a sale (or payment) would be refused: `code` (a key of _KINDS, e.g. "SOLD_OUT"), a human
    `message`, the definition it is about (None for the whole order) and `data`, facts for the error's
    applicationError.data as (name, value) pairs (OVER_LIMIT: definitionId, name, limitPerOrder, requested)."""

    code: str
    message: str
    definition_id: str | None = None
    data: tuple[tuple[str, object], ...] = ()

    @property
    def stage(self) -> str:
        """INPUT (always refused), RULE (a supervisor may override) or PAYMENT (tendered cash)."""
        return _KINDS[self.code][0]

    @property
    def overridable(self) -> bool:
        return self.stage == RULE

    def error(self, message: str | None = None) -> DomainError:
        """The core error sell() raises for this problem (InvalidArgument, NotFound, CapacityExceeded,
        FailedPrecondition SALE_NOT_OPEN), with `message` (default: this problem's)."""
        _stage, cls, fld, code = _KINDS[self.code]
        return cls(message or self.message, code=code, field=fld, data=dict(self.data))


def raise_first(problems: tuple[Problem, ...] | list[Problem], stage: str) -> None:
    """Raise the error of the first problem of `stage`; RULE problems are raised together (their messages
    joined by "; ", the class and code of the first). Nothing when there is none."""
    found = [p for p in problems if p.stage == stage]
    if found:
        message = "; ".join(p.message for p in found) if stage == RULE else found[0].message
        raise found[0].error(message)


@dataclass(frozen=True)
class Stock:
    """One ticket definition as a sale sees it. price in the definition's own currency; `left` = unsold
    (never negative) or None when unlimited; sold/reserved as definition_counts; `leased` the seats this
    station's lease still covers (None = no lease held; then `left` ≤ leased, core.leases)."""

    definition_id: str
    name: str
    price: Money
    quantity: int | None
    sold: int
    reserved: int
    reserved_until: datetime | None
    left: int | None
    limit_per_checkout: int
    sale_start: datetime | None
    sale_end: datetime | None
    hidden: bool
    leased: int | None = None

    @property
    def per_order(self) -> int | None:
        """The per-checkout cap, or None when there is none (0 and 20 mean no limit, WR-04)."""
        lpc = self.limit_per_checkout or 0
        return lpc if 0 < lpc < UNLIMITED_PER_CHECKOUT else None

    def on_sale(self, now: datetime) -> bool:
        """True inside the sale period: start ≤ now < end (open ends are open)."""
        return not ((self.sale_start is not None and now < self.sale_start)
                    or (self.sale_end is not None and now >= self.sale_end))

    def most(self, now: datetime, currency: str) -> int:
        """How many one order may take now without an override: 0 when not on sale or not in the event's
        `currency`; else min(left, per-order cap, MAX_TICKETS)."""
        if not self.on_sale(now) or self.price.currency != currency:
            return 0
        caps = [MAX_TICKETS] + [c for c in (self.left, self.per_order) if c is not None]
        return max(0, min(caps))


@dataclass(frozen=True)
class SaleSnapshot:
    """What a quote needs from the ledger, read at `taken_at`: the event's id and currency and its
    definitions (by order index). Plain values: safe to hand to another thread."""

    event_id: str
    currency: str
    taken_at: datetime
    stock: tuple[Stock, ...]
    time_zone: str = "UTC"  # the event's IANA zone: sale periods and holds are shown in it (core.timeutil.shown)

    def get(self, definition_id: str) -> Stock | None:
        return next((s for s in self.stock if s.definition_id == definition_id), None)


def load_snapshot(session: Session, event_id: str, now: datetime | None = None) -> SaleSnapshot:
    """Read the event's definitions and their counts at `now` (aware; default utcnow). Raises NotFound."""
    when = require_aware(now, "now") if now is not None else utcnow()
    event = get_event(session, event_id)
    counts = definition_counts(session, event.id, when)
    pool, mine = pool_leased(session, event.id, when), offline_left(session, event.id, when)
    defs = session.scalars(select(TicketDefinition).where(TicketDefinition.event_id == event.id)
                           .order_by(TicketDefinition.order_index, TicketDefinition.id))
    stock = tuple(Stock(definition_id=d.id, name=d.name, price=Money.from_minor(d.price_minor, d.currency),
                        quantity=d.quantity, sold=counts[d.id].sold, reserved=counts[d.id].reserved,
                        reserved_until=d.reserved_until,
                        left=_left(counts[d.id].unsold, pool.get(d.id), mine.get(d.id)),
                        limit_per_checkout=d.limit_per_checkout or 0, sale_start=d.sale_start,
                        sale_end=d.sale_end, hidden=bool(d.hidden),
                        leased=None if d.quantity is None else mine.get(d.id)) for d in defs)
    return SaleSnapshot(event_id=event.id, currency=event.currency, taken_at=when, stock=stock,
                        time_zone=event.time_zone or "UTC")


def _left(unsold: int | None, pool: int | None, lease: int | None) -> int | None:
    """Seats left to sell here: unsold minus the hub's leased seats, capped by this station's lease."""
    if unsold is None:
        return None
    left = max(0, unsold - (pool or 0))
    return left if lease is None else min(left, lease)


@dataclass(frozen=True)
class PaymentQuote:
    """Taking `total` by `payment`: the change due (Money, cash only; None otherwise) and the problems
    with the amount tendered."""

    total: Money
    change: Money | None
    problems: tuple[Problem, ...] = ()


def quote_payment(total: Money, *, payment: str, tendered: Money | None = None) -> PaymentQuote:
    """Change due for taking `total`: cash needs `tendered` ≥ total in the same currency (change =
    tendered − total, exact); card/unpaid and a zero total take no cash (change None)."""
    if payment != "cash" or total.is_zero:
        return PaymentQuote(total, None)
    if not isinstance(tendered, Money):
        return PaymentQuote(total, None, (Problem("TENDERED_MISSING", "cash payment needs the amount tendered"),))
    if tendered.currency != total.currency:
        return PaymentQuote(total, None, (Problem(
            "TENDERED_CURRENCY", f"tendered {tendered.currency}, but the total is in {total.currency}"),))
    if tendered < total:
        return PaymentQuote(total, None, (Problem(
            "TENDERED_SHORT", f"tendered {tendered} is less than the total {total}"),))
    return PaymentQuote(total, tendered - total)


@dataclass(frozen=True)
class SaleQuote:
    """A quoted sale. `lines` the valid {definition_id: qty>0}; `total` in the event's currency; `status`
    the order would get (FREE / PAID / OFFLINE_PENDING); `change` due (cash only, else None); `most`
    {definition_id: the most one order may take now} for every definition of the event; `problems` in
    stage order (see Problem). `ok` when there is none."""

    event_id: str
    currency: str
    payment: str
    lines: dict[str, int]
    total: Money
    status: str
    change: Money | None
    most: dict[str, int]
    problems: tuple[Problem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems

    def blocking(self, override: bool = False) -> tuple[Problem, ...]:
        """The problems that refuse the sale (with `override`, the RULE ones do not)."""
        return tuple(p for p in self.problems if not (override and p.overridable))


def _clean_lines(lines, snapshot: SaleSnapshot) -> tuple[dict[str, int], list[Problem]]:
    """Valid lines (int quantities > 0, zero lines dropped) and the INPUT problems of the rest."""
    if not isinstance(lines, dict):
        return {}, [Problem("BAD_LINES", "lines must be {definitionId: quantity}")]
    clean: dict[str, int] = {}
    problems = []
    for def_id, qty in lines.items():
        if not isinstance(qty, int) or isinstance(qty, bool) or qty < 0:
            problems.append(Problem("BAD_QUANTITY", f"quantity of {def_id} must be a whole number ≥ 0", str(def_id)))
        elif qty:
            clean[str(def_id)] = qty
    if not clean and not problems:
        problems.append(Problem("NO_TICKETS", "a sale needs at least one ticket"))
    if sum(clean.values()) > MAX_TICKETS:
        problems.append(Problem("TOO_MANY_TICKETS", f"at most {MAX_TICKETS} tickets in one order"))
    for def_id in clean:
        if snapshot.get(def_id) is None:
            problems.append(Problem("UNKNOWN_DEFINITION",
                                    f"ticket definition {def_id} not found in event {snapshot.event_id}", def_id))
    return clean, problems


def _currency_problems(snapshot: SaleSnapshot, lines: dict[str, int]) -> list[Problem]:
    currencies = {s.price.currency for s in map(snapshot.get, lines) if s is not None}
    if len(currencies) > 1:
        return [Problem("MIXED_CURRENCIES", f"one sale cannot mix currencies ({', '.join(sorted(currencies))})")]
    if currencies and currencies != {snapshot.currency}:
        return [Problem("CURRENCY_MISMATCH", f"definition currency {currencies.pop()} differs from the event's "
                                             f"{snapshot.currency}")]
    return []


def _rule_problems(stock: Stock, qty: int, now: datetime, tz: str) -> list[Problem]:
    """The overridable refusals of `qty` of one definition (sale period, per order, quantity left); times in
    the messages are shown in the event's zone `tz`."""
    out, name, did = [], stock.name, stock.definition_id
    if not stock.on_sale(now):
        window = f"{shown(stock.sale_start, tz) or '…'} – {shown(stock.sale_end, tz) or '…'}"
        out.append(Problem("NOT_ON_SALE", f"{name!r} is not on sale now (sale period {window})", did))
    if stock.per_order is not None and qty > stock.per_order:
        out.append(Problem("OVER_LIMIT", f"{name!r}: over the per-order limit of {stock.per_order} ({qty} requested)",
                           did, (("definitionId", did), ("name", name), ("limitPerOrder", stock.per_order),
                                 ("requested", qty))))
    if stock.left is not None and qty > stock.left and stock.leased is not None and stock.left >= stock.leased:
        out.append(Problem("LEASE_SHORT", f"{name!r}: only {stock.leased} seats leased to this box office while "
                                          f"offline — reconnect to sell more ({qty} requested)", did))
    elif stock.left is not None and qty > stock.left:
        hold = f", {stock.reserved} held until {shown(stock.reserved_until, tz)}" if stock.reserved else ""
        out.append(Problem("SOLD_OUT" if stock.left == 0 else "NOT_ENOUGH_LEFT",
                           f"{name!r}: only {stock.left} left ({stock.quantity} in total, {stock.sold} sold{hold}), "
                           f"{qty} requested", did))
    return out


def quote(snapshot: SaleSnapshot, lines: dict[str, int], *, payment: str, tendered: Money | None = None,
          now: datetime | None = None) -> SaleQuote:
    """Quote a sale of `lines` {definition_id: quantity} on `snapshot` at `now` (default: when it was taken).

    payment "cash" (needs `tendered`) | "card" | "unpaid". Never raises for a refusal: every reason is a
    Problem (see the module docstring for the rules). Pure: no session."""
    when = require_aware(now, "now") if now is not None else snapshot.taken_at
    problems = [] if payment in PAYMENTS else [
        Problem("BAD_PAYMENT", f"payment must be one of {', '.join(PAYMENTS)}, not {payment!r}")]
    clean, found = _clean_lines(lines, snapshot)
    problems += found + _currency_problems(snapshot, clean)
    total = Money.zero(snapshot.currency)
    for def_id, qty in clean.items():
        stock = snapshot.get(def_id)
        if stock is not None:
            problems += _rule_problems(stock, qty, when, snapshot.time_zone)
            if stock.price.currency == snapshot.currency:
                total = total + stock.price * qty
    status = FREE if total.is_zero else (OFFLINE_PENDING if payment == "unpaid" else PAID)
    paid = quote_payment(total, payment=payment if status == PAID else "card", tendered=tendered)
    problems += paid.problems
    return SaleQuote(event_id=snapshot.event_id, currency=snapshot.currency, payment=payment, lines=clean,
                     total=total, status=status, change=paid.change,
                     most={s.definition_id: s.most(when, snapshot.currency) for s in snapshot.stock},
                     problems=tuple(sorted(problems, key=lambda p: (INPUT, RULE, PAYMENT).index(p.stage))))


def quote_sale(session: Session, event_id: str, lines: dict[str, int], *, payment: str,
               tendered: Money | None = None, now: datetime | None = None) -> SaleQuote:
    """Quote a sale on the ledger as it is now (`now` aware, default utcnow). Raises NotFound for an
    unknown event; every other refusal is a Problem of the quote."""
    return quote(load_snapshot(session, event_id, now), lines, payment=payment, tendered=tendered)
