"""Ticket definition services (API.md §4): create, list, get, update by field mask, delete, change currency,
sale status and the dashboard counts derived from orders, tickets and the check-in log."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from core.changes import note
from core import entry_rules
from core.errors import AlreadyExists, InvalidArgument, NotFound
# change_currency lives with the event (core.events); imported here so callers of the old name keep working.
from core.events import as_instant, change_currency, get_event  # noqa: F401
from core.models import Order, Ticket, TicketDefinition
from core.money import Money
from core.outbox import enqueue
from core.paging import Page, paginate
from core.status import LIMIT_PER_CHECKOUT_MAX, TEXT_LIMITS, UNLIMITED_PER_CHECKOUT, OutboxKind, sold_clause
from core.tickets import is_checked_in_expr
from core.timeutil import require_aware, to_rfc3339, utcnow

SALE_SCHEDULED, SALE_STARTED, SALE_ENDED = "SALE_SCHEDULED", "SALE_STARTED", "SALE_ENDED"
STATE_CONDS = {"VISIBLE": TicketDefinition.hidden.is_(False), "HIDDEN": TicketDefinition.hidden.is_(True),
               "FREE": TicketDefinition.price_minor == 0, "PAID": TicketDefinition.price_minor > 0}
STATE_PAIRS = (("VISIBLE", "HIDDEN"), ("FREE", "PAID"))
MAX_INT = 2**31 - 1  # quantity/orderIndex are INTEGER columns (32-bit on a PostgreSQL hub)

# Field-mask leaf paths of TicketDefinitionData (API.md §4.1) -> the model attributes they set.
LEAVES = {
    "name": "name", "price": "price_minor", "description": "description", "limited": "limited",
    "quantity": "quantity", "limitPerCheckout": "limit_per_checkout", "orderIndex": "order_index",
    "policy": "policy", "hidden": "hidden", "salePeriod.startDate": "sale_start",
    "salePeriod.endDate": "sale_end", "salePeriod.hideNotOnSale": "hide_not_on_sale",
    "entryRule": "entry_rule",  # hub extension (core.entry_rules): sets entry_rule and max_entries together
}
GROUPS = {"salePeriod": ("salePeriod.startDate", "salePeriod.endDate", "salePeriod.hideNotOnSale")}
SORTS = {"created": TicketDefinition.created, "modified": TicketDefinition.updated,
         "updated": TicketDefinition.updated, "orderIndex": TicketDefinition.order_index,
         "name": TicketDefinition.name, "price": TicketDefinition.price_minor}


@dataclass(frozen=True)
class DefinitionCounts:
    """Derived dashboard counts of one definition. `sold` = sold tickets (core.status.is_sold: not canceled,
    order not CANCELED/DECLINED);
    `reserved` = online holds still active (WR-04); `unsold` = max(0, quantity − sold − reserved) or None when
    unlimited; `available` = quantity − sold − reserved (negative when oversold, BC-26) or None."""

    sold: int
    reserved: int
    unsold: int | None
    checked_in: int
    available: int | None


def _text(value: Any, field: str, max_len: int, required: bool = False) -> str:
    value = "" if value is None else value
    if not isinstance(value, str):
        raise InvalidArgument(f"{field} must be a string", field=field)
    if required and not value.strip():
        raise InvalidArgument(f"{field} is required", field=field)
    if len(value) > max_len:
        raise InvalidArgument(f"{field} is longer than {max_len} characters", field=field)
    return value


def _int(value: Any, field: str, lo: int | None = None, hi: int | None = None) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidArgument(f"{field} must be an integer", field=field)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise InvalidArgument(f"{field} must be within {lo}..{hi if hi is not None else ''}", field=field)
    return value


def _bool(value: Any, field: str) -> bool:
    if value is not None and not isinstance(value, bool):
        raise InvalidArgument(f"{field} must be true or false", field=field)
    return bool(value)


def _price_minor(value: Any, currency: str) -> int:
    """Minor units of a contract Money (or Money); never a float; currency must be the event's; ≥ 0."""
    if value is None:
        return 0
    if isinstance(value, Money):
        money = value
    elif isinstance(value, dict):  # Money.from_api refuses floats (BC-07)
        money = Money.from_api(value, default_currency=currency) or Money.zero(currency)
    else:
        raise InvalidArgument("price must be {value, currency}", field="price")
    if money.currency != currency:
        raise InvalidArgument(f"price currency {money.currency} differs from the event's {currency}",
                              field="price.currency")
    if money.amount < 0:
        raise InvalidArgument("price must not be negative", field="price")
    return money.minor


