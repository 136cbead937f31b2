"""OrderManagement calls (API.md §2; routes in sync.hub.routes): ListOrders, GetOrder, UpdateOrder,
BulkUpdateOrders, ConfirmOrder, GetSummary — over core.orders — and the extensions CancelOrder
(docs/HUB_EXTENSIONS.md "Order cancel") and the paid ConfirmOrder ("Payments": a `payment` in the body is stored as
a core Payment; a second payment for a settled order is 409 ORDER_ALREADY_PAID, issue 8 item 12). ConfirmOrder
queues the buyer's confirmation e-mail (WR-03)."""
from __future__ import annotations

from sqlalchemy import func, select

from core import contract
from core.changes import note
from core.contract_parse import parse_payment
from core.errors import AlreadyExists, InvalidArgument
from core.events import zone_of
from core.models import Order, Payment, Ticket
from core.money import Money
from core.orders import cancel_order, complete_order, get_order, list_orders, update_order
from core.sales import payment_to_api
from core.status import PAID, SETTLED
from core.paging import clamp
from core.timeutil import shown
from sync.hub.mailer import queue_confirmation
from sync.hub.params import field_mask, same_param, str_list
from sync.hub.render import ORDER_SETS, facet_counts, fieldsets, orders_json
from sync.hub.runner import Call

FULL = contract.ORDER_FIELDSETS


def _list_args(c: Call) -> dict:
    q = c.query
    if q.all("memberId", "contactId", "eventCreatorId"):
        return {"nothing": True}  # the hub has no members or contacts: such a filter matches nothing
    return {"event_ids": q.all("eventId") or None, "statuses": q.all("status", split=True) or None,
            "tags": q.all("tag", split=True) or None, "search": q.one("searchPhrase"),
            "order_numbers": q.all("orderNumber") or None, "sort": q.one("sort", default="created:asc")}


def list_call(c: Call) -> dict:
    args = _list_args(c)
    offset, limit = c.query.int("offset", 0), c.query.int("limit")
    sets = fieldsets(c.query.all("fieldset", split=True), ORDER_SETS)
    if args.pop("nothing", False):
        offset, limit = clamp(offset, limit)
        return {"total": 0, "offset": offset, "limit": limit, "orders": [], "facets": {}}
    page = list_orders(c.session, offset=offset, limit=limit, **args)
    facets = facet_counts(lambda off: list_orders(c.session, offset=off, limit=100, **args),
                          c.query.all("facet", split=True), {"status": lambda o: o.status,
                                                              "archived": lambda o: bool(o.archived),
                                                              "channel": lambda o: o.channel})
    return {"total": page.total, "offset": page.offset, "limit": page.limit,
            "orders": orders_json(c.session, page.items, sets), "facets": facets}


def get_call(c: Call) -> dict:
    event_id = same_param("eventId", c.path["eventId"], c.query.all("eventId"))
    number = same_param("orderNumber", c.path["orderNumber"], c.query.all("orderNumber"))
    order = get_order(c.session, number, event_id)
    sets = fieldsets(c.query.all("fieldset", split=True), ORDER_SETS)
    return {"order": orders_json(c.session, [order], sets)[0], "calendarLinks": {"google": "", "ics": ""}}


def update_call(c: Call) -> dict:
    event_id = same_param("eventId", c.path["eventId"], c.body.get("eventId"), c.query.all("eventId"))
    number = same_param("orderNumber", c.path["orderNumber"], c.body.get("orderNumber"))
    c.lock("order:" + number)
    archived = c.body.get("archived")
    if archived is not None and not isinstance(archived, bool):
        raise InvalidArgument("archived must be true or false", field="archived")
    order = update_order(c.session, event_id, number, fields=field_mask(c.body.get("fields")) or [],
                         checkout_form=c.body.get("checkoutForm"), archived=archived)
    c.session.flush()
    return {"order": orders_json(c.session, [order], FULL)[0]}


def bulk_update_call(c: Call) -> dict:
    event_id = same_param("eventId", c.path["eventId"], c.body.get("eventId"), c.query.all("eventId"))
    numbers = str_list(c.body.get("orderNumber"), "orderNumber", min_len=1, max_len=100)
    mask = field_mask(c.body.get("fields")) or ["archived"]
    if mask != ["archived"]:
        raise InvalidArgument("BulkUpdateOrders updates only `archived`", field="fields")
    archived = c.body.get("archived")
    if not isinstance(archived, bool):
        raise InvalidArgument("archived must be true or false", field="archived")
    c.lock(*("order:" + n for n in numbers))
    orders = [get_order(c.session, n, event_id) for n in dict.fromkeys(numbers)]  # all exist, or 404
    for order in orders:
        update_order(c.session, event_id, order.order_number, fields=["archived"], archived=archived)
    c.session.flush()
    return {"orders": orders_json(c.session, orders, FULL)}


