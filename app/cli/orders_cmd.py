"""`tessera orders list|get|update|complete|cancel` (API.md §2, OrderManagement; complete = ConfirmOrder;
cancel = the hub extension CancelOrder, docs/HUB_EXTENSIONS.md)."""
from __future__ import annotations

from app.cli.common import (add_event_option, add_paging, add_station_options, form_inputs, key_values, operator_of,
                            station_of, transaction)
from app.cli.output import CliError, emit, emit_page, money_text, pairs, table
from core import contract
from core.events import get_event
from core.money import Money
from core.orders import cancel_order, complete_order, get_order, list_orders, update_order
from core.sales import pay_and_complete
from core.status import ORDER_STATUSES
from core.tickets import checked_in_map

TAGS = ["CONFIRMED", "UNCONFIRMED", "ARCHIVED", "NON_ARCHIVED", "FULLY_CHECKED_IN", "NOT_FULLY_CHECKED_IN"]


def register(subparsers, parent) -> None:
    """Add `orders` with its sub-commands to the CLI."""
    p = subparsers.add_parser("orders", parents=[parent], help="list, show, correct and complete orders")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    ls = sub.add_parser("list", parents=[parent], help="list orders with their tickets")
    ls.add_argument("--event", metavar="ID", help="event id (default: every event)")
    ls.add_argument("--status", action="append", choices=ORDER_STATUSES, metavar="STATUS",
                    help="order status filter (repeatable): " + ", ".join(ORDER_STATUSES))
    ls.add_argument("--tag", action="append", choices=TAGS, help="tag filter (repeatable)")
    ls.add_argument("--search", help="part of the buyer's name, e-mail or the order number")
    add_paging(ls)
    ls.set_defaults(func=cmd_list)

    g = sub.add_parser("get", parents=[parent], help="show one order and its tickets")
    g.add_argument("order_number", metavar="ORDER_NUMBER")
    g.add_argument("--event", metavar="ID", help="refuse an order of another event")
    g.set_defaults(func=cmd_get)

    u = sub.add_parser("update", parents=[parent], help="correct the buyer's form or (un)archive an order")
    u.add_argument("order_number", metavar="ORDER_NUMBER")
    add_event_option(u, "the order's event")
    u.add_argument("--first-name")
    u.add_argument("--last-name")
    u.add_argument("--email")
    u.add_argument("--input", action="append", metavar="NAME=VALUE", help="other form input (repeatable)")
    arch = u.add_mutually_exclusive_group()
    arch.add_argument("--archive", dest="archived", action="store_true", default=None)
    arch.add_argument("--unarchive", dest="archived", action="store_false")
    u.set_defaults(func=cmd_update)

    c = sub.add_parser("complete", parents=[parent],
                       help="mark INITIATED/PENDING/OFFLINE_PENDING orders PAID (ConfirmOrder)")
    c.add_argument("order_numbers", metavar="ORDER_NUMBER", nargs="+")
    add_event_option(c, "the order's event")
    c.add_argument("--payment", choices=["cash", "card"],
                   help="take the money at the box office first (one order)")
    c.add_argument("--tendered", help="cash handed over, e.g. 50.00 (with --payment cash)")
    add_station_options(c)
    c.set_defaults(func=cmd_complete)

    x = sub.add_parser("cancel", parents=[parent],
                       help="cancel (void) an order: its tickets are refused at every door, its seats back on sale")
    x.add_argument("order_number", metavar="ORDER_NUMBER")
    add_event_option(x, "the order's event")
    x.set_defaults(func=cmd_cancel)


def _api(session, orders) -> list[dict]:
    numbers = [t.ticket_number for o in orders for t in o.tickets]
    checked = checked_in_map(session, numbers)
    return [contract.order_to_api(o, checked_in=checked) for o in orders]


def _name(o: dict) -> str:
    return o.get("fullName") or f"{o.get('firstName', '')} {o.get('lastName', '')}".strip()


