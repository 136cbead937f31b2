"""The order and ticket status rules, once: the contract's order statuses, their classes, "sold", the outbox
kinds and the field limits. Core, sync, the hub, the Qt models (colours) and the CLI (`choices=`) import these;
nobody writes a status set out again (issue 7, item 1).

Order statuses (API.md §2.1). A status the server sends that is not listed here (e.g. "AUTHORIZED", or the
default "NA_ORDER_STATUS" of an order rendered without DETAILS) is stored verbatim in the ledger and classified
UNKNOWN: it is never admitted at the door and never confirmed, but its tickets count as sold (see `is_sold`).
Statuses compare exactly (case-sensitive), in Python and in SQL alike.
"""
from __future__ import annotations

import enum

from sqlalchemy import and_
from sqlalchemy.sql.elements import ColumnElement

from core.codes import FIRST_TICKET_SUFFIX

INITIATED, PENDING, OFFLINE_PENDING = "INITIATED", "PENDING", "OFFLINE_PENDING"
PAID, FREE, CANCELED, DECLINED = "PAID", "FREE", "CANCELED", "DECLINED"
ORDER_STATUSES = (INITIATED, PENDING, OFFLINE_PENDING, PAID, FREE, CANCELED, DECLINED)  # the contract's order

# PAID/FREE: the order's `confirmed` flag and tag CONFIRMED; the only statuses the door admits; ConfirmOrder
# leaves them unchanged (API.md §2.4).
SETTLED = frozenset({PAID, FREE})
# Money still to collect: ConfirmOrder moves these to PAID (§2.4); the door answers UNPAID (WR-02).
# OFFLINE_PENDING is a box-office sale left unpaid: not confirmed, not admitted.
UNPAID = frozenset({INITIATED, PENDING, OFFLINE_PENDING})
# Never admitted, not sold, cannot be confirmed.
VOID = frozenset({CANCELED, DECLINED})


class StatusClass(str, enum.Enum):
    """The class of an order (or of one ticket of it): what the door, the colours and the counts act on."""

    SETTLED = "SETTLED"   # paid or free: admitted, confirmed, sold
    UNPAID = "UNPAID"     # money to collect: not admitted, sold (the seat is held), confirmable
    VOID = "VOID"         # canceled/declined (or, for a ticket, canceled/archived): not admitted, not sold
    UNKNOWN = "UNKNOWN"   # a status this station does not know: not admitted, sold, not confirmable


_CLASS_OF = {**{s: StatusClass.SETTLED for s in SETTLED}, **{s: StatusClass.UNPAID for s in UNPAID},
             **{s: StatusClass.VOID for s in VOID}}


def classify_order(status: str | None) -> StatusClass:
    """The class of an order status: SETTLED (PAID/FREE), UNPAID (INITIATED/PENDING/OFFLINE_PENDING), VOID
    (CANCELED/DECLINED) or UNKNOWN (anything else, "" and None included). Never raises."""
    return _CLASS_OF.get(status or "", StatusClass.UNKNOWN)


def classify_ticket(order_status: str | None, *, ticket_canceled: bool = False, ticket_archived: bool = False,
                    order_archived: bool = False) -> StatusClass:
    """The class of one ticket, as the door decides it (DESIGN.md "The door verdict", steps 3–4, WR-07 c):
    VOID when the order is CANCELED/DECLINED, the order is archived, or the ticket is canceled or archived —
    checked before payment, so an unpaid order's canceled ticket is VOID; otherwise `classify_order`."""
    cls = classify_order(order_status)
    if cls is StatusClass.VOID or order_archived or ticket_canceled or ticket_archived:
        return StatusClass.VOID
    return cls


def is_admitted(cls: StatusClass) -> bool:
    """True only for SETTLED: the door lets in paid and free orders, nothing else (UNKNOWN included)."""
    return cls is StatusClass.SETTLED


def is_confirmable(status: str | None) -> bool:
    """True when ConfirmOrder moves the order to PAID (UNPAID class). SETTLED orders are left unchanged;
    VOID and UNKNOWN ones are refused (API.md §2.4)."""
    return classify_order(status) is StatusClass.UNPAID


