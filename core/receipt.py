"""Receipts: what a customer takes home from the box office, for a sale or for a later payment (issue 10 item 4).

A `Receipt` is plain data built from the ledger (the order, its tickets grouped by definition and price, and the
order's latest payment); `receipt_lines` lays it out as fixed-width text for a thermal roll (48 columns on
80 mm paper at Font A, 42 or 32 on narrower rolls). The ESC/POS output (app/receipt_printer.py) and the PDF
(core/receipt_pdf.py) both draw these same lines, so a printed and a saved receipt never differ.

Rules: money is `Money` (minor units + ISO-4217 code) formatted by babel in the caller's locale; times are
stored UTC and shown in the event's time zone (case BC-11). A receipt is a SALE when the payment was taken
with the order (same instant, `core.sales.sell`), a PAYMENT when an unpaid order was settled later
(`core.sales.pay_and_complete`), a FREE receipt for a zero-total order, and UNPAID for an order still owed
(printed as a claim slip with the amount due; never as paid), VOID for a canceled/declined order (status
classes from core.status, never a local copy).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.events import get_event
from core.models import Payment
from core.money import Money
from core.orders import get_order
from core.status import StatusClass, classify_order
from core.timeutil import shown

WIDTHS = (48, 42, 32)
"""Characters per line of common thermal rolls: 80 mm Font A, 80 mm at 42 columns, 58 mm Font A."""

METHOD_LABELS = {"cash": "Cash", "card": "Card"}


@dataclass(frozen=True)
class ReceiptLine:
    """`quantity` tickets of one definition at `unit` each; `total` = unit × quantity."""

    description: str
    quantity: int
    unit: Money
    total: Money


@dataclass(frozen=True)
class Receipt:
    """One receipt. `kind` SALE | PAYMENT | FREE | UNPAID | VOID (module docstring). `issued` is aware UTC (the
    payment's time, else the order's); `time_zone` the event's IANA zone for display. `tendered`/`change`
    only for cash. `station` the box office that took the money (the order's when no payment)."""

    kind: str
    event_title: str
    time_zone: str
    order_number: str
    buyer: str
    issued: datetime
    lines: tuple[ReceiptLine, ...]
    total: Money
    method: str
    tendered: Money | None
    change: Money | None
    station: str


def _latest_payment(session: Session, order_number: str) -> Payment | None:
    return session.scalars(select(Payment).where(Payment.order_number == order_number)
                           .order_by(Payment.created.desc(), Payment.id.desc()).limit(1)).first()


def _lines(order) -> tuple[ReceiptLine, ...]:
    """Tickets grouped by (name, price), in ticket order; canceled tickets are not on the receipt."""
    groups: dict[tuple[str, int, str], int] = {}
    for t in order.tickets:
        if not t.canceled:
            key = (t.name, t.price_minor, t.currency)
            groups[key] = groups.get(key, 0) + 1
    out = []
    for (name, minor, currency), qty in groups.items():
        unit = Money.from_minor(minor, currency)
        out.append(ReceiptLine(description=name or "Ticket", quantity=qty, unit=unit, total=unit * qty))
    return tuple(out)


def _kind(order, payment: Payment | None) -> str:
    cls = classify_order(order.status)
    if cls is StatusClass.VOID:
        return "VOID"
    if cls is not StatusClass.SETTLED:
        return "UNPAID"
    if payment is None:
        return "FREE" if order.total_minor == 0 else "SALE"
    return "SALE" if payment.created == order.created else "PAYMENT"


def build_receipt(session: Session, order_number: str, *, event_id: str | None = None) -> Receipt:
    """The receipt of order `order_number` (optionally checked to belong to `event_id`).

    Raises core.errors.NotFound for an unknown order or event."""
    order = get_order(session, order_number, event_id)
    event = get_event(session, order.event_id)
    payment = _latest_payment(session, order.order_number)
    total = Money.from_minor(order.total_minor, order.currency)
    cash = payment is not None and payment.method == "cash"
    return Receipt(
        kind=_kind(order, payment), event_title=event.title, time_zone=event.time_zone,
        order_number=order.order_number, buyer=f"{order.first_name} {order.last_name}".strip(),
        issued=payment.created if payment else order.created, lines=_lines(order), total=total,
        method=METHOD_LABELS.get(payment.method, payment.method) if payment else "",
        tendered=Money.from_minor(payment.tendered_minor, payment.currency)
        if cash and payment.tendered_minor is not None else None,
        change=Money.from_minor(payment.change_minor, payment.currency)
        if cash and payment.change_minor is not None else None,
        station=(payment.station if payment else order.station) or "")


TITLES = {"SALE": "RECEIPT", "PAYMENT": "PAYMENT RECEIPT", "FREE": "RECEIPT (FREE)", "UNPAID": "AMOUNT DUE",
          "VOID": "VOID - ORDER CANCELED"}


def display_width(text: str) -> int:
    """Columns `text` takes on a fixed-pitch printer: East Asian wide/full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def clip(text: str, width: int) -> str:
    """`text` cut to at most `width` columns (display_width), with '…' when cut."""
    if display_width(text) <= width:
        return text
    out, used = "", 0
    for ch in text:
        w = display_width(ch)
        if used + w > width - 1:
            break
        out, used = out + ch, used + w
    return out + "…"


def two_columns(left: str, right: str, width: int) -> str:
    """`left` and `right` on one line of `width` columns. `left` is clipped first so a short `right` (an
    amount) always shows whole; a `right` too long for the line (a name) is clipped too, keeping `left` at
    least a third of the line."""
    keep = min(display_width(left), width // 3)
    right = clip(right, width - keep - 1)
    left = clip(left, max(1, width - display_width(right) - 1))
    return left + " " * max(1, width - display_width(left) - display_width(right)) + right


@dataclass(frozen=True)
class Row:
    """One printed row: `left` text, optional right-aligned `right` text; `style` "title" (large, centred),
    "rule" (a separator), "strong" (bold) or "" (plain)."""

    left: str
    right: str = ""
    style: str = ""


def receipt_rows(receipt: Receipt, *, locale: str = "en_US") -> list[Row]:
    """The receipt's rows, top to bottom: what every output (ESC/POS text, PDF) draws. Amounts are
    babel-formatted for `locale` (one currency per receipt); the date is in the event's time zone."""
    def fmt(m: Money) -> str:
        return m.format(locale)

    at = shown(receipt.issued, receipt.time_zone)
    rows = [Row(TITLES[receipt.kind], style="title"), Row(receipt.event_title, style="strong"), Row("", style="rule"),
            Row("Order", receipt.order_number), Row("Date", at)]
    rows += [Row("Name", receipt.buyer)] if receipt.buyer else []
    rows += [Row("Till", receipt.station)] if receipt.station else []
    rows.append(Row("", style="rule"))
    for line in receipt.lines:
        rows.append(Row(f"{line.quantity} x {line.description}", fmt(line.total)))
        if line.quantity > 1:
            rows.append(Row(f"    @ {fmt(line.unit)}"))
    rows += [Row("", style="rule"), Row("TOTAL", fmt(receipt.total), "strong")]
    if receipt.method:
        rows.append(Row(f"Paid by {receipt.method.lower()}", fmt(receipt.total)))
    if receipt.tendered is not None:
        rows.append(Row("Tendered", fmt(receipt.tendered)))
    if receipt.change is not None:
        rows.append(Row("Change", fmt(receipt.change), "strong"))
    if receipt.kind in NOTES:
        rows.append(Row(NOTES[receipt.kind]))
    return rows + [Row("", style="rule"), Row("Thank you!")]


NOTES = {"UNPAID": "Not paid: pay at the box office before entry.",
         "VOID": "This order was canceled: its tickets are not valid."}


def receipt_lines(receipt: Receipt, *, width: int = 48, locale: str = "en_US") -> list[str]:
    """`receipt_rows` as text lines of at most `width` columns (see WIDTHS): right texts right-aligned and
    never cut, left texts clipped with '…', rules as dashes, long notes clipped."""
    out = []
    for row in receipt_rows(receipt, locale=locale):
        if row.style == "rule":
            out.append("-" * width)
        elif row.right:
            out.append(two_columns(row.left, row.right, width))
        else:
            out.append(clip(row.left, width))
    return out