def _leaf(path: str, data: dict, currency: str) -> Any:
    """The model value of one leaf path read from `data` (absent keys give the create defaults)."""
    if path.startswith("salePeriod."):
        period = data.get("salePeriod") or {}
        if not isinstance(period, dict):
            raise InvalidArgument("salePeriod must be an object", field="salePeriod")
        key = path.split(".", 1)[1]
        if key == "hideNotOnSale":
            return _bool(period.get(key), path)
        return as_instant(period.get(key), path)
    value = data.get(path)
    if path == "entryRule":  # (kind, max_entries); absent = ONCE
        return entry_rules.from_api(value)
    if path in TEXT_LIMITS:
        return _text(value, path, TEXT_LIMITS[path], required=path == "name")
    if path == "price":
        return _price_minor(value, currency)
    if value is None:  # defaults of create / full update; limited None = derive from quantity
        return {"limitPerCheckout": UNLIMITED_PER_CHECKOUT, "hidden": False}.get(path)
    if path in ("limited", "hidden"):
        return _bool(value, path)
    lo, hi = {"quantity": (0, MAX_INT), "limitPerCheckout": (0, LIMIT_PER_CHECKOUT_MAX),
              "orderIndex": (-MAX_INT - 1, MAX_INT)}[path]
    return _int(value, path, lo, hi)


def _mask(fields: Any) -> list[str]:
    """Normalise a field mask (list, comma-joined string or {"paths": [...]}, API.md §1.5) to mask paths;
    unknown paths raise InvalidArgument. Empty -> [] (= full update)."""
    if isinstance(fields, dict):
        fields = fields.get("paths") or []
    if isinstance(fields, str):
        fields = fields.split(",")
    out: list[str] = []
    for raw in fields or []:
        path = str(raw).strip().removeprefix("definition.")
        if not path:
            continue
        if path not in LEAVES and path not in GROUPS:
            raise InvalidArgument(f"unknown or read-only field {path!r}", field="fields")
        if path not in out:
            out.append(path)
    return out


def _apply(target: dict, data: dict, paths: list[str], currency: str) -> None:
    """Set the attributes of `paths` on `target` (attr -> value), then reconcile limited/quantity and check the
    sale period (INVALID_SALE_PERIOD)."""
    if not isinstance(data, dict):
        raise InvalidArgument("the definition must be an object", field="definition")
    leaves = [leaf for p in paths for leaf in GROUPS.get(p, (p,))]
    for leaf in leaves:
        target[LEAVES[leaf]] = _leaf(leaf, data, currency)
    if "entryRule" in leaves:
        target["entry_rule"], target["max_entries"] = target["entry_rule"]
    if "limited" in leaves and target["limited"] is not None:
        if not target["limited"]:
            target["quantity"] = None
    elif "quantity" in leaves or target.get("limited") is None:
        target["limited"] = target["quantity"] is not None
    if target["limited"] and target["quantity"] is None:
        raise InvalidArgument("quantity is required when limited", field="quantity")
    start, end = target.get("sale_start"), target.get("sale_end")
    if start is not None and end is not None and not start < end:
        raise InvalidArgument("salePeriod.startDate must be before endDate", code="INVALID_SALE_PERIOD",
                              field="salePeriod")


