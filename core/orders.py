"""Orders: list, get, update (checkoutForm / archived), complete (= the contract's ConfirmOrder, API.md §2) and
cancel (a hub extension, docs/HUB_EXTENSIONS.md "Order cancel"; issue 8 item 8)."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Iterable

from sqlalchemy import Select, and_, exists, false, func, not_, or_, select
from sqlalchemy.orm import Session, selectinload

from core.textsearch import ORDER_INDEX, contains_any, narrowed, unindexed
from core.errors import InvalidArgument, NotFound, OrderActionNotAvailable
from core.models import Order, Ticket
from core.outbox import enqueue
from core.paging import Page, paginate
from core.status import (CANCELED, FORM_INPUTS_MAX, FORM_VALUE_MAX, PAID, SEARCH_MAX, SETTLED, OutboxKind, StatusClass,
                         classify_order)
from core.tickets import is_checked_in_expr
from core.timeutil import require_aware, utcnow

logger = logging.getLogger(__name__)

# tag -> group; tags of one group are OR-ed, groups are AND-ed (API.md §2.2 tag[]).
TAG_GROUPS = {"CONFIRMED": "confirmed", "UNCONFIRMED": "confirmed", "ARCHIVED": "archived",
              "NON_ARCHIVED": "archived", "FULLY_CHECKED_IN": "checkin", "NOT_FULLY_CHECKED_IN": "checkin",
              "MEMBER": "member"}
UPDATABLE_FIELDS = ("checkoutForm", "archived")  # UpdateOrder's only writable fields (API.md §2.5)
MAX_ORDER_NUMBERS, MAX_CONFIRM = 500, 100  # orderNumber filter / ConfirmOrder batch (API.md §2.2, §2.4)
BUYER_COLUMNS = {"firstName": "first_name", "lastName": "last_name", "email": "email"}


def _fully_checked_in():
    """SQL condition: the order has at least one ticket and every ticket of it is checked in (the one
    definition of "checked in": core.tickets.is_checked_in_expr)."""
    has_ticket = exists(select(Ticket.ticket_number).where(Ticket.order_number == Order.order_number))
    has_open = exists(select(Ticket.ticket_number).where(
        Ticket.order_number == Order.order_number, not_(func.coalesce(is_checked_in_expr(), False))))
    return and_(has_ticket, not_(has_open))


def _tag_condition(tag: str):
    """SQL condition for one ListOrders tag (API.md §2.2). MEMBER matches nothing: stations have no members."""
    if tag == "CONFIRMED":
        return Order.status.in_(SETTLED)
    if tag == "UNCONFIRMED":
        return Order.status.not_in(SETTLED)
    if tag == "ARCHIVED":
        return Order.archived.is_(True)
    if tag == "NON_ARCHIVED":
        return Order.archived.is_(False)
    if tag == "FULLY_CHECKED_IN":
        return _fully_checked_in()
    if tag == "NOT_FULLY_CHECKED_IN":
        return not_(_fully_checked_in())
    return false()


def _tags_filter(tags: Iterable[str]):
    groups: dict[str, list] = {}
    for raw in tags:
        tag = str(raw).strip().upper()
        if tag not in TAG_GROUPS:
            raise InvalidArgument(f"unknown order tag {raw!r} (one of {', '.join(TAG_GROUPS)})", field="tag")
        groups.setdefault(TAG_GROUPS[tag], []).append(_tag_condition(tag))
    return and_(*(or_(*conds) for conds in groups.values())) if groups else None


def _search_filter(session: Session, search: str):
    """(filter, narrowed): the whole phrase (≤ SEARCH_MAX) contained in "first last", e-mail or order number
    by the rule of core.textsearch.contains; on a SQLite ledger the trigram index of migration 0101 narrows
    the rows first (`narrowed` True then)."""
    phrase = search.strip()
    if len(phrase) > SEARCH_MAX:
        raise InvalidArgument(f"search phrase longer than {SEARCH_MAX} characters", field="searchPhrase")
    cols = (Order.first_name + " " + Order.last_name, Order.email, Order.order_number)
    exact = contains_any(session, phrase, cols)
    fast = narrowed(session, Order.order_number, ORDER_INDEX, [phrase])
    return (exact, False) if fast is None else (and_(fast, exact), True)


def _order_by(sort: str | None):
    """'created:asc' (default) or 'created:desc'; ties broken by order number so paging is stable."""
    field, _, direction = (sort or "created:asc").strip().partition(":")
    direction = (direction or "asc").lower()
    if field != "created" or direction not in ("asc", "desc"):
        raise InvalidArgument(f"unsupported sort {sort!r} (created:asc or created:desc)", field="sort")
    col = Order.created.asc() if direction == "asc" else Order.created.desc()
    return col, Order.order_number.asc()


def orders_query(session: Session, event_ids: Iterable[str] | None = None, *, statuses: Iterable[str] | None = None,
                 tags: Iterable[str] | None = None, search: str | None = None,
                 order_numbers: Iterable[str] | None = None) -> Select:
    """The SELECT of Order (tickets loaded with it) that ListOrders' filters match, unsorted and unpaged:
    list_orders pages it; a reader of more than one page (app.queries) counts it once and reads its rows
    with one LIMIT (sort_orders). Filters and errors as list_orders."""
    event_list = list(event_ids) if event_ids is not None else None
    query, fast = select(Order).options(selectinload(Order.tickets)), False
    if search and search.strip():
        found, fast = _search_filter(session, search)
        query = query.where(found)
    if event_list is not None:
        query = query.where(unindexed(Order.event_id, fast).in_(event_list))
    if statuses:
        query = query.where(unindexed(Order.status, fast).in_([str(s) for s in statuses]))
    if order_numbers:
        numbers = [str(n).strip() for n in order_numbers]
        if len(numbers) > MAX_ORDER_NUMBERS:
            raise InvalidArgument(f"at most {MAX_ORDER_NUMBERS} order numbers", field="orderNumber")
        query = query.where(Order.order_number.in_(numbers))
    if tags:
        cond = _tags_filter(tags)
        if cond is not None:
            query = query.where(cond)
    return query


def sort_orders(query: Select, sort: str = "created:asc") -> Select:
    """`query` (an orders_query) ordered by ListOrders' `sort`. InvalidArgument for an unknown sort."""
    return query.order_by(*_order_by(sort))


