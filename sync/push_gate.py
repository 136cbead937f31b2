"""Which outbox rows wait for a refused one (issue 8 items 1 and 2, DESIGN.md §Sync "refusals never block").

A refused change (rejected, kept with its reason) never stops unrelated changes; the changes that depend on it
wait, pending, and go up once it does (after `retry`) or once it is dismissed. A row depends on an earlier row
(lower outbox id) when:
- both touch the same entity (entity key: event id, definition id, order number, ticket number) — changes to
  one entity go up in the order they were made;
- the earlier row is the event.create of the row's event (an order, a definition or a check-in after its event);
- the earlier row is a definition.create and the row is an order.create selling that definition;
- the earlier row is an order.create and the row touches one of its tickets (check-ins of a sale).
A row that waits blocks its own dependants in turn. A kind the station's key may not use (403 in the server's
error shape) is refused for every later row of that kind in the run, without calling the server again."""
from __future__ import annotations

from dataclasses import dataclass, field

from core.outbox import HELD_PREFIX
from core.status import OutboxKind
from sync.handler import Item


def _order_parts(item: Item) -> tuple[list[str], list[str]]:
    """(ticket numbers, definition ids) of an order.create payload ({order: {tickets: [...]}})."""
    order = item.payload.get("order") if isinstance(item.payload.get("order"), dict) else {}
    tickets = [t for t in order.get("tickets") or [] if isinstance(t, dict)]
    return ([str(t["ticketNumber"]) for t in tickets if t.get("ticketNumber")],
            [str(t["ticketDefinitionId"]) for t in tickets if t.get("ticketDefinitionId")])


@dataclass
class Gate:
    """The blockers of one push run: {key: (outbox id, reason)} per entity and per event, and the kinds the key
    may not use ({kind: reason})."""

    entities: dict[str, tuple[int, str]] = field(default_factory=dict)
    events: dict[str, tuple[int, str]] = field(default_factory=dict)
    forbidden: dict[str, str] = field(default_factory=dict)

    def block(self, item: Item, reason: str) -> None:
        """`item` was refused (or waits): its dependants wait with `reason`."""
        keys = [item.entity_key]
        if item.kind == OutboxKind.EVENT_CREATE:
            self.events.setdefault(item.event_id, (item.id, reason))
        if item.kind == OutboxKind.ORDER_CREATE:
            keys += _order_parts(item)[0]
        for key in keys:
            self.entities.setdefault(key, (item.id, reason))

    def forbid(self, kind: str, reason: str) -> None:
        """The key may not use `kind`: later rows of it are refused with `reason`."""
        self.forbidden.setdefault(kind, reason)

    def waits(self, item: Item) -> str | None:
        """Why `item` must wait (None = it may go up)."""
        found = []
        if item.kind != OutboxKind.EVENT_CREATE and item.event_id in self.events:
            found.append(self.events[item.event_id])
        keys = [item.entity_key]
        if item.kind == OutboxKind.ORDER_CREATE:
            keys += _order_parts(item)[1]
        found += [self.entities[k] for k in keys if k in self.entities]
        earlier = [f for f in found if f[0] < item.id]
        return min(earlier)[1] if earlier else None


def waiting_reason(blocker: Item, why: str) -> str:
    """The text a held row keeps: which refused row it waits for and why that one was refused."""
    return f"{HELD_PREFIX}{blocker.id} ({blocker.kind} {blocker.entity_key}), which the server refused: {why}"