# ---- "sold" ---------------------------------------------------------------------------------------------
def is_sold(order_status: str | None, ticket_canceled: bool) -> bool:
    """THE definition of a sold ticket, used by capacity (core.definitions.definition_counts, hence the
    box office's quantity check and the contract's dashboard) and by the reports (core.reports.event_stats).

    Sold = the ticket itself is not canceled AND its order is not VOID (CANCELED/DECLINED). So:
    - SETTLED and UNPAID orders are sold: an unpaid order still holds its seat until it is canceled — the
      guest may pay at the door (WR-02), and counting it free could oversell the room.
    - UNKNOWN statuses are sold, on purpose: a status we cannot read (a newer contract's AUTHORIZED, say) may
      be one the server honours; counting its seat is the safe side for capacity (BC-26), while the door
      still refuses it. Reports show those tickets apart as "other".
    - a canceled ticket of a live order is not sold: its seat went back on sale.
    - archiving (order or ticket) does not change "sold": it is an organiser's filing flag that can be undone;
      the door refuses archived tickets (classify_ticket) but the seat is not resold.
    `sold_clause` is the same rule in SQL; a test checks the two agree for every status."""
    return not ticket_canceled and classify_order(order_status) is not StatusClass.VOID


def sold_clause(order_status: ColumnElement, ticket_canceled: ColumnElement) -> ColumnElement:
    """`is_sold` as an SQL condition over the given columns (normally `Order.status`, `Ticket.canceled`, in a
    query that joins tickets to their orders). Both columns are NOT NULL in the ledger."""
    return and_(ticket_canceled.is_(False), order_status.not_in(sorted(VOID)))


# ---- outbox kinds (payloads: core/outbox.py docstring) ----------------------------------------------------
class OutboxKind:
    """The `kind` of an outbox row: plain strings, stored as they are."""

    EVENT_CREATE = "event.create"
    EVENT_CHANGE_CURRENCY = "event.change_currency"
    DEFINITION_CREATE = "definition.create"
    DEFINITION_UPDATE = "definition.update"
    DEFINITION_DELETE = "definition.delete"
    ORDER_CREATE = "order.create"
    ORDER_UPDATE = "order.update"
    ORDER_CONFIRM = "order.confirm"
    ORDER_CANCEL = "order.cancel"
    CHECKIN_CREATE = "checkin.create"
    CHECKIN_DELETE = "checkin.delete"
    ENTRANCE_UPSERT = "entrance.upsert"  # core.entrances (issue 9 item 7)
    ENTRANCE_DELETE = "entrance.delete"


CHECKIN_KINDS = (OutboxKind.CHECKIN_CREATE, OutboxKind.CHECKIN_DELETE)
DEFINITION_KINDS = (OutboxKind.DEFINITION_CREATE, OutboxKind.DEFINITION_UPDATE, OutboxKind.DEFINITION_DELETE,
                    OutboxKind.EVENT_CHANGE_CURRENCY)  # pushed by the definitions handler
OUTBOX_KINDS = frozenset(v for k, v in vars(OutboxKind).items() if k.isupper())


# ---- field limits (characters unless said; the model's column lengths match, tests/core/test_status.py) ---
NAME_MAX, DESCRIPTION_MAX, POLICY_MAX = 30, 500, 1000  # TicketDefinition (API.md §4.1)
TEXT_LIMITS = {"name": NAME_MAX, "description": DESCRIPTION_MAX, "policy": POLICY_MAX}
LIMIT_PER_CHECKOUT_MAX = 20  # limitPerCheckout 0..20 (API.md §4.1)
UNLIMITED_PER_CHECKOUT = LIMIT_PER_CHECKOUT_MAX  # 20 = the contract's "no limit" sentinel (WR-04)
MAX_TICKETS_PER_ORDER = 999 - FIRST_TICKET_SUFFIX + 1  # 979: ticket number suffixes 021..999 (API.md §5)
TITLE_MAX = 200         # Event.title
PERSON_NAME_MAX = 200   # buyer/guest first and last names, ticket name
EMAIL_MAX = 320         # RFC 5321: 64 + 1 + 255
FORM_INPUTS_MAX, FORM_VALUE_MAX = 200, 5000  # checkoutForm: inputs per form, characters per value
SEARCH_MAX = 200        # searchPhrase of ListOrders / ListTickets
STATUS_MAX = 32         # Order.status column: longer server values do not fit the ledger