def definition_data(defn: TicketDefinition) -> dict:
    """The definition's writable fields as the contract's TicketDefinitionData (API.md §4.1)."""
    return {
        "name": defn.name, "price": Money.from_minor(defn.price_minor, defn.currency).to_api(),
        "description": defn.description or "", "limited": bool(defn.limited), "quantity": defn.quantity,
        "limitPerCheckout": defn.limit_per_checkout, "orderIndex": defn.order_index,
        "policy": defn.policy or "", "hidden": bool(defn.hidden),
        "salePeriod": {"startDate": to_rfc3339(defn.sale_start), "endDate": to_rfc3339(defn.sale_end),
                       "hideNotOnSale": bool(defn.hide_not_on_sale)},
        **entry_rules.to_api(defn.entry_rule, defn.max_entries),
    }


def _path_value(data: dict, path: str) -> Any:
    for part in path.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def create_definition(session: Session, event_id: str, data: dict, *, definition_id: str | None = None,
                      now: datetime | None = None) -> TicketDefinition:
    """Create a definition from TicketDefinitionData (API.md §4.1/4.2 Create); turns the event's registration
    type to TICKETS. Defaults: free, unlimited, limitPerCheckout 20, orderIndex = next, visible.
    Raises NotFound (event), AlreadyExists (id), InvalidArgument (validation; INVALID_SALE_PERIOD).
    Outbox `definition.create` {eventId, definition}."""
    ev = get_event(session, event_id)
    definition_id = definition_id or str(uuid.uuid4())
    if session.get(TicketDefinition, definition_id) is not None:
        raise AlreadyExists(f"ticket definition {definition_id} exists already")
    values: dict = {}
    _apply(values, data or {}, list(LEAVES), ev.currency)
    if values["order_index"] is None:
        top = session.scalar(select(func.max(TicketDefinition.order_index))
                             .where(TicketDefinition.event_id == ev.id))
        values["order_index"] = 0 if top is None else top + 1
    now = require_aware(now) if now else utcnow()
    defn = TicketDefinition(id=definition_id, event_id=ev.id, currency=ev.currency, reserved=0,
                            reserved_until=None, created=now, updated=now, **values)
    session.add(defn)
    if ev.registration_type != "TICKETS":
        ev.registration_type, ev.updated = "TICKETS", now
        note(session, events=[ev.id])
    session.flush()
    enqueue(session, OutboxKind.DEFINITION_CREATE, ev.id, defn.id,
            {"eventId": ev.id, "definition": {"id": defn.id, **definition_data(defn)}})
    return defn


def get_definition(session: Session, definition_id: str) -> TicketDefinition:
    """The definition `definition_id`; NotFound if there is none (or it was deleted)."""
    defn = session.get(TicketDefinition, definition_id) if definition_id else None
    if defn is None:
        raise NotFound(f"ticket definition {definition_id} not found")
    return defn


def _sale_filter(statuses: Iterable[str], now: datetime):
    col_s, col_e = TicketDefinition.sale_start, TicketDefinition.sale_end
    not_scheduled = or_(col_s.is_(None), col_s <= now)
    conds = {SALE_SCHEDULED: and_(col_s.is_not(None), col_s > now),
             SALE_ENDED: and_(not_scheduled, col_e.is_not(None), col_e <= now),
             SALE_STARTED: and_(not_scheduled, or_(col_e.is_(None), col_e > now))}
    unknown = set(statuses) - set(conds)
    if unknown:
        raise InvalidArgument(f"unknown sale status {sorted(unknown)}", field="saleStatus")
    return or_(*(conds[s] for s in statuses))


def _state_filters(states: Iterable[str]) -> list:
    """VISIBLE/HIDDEN and FREE/PAID: OR within a pair, AND between pairs."""
    states = set(states)
    if states - set(STATE_CONDS):
        raise InvalidArgument(f"unknown state {sorted(states - set(STATE_CONDS))}", field="state")
    return [or_(*(STATE_CONDS[s] for s in pair if s in states)) for pair in STATE_PAIRS if states & set(pair)]


