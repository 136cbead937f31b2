"""Contract JSON → column values: the parsers beside core.contract's renderers (docs/API.md §2.1 Order, §3.1
Ticket, §4.1 TicketDefinition; events per docs/INTERNAL_API.md; check-in rows and box-office order upload per
docs/HUB_EXTENSIONS.md). Shared by the station's sync engine (answers it pulls) and the hub (requests it
receives). Every malformed value raises core.errors.ContractError (400) and nothing is changed.

Two reading modes, as the two sides need them:
- lenient (`parse_event`, `parse_definition`, `parse_order`, `parse_ticket`): a pulled answer; only the fields
  present are returned, so a missing fieldset never blanks local data; unknown order statuses kept verbatim.
- strict (`parse_checkin_rows`, `parse_upload`): a write the hub stores; required fields and text limits are
  checked, and money must be in the event's currency.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.checkin_merge import values_from_api
from core import entry_rules
from core.codes import is_ticket_number
from core.errors import ContractError, DomainError, InvalidArgument
from core.money import Money
from core.status import MAX_TICKETS_PER_ORDER
from core.timeutil import parse_rfc3339

MAX_CHECKIN_ROWS = 100  # rows per check-in upload (HUB_EXTENSIONS.md)
MAX_UPLOAD_TICKETS = MAX_TICKETS_PER_ORDER  # tickets per uploaded order (979, core.status)


# -- field readers (lenient mode) ------------------------------------------------------------------------------
def _req(data: dict, key: str, what: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ContractError(f"{what}: missing or empty {key!r}")
    return value


def _opt_str(data: dict, key: str, what: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ContractError(f"{what}: {key!r} is not a string")
    return value


def _bool(value: Any, key: str, what: str) -> bool:
    if not isinstance(value, bool):
        raise ContractError(f"{what}: {key!r} is not a boolean")
    return value


def _int(value: Any, key: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ContractError(f"{what}: {key!r} is not an integer")
    try:
        return int(value)
    except ValueError:
        raise ContractError(f"{what}: {key!r} is not an integer") from None


def _time(data: dict, key: str, what: str) -> datetime | None:
    try:
        return parse_rfc3339(data.get(key), key)
    except DomainError as exc:
        raise ContractError(f"{what}: {exc.message}") from None


def _money(obj: Any, key: str, what: str, default_currency: str | None = None) -> Money | None:
    if obj is None:
        return None
    if not isinstance(obj, dict):
        raise ContractError(f"{what}: {key!r} is not a Money object")
    try:
        return Money.from_api(obj, default_currency)
    except DomainError as exc:
        raise ContractError(f"{what}: {key}: {exc.message}") from None


def _form(obj: Any, key: str, what: str) -> list | None:
    """FormResponse {inputValues: [...]} → the inputValues list (None when absent)."""
    if obj is None:
        return None
    values = obj.get("inputValues") if isinstance(obj, dict) else None
    if not isinstance(obj, dict) or not isinstance(values if values is not None else [], list):
        raise ContractError(f"{what}: {key!r} is not a form response")
    return list(values or [])


def _set(row: dict, key: str, value: Any) -> None:
    """Only fields the answer carried are written (a missing fieldset never blanks local data)."""
    if value is not None:
        row[key] = value


# -- lenient parsers (pulled answers) --------------------------------------------------------------------------
def parse_event(data: dict) -> dict:
    """core.contract.event_to_api JSON → Event column values: `id`, `start`, `end` (None when absent) always;
    title, time_zone, currency, registration_type, currency_locked only when present. ContractError."""
    if not isinstance(data, dict):
        raise ContractError("event: not an object")
    what = f"event {data.get('id')!r}"
    row: dict[str, Any] = {"id": _req(data, "id", what)}
    _set(row, "title", _opt_str(data, "title", what))
    _set(row, "time_zone", _opt_str(data, "timeZone", what))
    _set(row, "currency", _opt_str(data, "currency", what))
    _set(row, "registration_type", _opt_str(data, "registrationType", what))
    if data.get("currencyLocked") is not None:
        row["currency_locked"] = _bool(data["currencyLocked"], "currencyLocked", what)
    row["start"], row["end"] = _time(data, "start", what), _time(data, "end", what)
    return row


def parse_definition(data: dict, event_id: str | None = None) -> dict:
    """TicketDefinition JSON (API.md §4.1) → a TicketDefinition column dict (only fields present, except the
    hub's entryRule: entry_rule/max_entries always, ONCE when absent — plain servers keep no rule)."""
    if not isinstance(data, dict):
        raise ContractError("ticket definition: not an object")
    what = f"ticket definition {data.get('id')!r}"
    dash = data.get("dashboard") if isinstance(data.get("dashboard"), dict) else {}
    row: dict[str, Any] = {"id": _req(data, "id", what), "event_id": data.get("eventId") or event_id}
    if not row["event_id"]:
        raise ContractError(f"{what}: missing 'eventId'")
    _set(row, "name", _opt_str(data, "name", what))
    _set(row, "description", _opt_str(data, "description", what))
    _set(row, "policy", _opt_str(data, "policy", what))
    pricing = data.get("pricing") if isinstance(data.get("pricing"), dict) else {}
    price = _money(data.get("price") or pricing.get("fixedPrice"), "price", what)
    if price is not None:
        row["price_minor"], row["currency"] = price.minor, price.currency
    for key, col, src in (("limitPerCheckout", "limit_per_checkout", data), ("orderIndex", "order_index", data),
                          ("ticketsReserved", "reserved", dash)):
        if src.get(key) is not None:
            row[col] = _int(src[key], key, what)
    for key, col in (("hidden", "hidden"), ("limited", "limited")):
        value = data.get(key, dash.get(key))
        if value is not None:
            row[col] = _bool(value, key, what)
    if "quantity" in data or "quantity" in dash:
        qty = data.get("quantity", dash.get("quantity"))
        row["quantity"] = None if qty is None else _int(qty, "quantity", what)
    period = data.get("salePeriod")
    if isinstance(period, dict):
        row["sale_start"] = _time(period, "startDate", what)
        row["sale_end"] = _time(period, "endDate", what)
        row["hide_not_on_sale"] = bool(period.get("hideNotOnSale", False))
    elif period is None and "salePeriod" in data:
        row["sale_start"] = row["sale_end"] = None
    try:  # hub extension (core.entry_rules); absent = ONCE: the central definition is the truth
        row["entry_rule"], row["max_entries"] = entry_rules.from_api(data.get("entryRule"))
    except DomainError as exc:
        raise ContractError(f"{what}: {exc.message}") from None
    _set(row, "created", _time(data, "created", what))
    _set(row, "updated", _time(data, "updated", what) or _time(data, "modified", what))
    return row


def parse_order(data: dict, event_id: str | None = None) -> tuple[dict, list[dict] | None]:
    """Order JSON (API.md §2.1) → (Order column dict, ticket dicts or None when the TICKETS fieldset is absent)."""
    if not isinstance(data, dict):
        raise ContractError("order: not an object")
    what = f"order {data.get('orderNumber')!r}"
    row: dict[str, Any] = {"order_number": _req(data, "orderNumber", what),
                           "event_id": data.get("eventId") or event_id}
    if not row["event_id"]:
        raise ContractError(f"{what}: missing 'eventId'")
    status = _opt_str(data, "status", what)
    if status and status != "NA_ORDER_STATUS":  # NA = the DETAILS fieldset was not sent: keep ours
        row["status"] = status  # unknown values (AUTHORIZED, VOIDED, ...) kept verbatim
    for key, col in (("firstName", "first_name"), ("lastName", "last_name"), ("email", "email"),
                     ("method", "method"), ("channel", "channel"), ("station", "station")):
        _set(row, col, _opt_str(data, key, what))
    _set(row, "checkout_form", _form(data.get("checkoutForm"), "checkoutForm", what))
    total = _money(data.get("totalPrice"), "totalPrice", what)
    if total is not None:
        row["total_minor"], row["currency"] = total.minor, total.currency
    if data.get("archived") is not None:
        row["archived"] = _bool(data["archived"], "archived", what)
    _set(row, "created", _time(data, "created", what))
    _set(row, "updated", _time(data, "updated", what))
    tickets = data.get("tickets")
    if tickets is None:
        return row, None
    if not isinstance(tickets, list):
        raise ContractError(f"{what}: 'tickets' is not a list")
    parsed = [parse_ticket(t, row["event_id"], row["order_number"]) for t in tickets]
    return row, parsed


def parse_ticket(data: dict, event_id: str, order_number: str | None = None) -> dict:
    """Ticket JSON (API.md §3.1; tickets carry no eventId, so the caller names it) → a Ticket column dict (the
    ticket number trimmed and upper-cased like every scan, core.codes, whatever case the server sends) plus
    the private keys `_checkin` (checkIn.created or None), `_order_status`, `_order_full_name`."""
    if not isinstance(data, dict):
        raise ContractError("ticket: not an object")
    what = f"ticket {data.get('ticketNumber')!r}"
    row: dict[str, Any] = {"ticket_number": _req(data, "ticketNumber", what).strip().upper(),  # WR-07 b: one
                           "order_number": data.get("orderNumber") or order_number,  # case, as scans and typing
                           "event_id": event_id}
    if not row["order_number"]:
        raise ContractError(f"{what}: missing 'orderNumber'")
    _set(row, "definition_id", _opt_str(data, "ticketDefinitionId", what))
    _set(row, "name", _opt_str(data, "name", what))
    price = _money(data.get("price"), "price", what)
    if price is not None:
        row["price_minor"], row["currency"] = price.minor, price.currency
    for key in ("archived", "canceled"):
        if data.get(key) is not None:
            row[key] = _bool(data[key], key, what)
    guest = data.get("guestDetails")
    if guest is not None:
        if not isinstance(guest, dict):
            raise ContractError(f"{what}: 'guestDetails' is not an object")
        for key, col in (("firstName", "guest_first_name"), ("lastName", "guest_last_name"), ("email", "guest_email")):
            row[col] = _opt_str(guest, key, what) or ""
        _set(row, "guest_form", _form(guest.get("form"), "guestDetails.form", what))
    _set(row, "created", _time(data, "created", what))
    check_in = data.get("checkIn")
    if check_in is not None and not isinstance(check_in, dict):
        raise ContractError(f"{what}: 'checkIn' is not an object")
    row["_checkin"] = _time(check_in, "created", what) if check_in else None
    row["_order_status"] = data.get("orderStatus")
    row["_order_full_name"] = data.get("orderFullName") or ""
    return row


# -- strict parsers (writes the hub stores) --------------------------------------------------------------------
def parse_checkin_rows(rows: Any, event_id: str, station: str) -> list[dict]:
    """The `checkIns` of a check-in rows upload (HUB_EXTENSIONS.md): 1..100 objects, each valid for
    core.checkin_merge.values_from_api (nonce, ticketNumber, kind, times). Returns copies with the ticket number
    upper-cased and `station` defaulting to the caller's. ContractError (field checkIns, or the row's field)."""
    if not isinstance(rows, list) or not 1 <= len(rows) <= MAX_CHECKIN_ROWS:
        raise ContractError(f"checkIns takes 1..{MAX_CHECKIN_ROWS} rows", field="checkIns")
    clean = []
    for raw in rows:
        if not isinstance(raw, dict):
            raise ContractError("every check-in row must be an object", field="checkIns")
        row = dict(raw, station=raw.get("station") or station)
        row["ticketNumber"] = str(row.get("ticketNumber") or "").strip().upper()
        try:
            values_from_api(row, event_id=event_id)  # the check-in row rule lives in core.checkin_merge
        except InvalidArgument as exc:
            raise ContractError(exc.message, code=exc.code, field=exc.field) from None
        clean.append(row)
    return clean


@dataclass(frozen=True)
class UploadedOrder:
    """A box-office order upload as column values: `order` (Order), `tickets` (Ticket), `payments` (Payment)."""

    order: dict
    tickets: list[dict]
    payments: list[dict]


def _strict_money(obj: Any, field: str, currency: str) -> Money:
    if not isinstance(obj, dict):
        raise ContractError(f"{field} must be Money {{value, currency}}", field=field)
    money = Money.from_api(obj, currency)
    if money is None:
        raise ContractError(f"{field} needs a value", field=field)
    if money.currency != currency:
        raise ContractError(f"{field} is in {money.currency}, the event sells in {currency}", field=field)
    return money


def _text(value: Any, field: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise ContractError(f"{field} must be text of ≤{limit} characters", field=field)
    return value.strip()


def _upload_form(order: dict) -> list[dict]:
    form = order.get("checkoutForm") or {}
    values = form.get("inputValues") if isinstance(form, dict) else form
    if values is None:
        return []
    if not isinstance(values, list) or not all(isinstance(v, dict) and v.get("inputName") for v in values):
        raise ContractError("checkoutForm.inputValues must be a list of {inputName, value}", field="checkoutForm")
    return [{"inputName": str(v["inputName"]), "value": str(v.get("value") or ""),
             **({"values": [str(x) for x in v["values"]]} if v.get("values") else {})} for v in values]


def _upload_ticket(raw: Any, order: dict, currency: str) -> dict:
    if not isinstance(raw, dict):
        raise ContractError("every ticket must be an object", field="tickets")
    number = str(raw.get("ticketNumber") or "").strip().upper()
    if not is_ticket_number(number):
        raise ContractError(f"not a ticket number: {raw.get('ticketNumber')!r}", field="tickets.ticketNumber")
    def_id = str(raw.get("ticketDefinitionId") or "").strip()
    if not def_id or len(def_id) > 36:
        raise ContractError(f"ticket {number} needs a ticketDefinitionId", field="tickets.ticketDefinitionId")
    guest = raw.get("guestDetails") if isinstance(raw.get("guestDetails"), dict) else {}
    price = _strict_money(raw.get("price") or {"value": "0", "currency": currency}, "tickets.price", currency)
    form = guest.get("form", {}).get("inputValues", []) if isinstance(guest.get("form"), dict) else []
    return {"ticket_number": number, "order_number": order["order_number"], "event_id": order["event_id"],
            "definition_id": def_id, "name": _text(raw.get("name"), "tickets.name", 200),
            "price_minor": price.minor, "currency": currency,
            "guest_first_name": _text(guest.get("firstName") or order["first_name"], "guest", 200),
            "guest_last_name": _text(guest.get("lastName") or order["last_name"], "guest", 200),
            "guest_email": _text(guest.get("email") or order["email"], "guest", 320),
            "guest_form": form if isinstance(form, list) else [], "archived": bool(raw.get("archived")),
            "canceled": bool(raw.get("canceled")), "created": order["created"]}


def parse_payment(raw: Any, order_number: str, currency: str, station: str, now: datetime) -> dict:
    """A payment of an upload or a paid ConfirmOrder (docs/HUB_EXTENSIONS.md "Payments") → Payment column values:
    {method, amount, tendered?, change?, station?, operator?, paymentId?, created?}, amounts in `currency`.
    Raises ContractError."""
    if not isinstance(raw, dict):
        raise ContractError("every payment must be an object", field="payments")
    amount = _strict_money(raw.get("amount"), "payments.amount", currency)
    tendered = _strict_money(raw["tendered"], "payments.tendered", currency) if raw.get("tendered") else None
    change = _strict_money(raw["change"], "payments.change", currency) if raw.get("change") else None
    return {"order_number": order_number, "method": _text(raw.get("method"), "payments.method", 16) or "cash",
            "amount_minor": amount.minor, "currency": currency,
            "tendered_minor": tendered.minor if tendered else None, "change_minor": change.minor if change else None,
            "station": _text(raw.get("station"), "payments.station", 64) or station,
            "created": _time_field(raw.get("created"), "payments.created") or now,
            "operator": _text(raw.get("operator"), "payments.operator", 64),
            **({"payment_id": _text(raw["paymentId"], "payments.paymentId", 36)} if raw.get("paymentId") else {})}


def _time_field(value: Any, field: str) -> datetime | None:
    try:
        return parse_rfc3339(value, field)
    except InvalidArgument as exc:
        raise ContractError(exc.message, code=exc.code, field=exc.field or field) from None


def parse_upload(data: dict, event_id: str, currency: str, *, station: str, now: datetime) -> UploadedOrder:
    """A box-office order upload's `order` (HUB_EXTENSIONS.md: order_to_api with DETAILS, TICKETS, FORM plus
    `payments`) → column values for an order of `event_id` selling in `currency`. The station's own order and
    ticket numbers are kept; `station` and `now` fill what the upload leaves out. ContractError (with the field)
    for a missing status, 1..979 tickets, a bad ticket number, duplicate numbers, money in another currency."""
    status = _text(data.get("status"), "status", 32).upper()
    if not status or status == "NA_ORDER_STATUS":
        raise ContractError("the uploaded order needs its status (fieldset DETAILS)", field="status")
    when = _time_field(data.get("created"), "created") or now
    total = _strict_money(data.get("totalPrice") or {"value": "0", "currency": currency}, "totalPrice", currency)
    order = {"order_number": str(data.get("orderNumber") or "").strip().upper(), "event_id": event_id,
             "status": status, "first_name": _text(data.get("firstName"), "firstName", 200),
             "last_name": _text(data.get("lastName"), "lastName", 200),
             "email": _text(data.get("email"), "email", 320), "checkout_form": _upload_form(data),
             "method": _text(data.get("method"), "method", 32), "total_minor": total.minor, "currency": currency,
             "archived": bool(data.get("archived")),
             "channel": _text(data.get("channel"), "channel", 16) or "OFFLINE_POS",
             "station": _text(data.get("station"), "station", 64) or station, "created": when, "updated": now}
    raw_tickets = data.get("tickets") or []
    if not isinstance(raw_tickets, list) or not 1 <= len(raw_tickets) <= MAX_UPLOAD_TICKETS:
        raise ContractError(f"the order needs 1..{MAX_UPLOAD_TICKETS} tickets (fieldset TICKETS)", field="tickets")
    tickets = [_upload_ticket(t, order, currency) for t in raw_tickets]
    numbers = [t["ticket_number"] for t in tickets]
    if len(set(numbers)) != len(numbers):
        raise ContractError("duplicate ticket numbers in the order", field="tickets.ticketNumber")
    payments = data.get("payments") or []
    if not isinstance(payments, list):
        raise ContractError("payments must be a list", field="payments")
    rows = [parse_payment(p, order["order_number"], currency, station, now) for p in payments]
    return UploadedOrder(order, tickets, rows)
