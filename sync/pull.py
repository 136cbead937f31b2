"""Pull: bring the server's data into the ledger (DESIGN.md §Sync). With the hub's `changes` extension: the cursor
feed per event, the cursor stored only after its page is applied. Against a plain contract server: page
ListTicketDefinitions, ListOrders (DETAILS, TICKETS, FORM) and ListTickets (TICKET_DETAILS, GUEST_DETAILS) with
limit 100 and upsert; a ticket's `checkIn.created` becomes a SYNC check-in row when the local state differs.
Every transaction holds ≤ 500 rows, so door scans are never locked out for long (BC-21)."""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import select

from core.checkin_merge import CHECK_IN, UNDO, find_by_nonce, record_row
from core.db import Ledger
from core.errors import DomainError
from core.models import CheckIn, OutboxEntry, SyncState, TicketDefinition
from core.outbox import REJECTED
from core.timeutil import parse_rfc3339, to_rfc3339, utcnow
from sync.apply import (BATCH, apply_definitions, apply_orders, apply_ticket_rows, event_from_api, parse_ticket,
                        pending_keys)
from sync.client import TicketingApi
from sync.errors import Canceled, Forbidden, MalformedData

logger = logging.getLogger(__name__)

FEED_LIMIT = 1000
MAX_PAGES = 100_000  # hard bound of any paging loop (10 million rows at 100 per page)


@dataclass
class PullResult:
    """Rows applied per resource, the resources completed (for "last success"), and warnings."""

    counts: dict[str, int] = field(default_factory=dict)
    completed: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)

    def add(self, resource: str, n: int) -> None:
        """Count `n` rows applied for `resource`."""
        self.counts[resource] = self.counts.get(resource, 0) + n

    @property
    def total(self) -> int:
        """Rows applied over every resource."""
        return sum(self.counts.values())


def cursor_key(event_id: str) -> str:
    """The SyncState key holding the change-feed cursor of one event."""
    return f"cursor:changes:{event_id}"


def _check(cancel) -> None:
    from sync.push import _is_set

    if cancel is not None and _is_set(cancel):
        raise Canceled("sync canceled")


class Puller:
    """One pull run of `event_ids` over `ledger` with `api`."""

    def __init__(self, ledger: Ledger, api: TicketingApi, event_ids: list[str], *,
                 progress: Callable[[str], None] | None = None, cancel=None):
        self.ledger, self.api, self.event_ids = ledger, api, list(event_ids)
        self.progress = progress or (lambda _msg: None)
        self.cancel = cancel
        self.result = PullResult()

    # -- change feed (extension) -----------------------------------------------------------------------
    def pull_changes(self) -> PullResult:
        """Follow the feed of every event until hasMore is false (bounded by MAX_PAGES)."""
        for event_id in self.event_ids:
            with self.ledger.uow() as uow:
                row = uow.session.get(SyncState, cursor_key(event_id))
                cursor = (row.value or {}).get("cursor") if row else None
            for page_no in range(MAX_PAGES):
                _check(self.cancel)
                page = self.api.changes(event_id, cursor, FEED_LIMIT)
                changes = page["changes"]
                self._apply_feed_page(event_id, changes, page["cursor"])
                cursor = page["cursor"]
                self.progress(f"downloaded {self.result.total} changes (event {event_id}, page {page_no + 1})")
                if not page.get("hasMore") or not changes:
                    break
        self.result.completed |= {"events", "definitions", "orders", "tickets", "checkins"}
        return self.result

    def _apply_feed_page(self, event_id: str, changes: list, cursor: str) -> None:
        """Apply one page in chunks of ≤ BATCH changes; the cursor is stored in the last chunk's transaction."""
        chunks = [changes[i:i + BATCH] for i in range(0, len(changes), BATCH)] or [[]]
        for n, chunk in enumerate(chunks):
            with self.ledger.uow() as uow:
                self._apply_changes(uow.session, event_id, chunk)
                if n == len(chunks) - 1:
                    _store_cursor(uow.session, event_id, cursor)
                uow.commit()

    def _apply_changes(self, session, event_id: str, chunk: list) -> None:
        """Apply changes in feed order, grouping consecutive changes of one type into one bulk upsert."""
        group_type, group = None, []
        for change in chunk + [None]:
            kind = change.get("type") if isinstance(change, dict) else None
            if change is not None and not isinstance(change, dict):
                raise MalformedData("changes: an entry is not an object")
            if group and (change is None or kind != group_type):
                self._apply_group(session, event_id, group_type, group)
                group = []
            if change is not None:
                if not isinstance(change.get("data"), dict):
                    raise MalformedData(f"changes: entry {change.get('seq')} has no data object")
                group_type = kind
                group.append(change["data"])

    def _apply_group(self, session, event_id: str, kind: str, items: list[dict]) -> None:
        if kind == "event":
            for item in items:
                event_from_api(session, item)
        elif kind == "definition":
            apply_definitions(session, items, event_id)
        elif kind == "definition.deleted":
            _delete_definitions(session, [i.get("id") for i in items if i.get("id")])
        elif kind == "order":
            apply_orders(session, items, event_id)
        elif kind == "ticket":
            apply_ticket_rows(session, [parse_ticket(i, i.get("eventId") or event_id) for i in items])
        elif kind == "checkin":
            for item in items:
                apply_checkin_row(session, item, event_id)
        else:
            self.result.warnings.append(f"ignored unknown change type {kind!r}")
            return
        self.result.add("checkins" if kind == "checkin" else kind.split(".")[0] + "s", len(items))

    # -- plain contract ------------------------------------------------------------------------------------
    def pull_plain(self) -> PullResult:
        """Full re-list of every event (API.md gap 8): definitions, orders (if the role may), tickets."""
        for event_id in self.event_ids:
            seen = self._page("definitions", event_id, self.api.list_definitions, "definitions",
                              lambda s, items: apply_definitions(s, items, event_id))
            if seen is not None:
                self._drop_missing_definitions(event_id, seen)
            orders_ok = True
            try:
                self._page("orders", event_id, self.api.list_orders, "orders",
                           lambda s, items: apply_orders(s, items, event_id))
            except Forbidden:  # a door key may not list orders: ticket rows carry orderStatus instead
                orders_ok = False
                self.result.warnings.append("this station may not list orders; order status is taken from tickets")
            self._page("tickets", event_id, self.api.list_tickets, "tickets",
                       lambda s, items: self._apply_plain_tickets(s, items, event_id, not orders_ok))
        self.result.completed |= {"definitions", "tickets"} | ({"orders"} if orders_ok else set())
        return self.result

    def _page(self, resource: str, event_id: str, call, key: str, apply) -> set[str] | None:
        """Page `call` with offset/limit 100 until `total` is reached or a page comes back short; each page
        is applied in its own transaction. Returns the keys seen (definitions) when the listing completed."""
        offset, seen = 0, set()
        for _ in range(MAX_PAGES):
            _check(self.cancel)
            body = call([event_id], offset=offset, limit=100)
            items = body[key]
            total = body.get("total", (body.get("metaData") or {}).get("total"))
            with self.ledger.uow() as uow:
                apply(uow.session, items)
                uow.commit()
            seen.update(i.get("id") for i in items if isinstance(i, dict) and i.get("id"))
            self.result.add(resource, len(items))
            offset += len(items)
            self.progress(f"downloaded {offset}{'/' + str(total) if total is not None else ''} {resource}")
            limit = int(body.get("limit") or (body.get("metaData") or {}).get("count") or 100)
            if not items or (total is not None and offset >= int(total)) or (total is None and len(items) < limit):
                return seen
        self.result.warnings.append(f"{resource}: stopped after {MAX_PAGES} pages")
        return None

    def _apply_plain_tickets(self, session, items: list[dict], event_id: str, order_status: bool) -> None:
        rows = apply_ticket_rows(session, [parse_ticket(i, event_id) for i in items])
        if order_status:
            _order_status_from_tickets(session, rows)
        derive_checkins(session, rows)

    def _drop_missing_definitions(self, event_id: str, seen: set[str]) -> None:
        """Definitions deleted centrally (absent from a complete listing, no pending local change)."""
        with self.ledger.uow() as uow:
            s = uow.session
            local = set(s.scalars(select(TicketDefinition.id).where(TicketDefinition.event_id == event_id)))
            gone = local - seen
            gone -= pending_keys(s, gone)
            gone -= set(s.scalars(select(OutboxEntry.entity_key).where(  # refused creates stay for the organiser
                OutboxEntry.kind == "definition.create", OutboxEntry.state == REJECTED,
                OutboxEntry.entity_key.in_(list(gone)))))
            _delete_definitions(s, list(gone))
            uow.commit()


