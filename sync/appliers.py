"""Pull appliers: one per change type the hub's feed sends (event, definition, definition.deleted, order,
ticket, checkin, entrance), registered in sync.registry, plus the check-in rows a plain server's ticket state implies.
Each applier works in the caller's transaction (batches ≤ sync.apply.BATCH rows, BC-21). `check(data, event_id)`
raises MalformedData for a change that must be set aside instead of applied (issue 8 item 10); it writes nothing."""
from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import outbox
from core.checkin_merge import CHECK_IN, UNDO, find_by_nonce, record_row
from core.entrances import parse as parse_entrance, remove as remove_entrance, upsert_from_api
from core.errors import DomainError
from core.models import CheckIn, Event, Order, TicketDefinition
from core.tickets import checked_in_map
from core.timeutil import parse_rfc3339, to_rfc3339, utcnow
from sync.apply import (apply_definitions, apply_orders, apply_ticket_rows, event_from_api, parse_definition,
                        parse_order, parse_ticket)
from sync.errors import MalformedData

logger = logging.getLogger(__name__)


class EventApplier:
    """Change type "event": core.contract.event_to_api JSON, upserted unless older than the one held
    (issue 8 item 4: its `updated` before the held `server_updated` changes nothing)."""

    types = ("event",)

    def check(self, data: dict, event_id: str) -> None:
        _need_str(data, "id", "event")
        _server_time(data, f"event {data['id']!r}")

    def apply(self, session: Session, event_id: str, items: list[dict]) -> str:
        for item in items:
            apply_event(session, item)
        return "events"


class DefinitionApplier:
    """Change type "definition": ticket definitions upserted (pending local edits skipped)."""

    types = ("definition",)

    def check(self, data: dict, event_id: str) -> None:
        parse_definition(data, event_id)

    def apply(self, session: Session, event_id: str, items: list[dict]) -> str:
        apply_definitions(session, items, event_id)
        return "definitions"


class DefinitionDeletedApplier:
    """Change type "definition.deleted": {id} of a definition deleted centrally."""

    types = ("definition.deleted",)

    def check(self, data: dict, event_id: str) -> None:
        _need_str(data, "id", "deleted definition")

    def apply(self, session: Session, event_id: str, items: list[dict]) -> str:
        delete_definitions(session, [i.get("id") for i in items if i.get("id")])
        return "definitions"


class OrderApplier:
    """Change type "order": orders with their embedded tickets, upserted."""

    types = ("order",)

    def check(self, data: dict, event_id: str) -> None:
        """The feed sends whole orders: one without its status or total (only a number) would be stored as
        NA_ORDER_STATUS with total 0, so it is refused."""
        self.parse(data, event_id)

    def parse(self, data: dict, event_id: str) -> tuple[dict, list[dict] | None]:
        """check() and the parsed (order row, embedded ticket rows or None) for the first pull's bulk path
        (sync.bulk_apply). Raises MalformedData."""
        row, tickets = parse_order(data, event_id)
        if "status" not in row or "total_minor" not in row:
            raise MalformedData(f"order {row['order_number']!r}: the change feed sent no status or totalPrice")
        return row, tickets

    def apply(self, session: Session, event_id: str, items: list[dict]) -> str:
        apply_orders(session, items, event_id)
        return "orders"


class TicketApplier:
    """Change type "ticket": tickets (each may name its eventId), upserted unless older than their order as
    held (issue 8 item 4; see fresh_tickets)."""

    types = ("ticket",)

    def check(self, data: dict, event_id: str) -> None:
        self.parse(data, event_id)
        _server_time(data, f"ticket {data.get('ticketNumber')!r}")

    def parse(self, data: dict, event_id: str) -> dict:
        """The parsed ticket row (its own eventId, else the feed's event); raises MalformedData."""
        return parse_ticket(data, data.get("eventId") or event_id)

    def apply(self, session: Session, event_id: str, items: list[dict]) -> str:
        apply_ticket_rows(session, fresh_tickets(session, items, event_id))
        return "tickets"