def _order_by(sort: str | None) -> list:
    clauses = []
    for part in (sort or "created:asc").split(","):
        name, _, direction = part.strip().partition(":")
        col = SORTS.get(name.strip())
        direction = (direction or "asc").strip().lower()
        if col is None or direction not in ("asc", "desc"):
            raise InvalidArgument(f"unsupported sort {part!r}", field="sort")
        clauses.append(col.desc() if direction == "desc" else col.asc())
    return clauses + [TicketDefinition.id.asc()]


def list_definitions(session: Session, event_ids: list[str] | None = None, *, states: list[str] | None = None,
                     sale_statuses: list[str] | None = None, offset: int = 0, limit: int = 100,
                     sort: str = "created:asc", now: datetime | None = None) -> Page:
    """One page of definitions (API.md §4.2 List). `states`: VISIBLE/HIDDEN and FREE/PAID (OR within a pair,
    AND between pairs); `sale_statuses` SALE_SCHEDULED/STARTED/ENDED at `now`; `sort` "field:dir[,…]" over
    created, modified, orderIndex, name, price. limit clamps to 100. InvalidArgument on unknown values."""
    q = select(TicketDefinition)
    if event_ids:
        q = q.where(TicketDefinition.event_id.in_(list(event_ids)))
    if states:
        q = q.where(*_state_filters(states))
    if sale_statuses:
        q = q.where(_sale_filter(sale_statuses, require_aware(now) if now else utcnow()))
    return paginate(session, q.order_by(*_order_by(sort)), offset, limit)


def update_definition(session: Session, definition_id: str, data: dict, fields: Any = None, *,
                      now: datetime | None = None) -> TicketDefinition:
    """Update by field mask (API.md §4.2 Update, §1.5): only the masked paths change ("salePeriod" or its
    leaves "salePeriod.startDate" …); an empty mask is a full update (absent keys take create defaults; orderIndex is kept).
    Raises NotFound, InvalidArgument (QUANTITY_BELOW_SOLD: see `check_quantity`). Outbox `definition.update`
    {eventId, definitionId, fields, definition, base}: `fields` only the masked paths whose value changed
    (issue 8 item 3), `base` their values before the change (field-by-field merge, DESIGN.md); nothing is
    queued (and `updated` kept) when no value changes."""
    defn = get_definition(session, definition_id)
    ev = get_event(session, defn.event_id)
    paths = _mask(fields) or list(LEAVES)
    before = definition_data(defn)
    target = {attr: getattr(defn, attr) for attr in LEAVES.values()}
    _apply(target, data or {}, paths, ev.currency)
    if target["order_index"] is None:
        target["order_index"] = defn.order_index
    if target["quantity"] != defn.quantity:
        check_quantity(session, defn, target["quantity"], now)
    for attr, value in target.items():
        setattr(defn, attr, value)
    if "price" in paths:
        defn.currency = ev.currency
    after = definition_data(defn)
    changed = [p for p in paths if _path_value(before, p) != _path_value(after, p)]
    if not changed:
        return defn
    defn.updated = require_aware(now) if now else utcnow()
    session.flush()
    enqueue(session, OutboxKind.DEFINITION_UPDATE, ev.id, defn.id, {
        "eventId": ev.id, "definitionId": defn.id, "fields": changed, "definition": after,
        "base": {p: _path_value(before, p) for p in changed}})
    return defn


