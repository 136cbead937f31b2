"""Contract JSON of core rows (API.md §2.1 Order, §3.1 Ticket, §4.1 TicketDefinition; events per INTERNAL_API):
camelCase names, Money as decimal strings, RFC 3339 UTC timestamps. Used by the CLI --json, the hub and sync."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Iterable

from sqlalchemy.orm import object_session

from core import entry_rules
from core.codes import check_in_url
from core.definitions import DefinitionCounts, sale_status
from core.models import CheckIn, Event, Order, Ticket, TicketDefinition
from core.money import Money
from core.status import SETTLED  # `confirmed` (API.md §2.1)
from core.tickets import checked_in_map
from core.timeutil import to_rfc3339

ORDER_FIELDSETS = ("DETAILS", "TICKETS", "FORM")
TICKET_FIELDSETS = ("TICKET_DETAILS", "GUEST_DETAILS")


def _money(minor: int, currency: str) -> dict:
    return Money.from_minor(minor or 0, currency).to_api()


def _fieldsets(fieldsets: Iterable[str] | None) -> frozenset[str]:
    if isinstance(fieldsets, tuple):  # the constants: built once (every entity of a 100,000-row feed asks)
        return _fieldset_tuple(fieldsets)
    return frozenset(str(f).strip().upper() for f in (fieldsets or ()))


@lru_cache(maxsize=256)
def _fieldset_tuple(fieldsets: tuple) -> frozenset[str]:
    return frozenset(str(f).strip().upper() for f in fieldsets)


def input_values(values: list | None) -> list[dict]:
    """A stored checkout/guest form as the contract's inputValues: [{inputName, value, values}]."""
    out = []
    for entry in values or []:
        if isinstance(entry, dict):
            out.append({"inputName": entry.get("inputName") or "", "value": entry.get("value") or "",
                        "values": list(entry.get("values") or [])})
    return out


def event_to_api(ev: Event) -> dict:
    """{id, title, timeZone, start, end, currency, registrationType, currencyLocked, created, updated};
    start/end are UTC instants — show them in `timeZone`, never the machine's zone (case BC-11)."""
    return {"id": ev.id, "title": ev.title, "timeZone": ev.time_zone, "start": to_rfc3339(ev.start),
            "end": to_rfc3339(ev.end), "currency": ev.currency, "registrationType": ev.registration_type,
            "currencyLocked": bool(ev.currency_locked), "created": to_rfc3339(ev.created),
            "updated": to_rfc3339(ev.updated)}


def definition_to_api(defn: TicketDefinition, counts: DefinitionCounts | None = None, *,
                      now: datetime | None = None) -> dict:
    """TicketDefinition JSON (API.md §4.1): id, eventId, name, description, price, free, limitPerCheckout,
    orderIndex, policy, salePeriod (null when no period is set), saleStatus (at `now`), created, updated;
    plus `dashboard` {hidden, sold (= sold + reserved, the contract's deprecated meaning), limited, quantity,
    unsold, ticketsSold, ticketsReserved} when `counts` (core.definitions.definition_counts) are given."""
    has_period = defn.sale_start is not None or defn.sale_end is not None or bool(defn.hide_not_on_sale)
    out = {
        "id": defn.id, "eventId": defn.event_id, "name": defn.name, "description": defn.description or "",
        "price": _money(defn.price_minor, defn.currency), "free": not defn.price_minor,
        "limitPerCheckout": defn.limit_per_checkout, "orderIndex": defn.order_index, "policy": defn.policy or "",
        "salePeriod": {"startDate": to_rfc3339(defn.sale_start), "endDate": to_rfc3339(defn.sale_end),
                       "hideNotOnSale": bool(defn.hide_not_on_sale)} if has_period else None,
        "saleStatus": sale_status(defn, now), "created": to_rfc3339(defn.created),
        "updated": to_rfc3339(defn.updated),
        **entry_rules.to_api(defn.entry_rule, defn.max_entries),  # hub extension, only when not ONCE
    }
    if counts is not None:
        out["dashboard"] = {"hidden": bool(defn.hidden), "sold": counts.sold + counts.reserved,
                            "limited": bool(defn.limited), "quantity": defn.quantity,
                            "unsold": counts.unsold, "ticketsSold": counts.sold,
                            "ticketsReserved": counts.reserved}
    return out


def _full_name(first: str | None, last: str | None) -> str:
    first, last = (first or "").strip(), (last or "").strip()
    return f"{first} {last}" if first and last else first or last


