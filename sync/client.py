"""TicketingApi: the contract client (API.md §2–§4) plus the hub's extensions (docs/HUB_EXTENSIONS.md) over an
injected httpx.Client. Only HTTP 200 with a JSON object body is success (API.md "observed on the wire" 7, BC-19).
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Iterable
from urllib.parse import quote

import httpx

from sync.answers import REFUSAL_STATUSES, is_hub_error, parse_answer  # noqa: F401 (re-exported)
from sync.errors import AnswerTooLarge, ApiError, BadAnswer, ForeignAnswer, NetworkError, RunTimeLimit

logger = logging.getLogger(__name__)

ORDER_FIELDSETS = ("DETAILS", "TICKETS", "FORM")
TICKET_FIELDSETS = ("TICKET_DETAILS", "GUEST_DETAILS")
DEFINITION_FIELDSETS = ("POLICY", "DASHBOARD")
PAGE_LIMIT = 100
MAX_ANSWER_BYTES = 64 * 1024 * 1024  # one answer; a 1000-change feed page is a few MB (issue 8 item 14)
MAX_RETRY_AFTER_S = 3600.0  # a server's Retry-After is honoured up to an hour (a manual sync still runs now)


def device_now() -> datetime:
    """The device clock (aware UTC); injected so tests can run a station with a skewed clock (BC-13)."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class ClockSample:
    """One reading of the server's clock: `server_time` from X-Server-Time (or Date), `device_time` the device
    clock at the midpoint of the request, `source` "X-Server-Time" or "Date"."""

    server_time: datetime
    device_time: datetime
    source: str

    @property
    def offset_s(self) -> float:
        """server − device, in seconds (positive = the device is behind)."""
        return (self.server_time - self.device_time).total_seconds()


@dataclass(frozen=True)
class Discovery:
    """What the server offers: `extensions` (none on a plain server), the key's station, role, `permissions`
    (None = not stated), `events` scope (empty = all; issue 8 item 5) and the hub's `hub_id`/`epoch` (item 11)."""

    extensions: frozenset[str] = field(default_factory=frozenset)
    station: str | None = None
    role: str | None = None
    hub_id: str | None = None
    epoch: str | None = None
    permissions: tuple[str, ...] | None = None
    events: tuple[str, ...] = ()

    @property
    def plain(self) -> bool:
        """True for a plain contract server (no discovery, no extensions)."""
        return not self.extensions

    def has(self, name: str) -> bool:
        """True when the server advertises extension `name` ("changes", "checkin-rows", ...)."""
        return name in self.extensions


def _server_time(resp: httpx.Response) -> tuple[datetime, str] | None:
    raw = resp.headers.get("x-server-time")
    if raw:
        try:
            return datetime.fromisoformat(raw.strip().replace("Z", "+00:00")).astimezone(timezone.utc), \
                "X-Server-Time"
        except ValueError:
            logger.warning("unparseable X-Server-Time %r", raw)
    raw = resp.headers.get("date")
    if raw:
        try:
            return parsedate_to_datetime(raw).astimezone(timezone.utc), "Date"
        except (TypeError, ValueError):
            logger.warning("unparseable Date header %r", raw)
    return None


def retry_after(raw: str | None, now: datetime) -> float | None:
    """A Retry-After header (RFC 9110 §10.2.3: delay seconds or an HTTP-date) as seconds to wait from `now`
    (the server's own time when it sent one, so a wrong device clock does not matter, BC-13), within
    0..MAX_RETRY_AFTER_S; None when absent or unreadable."""
    if not raw:
        return None
    text = raw.strip()
    try:
        wait = float(int(text)) if text.isdigit() else (parsedate_to_datetime(text) - now).total_seconds()
    except (TypeError, ValueError, IndexError):
        logger.warning("unreadable Retry-After %r", raw)
        return None
    return min(max(wait, 0.0), MAX_RETRY_AFTER_S)


def _seg(value: str) -> str:
    return quote(str(value), safe="")


def _many(name: str, values: Iterable[str] | None) -> list[tuple[str, str]]:
    """Repeated query keys (`fieldset=A&fieldset=B`, API.md §1.4 and "observed on the wire" 2)."""
    return [(name, str(v)) for v in (values or ())]


