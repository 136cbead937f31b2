"""The review-queue checks run over the ledger after each sync's pull (issue 8 item 7): the facts no single pulled
row reveals, found by query and raised through core.review.raise_item (each once, by a stable key):

- ADMITTED_VOID (BC-16): this station admitted a ticket whose order is now CANCELED/DECLINED (core.status.VOID)
  or whose ticket is canceled, and the server changed the order no later than the scan (`server_updated` ≤ the
  check-in's corrected time, or unknown) — the guest was let in on a stale list. Key: the check-in's nonce.
- CHECKIN_REMOVED: an UNDO made elsewhere (another station, the Wix Owner app; a plain server's state) removed the
  check-in this station had made (the one in force just before it by core.checkin_merge's walk). Key: the
  UNDO's nonce.
- OVERSELL (BC-26): a definition with a quantity has more sold tickets (core.status.sold_clause) than its
  quantity. Key: definition id and quantity (a changed quantity that is oversold again is a new fact).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from core.checkin_merge import ACCEPTED, CHECK_IN, ENTRY, UNDO, sort_key, ticket_rows
from core.events import zone_of
from core.models import CheckIn, Order, Ticket, TicketDefinition
from core.review import ReviewKind, raise_item
from core.status import VOID, sold_clause
from core.timeutil import shown, to_rfc3339, utcnow

SYNC_METHOD = "SYNC"  # rows learnt from the server, not made here


def after_sync(session: Session, *, station: str, event_ids: list[str] | tuple = (),
               now: datetime | None = None) -> int:
    """Run every check for `station` (this ledger's station name) over `event_ids` (empty = every event), in
    the caller's transaction; returns how many new review items were raised."""
    when = now or utcnow()
    events = list(event_ids)
    return (admitted_void(session, station, events, when) + removed_checkins(session, station, events, when)
            + oversold(session, events, when))


def admitted_void(session: Session, station: str, event_ids: list[str], now: datetime) -> int:
    """ADMITTED_VOID items (see the module doc); returns how many are new."""
    q = (select(CheckIn, Order.order_number, Order.status, Order.server_updated)
         .join(Ticket, Ticket.ticket_number == CheckIn.ticket_number)
         .join(Order, Order.order_number == Ticket.order_number)
         .where(CheckIn.kind == CHECK_IN, CheckIn.direction == ENTRY, CheckIn.status == ACCEPTED,
                CheckIn.station == station, CheckIn.method != SYNC_METHOD,
                or_(Order.status.in_(sorted(VOID)), Ticket.canceled.is_(True))))  # an exit admits nobody
    if event_ids:
        q = q.where(CheckIn.event_id.in_(event_ids))
    added = 0
    for row, number, status, changed in session.execute(q).all():
        if changed is not None and changed > row.corrected_time:
            continue  # canceled after the scan: the guest was admitted on a valid ticket
        what, at = status if status in VOID else "canceled", shown(row.corrected_time, zone_of(session, row.event_id))
        added += raise_item(
            session, ReviewKind.ADMITTED_VOID, row.nonce,
            f"ticket {row.ticket_number} was admitted here at {at}, but order "
            f"{number} is {what} on the server: check the guest", event_id=row.event_id, entity=row.ticket_number,
            happened=row.corrected_time, now=now,
            details={"orderNumber": number, "orderStatus": status, "operator": row.operator})
    return added


def removed_checkins(session: Session, station: str, event_ids: list[str], now: datetime) -> int:
    """CHECKIN_REMOVED items (see the module doc); returns how many are new."""
    mine = aliased(CheckIn)
    admitted_here = select(mine.ticket_number).where(mine.kind == CHECK_IN, mine.direction == ENTRY,
                                                     mine.station == station, mine.method != SYNC_METHOD)
    q = select(CheckIn.ticket_number).where(CheckIn.kind == UNDO, CheckIn.status == ACCEPTED,
                                            CheckIn.station != station,
                                            CheckIn.ticket_number.in_(admitted_here)).distinct()
    if event_ids:
        q = q.where(CheckIn.event_id.in_(event_ids))
    added = 0
    for tn in list(session.scalars(q)):
        current = None
        for row in sorted(ticket_rows(session, tn), key=sort_key):
            if row.status != ACCEPTED:
                continue
            if row.kind == CHECK_IN:
                current = row if row.direction == ENTRY else None  # a guest leaving is not a removed check-in
                continue
            mine = current is not None and current.station == station and current.method != SYNC_METHOD
            if mine and row.station != station:
                by, tz = row.station or "another client", zone_of(session, row.event_id)
                added += raise_item(
                    session, ReviewKind.CHECKIN_REMOVED, row.nonce,
                    f"the check-in of ticket {tn} made here at {shown(current.corrected_time, tz)} was removed by "
                    f"{by} at {shown(row.corrected_time, tz)}", event_id=row.event_id, entity=tn,
                    happened=row.corrected_time, now=now,
                    details={"removedBy": row.station, "admittedAt": to_rfc3339(current.corrected_time)})
            current = None
    return added


def oversold(session: Session, event_ids: list[str], now: datetime) -> int:
    """OVERSELL items (see the module doc); returns how many are new."""
    sold = (select(Ticket.definition_id, func.count().label("n"))
            .join(Order, Ticket.order_number == Order.order_number)
            .where(sold_clause(Order.status, Ticket.canceled)).group_by(Ticket.definition_id).subquery())
    q = (select(TicketDefinition, sold.c.n).join(sold, sold.c.definition_id == TicketDefinition.id)
         .where(TicketDefinition.quantity.is_not(None), sold.c.n > TicketDefinition.quantity))
    if event_ids:
        q = q.where(TicketDefinition.event_id.in_(event_ids))
    added = 0
    for defn, n in session.execute(q).all():
        added += raise_item(
            session, ReviewKind.OVERSELL, f"{defn.id}:{defn.quantity}",
            f"{defn.name}: {n} sold of {defn.quantity} — {n - defn.quantity} more than the quantity (offline sales "
            f"over the last seats)", event_id=defn.event_id, entity=defn.id, now=now,
            details={"definitionId": defn.id, "name": defn.name, "sold": int(n), "quantity": defn.quantity})
    return added
