"""Offset paging of a plain contract server's listings (API.md §2.2 ListOrders, §3.2 ListTickets, §4.2
ListTicketDefinitions: `offset`/`limit`, `total` or `metaData.total`) as sync.pull's plain path reads them.

The rules, each for a quirk a contract server may have within the contract:
- A page shorter than `limit` is not the end: the listing ends on an empty page, or once `offset` reaches the
  `total` the server states (a server may cap its pages below our limit; `total` may be absent).
- The same page sent again for a new offset (a server that ignores `offset`) stops with StuckCursor before
  that page is applied.
- Items shift between pages when an order is added or removed while paging (offset paging is not a snapshot):
  when the `total` changed during a pass, or fewer distinct items came than the `total` says, the listing is
  paged once more from 0 (`PASSES`), so nothing is skipped; an item seen twice is upserted twice (harmless).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sync.errors import StuckCursor

PAGE = 100  # items asked per page (API.md: limit ≤ 100)
PASSES = 2  # passes over a listing that changed while it was paged
MAX_PAGES = 100_000  # hard bound of one pass (10 million rows at 100 per page)


@dataclass
class Listing:
    """What paging a listing saw: `seen` keys (id / orderNumber / ticketNumber), `complete` (it reached its
    end), `passes` made and a `warning` for the operator (or None)."""

    seen: set[str] = field(default_factory=set)
    complete: bool = False
    passes: int = 0
    warning: str | None = None


def item_key(item) -> str | None:
    """The key of one listed item: a ticket's `ticketNumber` (upper-cased, as core.contract_parse stores it),
    else an order's `orderNumber`, else a definition's `id`; None for a non-object or no key."""
    if not isinstance(item, dict):
        return None
    if item.get("ticketNumber"):
        return str(item["ticketNumber"]).strip().upper()
    key = item.get("orderNumber") or item.get("id")
    return str(key) if key else None


def total_of(body: dict) -> int | None:
    """The `total` a page states (top level, or `metaData.total` for definitions); None when absent or not an
    integer."""
    raw = body.get("total", (body.get("metaData") or {}).get("total") if isinstance(body.get("metaData"),
                                                                                    dict) else None)
    try:
        return None if raw is None or isinstance(raw, bool) else int(raw)
    except (TypeError, ValueError):
        return None


def list_all(resource: str, call: Callable[[int], dict], key: str, on_page: Callable[[list], None], *,
             check: Callable[[], None] = lambda: None, progress: Callable[[str], None] = lambda _m: None) -> Listing:
    """Page `call(offset)` (one answer, its items under `key`) to the end, handing each page's items to
    `on_page` (which applies them in its own transaction). `check()` runs before each page (it raises to
    cancel). Raises StuckCursor (see the module doc) and whatever `call`/`on_page` raise."""
    listing = Listing()
    for _ in range(PASSES):
        listing.passes += 1
        totals, complete = _one_pass(resource, call, key, on_page, listing.seen, check, progress)
        if not complete:
            listing.warning = f"{resource}: stopped after {MAX_PAGES} pages"
            return listing
        last = totals[-1] if totals else None
        if len(set(totals)) <= 1 and (last is None or len(listing.seen) >= last):
            listing.complete = True
            return listing
    listing.complete = True  # a listing still moving after PASSES: the next run pages it again
    listing.warning = (f"{resource}: the server's list changed while it was read ({' → '.join(map(str, totals))} "
                       "items); read twice, the rest comes with the next sync")
    return listing


def _one_pass(resource: str, call, key: str, on_page, seen: set[str], check, progress) -> tuple[list, bool]:
    """One pass from offset 0: (the totals the pages stated, whether it reached the end)."""
    offset, last, totals = 0, None, []
    for _ in range(MAX_PAGES):
        check()
        body = call(offset)
        items = body[key]
        if items and items == last:
            raise StuckCursor(f"{resource}: the server sent the same page again for offset {offset} (it "
                              "ignores the offset); stopped, nothing of that page applied")
        last = items
        total = total_of(body)
        if total is not None:
            totals.append(total)
        on_page(items)
        seen.update(k for k in map(item_key, items) if k)
        offset += len(items)
        progress(f"downloaded {offset}{'/' + str(total) if total is not None else ''} {resource}")
        if not items or (total is not None and offset >= total):
            return totals, True
    return totals, False