def confirm_call(c: Call) -> dict:
    event_id = same_param("eventId", c.path["eventId"], c.body.get("eventId"), c.query.all("eventId"))
    numbers = str_list(c.body.get("orderNumber"), "orderNumber", min_len=1, max_len=100)
    c.lock(*("order:" + n for n in numbers))
    paid = None if c.state.plain else c.body.get("payment")
    if paid is not None:
        return _paid_confirm(c, event_id, numbers, paid)
    before = {o.order_number: o.status for o in (get_order(c.session, n, event_id) for n in numbers)}
    orders = complete_order(c.session, event_id, numbers, now=c.now)
    for order in orders:
        if before.get(order.order_number) != order.status and order.status == PAID:
            c.wake_mailer |= queue_confirmation(c.session, order, c.now)
    c.session.flush()
    return {"orders": orders_json(c.session, orders, FULL)}


def _paid_confirm(c: Call, event_id: str, numbers: list[str], raw) -> dict:
    """ConfirmOrder with the box office's `payment` (extension `payments`) for one order → {orders, payment}.
    The payment (core.contract_parse.parse_payment; `station` is the key's station) must be of the order's
    total and currency. Its `paymentId` already stored for this order answers again unchanged (replay); an
    order already PAID/FREE is 409 ORDER_ALREADY_PAID naming where it was paid (the station must refund);
    CANCELED/DECLINED is 428 ORDER_ACTION_NOT_AVAILABLE."""
    if len(numbers) != 1:
        raise InvalidArgument("a paid ConfirmOrder takes exactly one orderNumber", field="orderNumber")
    order = get_order(c.session, numbers[0], event_id)
    row = parse_payment(raw, order.order_number, order.currency, c.station.name, c.now)
    row["station"] = c.station.name  # bound to the key, like check-in rows
    if not row.get("payment_id"):
        raise InvalidArgument("payment.paymentId is required", field="payment.paymentId")
    stored = c.session.scalar(select(Payment).where(Payment.payment_id == row["payment_id"]))
    if stored is not None:
        if stored.order_number != order.order_number:
            raise AlreadyExists(f"payment {row['payment_id']} belongs to another order", code="PAYMENT_ID_TAKEN")
        return _paid_answer(c, order, stored)
    if order.status in SETTLED:
        first = c.session.scalars(select(Payment).where(Payment.order_number == order.order_number)
                                  .order_by(Payment.id)).first()
        when = shown(first.created, zone_of(c.session, order.event_id)) if first is not None else ""
        where = (f" at station {first.station} ({when})" if first is not None
                 else f" ({order.status} on the hub)")
        raise AlreadyExists(f"order {order.order_number} was already paid{where}: refund the customer",
                            code="ORDER_ALREADY_PAID")
    if row["amount_minor"] != order.total_minor:
        raise InvalidArgument("payment.amount differs from the order's total", field="payment.amount")
    was = order.status
    complete_order(c.session, event_id, [order.order_number], now=c.now)  # 428 for CANCELED/DECLINED
    payment = Payment(**row)
    c.session.add(payment)
    c.session.flush()
    note(c.session, payments=[order.order_number])
    if was != order.status and order.status == PAID:
        c.wake_mailer |= queue_confirmation(c.session, order, c.now)
    return _paid_answer(c, order, payment)


def _paid_answer(c: Call, order: Order, payment: Payment) -> dict:
    c.session.flush()
    return {"orders": orders_json(c.session, [order], FULL), "payment": payment_to_api(payment)}


def cancel_call(c: Call) -> dict:
    """CancelOrder (extension `order-cancel`): the order becomes CANCELED → {order}; already CANCELED is
    answered unchanged; 428 ORDER_ACTION_NOT_AVAILABLE for DECLINED or an unknown status."""
    event_id = same_param("eventId", c.path["eventId"], c.body.get("eventId"), c.query.all("eventId"))
    number = same_param("orderNumber", c.path["orderNumber"], c.body.get("orderNumber"))
    c.lock("order:" + number)
    order = cancel_order(c.session, event_id, number, now=c.now)
    c.session.flush()
    return {"order": orders_json(c.session, [order], FULL)[0]}


def summary_call(c: Call) -> dict:
    """Confirmed (PAID/FREE) orders per currency: total money, order and ticket counts; revenue = total
    (the hub takes no fees)."""
    event_ids = c.query.all("eventId")
    tickets = (select(Ticket.order_number, func.count().label("n")).group_by(Ticket.order_number).subquery())
    q = (select(Order.currency, func.count(Order.order_number), func.coalesce(func.sum(Order.total_minor), 0),
                func.coalesce(func.sum(tickets.c.n), 0))
         .outerjoin(tickets, tickets.c.order_number == Order.order_number)
         .where(Order.status.in_(SETTLED)).group_by(Order.currency).order_by(Order.currency))
    if event_ids:
        q = q.where(Order.event_id.in_(event_ids))
    sales = []
    for currency, n_orders, total_minor, n_tickets in c.session.execute(q):
        total = Money.from_minor(int(total_minor), currency).to_api()
        sales.append({"total": total, "totalOrders": int(n_orders), "totalTickets": int(n_tickets),
                      "revenue": total})
    return {"sales": sales}
