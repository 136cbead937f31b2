"""The hub's routes, declared in one table (ROUTES) and registered by `register()`: method, path, call,
permission, whether it writes, whether it is an extension (absent in --plain mode) and the JSON body it
reads. Every call goes through sync.hub.runner.run (auth → role → Idempotency-Key → one transaction →
contract JSON). Paths and shapes: docs/API.md (the contract) and docs/HUB_EXTENSIONS.md.

Order matters only between routes that match the same method and path; the table keeps the contract's
grouping (events, ticket definitions, orders, tickets, extensions)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from fastapi import FastAPI
from starlette.requests import Request

from sync.hub import routes_definitions as defs
from sync.hub import routes_entrances as entrances
from sync.hub import identity
from sync.hub import routes_events as events
from sync.hub import routes_ext as ext
from sync.hub import routes_leases as leases
from sync.hub import routes_orders as orders
from sync.hub import routes_tickets as tickets
from sync.hub.runner import Call, run


@dataclass(frozen=True)
class Route:
    """One hub route. `call(Call) -> dict` answers it; `permission` is checked against the station's role
    (sync.hub.auth.PERMISSIONS); `write` runs it in a write transaction (change feed + idempotency);
    `extension` routes are absent in --plain mode; `body` is the JSON body's shape (None = no body);
    `summary` names the contract call and its answer."""

    method: str
    path: str
    call: Callable[[Call], dict]
    permission: str
    write: bool = False
    extension: bool = False
    body: str | None = None
    summary: str = ""


R = Route
ROUTES: tuple[Route, ...] = (
    # events (hub, contract-like; present in plain mode: stations need the event to sync)
    R("GET", "/events/v1/events", events.list_call, "events.read",
      summary="ListEvents → {events, total, offset, limit ≤100}; repeated eventId filters"),
    R("POST", "/events/v1/events", events.create_call, "events.write", True,
      body="{event: {title, timeZone, currency, start?, end?, id?}}", summary="CreateEvent → {event}"),
    R("GET", "/events/v1/events/{eventId}", events.get_call, "events.read", summary="GetEvent → {event}"),
    R("PATCH", "/events/v1/events/{eventId}", events.update_call, "events.write", True,
      body="{event: {title?, timeZone?, start?, end?}, fields?}",
      summary="UpdateEvent → {event}; the currency changes only through ChangeCurrency"),
    # ticket definitions v1 (API.md §4.2)
    R("POST", "/events/v1/ticket-definitions", defs.create_call, "definitions.write", True,
      body="{eventId, definition}", summary="Create → {definition}"),
    R("GET", "/events/v1/ticket-definitions", defs.list_call, "definitions.read",
      summary="List → {metaData: {count, offset, total, limit ≤100}, definitions, facets}"),
    R("DELETE", "/events/v1/ticket-definitions", defs.delete_call, "definitions.write", True,
      summary="Delete: query eventId + repeated byId.definitionId, or all=true → {}"),
    R("POST", "/events/v1/ticket-definitions/query", defs.query_call, "definitions.read",
      body="{offset, limit, fieldset, filter, sort, facet}",
      summary="Query → {total, offset, limit, definitions, facets}"),
    R("PUT", "/events/v1/ticket-definitions/currency", defs.currency_call, "definitions.write", True,
      body="{eventId, currency}", summary="ChangeCurrency → {}; 428 CURRENCY_LOCKED once an order exists"),
    R("GET", "/events/v1/ticket-definitions/{definitionId}", defs.get_call, "definitions.read",
      summary="Get → {definition}"),
    R("PATCH", "/events/v1/ticket-definitions/{definitionId}", defs.update_call, "definitions.write", True,
      body="{eventId, definition, fields}", summary="Update (partial by field mask) → {definition}"),
    # orders (API.md §2)
    R("GET", "/events/v1/orders", orders.list_call, "orders.read",
      summary="ListOrders → {total, offset, limit ≤100, orders, facets}"),
    R("GET", "/events/v1/orders/summary", orders.summary_call, "orders.read",
      summary="GetSummary → {sales: [{total, totalOrders, totalTickets, revenue}]}"),
    R("GET", "/events/v1/events/{eventId}/orders/{orderNumber}", orders.get_call, "orders.read",
      summary="GetOrder → {order, calendarLinks}"),
    R("PATCH", "/events/v1/events/{eventId}/orders/{orderNumber}", orders.update_call, "orders.write", True,
      body="{fields, checkoutForm?, archived?}", summary="UpdateOrder → {order}"),
    R("PATCH", "/events/v1/events/{eventId}/orders", orders.bulk_update_call, "orders.write", True,
      body="{orderNumber: [..≤100], fields, archived}", summary="BulkUpdateOrders → {orders}"),
    R("POST", "/events/v1/events/{eventId}/orders/confirm", orders.confirm_call, "orders.write", True,
      body="{orderNumber: [..≤100], payment? (extension payments: one order)}",
      summary="ConfirmOrder → {orders} (+ payment); 428 for CANCELED/DECLINED; 409 ORDER_ALREADY_PAID"),
    # tickets (API.md §3)
    R("GET", "/events/v1/tickets", tickets.list_call, "tickets.read",
      summary="ListTickets → {total, offset, limit ≤100, tickets, facets}"),
    R("GET", "/events/v1/events/{eventId}/tickets", tickets.list_call, "tickets.read",
      summary="ListTickets, older path with the event in the path"),
    R("POST", "/events/v1/tickets/check-in", tickets.check_in_call, "tickets.checkin", True,
      body="{eventId, ticketNumber: [1..100]}", summary="CheckIn → {tickets}"),
    R("DELETE", "/events/v1/tickets/check-in", tickets.delete_check_in_call, "tickets.checkin", True,
      summary="DeleteCheckIn: query eventId + repeated ticketNumber → {tickets}"),
    R("GET", "/events/v1/tickets/{ticketNumber}", tickets.get_call, "tickets.read", summary="GetTicket → {ticket}"),
    R("GET", "/events/v1/events/{eventId}/tickets/{ticketNumber}", tickets.get_call, "tickets.read",
      summary="GetTicket, older path with the event in the path"),
    # hub extensions (docs/HUB_EXTENSIONS.md), absent in --plain mode
    R("GET", "/tessera/v1/discovery", identity.discovery_call, "discovery", extension=True,
      summary="{tessera: 1, extensions, serverTime, station, role, hubId, epoch}"),
    R("GET", "/tessera/v1/changes", identity.changes_call, "changes.read", extension=True,
      summary="change feed: ?eventId&since=<cursor>&limit=<≤1000> → {changes, cursor, hasMore}; "
              "400 CURSOR_UNKNOWN for a cursor of another or an earlier database"),
    R("POST", "/tessera/v1/checkins", ext.checkins_call, "tickets.checkin", True, True,
      body="{eventId, checkIns: [..≤100]}", summary="check-in rows upload → {results: [{nonce, status, …}]}"),
    R("POST", "/tessera/v1/orders", ext.upload_call, "orders.upload", True, True,
      body="{eventId, order}", summary="box-office order upload → {order, oversold}"),
    R("POST", "/tessera/v1/events/{eventId}/orders/{orderNumber}/cancel", orders.cancel_call, "orders.write",
      True, True, body="{} (eventId, orderNumber optional copies)",
      summary="CancelOrder → {order}; 428 ORDER_ACTION_NOT_AVAILABLE for DECLINED"),
    R("GET", "/tessera/v1/entrances", entrances.list_call, "entrances.read", extension=True,
      summary="ListEntrances: ?eventId → {entrances: [{id, eventId, name, definitionIds, direction}]}"),
    R("POST", "/tessera/v1/entrances", entrances.put_call, "entrances.write", True, True,
      body="{eventId, entrance: {id, name, definitionIds, direction}}",
      summary="PutEntrance (create with the id, or replace whole) → {entrance}"),
    R("GET", "/tessera/v1/entrances/{entranceId}", entrances.get_call, "entrances.read", extension=True,
      summary="GetEntrance → {entrance}; 404 ENTRANCE_NOT_FOUND"),
    R("DELETE", "/tessera/v1/entrances/{entranceId}", entrances.delete_call, "entrances.write", True, True,
      summary="DeleteEntrance → {}; 404 ENTRANCE_NOT_FOUND"),
    # capacity leases (issue 10 item 6)
    R("POST", "/tessera/v1/leases", leases.acquire_call, "orders.upload", True, True, body="{eventId}",
      summary="acquire/top up this station's leases → {leases: [{leaseId, definitionId, seats, block, expires, "
              "sold, leased, left}]}"),
    R("POST", "/tessera/v1/leases/release", leases.release_call, "orders.upload", True, True,
      body="{eventId, definitionIds?}", summary="hand unused leased seats back → {released}"),
    R("PUT", "/tessera/v1/leases/block", leases.block_call, "definitions.write", True, True,
      body="{eventId, definitionId?, block}", summary="the organiser's lease block size → {scopeId, block}"),
    R("GET", "/tessera/v1/leases", leases.dashboard_call, "orders.read", extension=True,
      summary="?eventId → {definitions: [{definitionId, sold, leased, left, block}]}"),
)


def endpoint(route: Route):
    """The ASGI endpoint of `route`: hands the request to sync.hub.runner.run."""

    async def answer(request: Request):
        return await run(request, route.permission, route.call, write=route.write)

    answer.__name__ = route.call.__module__.rsplit(".", 1)[-1] + "." + route.call.__name__
    answer.__doc__ = route.summary
    return answer


def register(app: FastAPI, *, plain: bool, routes: tuple[Route, ...] = ROUTES) -> list[Route]:
    """Add every route of `routes` to `app` (extensions only unless `plain`); returns the routes added."""
    added = [r for r in routes if not (plain and r.extension)]
    for r in added:  # plain Starlette routes: no FastAPI dependency solving per call (issue 11 item 4)
        app.add_route(r.path, endpoint(r), methods=[r.method], name=f"{r.method} {r.path}")
    return added