def order_to_api(order: Order, *, checked_in: dict[str, CheckIn] | None = None,
                 fieldsets: Iterable[str] | None = ORDER_FIELDSETS) -> dict:
    """Order JSON (API.md §2.1). Always: orderNumber, eventId, anonymized, fullyCheckedIn (≥1 ticket and all
    checked in) and status NA_ORDER_STATUS, as the contract answers without fieldsets. DETAILS: status,
    firstName, lastName, fullName, email, method, totalPrice, created, updated, archived, confirmed (PAID/FREE),
    ticketsQuantity, channel (and station, a hub extension, when set); TICKETS: tickets (ticket_to_api with
    TICKET_DETAILS, GUEST_DETAILS, and GUEST_FORM when FORM is asked); FORM: checkoutForm {inputValues}.
    `checked_in` = {ticket_number: CheckIn} (core.tickets.checked_in_map); None = read from the order's session."""
    sets = _fieldsets(fieldsets)
    tickets = list(order.tickets or [])
    if checked_in is None:
        session = object_session(order)
        checked_in = checked_in_map(session, [t.ticket_number for t in tickets]) if session and tickets else {}
    out = {"orderNumber": order.order_number, "eventId": order.event_id, "status": "NA_ORDER_STATUS",
           "anonymized": False,
           "fullyCheckedIn": bool(tickets) and all(t.ticket_number in checked_in for t in tickets)}
    if "DETAILS" in sets:
        out.update({
            "status": order.status, "firstName": order.first_name or "", "lastName": order.last_name or "",
            "fullName": _full_name(order.first_name, order.last_name), "email": order.email or "",
            "method": order.method or "", "totalPrice": _money(order.total_minor, order.currency),
            "created": to_rfc3339(order.created), "updated": to_rfc3339(order.updated),
            "archived": bool(order.archived), "confirmed": order.status in SETTLED,
            "ticketsQuantity": len(tickets), "channel": order.channel or "ONLINE"})
        if order.station:
            out["station"] = order.station
    if "TICKETS" in sets:
        ticket_sets = TICKET_FIELDSETS + (("GUEST_FORM",) if "FORM" in sets else ())
        out["tickets"] = [ticket_to_api(t, checked_in.get(t.ticket_number), fieldsets=ticket_sets)
                          for t in tickets]
    if "FORM" in sets:
        out["checkoutForm"] = {"inputValues": input_values(order.checkout_form)}
    return out


def ticket_to_api(ticket: Ticket, checkin: CheckIn | None, *,
                  fieldsets: Iterable[str] | None = TICKET_FIELDSETS) -> dict:
    """Ticket JSON (API.md §3.1). Always memberId, anonymized (the contract's answer without fieldsets).
    TICKET_DETAILS: ticketNumber, orderNumber, ticketDefinitionId, name, price, free, orderStatus,
    orderArchived, archived, canceled, orderFullName, guestFullName (null when no guest), checkInUrl
    (core.codes.check_in_url), channel, created, and checkIn {created} only when `checkin` (the ticket's
    latest accepted CHECK_IN row, core.tickets.checked_in_map) is given. GUEST_DETAILS: guestDetails
    {guestAssigned, firstName, lastName, email}; GUEST_FORM: guestDetails.form {inputValues}."""
    sets = _fieldsets(fieldsets)
    order = ticket.order
    out: dict = {"memberId": "", "anonymized": False}
    guest_name = _full_name(ticket.guest_first_name, ticket.guest_last_name)
    if "TICKET_DETAILS" in sets:
        out.update({
            "ticketNumber": ticket.ticket_number, "orderNumber": ticket.order_number,
            "ticketDefinitionId": ticket.definition_id, "name": ticket.name or "",
            "price": _money(ticket.price_minor, ticket.currency), "free": not ticket.price_minor,
            "orderStatus": order.status if order is not None else "NA_ORDER_STATUS",
            "orderArchived": bool(order.archived) if order is not None else False,
            "archived": bool(ticket.archived), "canceled": bool(ticket.canceled),
            "orderFullName": _full_name(order.first_name, order.last_name) if order is not None else "",
            "guestFullName": guest_name or None,
            "checkInUrl": check_in_url(ticket.ticket_number, ticket.event_id),
            "channel": (order.channel if order is not None else None) or "ONLINE",
            "created": to_rfc3339(ticket.created)})
        if checkin is not None:
            out["checkIn"] = {"created": to_rfc3339(checkin.corrected_time)}
    guest: dict = {}
    if "GUEST_DETAILS" in sets:
        guest.update({"guestAssigned": bool(guest_name or ticket.guest_email),
                      "firstName": ticket.guest_first_name or "", "lastName": ticket.guest_last_name or "",
                      "email": ticket.guest_email or ""})
    if "GUEST_FORM" in sets:
        guest["form"] = {"inputValues": input_values(ticket.guest_form)}
    if guest:
        out["guestDetails"] = guest
    return out