def list_orders(session: Session, event_ids: Iterable[str] | None = None, *, statuses: Iterable[str] | None = None,
                tags: Iterable[str] | None = None, search: str | None = None,
                order_numbers: Iterable[str] | None = None, offset: int = 0, limit: int = 100,
                sort: str = "created:asc") -> Page[Order]:
    """ListOrders (API.md §2.2): one page of orders with their tickets loaded.

    event_ids None = all events. statuses: exact status strings (unknown ones allowed, kept verbatim).
    tags: CONFIRMED (PAID/FREE) / UNCONFIRMED, ARCHIVED / NON_ARCHIVED, FULLY_CHECKED_IN / NOT_FULLY_CHECKED_IN
    (every ticket's latest accepted check-in row is CHECK_IN; an order without tickets is not fully checked
    in), MEMBER (matches nothing); tags of one pair are OR-ed, different pairs AND-ed. search: case-insensitive
    substring (≤200 chars) of "first last", e-mail or order number. order_numbers ≤500. limit clamps to
    1..100. sort "created:asc" | "created:desc". Raises InvalidArgument for an unknown tag/sort or a limit
    broken."""
    query = orders_query(session, event_ids, statuses=statuses, tags=tags, search=search,
                         order_numbers=order_numbers)
    return paginate(session, query.order_by(*_order_by(sort)), offset, limit)


def get_order(session: Session, order_number: str, event_id: str | None = None) -> Order:
    """GetOrder (API.md §2.3): the order with its tickets. Raises NotFound when it does not exist or, with
    `event_id`, belongs to another event."""
    number = (order_number or "").strip()
    order = session.get(Order, number) if number else None
    if order is None or (event_id is not None and order.event_id != event_id):
        where = f" in event {event_id}" if event_id is not None else ""
        raise NotFound(f"order {number!r} not found{where}", code="ORDER_NOT_FOUND")
    return order


def parse_field_mask(fields) -> list[str]:
    """A field mask as a list of names: accepts a list, a comma-joined string or {"paths": [...]}
    (API.md §1.5). Empty → []."""
    if fields is None:
        return []
    if isinstance(fields, dict):
        fields = fields.get("paths") or []
    if isinstance(fields, str):
        fields = fields.split(",")
    return [str(f).strip() for f in fields if str(f).strip()]