class CheckInApplier:
    """Change type "checkin": check-in rows of the hub's log, unioned by nonce (BC-15)."""

    types = ("checkin",)

    def check(self, data: dict, event_id: str) -> None:
        what = f"check-in row {data.get('nonce')!r}"
        for key in ("nonce", "ticketNumber", "correctedTime"):
            _need_str(data, key, what)
        if data.get("kind") not in (CHECK_IN, UNDO):
            raise MalformedData(f"{what}: kind must be {CHECK_IN} or {UNDO}")
        try:
            parse_rfc3339(data["correctedTime"])
        except (TypeError, ValueError, DomainError):
            raise MalformedData(f"{what}: correctedTime is not an RFC 3339 time") from None

    def apply(self, session: Session, event_id: str, items: list[dict]) -> str:
        for item in items:
            apply_checkin_row(session, item, event_id)
        return "checkins"


class EntranceApplier:
    """Change type "entrance": an entrance as the hub has it (core.entrances), or {id, eventId, deleted: true}.
    An entrance with a pending local change keeps the local version (it goes up next push)."""

    types = ("entrance",)

    def check(self, data: dict, event_id: str) -> None:
        _need_str(data, "id", "entrance")
        if not data.get("deleted"):
            try:
                parse_entrance(dict(data, eventId=data.get("eventId") or event_id))
            except DomainError as exc:
                raise MalformedData(f"entrance {data.get('id')!r}: {exc.message}") from None

    def apply(self, session: Session, event_id: str, items: list[dict]) -> str:
        skip = outbox.pending_keys(session, [i["id"] for i in items])
        for item in items:
            if item["id"] in skip:
                continue
            if item.get("deleted"):
                remove_entrance(session, item["id"])
            else:
                upsert_from_api(session, dict(item, eventId=item.get("eventId") or event_id))
        return "entrances"


APPLIERS = (EventApplier(), DefinitionApplier(), DefinitionDeletedApplier(), OrderApplier(), TicketApplier(),
            CheckInApplier(), EntranceApplier())


# -- freshness of events and tickets (issue 8 item 4) ----------------------------------------------------------
def _server_time(data: dict, what: str) -> datetime | None:
    """The entity's `updated` (the server's time) or None when absent. Raises MalformedData when unreadable."""
    if data.get("updated") in (None, ""):
        return None
    try:
        return parse_rfc3339(data["updated"])
    except (TypeError, ValueError, DomainError):
        raise MalformedData(f"{what}: updated is not an RFC 3339 time") from None


def apply_event(session: Session, data: dict) -> Event | None:
    """Upsert one event (sync.apply.event_from_api) unless its `updated` is before the held `server_updated`
    (then nothing changes and None is returned); the applied server time is kept in `server_updated`."""
    at = _server_time(data, f"event {data.get('id')!r}")
    held = session.get(Event, data.get("id"))
    if at is not None and held is not None and held.server_updated is not None and at < held.server_updated:
        logger.info("ignored a stale event %s (%s < %s)", held.id, at, held.server_updated)
        return None
    ev = event_from_api(session, data)
    if at is not None:
        ev.server_updated = at
    return ev


def fresh_tickets(session: Session, items: list[dict], event_id: str) -> list[dict]:
    """Parsed rows of the ticket changes that are not stale. Tickets have no time of their own (API.md:
    "Ticket has nothing"); the hub's feed stamps each with its order's `updated` (docs/HUB_EXTENSIONS.md),
    so a ticket older than its order as held (Order.server_updated) is a replayed older answer and skipped.
    A ticket without `updated` (a plain server) is never stale."""
    rows, dated = [], {}
    for item in items:
        row = parse_ticket(item, item.get("eventId") or event_id)
        at = _server_time(item, f"ticket {row['ticket_number']!r}")
        if at is not None:
            dated[row["ticket_number"]] = (row["order_number"], at)
        rows.append(row)
    numbers = list({n for n, _ in dated.values()})
    held = dict(session.execute(select(Order.order_number, Order.server_updated).where(
        Order.order_number.in_(numbers), Order.server_updated.is_not(None))).all()) if numbers else {}
    stale = {tn for tn, (number, at) in dated.items() if number in held and at < held[number]}
    if stale:
        logger.info("ignored %d stale ticket(s) older than their order: %s", len(stale), ", ".join(sorted(stale)))
    return [r for r in rows if r["ticket_number"] not in stale]


