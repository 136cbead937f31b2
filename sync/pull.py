"""Pull: bring the server's data into the ledger (DESIGN.md §Sync). With the hub's `changes` extension: the cursor
feed per event, the cursor stored only after its page is applied. Against a plain contract server: page
ListTicketDefinitions, ListOrders (DETAILS, TICKETS, FORM) and ListTickets (TICKET_DETAILS, GUEST_DETAILS) with
limit 100 and upsert; a ticket's `checkIn.created` becomes a SYNC check-in row when the local state differs.
Every transaction holds ≤ 500 rows, so door scans are never locked out for long (BC-21)."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

from core.db import Ledger
from core.timeutil import utcnow
from sync import state
from sync.appliers import (apply_checkin_row, delete_definitions, derive_checkins, missing_definitions,
                           order_status_from_tickets, sync_nonce)
from sync.apply import BATCH, apply_definitions, apply_orders, apply_ticket_rows, parse_ticket
from sync.client import TicketingApi
from sync.errors import Canceled, Forbidden, MalformedData
from sync.handler import is_set
from sync.registry import applier_for

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


__all__ = ["Puller", "PullResult", "apply_checkin_row", "derive_checkins", "sync_nonce"]  # re-exported


def _check(cancel) -> None:
    if is_set(cancel):
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
                cursor = state.cursor(uow.session, event_id)
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
                    state.set_cursor(uow.session, event_id, cursor, utcnow())
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
        """Hand a run of same-type changes to that type's applier (sync.registry); unknown types are skipped
        with a warning (a newer hub may send more)."""
        applier = applier_for(kind)
        if applier is None:
            self.result.warnings.append(f"ignored unknown change type {kind!r}")
            return
        self.result.add(applier.apply(session, event_id, items), len(items))

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
            order_status_from_tickets(session, rows)
        derive_checkins(session, rows)

    def _drop_missing_definitions(self, event_id: str, seen: set[str]) -> None:
        """Definitions deleted centrally (absent from a complete listing, no pending local change)."""
        with self.ledger.uow() as uow:
            delete_definitions(uow.session, missing_definitions(uow.session, event_id, seen))
            uow.commit()