def _rows(orders: list[dict]) -> list[list]:
    return [[o["orderNumber"], o.get("status"), _name(o), money_text(o.get("totalPrice")),
             len(o.get("tickets") or []), o.get("channel"), "yes" if o.get("archived") else ""] for o in orders]


HEADERS = ["ORDER", "STATUS", "BUYER", "TOTAL", "TICKETS", "CHANNEL", "ARCHIVED"]


def _detail(o: dict) -> str:
    head = pairs([("order", o["orderNumber"]), ("status", o.get("status")), ("buyer", _name(o)),
                  ("e-mail", o.get("email")), ("total", money_text(o.get("totalPrice"))),
                  ("method", o.get("method")), ("channel", o.get("channel")), ("created", o.get("created")),
                  ("archived", "yes" if o.get("archived") else "no")])
    tickets = table(["TICKET", "TYPE", "PRICE", "CHECKED IN"],
                    [[t["ticketNumber"], t.get("name"), money_text(t.get("price")),
                      (t.get("checkIn") or {}).get("created", "")] for t in o.get("tickets") or []])
    return head + "\n\n" + tickets


def cmd_list(args) -> int:
    with transaction(args) as session:
        event_ids = [get_event(session, args.event).id] if args.event else None
        page = list_orders(session, event_ids, statuses=args.status, tags=args.tag, search=args.search,
                           offset=args.offset, limit=args.limit)
        orders = _api(session, page.items)
    emit_page(args, page, "orders", orders, HEADERS, _rows(orders), empty="No orders.")
    return 0


def cmd_get(args) -> int:
    with transaction(args) as session:
        order = _api(session, [get_order(session, args.order_number, args.event)])[0]
    emit(args, {"order": order}, lambda: _detail(order))
    return 0


def cmd_update(args) -> int:
    inputs = [(k, v) for k, v in (("firstName", args.first_name), ("lastName", args.last_name),
                                  ("email", args.email)) if v is not None]
    inputs += key_values(args.input, "--input")
    if not inputs and args.archived is None:
        raise CliError("nothing to update: give --first-name/--last-name/--email/--input or --archive/--unarchive")
    fields = (["checkoutForm"] if inputs else []) + (["archived"] if args.archived is not None else [])
    with transaction(args) as session:
        event_id = args.event or get_order(session, args.order_number).event_id
        order = update_order(session, event_id, args.order_number, fields=fields,
                             checkout_form=form_inputs(inputs) if inputs else None, archived=args.archived)
        body = _api(session, [order])[0]
    emit(args, {"order": body}, lambda: "Updated\n" + _detail(body))
    return 0


def cmd_complete(args) -> int:
    if args.payment and len(args.order_numbers) != 1:
        raise CliError("--payment takes the money for one order at a time")
    if args.tendered and args.payment != "cash":
        raise CliError("--tendered goes with --payment cash")
    with transaction(args) as session:
        event_id = args.event or get_order(session, args.order_numbers[0]).event_id
        change = None
        if args.payment:
            order = get_order(session, args.order_numbers[0], event_id)
            tendered = Money.of(args.tendered, order.currency) if args.tendered else None
            sale = pay_and_complete(session, event_id, order.order_number, payment=args.payment,
                                    tendered=tendered, station=station_of(args), operator=operator_of(args))
            orders, change = [sale.order], sale.change
        else:
            orders = complete_order(session, event_id, args.order_numbers)
        body = _api(session, orders)
        out = {"orders": body}
        if args.payment:
            out["change"] = change.to_api() if change else None
    emit(args, out, lambda: table(HEADERS, _rows(body))
         + (f"\nChange due: {change}" if change is not None else ""))
    return 0


def cmd_cancel(args) -> int:
    with transaction(args) as session:
        event_id = args.event or get_order(session, args.order_number).event_id
        body = _api(session, [cancel_order(session, event_id, args.order_number)])[0]
    emit(args, {"order": body}, lambda: "Canceled\n" + _detail(body))
    return 0