def _input_values(checkout_form) -> list[dict]:
    """Validate a FormResponse ({inputValues: [...]} or the bare list) into clean contract inputValues."""
    raw = checkout_form.get("inputValues", []) if isinstance(checkout_form, dict) else checkout_form
    if not isinstance(raw, (list, tuple)):
        raise InvalidArgument("checkoutForm must be {inputValues: [...]}", field="checkoutForm")
    if len(raw) > FORM_INPUTS_MAX:
        raise InvalidArgument(f"checkoutForm holds at most {FORM_INPUTS_MAX} inputs", field="checkoutForm")
    clean = []
    for item in raw:
        name = item.get("inputName") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise InvalidArgument("every checkoutForm input needs an inputName", field="checkoutForm.inputName")
        value = item.get("value") or ""
        values = [str(v) for v in (item.get("values") or [])]
        if not isinstance(value, str) or any(len(v) > FORM_VALUE_MAX for v in [value, *values]):
            raise InvalidArgument(f"input {name!r}: value must be text of ≤{FORM_VALUE_MAX} characters",
                                  field="checkoutForm.value")
        entry = {"inputName": name.strip(), "value": value}
        if values:
            entry["values"] = values
        clean.append(entry)
    return clean


def merge_inputs(current: list[dict], new: list[dict]) -> list[dict]:
    """Inputs of `new` replace same-named inputs of `current`; others are kept, new names appended."""
    by_name = {i["inputName"]: i for i in new}
    merged = [by_name.pop(i.get("inputName"), i) for i in (current or [])]
    return merged + list(by_name.values())


def form_value(entry: dict | None):
    """The comparable value of one checkoutForm input: its `values` list when it has one, else its `value`
    text; None for an absent input."""
    if entry is None:
        return None
    return list(entry["values"]) if entry.get("values") else entry.get("value", "")


def _current_inputs(order: Order) -> dict[str, dict]:
    """The order's inputs by name; the buyer columns stand in for a missing firstName/lastName/email input
    (a box-office sale keeps the buyer in columns and may have no form)."""
    current = {i.get("inputName"): i for i in (order.checkout_form or [])}
    for name, column in BUYER_COLUMNS.items():
        if name not in current and getattr(order, column):
            current[name] = {"inputName": name, "value": getattr(order, column)}
    return current


def update_order(session: Session, event_id: str, order_number: str, *, fields, checkout_form=None,
                 archived: bool | None = None) -> Order:
    """UpdateOrder (API.md §2.5): change the order's checkoutForm and/or archived flag.

    fields: field mask (list, "a,b" or {"paths": [...]}) of "checkoutForm" / "archived"; empty = every
    field that is given (not None). checkout_form: {inputValues: [{inputName, value, values?}]} (≤200 inputs,
    values ≤5000 chars); its inputs are merged into the stored form by inputName (case WR-11: correcting
    only the e-mail keeps the names), and inputs firstName/lastName/email also update the buyer's columns.
    The contract names ORDER_ACTION_NOT_AVAILABLE for UpdateOrder without saying for which states, so no
    status is refused here: archiving/unarchiving is always allowed, and a form correction on any order too.
    Outbox "order.update" records only what changed (issue 8 item 3, field-level updates): {eventId,
    orderNumber, fields (the contract mask of the changed fields), paths ("checkoutForm.<inputName>",
    "archived"), checkoutForm? {inputValues: only the changed inputs}, archived?, base {path: value before,
    core.orders.form_value form; None = absent}}; nothing is written when nothing changes. Raises NotFound,
    InvalidArgument (unknown field, bad form)."""
    order = get_order(session, order_number, event_id)
    mask = parse_field_mask(fields)
    for name in mask:
        if name not in UPDATABLE_FIELDS:
            raise InvalidArgument(f"field {name!r} cannot be updated (only {', '.join(UPDATABLE_FIELDS)})",
                                  field="fields")
    if not mask:
        mask = [f for f, v in (("checkoutForm", checkout_form), ("archived", archived)) if v is not None]
    if "checkoutForm" in mask and checkout_form is None:
        raise InvalidArgument("checkoutForm is in the field mask but not given", field="checkoutForm")
    if "archived" in mask and not isinstance(archived, bool):
        raise InvalidArgument("archived must be true or false", field="archived")
    payload: dict = {"eventId": order.event_id, "orderNumber": order.order_number, "fields": [], "paths": [],
                     "base": {}}
    if "checkoutForm" in mask:
        current = _current_inputs(order)
        changed = [i for i in _input_values(checkout_form)
                   if form_value(i) != form_value(current.get(i["inputName"]))]
        if changed:
            apply_form_inputs(order, changed)
            payload["fields"].append("checkoutForm")
            payload["checkoutForm"] = {"inputValues": changed}
            for item in changed:
                path = f"checkoutForm.{item['inputName']}"
                payload["paths"].append(path)
                payload["base"][path] = form_value(current.get(item["inputName"]))
    if "archived" in mask and order.archived != archived:
        payload["fields"].append("archived")
        payload["paths"].append("archived")
        payload["base"]["archived"], payload["archived"] = bool(order.archived), archived
        order.archived = archived
    if payload["paths"]:
        order.updated = utcnow()
        enqueue(session, OutboxKind.ORDER_UPDATE, order.event_id, order.order_number, payload)
    return order