def check_quantity(session: Session, defn: TicketDefinition, quantity: int | None,
                   now: datetime | None = None) -> None:
    """Refuse a new `quantity` below what is sold already (issue 10: "Left −22" while still on sale).

    "Sold" is core.status's rule through definition_counts; None (unlimited) is always allowed. Only a
    change is checked (update_definition calls this when the quantity moves), so a definition oversold by
    a sync (BC-26) stays editable in its other fields. Raises InvalidArgument code QUANTITY_BELOW_SOLD."""
    if quantity is None:
        return
    sold = definition_counts(session, defn.event_id, now).get(defn.id)
    if sold is not None and quantity < sold.sold:
        raise InvalidArgument(f"quantity {quantity} is below the {sold.sold} ticket(s) of {defn.name!r} already "
                              f"sold; it must be at least {sold.sold}", code="QUANTITY_BELOW_SOLD", field="quantity")


def delete_definitions(session: Session, event_id: str, definition_ids: list[str] | None = None, *,
                       all: bool = False) -> None:
    """Delete the given definitions of the event, or every one with all=True (API.md §4.2 Delete). Sold
    tickets keep their ticketDefinitionId (gap 10). Raises NotFound (event, or an id not of this event —
    nothing is deleted), InvalidArgument (neither ids nor all). Outbox `definition.delete` per definition."""
    ev = get_event(session, event_id)
    q = select(TicketDefinition).where(TicketDefinition.event_id == ev.id)
    if not all:
        ids = list(dict.fromkeys(definition_ids or []))
        if not ids:
            raise InvalidArgument("give definition ids or all=true", field="byId.definitionId")
        q = q.where(TicketDefinition.id.in_(ids))
    defs = list(session.scalars(q.order_by(TicketDefinition.id)))
    if not all and len(defs) != len(ids):
        missing = sorted(set(ids) - {d.id for d in defs})
        raise NotFound(f"ticket definitions not found in event {ev.id}: {missing}")
    for defn in defs:
        session.delete(defn)
        enqueue(session, OutboxKind.DEFINITION_DELETE, ev.id, defn.id, {"eventId": ev.id, "definitionId": defn.id})
    session.flush()


def sale_status(defn: TicketDefinition, now: datetime | None = None) -> str:
    """SALE_SCHEDULED before salePeriod.startDate, SALE_ENDED from endDate on, else SALE_STARTED (API.md §4.1)."""
    now = require_aware(now) if now else utcnow()
    if defn.sale_start is not None and now < defn.sale_start:
        return SALE_SCHEDULED
    if defn.sale_end is not None and now >= defn.sale_end:
        return SALE_ENDED
    return SALE_STARTED


def definition_counts(session: Session, event_id: str, now: datetime | None = None) -> dict[str, DefinitionCounts]:
    """{definition_id: DefinitionCounts} for every definition of the event, derived — never stored — from
    the sold tickets (core.status.sold_clause, the one definition of "sold"), the active online holds
    (reserved while reserved_until > now, WR-04) and the check-in log (core.tickets.is_checked_in_expr, the one
    definition of "checked in"). A canceled ticket is not sold, so its seat is free again."""
    now = require_aware(now) if now else utcnow()
    defs = list(session.scalars(select(TicketDefinition).where(TicketDefinition.event_id == event_id)))
    rows = session.execute(  # counted in SQL: a Python pass over 100,000 tickets took ~2 s (issue 11)
        select(Ticket.definition_id, func.count(), func.sum(case((is_checked_in_expr(), 1), else_=0)))
        .join(Order, Ticket.order_number == Order.order_number)
        .where(Ticket.event_id == event_id, sold_clause(Order.status, Ticket.canceled))
        .group_by(Ticket.definition_id)).all()
    sold = {d: n for d, n, _in in rows}
    inside = {d: int(n_in or 0) for d, _n, n_in in rows}
    out = {}
    for d in defs:
        n = sold.get(d.id, 0)
        held = (d.reserved or 0) if d.reserved_until is not None and d.reserved_until > now else 0
        avail = None if d.quantity is None else d.quantity - n - held
        out[d.id] = DefinitionCounts(sold=n, reserved=held, unsold=None if avail is None else max(0, avail),
                                     checked_in=inside.get(d.id, 0), available=avail)
    return out
