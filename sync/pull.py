"""Pull: bring the server's data into the ledger (DESIGN.md §Sync). With the hub's `changes` extension: the cursor
feed per event, the cursor stored only after its page is applied. Against a plain contract server: page
ListTicketDefinitions, ListOrders (DETAILS, TICKETS, FORM) and ListTickets (TICKET_DETAILS, GUEST_DETAILS) with
limit 100 and upsert; a ticket's `checkIn.created` becomes a SYNC check-in row when the local state differs.
Every transaction holds ≤ 500 rows, so door scans are never locked out for long (BC-21).
A malformed entity in a page is set aside with the reason (sync.state.add_aside; never stored half-filled) and
the rest of the page applied, so one bad entity never blocks the feed (issue 8 item 10); tickets of an order set
aside in the same run are set aside with it. A feed that says "more" without moving its cursor stops the run
with StuckCursor before anything of that page is applied (issue 8 item 14).
First pull (issue 11): an event whose feed cursor is unset when the run starts (a new ledger, or a pull from
scratch after a hub reset) applies each page in ONE transaction with its cursor, orders and tickets through
sync.bulk_apply's prepared executemany upserts (the other types through their appliers); a kill mid-pull leaves
the ledger at a page boundary and the next run resumes from the stored cursor with the normal appliers.
The next feed page is asked for while the current one is applied (sync.pull_prefetch.PageReader)."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Callable

import httpx

from core import textsearch_index
from core.db import Ledger
from core.timeutil import to_rfc3339, utcnow
from sync import bulk_apply, listing, state
from sync.appliers import (apply_checkin_row, delete_definitions, derive_checkins, missing_definitions,
                           order_status_from_tickets, sync_nonce)
from sync.apply import (BATCH, apply_definitions, apply_orders, apply_ticket_rows, parse_definition, parse_order,
                        parse_ticket)
from sync.client import TicketingApi
from sync.errors import (ApiError, Canceled, Forbidden, MalformedData, NetworkError, StuckCursor, SyncError,
                         refusal_of)
from sync.plain_events import refresh_events
from sync.pull_prefetch import PageReader
from sync.handler import is_set
from sync.registry import applier_for
from sync.appliers import OrderApplier, TicketApplier

logger = logging.getLogger(__name__)

FEED_LIMIT = 5000  # entries per feed page asked for (sync.hub.feed.MAX_LIMIT; an older hub clamps to 1000)
MAX_PAGES = 100_000  # hard bound of any paging loop (10 million rows at 100 per page)


class CursorRejected(SyncError):
    """The hub refused a stored feed cursor (400): its database was replaced or restored from an earlier copy
    (issue 8 item 11). The engine clears the cursors, re-sends, and pulls again from scratch."""


@dataclass
class PullResult:
    """Rows applied per resource, the resources completed (for "last success"), warnings, and the entities
    set aside as malformed ([{type, eventId, key, reason, data, at}])."""

    counts: dict[str, int] = field(default_factory=dict)
    set_aside: list[dict] = field(default_factory=list)
    completed: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)  # [{endpoint, permission, message}] 403s (issue 8 item 6)

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
        self.aside_orders: set[str] = set()
        self._bulk: bulk_apply.BulkWriter | None = None

    # -- change feed (extension) -----------------------------------------------------------------------
    def pull_changes(self) -> PullResult:
        """Follow the feed of every event until hasMore is false (bounded by MAX_PAGES; StuckCursor when the
        cursor does not move while the feed says "more")."""
        for event_id in self.event_ids:
            with self.ledger.uow() as uow:
                cursor = state.cursor(uow.session, event_id)
                first = cursor is None and bulk_apply.supported(uow.session)
            with PageReader(lambda c, e=event_id: self._feed_page(e, c)) as pages:
                self._follow(event_id, cursor, first, pages)
            if first:
                self._index_queued()
        self.result.completed |= {"events", "definitions", "orders", "tickets", "checkins"}
        return self.result

    def _follow(self, event_id: str, cursor: str | None, first: bool, pages: PageReader) -> None:
        """Apply the feed of one event from `cursor` on, asking the hub for the next page while the current
        one is applied (sync.pull_prefetch); `first`: the first-pull path (_apply_first_page)."""
        seen = {cursor}
        for page_no in range(MAX_PAGES):
            _check(self.cancel)
            page = pages.page(cursor)
            changes = page["changes"]
            if page.get("hasMore") and changes and page["cursor"] in seen:
                raise StuckCursor(f"the change feed of event {event_id} says there is more but its cursor "
                                  f"does not move ({page['cursor']!r}); stopped, nothing of that page applied")
            seen.add(page["cursor"])
            if page.get("hasMore") and changes:
                pages.ask_ahead(page["cursor"])
            if first:
                self._apply_first_page(event_id, changes, page["cursor"])
            else:
                self._apply_feed_page(event_id, changes, page["cursor"])
            cursor = page["cursor"]
            self.progress(f"downloaded {self.result.total} changes (event {event_id}, page {page_no + 1})")
            if not page.get("hasMore") or not changes:
                break

    def _feed_page(self, event_id: str, cursor: str | None) -> dict:
        """One feed page; the hub's own 400 on a stored cursor raises CursorRejected (a proxy's 400 does not:
        it is not the hub's refusal, issue 8 item 10)."""
        try:
            try:
                return self.api.changes(event_id, cursor, FEED_LIMIT)
            except NetworkError as exc:  # the server closed an idle keep-alive connection just as the next
                if not isinstance(exc.__cause__, httpx.RemoteProtocolError):  # page was asked for (after a long
                    raise  # apply): that read is asked once more on a new connection
                _check(self.cancel)
                return self.api.changes(event_id, cursor, FEED_LIMIT)
        except ApiError as exc:
            if cursor and exc.status == 400 and exc.rejects:
                raise CursorRejected(f"the hub refused the change-feed cursor of event {event_id}: "
                                     f"{exc.message}") from exc
            raise

    def _apply_feed_page(self, event_id: str, changes: list, cursor: str) -> None:
        """Apply one page in chunks of ≤ BATCH changes; the cursor is stored in the last chunk's transaction."""
        chunks = [changes[i:i + BATCH] for i in range(0, len(changes), BATCH)] or [[]]
        for n, chunk in enumerate(chunks):
            with self.ledger.uow() as uow:
                self._apply_changes(uow.session, event_id, chunk)
                if n == len(chunks) - 1:
                    state.set_cursor(uow.session, event_id, cursor, utcnow())
                uow.commit()

    def _apply_first_page(self, event_id: str, changes: list, cursor: str) -> None:
        """First pull: the whole page and its cursor in one transaction; runs of orders or tickets go to
        sync.bulk_apply, other types to their appliers. Every change is parsed (malformed ones set aside)
        before the transaction opens, so the ledger's write lock is held only while writing."""
        groups, aside = self._first_page_groups(event_id, changes)
        with self.ledger.uow() as uow:
            if self._bulk is None:
                self._bulk = bulk_apply.BulkWriter(uow.session)
            for kind, items in groups:
                self._apply_bulk_group(uow.session, event_id, kind, items)
            self._set_aside(uow.session, aside)
            state.set_cursor(uow.session, event_id, cursor, utcnow())
            textsearch_index.leave_queued(uow.session.connection())  # indexed once, after the last page
            uow.commit()

    def _index_queued(self) -> None:
        """The first pull's search indexing, once for all its pages (core.textsearch_index.leave_queued)."""
        with self.ledger.uow() as uow:
            textsearch_index.catch_up(uow.session.connection().connection.driver_connection)
            uow.commit()

    def _first_page_groups(self, event_id: str, changes: list) -> tuple[list[tuple[str, list]], list[dict]]:
        """([(type, parsed items)] as runs of one type in feed order, set-aside entries)."""
        groups: list[tuple[str, list]] = []
        aside: list[dict] = []
        for change in changes:
            item, reason = self._bulk_item(change, event_id)
            if reason is not None:
                aside.append(_aside(change, event_id, reason))
            elif groups and groups[-1][0] == change["type"]:
                groups[-1][1].append(item)
            else:
                groups.append((change["type"], [item]))
        return groups, aside

    def _bulk_item(self, change, event_id: str) -> tuple[object, str | None]:
        """(parsed row for an order/ticket, or the change's data for other types; the reason to set it
        aside or None) — the same checks as _problem, parsing each order and ticket once."""
        kind = change.get("type") if isinstance(change, dict) else None
        if kind not in ("order", "ticket") or not isinstance(change.get("data"), dict):
            reason = self._problem(change, event_id)
            return (None if reason else change["data"]), reason
        data = change["data"]
        try:
            if kind == "order":
                row, _tickets = OrderApplier().parse(data, event_id)
                return row, None
            if str(data.get("orderNumber")) in self.aside_orders:
                return None, (f"ticket {data.get('ticketNumber')!r}: its order {data.get('orderNumber')!r} "
                              "was set aside")
            return TicketApplier().parse(data, event_id), None
        except MalformedData as exc:
            if kind == "order":
                self.aside_orders.add(str(data.get("orderNumber")))
            return None, exc.message

    def _apply_bulk_group(self, session, event_id: str, kind: str, items: list) -> None:
        """Orders and tickets through the bulk writer, other types through _apply_group."""
        if kind == "order":
            self._bulk.write_orders(session, items)
            self.result.add("orders", len(items))
        elif kind == "ticket":
            self._bulk.write_tickets(session, items)
            self.result.add("tickets", len(items))
        else:
            self._apply_group(session, event_id, kind, items)

    def _apply_changes(self, session, event_id: str, chunk: list) -> None:
        """Apply changes in feed order, grouping consecutive changes of one type into one bulk upsert; a
        malformed change is set aside (see the module doc)."""
        group_type, group, aside = None, [], []
        for change in chunk + [None]:
            kind = change.get("type") if isinstance(change, dict) else None
            if group and (change is None or kind != group_type):
                self._apply_group(session, event_id, group_type, group)
                group = []
            if change is None:
                break
            reason = self._problem(change, event_id)
            if reason is not None:
                aside.append(_aside(change, event_id, reason))
                continue
            group_type = kind
            group.append(change["data"])
        self._set_aside(session, aside)

    def _problem(self, change, event_id: str) -> str | None:
        """Why a feed change cannot be applied (None = it can): not an object, no data, or its applier's
        check refuses it, or it is a ticket of an order set aside in this run."""
        if not isinstance(change, dict):
            return "changes: an entry is not an object"
        data = change.get("data")
        if not isinstance(data, dict):
            return f"changes: entry {change.get('seq')} has no data object"
        applier = applier_for(change.get("type"))
        try:
            if applier is not None and hasattr(applier, "check"):
                applier.check(data, event_id)
        except MalformedData as exc:
            if change.get("type") == "order":
                self.aside_orders.add(str(data.get("orderNumber")))
            return exc.message
        if change.get("type") == "ticket" and str(data.get("orderNumber")) in self.aside_orders:
            return f"ticket {data.get('ticketNumber')!r}: its order {data.get('orderNumber')!r} was set aside"
        return None

    def _set_aside(self, session, entries: list[dict]) -> None:
        """Keep set-aside entities for review (sync.state) and warn; logged with their reason."""
        if not entries:
            return
        state.add_aside(session, entries)
        self.result.set_aside += entries
        for entry in entries:
            logger.warning("set aside %s %s: %s", entry["type"], entry["key"], entry["reason"])
            self.result.warnings.append(f"set aside {entry['type']} {entry['key']}: {entry['reason']}")

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
        """Full re-list of every event (API.md gap 8): definitions, orders (if the role may), tickets. A listing
        the key may not read (403 in the server's error shape) keeps the cached rows, warns and lets the rest
        of the pull go on (issue 8 item 1); that resource's "last success" is not advanced."""
        done = {"definitions": True, "orders": True}
        if refresh_events(self.ledger, self.api, self.event_ids):  # the server's event call, if any (item 9)
            self.result.completed.add("events")
        for event_id in self.event_ids:
            try:
                seen = self._page("definitions", event_id, self.api.list_definitions, "definitions",
                                  lambda s, items: apply_definitions(s, items, event_id),
                                  lambda i: parse_definition(i, event_id))
                if seen is not None:
                    self._drop_missing_definitions(event_id, seen)
            except Forbidden as exc:
                done["definitions"] = False
                self.result.refused.append(refusal_of(exc, "pull"))
                self.result.warnings.append(f"this station may not list ticket definitions ({exc.message}); the "
                                            "cached definitions are kept")
            try:
                self._page("orders", event_id, self.api.list_orders, "orders",
                           lambda s, items: apply_orders(s, items, event_id), lambda i: parse_order(i, event_id))
            except Forbidden:  # a door key may not list orders: ticket rows carry orderStatus instead
                done["orders"] = False
                self.result.warnings.append("this station may not list orders; order status is taken from tickets")
            self._page("tickets", event_id, self.api.list_tickets, "tickets",
                       lambda s, items: self._apply_plain_tickets(s, items, event_id, not done["orders"]),
                       lambda i: self._plain_ticket_check(i, event_id))
        self.result.completed |= {"tickets"} | {r for r, ok in done.items() if ok}
        return self.result

    def _page(self, resource: str, event_id: str, call, key: str, apply, check) -> set[str] | None:
        """Page `call` to its end (sync.listing: short pages, no `total`, items shifting while paged); each
        page is applied in its own transaction, its items refused by `check(item)` (MalformedData) set aside.
        Returns the keys seen (definitions) when the listing completed."""
        def on_page(items: list) -> None:
            good, aside = self._checked(resource, event_id, items, check)
            with self.ledger.uow() as uow:
                apply(uow.session, good)
                self._set_aside(uow.session, aside)
                uow.commit()
            self.result.add(resource, len(items))

        done = listing.list_all(resource, lambda offset: call([event_id], offset=offset, limit=listing.PAGE), key,
                                on_page, check=lambda: _check(self.cancel), progress=self.progress)
        if done.warning:
            self.result.warnings.append(done.warning)
        return done.seen if done.complete else None

    def _checked(self, resource: str, event_id: str, items: list, check) -> tuple[list, list[dict]]:
        """(items `check` accepts, set-aside entries of the others)."""
        good, aside = [], []
        for item in items:
            try:
                check(item)
                good.append(item)
            except MalformedData as exc:
                if resource == "orders" and isinstance(item, dict):
                    self.aside_orders.add(str(item.get("orderNumber")))
                aside.append(_aside({"type": resource.rstrip("s"), "data": item}, event_id, exc.message))
        return good, aside

    def _plain_ticket_check(self, item, event_id: str) -> None:
        parse_ticket(item, event_id)
        if str(item.get("orderNumber")) in self.aside_orders:
            raise MalformedData(f"ticket {item.get('ticketNumber')!r}: its order {item.get('orderNumber')!r} "
                                "was set aside")

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


def _aside(change, event_id: str, reason: str) -> dict:
    """A set-aside entry: {type, eventId, key, reason, data (≤2000 chars of JSON text), at}."""
    data = change.get("data") if isinstance(change, dict) else change
    key = ""
    if isinstance(data, dict):
        key = str(data.get("nonce") or data.get("ticketNumber") or data.get("orderNumber") or data.get("id") or "")
    return {"type": str(change.get("type") if isinstance(change, dict) else "?"), "eventId": event_id, "key": key,
            "reason": reason, "data": json.dumps(data, default=str)[:2000], "at": to_rfc3339(utcnow())}