class TicketingApi:
    """Contract calls over `http` (an httpx.Client whose base_url is the server, e.g. https://www.wixapis.com or
    a hub on the LAN). Headers: raw `Authorization` key + `wix-site-id` (API.md §1.1). Every method returns the
    parsed JSON object or raises sync.errors: NetworkError, Unauthorized (401), Forbidden (403), NotFound (404),
    ApiError (other statuses), BadAnswer (a 2xx that is not 200 + JSON object, BC-19).
    Only the server's own error shape refuses (`is_hub_error`); any other non-success answer raises
    ForeignAnswer (transient; a redirect too: it is never followed). A failure carries `retry_after_s` from the
    server's Retry-After (429/503). `last_clock` holds the newest ClockSample (BC-13); `deadline` (time.monotonic)
    and `max_answer_bytes` bound every call (issue 8 item 14)."""

    def __init__(self, http: httpx.Client, key: str, site_id: str = "",
                 clock: Callable[[], datetime] = device_now):
        self.http = http
        self._key = key
        self.site_id = site_id
        self.clock = clock
        self.last_clock: ClockSample | None = None
        self.deadline: float | None = None
        self.max_answer_bytes = MAX_ANSWER_BYTES

    # -- transport ---------------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, params: list[tuple[str, str]] | None = None,
                body: dict | None = None, idempotency_key: str | None = None) -> dict:
        """Send one call and return its JSON object; raises as described on the class, and RunTimeLimit /
        AnswerTooLarge when the run's deadline or the answer size limit is passed (issue 8 item 14)."""
        headers = {"Authorization": self._key}
        if self.site_id:
            headers["wix-site-id"] = self.site_id
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        content = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            content = json.dumps(body, separators=(",", ":")).encode()
        request = self.http.build_request(method, path, params=params or None, content=content, headers=headers,
                                          timeout=self._timeout(method, path))
        sent = self.clock()
        try:
            resp = self.http.send(request, stream=True)
            try:
                raw = self._read(method, path, resp)
            finally:
                resp.close()
        except httpx.HTTPError as exc:  # connect/read timeouts, refused, broken pipes, protocol errors
            raise NetworkError(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        received = self.clock()
        stamp = _server_time(resp)
        if stamp:
            self.last_clock = ClockSample(stamp[0], sent + (received - sent) / 2, stamp[1])
        if 300 <= resp.status_code < 400:  # never followed: the key would go on to another address
            raise ForeignAnswer(resp.status_code, "REDIRECT", {}, f"{method} {path}: the server sends us on to "
                                f"{resp.headers.get('location', '?')!r}; connect the station again with that address")
        try:
            return parse_answer(method, path, resp.status_code, raw)
        except ApiError as exc:
            exc.retry_after_s = retry_after(resp.headers.get("retry-after"), stamp[0] if stamp else received)
            raise

    # -- bounds (issue 8 item 14) ------------------------------------------------------------------------
    def set_deadline(self, seconds: float | None) -> None:
        """Calls after `seconds` from now raise RunTimeLimit (None = no limit); set per sync run."""
        self.deadline = None if seconds is None else time.monotonic() + float(seconds)

    def _left(self, method: str, path: str) -> float | None:
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise RunTimeLimit(f"{method} {path}: the sync run passed its time limit; stopped (nothing half-"
                               "applied, the rest goes next run)")
        return left

    def _timeout(self, method: str, path: str):
        """The client's timeout, each part cut to the time left of the run."""
        left, base = self._left(method, path), self.http.timeout
        if left is None:
            return httpx.USE_CLIENT_DEFAULT
        cut = [min(x, left) if x is not None else left for x in (base.connect, base.read, base.write, base.pool)]
        return httpx.Timeout(connect=cut[0], read=cut[1], write=cut[2], pool=cut[3])

    def _read(self, method: str, path: str, resp: httpx.Response) -> bytes:
        """The body, read chunk by chunk: stops past `max_answer_bytes` (AnswerTooLarge) or the run's deadline
        (RunTimeLimit: a trickling answer)."""
        chunks, size = [], 0
        for chunk in resp.iter_bytes():
            size += len(chunk)
            if size > self.max_answer_bytes:
                raise AnswerTooLarge(f"{method} {path}: the answer passed {self.max_answer_bytes} bytes; stopped "
                                     "reading")
            chunks.append(chunk)
            self._left(method, path)
        return b"".join(chunks)

    @staticmethod
    def _expect(body: dict, key: str, kind: type, what: str) -> Any:
        value = body.get(key)
        if not isinstance(value, kind):
            raise BadAnswer(200, "BAD_SHAPE", body, f"{what}: answer lacks {key!r} ({kind.__name__})")
        return value

    # -- discovery (extension) ---------------------------------------------------------------------------
    def discover(self) -> Discovery:
        """GET /tessera/v1/discovery; a 404 (in any shape) means a plain contract server (no extensions).
        Whether that may change a station's mode is the engine's call (issue 8 item 13)."""
        try:
            body = self.request("GET", "/tessera/v1/discovery")
        except ApiError as exc:
            if exc.status == 404:
                return Discovery()
            raise
        exts, perms, events = (body.get(k) if isinstance(body.get(k), list) else None
                               for k in ("extensions", "permissions", "events"))
        hub_id, epoch = (str(body[k])[:64] if body.get(k) else None for k in ("hubId", "epoch"))
        return Discovery(frozenset(str(e) for e in exts or ()), body.get("station"), body.get("role"), hub_id, epoch,
                         None if perms is None else tuple(map(str, perms)), tuple(map(str, events or ())))

    def list_events(self) -> list[dict]:
        """GET /events/v1/events (hub only: the contract has no event call) → the `events` (event_to_api JSON)."""
        body = self.request("GET", "/events/v1/events")
        return [e for e in self._expect(body, "events", list, "ListEvents") if isinstance(e, dict)]

    # -- ticket definitions (§4) -------------------------------------------------------------------------
    def list_definitions(self, event_ids: list[str], *, offset: int = 0, limit: int = PAGE_LIMIT,
                         fieldsets: Iterable[str] = DEFINITION_FIELDSETS) -> dict:
        """ListTicketDefinitions → {metaData: {count, offset, total}, definitions: [...]}."""
        params = _many("eventId", event_ids) + [("offset", str(offset)), ("limit", str(limit))]
        body = self.request("GET", "/events/v1/ticket-definitions", params=params + _many("fieldset", fieldsets))
        self._expect(body, "definitions", list, "ListTicketDefinitions")
        return body

    def get_definition(self, definition_id: str, *, fieldsets: Iterable[str] = DEFINITION_FIELDSETS) -> dict:
        """GetTicketDefinition → the `definition` object."""
        body = self.request("GET", f"/events/v1/ticket-definitions/{_seg(definition_id)}",
                            params=_many("fieldset", fieldsets))
        return self._expect(body, "definition", dict, "GetTicketDefinition")

    def create_event(self, event: dict, *, idempotency_key: str | None = None) -> dict:
        """CreateEvent (hub Events route, docs/HUB_EXTENSIONS.md) {event} → the created `event`."""
        body = self.request("POST", "/events/v1/events", body={"event": event}, idempotency_key=idempotency_key)
        return self._expect(body, "event", dict, "CreateEvent")

    def create_definition(self, event_id: str, data: dict, *, idempotency_key: str | None = None) -> dict:
        """CreateTicketDefinition {eventId, definition} → the created `definition`."""
        body = self.request("POST", "/events/v1/ticket-definitions", body={"eventId": event_id, "definition": data},
                            idempotency_key=idempotency_key)
        return self._expect(body, "definition", dict, "CreateTicketDefinition")

    def update_definition(self, definition_id: str, event_id: str, data: dict, fields: list[str], *,
                          idempotency_key: str | None = None) -> dict:
        """UpdateTicketDefinition (PATCH, field mask as a comma-joined string, API.md §1.5) → `definition`."""
        payload = {"eventId": event_id, "definitionId": definition_id, "definition": data,
                   "fields": ",".join(fields)}
        body = self.request("PATCH", f"/events/v1/ticket-definitions/{_seg(definition_id)}", body=payload,
                            idempotency_key=idempotency_key)
        return self._expect(body, "definition", dict, "UpdateTicketDefinition")

    def delete_definitions(self, event_id: str, definition_ids: list[str], *,
                           idempotency_key: str | None = None) -> dict:
        """DeleteTicketDefinition: query eventId + repeated byId.definitionId → {}."""
        params = [("eventId", event_id)] + _many("byId.definitionId", definition_ids)
        return self.request("DELETE", "/events/v1/ticket-definitions", params=params,
                            idempotency_key=idempotency_key)

    def change_currency(self, event_id: str, currency: str, *, idempotency_key: str | None = None) -> dict:
        """ChangeCurrency (PUT) → {} ; 428 CURRENCY_LOCKED once an order exists."""
        return self.request("PUT", "/events/v1/ticket-definitions/currency",
                            body={"eventId": event_id, "currency": currency}, idempotency_key=idempotency_key)

    # -- orders (§2) -------------------------------------------------------------------------------------
    def list_orders(self, event_ids: list[str], *, offset: int = 0, limit: int = PAGE_LIMIT,
                    fieldsets: Iterable[str] = ORDER_FIELDSETS, order_numbers: Iterable[str] = ()) -> dict:
        """ListOrders → {total, offset, limit, orders: [...]}."""
        params = (_many("eventId", event_ids) + [("offset", str(offset)), ("limit", str(limit))]
                  + _many("fieldset", fieldsets) + _many("orderNumber", order_numbers))
        body = self.request("GET", "/events/v1/orders", params=params)
        self._expect(body, "orders", list, "ListOrders")
        return body

    def get_order(self, event_id: str, order_number: str, *, fieldsets: Iterable[str] = ORDER_FIELDSETS) -> dict:
        """GetOrder → the `order` object (NotFound when absent)."""
        body = self.request("GET", f"/events/v1/events/{_seg(event_id)}/orders/{_seg(order_number)}",
                            params=_many("fieldset", fieldsets))
        return self._expect(body, "order", dict, "GetOrder")

    def update_order(self, event_id: str, order_number: str, fields: list[str], *, checkout_form: dict | None = None,
                     archived: bool | None = None, idempotency_key: str | None = None) -> dict:
        """UpdateOrder (PATCH checkoutForm and/or archived, API.md §2.5) → the `order`."""
        payload: dict[str, Any] = {"eventId": event_id, "orderNumber": order_number, "fields": ",".join(fields)}
        if checkout_form is not None:
            payload["checkoutForm"] = checkout_form
        if archived is not None:
            payload["archived"] = bool(archived)
        body = self.request("PATCH", f"/events/v1/events/{_seg(event_id)}/orders/{_seg(order_number)}",
                            body=payload, idempotency_key=idempotency_key)
        return self._expect(body, "order", dict, "UpdateOrder")

    def confirm_orders(self, event_id: str, order_numbers: list[str], *, payment: dict | None = None,
                       idempotency_key: str | None = None) -> list[dict]:
        """ConfirmOrder (API.md §2.4) → the `orders`; 428 ORDER_ACTION_NOT_AVAILABLE for e.g. CANCELED. `payment`
        (extension `payments`): the till's payment goes with it; 409 ORDER_ALREADY_PAID for a settled order."""
        body = self.request("POST", f"/events/v1/events/{_seg(event_id)}/orders/confirm",
                            body={"eventId": event_id, "orderNumber": list(order_numbers),
                                  **({"payment": payment} if payment else {})}, idempotency_key=idempotency_key)
        return self._expect(body, "orders", list, "ConfirmOrder")

    def cancel_order(self, event_id: str, order_number: str, *, idempotency_key: str | None = None) -> dict:
        """CancelOrder (hub extension `order-cancel`) → the `order`; 428 for a DECLINED order."""
        body = self.request("POST", f"/tessera/v1/events/{_seg(event_id)}/orders/{_seg(order_number)}/cancel",
                            body={"eventId": event_id, "orderNumber": order_number}, idempotency_key=idempotency_key)
        return self._expect(body, "order", dict, "CancelOrder")

    # -- tickets (§3) ------------------------------------------------------------------------------------
    def list_tickets(self, event_ids: list[str], *, offset: int = 0, limit: int = PAGE_LIMIT,
                     fieldsets: Iterable[str] = TICKET_FIELDSETS, ticket_numbers: Iterable[str] = ()) -> dict:
        """ListTickets → {total, offset, limit, tickets: [...]} (≤50 ticketNumber filters per call)."""
        params = (_many("eventId", event_ids) + [("offset", str(offset)), ("limit", str(limit))]
                  + _many("fieldset", fieldsets) + _many("ticketNumber", ticket_numbers))
        body = self.request("GET", "/events/v1/tickets", params=params)
        self._expect(body, "tickets", list, "ListTickets")
        return body

    def get_ticket(self, ticket_number: str, event_id: str, *,
                   fieldsets: Iterable[str] = TICKET_FIELDSETS) -> dict:
        """GetTicket (eventId as camelCase query, API.md §3.3) → the `ticket` (NotFound when absent)."""
        body = self.request("GET", f"/events/v1/tickets/{_seg(ticket_number)}",
                            params=[("eventId", event_id)] + _many("fieldset", fieldsets))
        return self._expect(body, "ticket", dict, "GetTicket")

    def check_in(self, event_id: str, ticket_numbers: list[str], *, idempotency_key: str | None = None) -> list[dict]:
        """CheckIn (POST body {eventId, ticketNumber: [..≤100]}) → the updated `tickets`."""
        body = self.request("POST", "/events/v1/tickets/check-in",
                            body={"eventId": event_id, "ticketNumber": list(ticket_numbers)},
                            idempotency_key=idempotency_key)
        return self._expect(body, "tickets", list, "CheckIn")

    def delete_check_in(self, event_id: str, ticket_numbers: list[str], *,
                        idempotency_key: str | None = None) -> list[dict]:
        """DeleteCheckIn (DELETE, query only, API.md §3.5) → the `tickets` (a missing list counts as [])."""
        body = self.request("DELETE", "/events/v1/tickets/check-in",
                            params=[("eventId", event_id)] + _many("ticketNumber", ticket_numbers),
                            idempotency_key=idempotency_key)
        tickets = body.get("tickets", [])
        if not isinstance(tickets, list):
            raise BadAnswer(200, "BAD_SHAPE", body, "DeleteCheckIn: 'tickets' is not a list")
        return tickets

    # -- hub extensions ----------------------------------------------------------------------------------
    def changes(self, event_id: str, since: str | None = None, limit: int = 1000) -> dict:
        """GET /tessera/v1/changes → {changes: [{seq, type, data}], cursor, hasMore} (extension `changes`)."""
        params = [("eventId", event_id), ("limit", str(limit))] + ([("since", since)] if since else [])
        body = self.request("GET", "/tessera/v1/changes", params=params)
        self._expect(body, "changes", list, "changes")
        if not isinstance(body.get("cursor"), str):
            raise BadAnswer(200, "BAD_SHAPE", body, "changes: answer lacks a cursor")
        return body

    def upload_checkins(self, event_id: str, rows: list[dict], *, idempotency_key: str | None = None) -> list[dict]:
        """POST /tessera/v1/checkins (≤100 rows with nonce, device/corrected time) → per-nonce `results`."""
        body = self.request("POST", "/tessera/v1/checkins", body={"eventId": event_id, "checkIns": rows},
                            idempotency_key=idempotency_key)
        return self._expect(body, "results", list, "checkins upload")

    def upload_order(self, event_id: str, order: dict, *, idempotency_key: str | None = None) -> dict:
        """POST /tessera/v1/orders (box-office sale, BC-26) → {order, oversold: [...]}."""
        body = self.request("POST", "/tessera/v1/orders", body={"eventId": event_id, "order": order},
                            idempotency_key=idempotency_key)
        self._expect(body, "order", dict, "order upload")
        return body