# -- shared rules of pulled data --------------------------------------------------------------------------------
def delete_definitions(session: Session, ids: list[str]) -> None:
    """Remove centrally deleted definitions (sold tickets keep their definition id, API.md gap 10); a
    definition with a pending local change stays."""
    skip = outbox.pending_keys(session, ids)
    for def_id in ids:
        defn = session.get(TicketDefinition, def_id)
        if defn is not None and def_id not in skip:
            session.delete(defn)
    session.flush()


def missing_definitions(session: Session, event_id: str, seen: set[str]) -> list[str]:
    """Local definitions of `event_id` absent from a complete server listing, except those with a pending
    change or a refused create (kept for the organiser)."""
    local = set(session.scalars(select(TicketDefinition.id).where(TicketDefinition.event_id == event_id)))
    gone = local - seen
    gone -= outbox.pending_keys(session, gone)
    gone -= outbox.rejected_keys(session, gone, outbox.DEFINITION_CREATE)
    return sorted(gone)


def order_status_from_tickets(session: Session, rows: list[dict]) -> None:
    """A door key may not list orders: each ticket's orderStatus sets its order's status (pending local
    changes win)."""
    skip = outbox.pending_keys(session, [r["order_number"] for r in rows])
    for r in rows:
        status = r.get("_order_status")
        if r["order_number"] in skip or not status or status == "NA_ORDER_STATUS":
            continue
        order = session.get(Order, r["order_number"])
        if order is not None and order.status != status:
            order.status = status


def apply_checkin_row(session: Session, data: dict, event_id: str) -> CheckIn:
    """Union one check-in row of the feed into the log by nonce (BC-15); statuses follow the shared merge rule
    (core.checkin_merge), recomputed when an earlier row arrives late (BC-13, BC-14). Raises MalformedData."""
    try:
        existing = find_by_nonce(session, str(data.get("nonce") or "").strip())
        if existing is not None:
            if existing.server_time is None and data.get("serverTime"):
                existing.server_time = parse_rfc3339(data["serverTime"])
            return existing
        return record_row(session, data, event_id=data.get("eventId") or event_id)
    except DomainError as exc:
        raise MalformedData(f"check-in row {data.get('nonce')!r}: {exc.message}") from None


def _need_str(data: dict, key: str, what: str) -> None:
    if not isinstance(data.get(key), str) or not data[key].strip():
        raise MalformedData(f"{what}: missing or empty {key!r}")


def sync_nonce(text: str) -> str:
    """A deterministic nonce for a check-in learnt from a plain server (≤64 chars; hashed when longer), so a
    repeated pull never adds the same row twice."""
    return text if len(text) <= 64 else "sync:" + str(uuid.uuid5(uuid.NAMESPACE_URL, text))


def derive_checkins(session: Session, rows: list[dict]) -> int:
    """Plain server: its ticket's checkIn.created is the only check-in information. Where it differs from the
    local state (and no local check-in change is pending), add a SYNC row: CHECK_IN at the server's time, or
    an UNDO when the server shows the ticket not checked in. Returns the rows added."""
    numbers = [r["ticket_number"] for r in rows]
    local = checked_in_map(session, numbers)
    pending = outbox.pending_keys(session, numbers)
    added = 0
    for r in rows:
        tn, server = r["ticket_number"], r.get("_checkin")
        if tn in pending or (server is not None) == (tn in local):
            continue
        if server is not None:
            stamp = to_rfc3339(server)
            row = {"nonce": sync_nonce(f"sync:{tn}:{stamp}"), "ticketNumber": tn, "kind": CHECK_IN, "deviceTime": stamp,
                   "correctedTime": stamp, "serverTime": stamp, "method": "SYNC"}
        else:
            stamp = to_rfc3339(max(utcnow(), local[tn].corrected_time))
            row = {"nonce": sync_nonce(f"sync-undo:{local[tn].nonce}"), "ticketNumber": tn, "kind": UNDO,
                   "deviceTime": stamp, "correctedTime": stamp, "method": "SYNC"}
        if find_by_nonce(session, row["nonce"]) is None:
            record_row(session, row, event_id=r["event_id"])
            added += 1
    return added