def _store_cursor(session, event_id: str, cursor: str) -> None:
    row = session.get(SyncState, cursor_key(event_id))
    value = {"cursor": cursor, "at": to_rfc3339(utcnow())}
    if row is None:
        session.add(SyncState(key=cursor_key(event_id), value=value))
    else:
        row.value = value


def _delete_definitions(session, ids: list[str]) -> None:
    """Remove centrally deleted definitions (sold tickets keep their definition id, API.md gap 10)."""
    skip = pending_keys(session, ids)
    for def_id in ids:
        defn = session.get(TicketDefinition, def_id)
        if defn is not None and def_id not in skip:
            session.delete(defn)
    session.flush()


def _order_status_from_tickets(session, rows: list[dict]) -> None:
    from core.models import Order

    skip = pending_keys(session, [r["order_number"] for r in rows])
    for r in rows:
        status = r.get("_order_status")
        if r["order_number"] in skip or not status or status == "NA_ORDER_STATUS":
            continue
        order = session.get(Order, r["order_number"])
        if order is not None and order.status != status:
            order.status = status


def apply_checkin_row(session, data: dict, event_id: str) -> CheckIn:
    """Union one check-in row of the feed into the log by nonce (BC-15); statuses follow the shared merge rule
    (core.checkin_merge), recomputed when an earlier row arrives late (BC-13, BC-14)."""
    try:
        existing = find_by_nonce(session, str(data.get("nonce") or "").strip())
        if existing is not None:
            if existing.server_time is None and data.get("serverTime"):
                existing.server_time = parse_rfc3339(data["serverTime"])
            return existing
        return record_row(session, data, event_id=data.get("eventId") or event_id)
    except DomainError as exc:
        raise MalformedData(f"check-in row {data.get('nonce')!r}: {exc.message}") from None


def sync_nonce(text: str) -> str:
    """A deterministic nonce for a check-in learnt from a plain server (≤64 chars; hashed when longer), so a
    repeated pull never adds the same row twice."""
    return text if len(text) <= 64 else "sync:" + str(uuid.uuid5(uuid.NAMESPACE_URL, text))


def derive_checkins(session, rows: list[dict]) -> int:
    """Plain server: its ticket's checkIn.created is the only check-in information. Where it differs from the
    local state (and no local check-in change is pending), add a SYNC row: CHECK_IN at the server's time, or
    an UNDO when the server shows the ticket not checked in. Returns the rows added."""
    from core.tickets import checked_in_map

    numbers = [r["ticket_number"] for r in rows]
    local = checked_in_map(session, numbers)
    pending = pending_keys(session, numbers)
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