def apply_form_inputs(order: Order, inputs: list[dict]) -> bool:
    """Merge clean `inputs` into the stored form by inputName and copy firstName/lastName/email inputs to the
    buyer columns; True if anything changed. No outbox row: update_order queues the change, and
    sync.conflicts uses this to adopt the server's values."""
    merged = merge_inputs(order.checkout_form or [], inputs)
    changed = merged != (order.checkout_form or [])
    order.checkout_form = merged
    for item in merged:
        column = BUYER_COLUMNS.get(item["inputName"])
        if column and getattr(order, column) != item["value"].strip():
            setattr(order, column, item["value"].strip())
            changed = True
    return changed


def complete_order(session: Session, event_id: str, order_numbers: list[str], *,
                   now: datetime | None = None) -> list[Order]:
    """ConfirmOrder (API.md §2.4; the product's "Complete"): INITIATED / PENDING / OFFLINE_PENDING → PAID.

    PAID and FREE orders are left unchanged and get no outbox row (idempotent; case WR-03 c). Any other
    status — CANCELED, DECLINED, or one this station does not know — raises OrderActionNotAvailable. All
    orders are checked before any is changed, so a refused batch changes nothing. 1..100 order numbers
    (duplicates ignored). Writes one outbox row "order.confirm" {eventId, orderNumber: [n]} per order
    moved to PAID. Returns the orders in the order asked. Raises InvalidArgument, NotFound,
    OrderActionNotAvailable."""
    numbers = list(dict.fromkeys(str(n).strip() for n in (order_numbers or [])))
    if not numbers or len(numbers) > MAX_CONFIRM:
        raise InvalidArgument(f"give 1..{MAX_CONFIRM} order numbers", field="orderNumber")
    orders = [get_order(session, n, event_id) for n in numbers]
    refused = [o for o in orders if classify_order(o.status) not in (StatusClass.UNPAID, StatusClass.SETTLED)]
    if refused:
        listed = ", ".join(f"{o.order_number} ({o.status})" for o in refused)
        raise OrderActionNotAvailable(f"cannot confirm order(s) in this state: {listed}")
    when = require_aware(now) if now is not None else utcnow()
    for order in orders:
        if classify_order(order.status) is StatusClass.UNPAID:
            logger.info("order %s confirmed: %s -> PAID", order.order_number, order.status)
            order.status = PAID
            order.updated = when
            enqueue(session, OutboxKind.ORDER_CONFIRM, order.event_id, order.order_number,
                    {"eventId": order.event_id, "orderNumber": [order.order_number]})
    return orders


def cancel_order(session: Session, event_id: str, order_number: str, *, now: datetime | None = None) -> Order:
    """Cancel an order (hub extension `order-cancel`; the station's box office voids its own sale): UNPAID or
    SETTLED → CANCELED. Its tickets are then refused at every door (core.status.classify_ticket: VOID) and its
    seats are back on sale (core.status.is_sold excludes VOID orders). An order already CANCELED is left
    unchanged and gets no outbox row (idempotent); DECLINED or a status this station does not know raises
    OrderActionNotAvailable. Money taken is not refunded here (a till matter). Writes outbox "order.cancel"
    {eventId, orderNumber}; `now` (aware UTC, default utcnow) stamps `updated`. Raises NotFound,
    OrderActionNotAvailable."""
    order = get_order(session, order_number, event_id)
    if order.status == CANCELED:
        return order
    if classify_order(order.status) not in (StatusClass.UNPAID, StatusClass.SETTLED):
        raise OrderActionNotAvailable(f"cannot cancel order {order.order_number} in state {order.status}")
    logger.info("order %s canceled: %s -> CANCELED", order.order_number, order.status)
    order.status = CANCELED
    order.updated = require_aware(now) if now is not None else utcnow()
    enqueue(session, OutboxKind.ORDER_CANCEL, order.event_id, order.order_number,
            {"eventId": order.event_id, "orderNumber": order.order_number})
    return order
