"""Contract JSON for lists, respecting fieldsets (API.md §2.2, §3.1, §4.1, [D-fieldset]), batching the
check-in and dashboard look-ups per page. The change feed is read by sync.hub.feed (recorded by
sync.hub.changes)."""
from __future__ import annotations

from datetime import datetime
from typing import Callable, Iterable

from sqlalchemy.orm import Session

from core import contract
from core.definitions import definition_counts
from core.models import Order, Ticket, TicketDefinition
from core.tickets import checked_in_map
from sync.hub.feed import read_feed  # noqa: F401 (the feed moved to sync.hub.feed; kept importable here)

ORDER_SETS = ("DETAILS", "TICKETS", "FORM", "INVOICE")
TICKET_SETS = ("TICKET_DETAILS", "GUEST_DETAILS", "GUEST_FORM")
DEFINITION_SETS = ("POLICY", "DASHBOARD")
FACET_PAGES = 100  # facets are counted over at most 100 pages (10,000 rows) of the filtered list


def fieldsets(values: Iterable[str], allowed: tuple[str, ...]) -> tuple[str, ...]:
    """The known fieldsets among `values` (upper-cased); unknown ones are ignored, as the vendor does."""
    seen = []
    for value in values:
        name = str(value).strip().upper()
        if name in allowed and name not in seen:
            seen.append(name)
    return tuple(seen)


def orders_json(session: Session, orders: list[Order], sets: tuple[str, ...]) -> list[dict]:
    """Orders as contract JSON with `sets`; without DETAILS only the default fields (status NA_ORDER_STATUS)."""
    numbers = [t.ticket_number for o in orders for t in o.tickets]
    checked = checked_in_map(session, numbers) if numbers else {}
    return [contract.order_to_api(o, checked_in=checked, fieldsets=sets) for o in orders]


def tickets_json(session: Session, tickets: list[Ticket], sets: tuple[str, ...]) -> list[dict]:
    """Tickets as contract JSON with `sets`; without TICKET_DETAILS only memberId and anonymized."""
    checked = checked_in_map(session, [t.ticket_number for t in tickets]) if tickets else {}
    return [contract.ticket_to_api(t, checked.get(t.ticket_number), fieldsets=sets) for t in tickets]


def definitions_json(session: Session, defs: list[TicketDefinition], sets: tuple[str, ...],
                     now: datetime | None = None) -> list[dict]:
    """Definitions as contract JSON: `policy` only with POLICY, `dashboard` only with DASHBOARD (the
    other fields are always sent: a plain-contract pull needs them)."""
    counts: dict[str, dict] = {}
    if "DASHBOARD" in sets:
        for event_id in {d.event_id for d in defs}:
            counts[event_id] = definition_counts(session, event_id, now)
    out = []
    for d in defs:
        data = contract.definition_to_api(d, counts.get(d.event_id, {}).get(d.id), now=now)
        if "POLICY" not in sets:
            data.pop("policy", None)
        out.append(data)
    return out


def facet_counts(fetch: Callable[[int], object], facets: list[str],
                 extract: dict[str, Callable[[object], object]]) -> dict:
    """Facets {name: {counts: {value: n}}} over the whole filtered list: `fetch(offset)` returns a Page;
    `extract[name](item)` gives an item's facet value. Unknown facet names are ignored."""
    wanted = [f for f in facets if f in extract]
    if not wanted:
        return {}
    counts: dict[str, dict[str, int]] = {f: {} for f in wanted}
    offset = 0
    for _ in range(FACET_PAGES):
        page = fetch(offset)
        for item in page.items:
            for name in wanted:
                value = extract[name](item)
                key = str(value).lower() if isinstance(value, bool) else str(value)
                counts[name][key] = counts[name].get(key, 0) + 1
        offset += page.limit
        if not page.items or offset >= page.total:
            break
    return {name: {"counts": c} for name, c in counts.items()}
