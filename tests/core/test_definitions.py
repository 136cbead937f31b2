"""Ticket definition services (API.md §4): validation, masks, delete, currency, counts, outbox in one transaction."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from core.definitions import (SALE_ENDED, SALE_SCHEDULED, SALE_STARTED, change_currency, create_definition,
                              definition_counts, delete_definitions, get_definition, list_definitions, sale_status,
                              update_definition)
from core.errors import AlreadyExists, CurrencyLocked, InvalidArgument, NotFound
from core.events import create_event, get_event
from core.models import CheckIn, Order, OutboxEntry, Ticket, TicketDefinition

T0 = datetime(2025, 6, 14, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def ev(session):
    event = create_event(session, title="Gala", time_zone="Europe/Zurich", currency="EUR", event_id="ev-1")
    session.commit()
    return event


def outbox(session, kind=None):  # the fixture's own "event.create" row left out
    q = select(OutboxEntry).where(OutboxEntry.kind != "event.create").order_by(OutboxEntry.id)
    return [r for r in session.scalars(q) if kind in (None, r.kind)]


def sell(session, event_id, def_id, n, status="PAID", number="ORDR-0000-01", price_minor=1000, currency="EUR"):
    """An order with n tickets of `def_id`, written directly with core.models (as sync or the box office would)."""
    session.add(Order(order_number=number, event_id=event_id, status=status, currency=currency,
                      total_minor=n * price_minor, created=T0, updated=T0))
    for i in range(n):
        session.add(Ticket(ticket_number=f"{number}{21 + i:03d}", order_number=number, event_id=event_id,
                           definition_id=def_id, name="Adult", price_minor=price_minor, currency=currency,
                           created=T0))
    session.flush()
    return [f"{number}{21 + i:03d}" for i in range(n)]


def scan(session, event_id, ticket, kind="CHECK_IN", at=T0, status="ACCEPTED"):
    session.add(CheckIn(ticket_number=ticket, event_id=event_id, kind=kind, status=status, device_time=at,
                        corrected_time=at, nonce=f"{ticket}-{kind}-{at.isoformat()}-{status}"))


def test_create_defaults_registration_and_outbox(session, ev):
    assert ev.registration_type == "RSVP"
    d = create_definition(session, ev.id, {"name": "Adult", "price": {"value": "12.50", "currency": "EUR"}})
    session.commit()
    assert (d.price_minor, d.currency, d.limited, d.quantity, d.limit_per_checkout, d.hidden) == (
        1250, "EUR", False, None, 20, False)
    assert d.order_index == 0 and d.created == d.updated
    assert get_event(session, ev.id).registration_type == "TICKETS"
    [row] = outbox(session)
    assert row.kind == "definition.create" and row.entity_key == d.id and row.event_id == ev.id
    assert row.payload["definition"]["name"] == "Adult"
    assert row.payload["definition"]["price"] == {"value": "12.50", "amount": "12.50", "currency": "EUR"}
    second = create_definition(session, ev.id, {"name": "Child", "quantity": 50, "limitPerCheckout": 4})
    assert second.order_index == 1 and second.limited is True and second.quantity == 50
    assert second.price_minor == 0


def test_create_with_id_duplicate_and_unknown_event(session, ev):
    create_definition(session, ev.id, {"name": "A"}, definition_id="d-1")
    with pytest.raises(AlreadyExists):
        create_definition(session, ev.id, {"name": "B"}, definition_id="d-1")
    with pytest.raises(NotFound):
        create_definition(session, "no-event", {"name": "B"})
    with pytest.raises(NotFound):
        get_definition(session, "nope")


@pytest.mark.parametrize("data, field, code", [
    ({}, "name", None),
    ({"name": ""}, "name", None),
    ({"name": "x" * 31}, "name", None),
    ({"name": "A", "description": "d" * 501}, "description", None),
    ({"name": "A", "policy": "p" * 1001}, "policy", None),
    ({"name": "A", "limitPerCheckout": 21}, "limitPerCheckout", None),
    ({"name": "A", "limitPerCheckout": -1}, "limitPerCheckout", None),
    ({"name": "A", "limitPerCheckout": True}, "limitPerCheckout", None),
    ({"name": "A", "quantity": -1}, "quantity", None),
    ({"name": "A", "limited": True}, "quantity", None),
    ({"name": "A", "price": {"value": 19.99, "currency": "EUR"}}, "price", None),      # float (BC-07)
    ({"name": "A", "price": {"value": "-1.00", "currency": "EUR"}}, "price", None),
    ({"name": "A", "price": {"value": "10.00", "currency": "USD"}}, "price.currency", None),
    ({"name": "A", "price": {"value": "10.005", "currency": "EUR"}}, "price", None),
    ({"name": "A", "price": "10.00"}, "price", None),
    ({"name": "A", "hidden": "yes"}, "hidden", None),
    ({"name": "A", "salePeriod": {"startDate": "2025-07-01T10:00:00Z", "endDate": "2025-07-01T10:00:00Z"}},
     "salePeriod", "INVALID_SALE_PERIOD"),
    ({"name": "A", "salePeriod": {"startDate": "2025-07-02T10:00:00Z", "endDate": "2025-07-01T10:00:00Z"}},
     "salePeriod", "INVALID_SALE_PERIOD"),
    ({"name": "A", "salePeriod": {"startDate": "2025-07-01T10:00:00"}}, "salePeriod.startDate", None),
])
def test_create_validation(session, ev, data, field, code):
    """API.md §4.1 limits; nothing (definition or outbox row) is left behind by a refused create."""
    with pytest.raises(InvalidArgument) as err:
        create_definition(session, ev.id, data)
    assert err.value.field == field
    if code:
        assert err.value.code == code
        assert err.value.to_api()["details"]["validationError"]["fieldViolations"][0]["ruleName"] == code
    assert session.scalars(select(TicketDefinition)).all() == [] and outbox(session) == []


def test_limits_at_the_edges_are_accepted(session, ev):
    d = create_definition(session, ev.id, {"name": "x" * 30, "description": "d" * 500, "policy": "p" * 1000,
                                           "limitPerCheckout": 0, "limited": True, "quantity": 0})
    assert (len(d.name), d.limit_per_checkout, d.quantity) == (30, 0, 0)
    e = create_definition(session, ev.id, {"name": "A", "price": {"amount": "7.77"}})  # no currency: the event's
    assert (e.price_minor, e.currency) == (777, "EUR")


@pytest.mark.parametrize("currency, value, minor, text", [
    ("JPY", "1500", 1500, "1500"),        # BC-09: minor units = major units
    ("JPY", 1500, 1500, "1500"),
    ("EUR", "19.99", 1999, "19.99"),      # BC-07
    ("EUR", "4.56", 456, "4.56"),
    ("KWD", "1.234", 1234, "1.234"),      # 3 decimals
])
def test_bc09_price_minor_units_per_currency(session, currency, value, minor, text):
    event = create_event(session, title="X", time_zone="Asia/Tokyo", currency=currency)
    d = create_definition(session, event.id, {"name": "Seat", "price": {"value": value, "currency": currency}})
    session.commit()
    assert d.price_minor == minor
    assert outbox(session)[-1].payload["definition"]["price"]["value"] == text


def test_list_filters_sort_and_paging(session, ev):
    other = create_event(session, title="Other", time_zone="UTC", currency="EUR")
    create_definition(session, other.id, {"name": "Elsewhere"})
    a = create_definition(session, ev.id, {"name": "A", "orderIndex": 2, "price": {"value": "5.00"}},
                          now=T0)
    b = create_definition(session, ev.id, {"name": "B", "orderIndex": 1, "hidden": True}, now=T0 + timedelta(1))
    c = create_definition(session, ev.id, {"name": "C", "orderIndex": 3, "price": {"value": "9.00"},
                                           "hidden": True}, now=T0 + timedelta(2))
    session.commit()
    names = lambda page: [d.name for d in page.items]  # noqa: E731
    assert names(list_definitions(session, [ev.id])) == ["A", "B", "C"]
    assert names(list_definitions(session, [ev.id], sort="orderIndex:asc")) == ["B", "A", "C"]
    assert names(list_definitions(session, [ev.id], sort="orderIndex:desc")) == ["C", "A", "B"]
    update_definition(session, a.id, {"name": "A2"}, ["name"], now=T0 + timedelta(5))
    assert names(list_definitions(session, [ev.id], sort="modified:desc")) == ["A2", "C", "B"]
    assert names(list_definitions(session, [ev.id], states=["HIDDEN"])) == ["B", "C"]
    assert names(list_definitions(session, [ev.id], states=["VISIBLE"])) == ["A2"]
    assert names(list_definitions(session, [ev.id], states=["FREE"])) == ["B"]
    assert names(list_definitions(session, [ev.id], states=["HIDDEN", "PAID"])) == ["C"]
    assert names(list_definitions(session, [ev.id], states=["FREE", "PAID"])) == ["A2", "B", "C"]
    page = list_definitions(session, [ev.id], offset=1, limit=1)
    assert (names(page), page.total, page.offset, page.limit) == (["B"], 3, 1, 1)
    assert list_definitions(session, [ev.id], limit=1000).limit == 100
    assert list_definitions(session).total == 4
    assert [d.id for d in list_definitions(session, [ev.id], sort="price:desc,name:asc").items] == [c.id, a.id, b.id]
    for bad in ({"sort": "colour:asc"}, {"sort": "name:up"}, {"states": ["ARCHIVED"]},
                {"sale_statuses": ["SOLD_OUT"]}, {"offset": -1}):
        with pytest.raises(InvalidArgument):
            list_definitions(session, [ev.id], **bad)


def test_list_by_sale_status(session, ev):
    # salePeriod dates may also be aware datetimes (station-side callers)
    create_definition(session, ev.id, {"name": "Later", "salePeriod": {"startDate": T0 + timedelta(1)}})
    create_definition(session, ev.id, {"name": "Now", "salePeriod": {"startDate": T0 - timedelta(1),
                                                                     "endDate": T0 + timedelta(1)}})
    create_definition(session, ev.id, {"name": "Always"})
    create_definition(session, ev.id, {"name": "Over", "salePeriod": {"endDate": T0}})
    session.commit()

    def names(*statuses):
        return sorted(d.name for d in list_definitions(session, [ev.id], sale_statuses=list(statuses), now=T0).items)
    assert names(SALE_SCHEDULED) == ["Later"]
    assert names(SALE_STARTED) == ["Always", "Now"]
    assert names(SALE_ENDED) == ["Over"]
    assert names(SALE_SCHEDULED, SALE_ENDED) == ["Later", "Over"]
    for d in list_definitions(session, [ev.id]).items:   # SQL filter and sale_status() agree
        assert names(sale_status(d, T0)).count(d.name) == 1


def test_sale_status_boundaries(session, ev):
    d = create_definition(session, ev.id, {"name": "A", "salePeriod": {
        "startDate": "2025-06-14T10:00:00Z", "endDate": "2025-06-14T12:00:00Z"}})
    assert sale_status(d, T0 - timedelta(seconds=1)) == SALE_SCHEDULED
    assert sale_status(d, T0) == SALE_STARTED
    assert sale_status(d, T0 + timedelta(hours=2)) == SALE_ENDED
    with pytest.raises(InvalidArgument):
        sale_status(d, datetime(2025, 6, 14, 11))  # naive


def test_update_mask_touches_only_masked_fields(session, ev):
    d = create_definition(session, ev.id, {"name": "Adult", "description": "Standing", "quantity": 100,
                                           "price": {"value": "12.50", "currency": "EUR"}}, now=T0)
    session.commit()
    update_definition(session, d.id, {"name": "Adult+", "description": "IGNORED", "price": {"value": "1.00"}},
                      ["name"], now=T0 + timedelta(hours=1))
    session.commit()
    got = get_definition(session, d.id)
    assert (got.name, got.description, got.price_minor, got.quantity) == ("Adult+", "Standing", 1250, 100)
    assert got.updated == T0 + timedelta(hours=1) and got.created == T0
    payload = outbox(session, "definition.update")[-1].payload
    assert (payload["fields"], payload["base"], payload["definitionId"]) == (["name"], {"name": "Adult"}, d.id)
    assert payload["definition"]["name"] == "Adult+" and payload["definition"]["description"] == "Standing"


@pytest.mark.parametrize("mask", ["description,price", {"paths": ["description", "price"]},
                                  ["description", "definition.price"]])
def test_update_mask_forms(session, ev, mask):
    """Field masks arrive as a list, a comma-joined string or {"paths": [...]} (API.md §1.5)."""
    d = create_definition(session, ev.id, {"name": "A", "description": "old", "price": {"value": "2.00"}})
    update_definition(session, d.id, {"name": "ignored", "description": "new", "price": {"value": "3.00"}}, mask)
    assert (d.name, d.description, d.price_minor) == ("A", "new", 300)
    base = outbox(session, "definition.update")[-1].payload["base"]
    assert base == {"description": "old", "price": {"value": "2.00", "amount": "2.00", "currency": "EUR"}}


def test_update_sale_period_leaf_keeps_other_leaf(session, ev):
    d = create_definition(session, ev.id, {"name": "A", "salePeriod": {
        "startDate": "2025-06-01T00:00:00Z", "endDate": "2025-06-30T00:00:00Z"}})
    update_definition(session, d.id, {"salePeriod": {"endDate": "2025-07-31T00:00:00Z"}}, ["salePeriod.endDate"])
    assert d.sale_start == datetime(2025, 6, 1, tzinfo=timezone.utc)
    assert d.sale_end == datetime(2025, 7, 31, tzinfo=timezone.utc)
    assert outbox(session, "definition.update")[-1].payload["base"] == {
        "salePeriod.endDate": "2025-06-30T00:00:00.000Z"}
    with pytest.raises(InvalidArgument) as err:
        update_definition(session, d.id, {"salePeriod": {"endDate": "2025-05-01T00:00:00Z"}},
                          ["salePeriod.endDate"])
    assert err.value.code == "INVALID_SALE_PERIOD"


def test_update_quantity_and_limited(session, ev):
    d = create_definition(session, ev.id, {"name": "A"})
    update_definition(session, d.id, {"quantity": 50}, ["quantity"])
    assert (d.limited, d.quantity) == (True, 50)
    update_definition(session, d.id, {"limited": False}, ["limited"])
    assert (d.limited, d.quantity) == (False, None)
    with pytest.raises(InvalidArgument):
        update_definition(session, d.id, {"limited": True}, ["limited"])
    e = create_definition(session, ev.id, {"name": "E", "limited": False, "quantity": 40})
    assert e.limited is False and e.quantity is None


def test_full_update_with_empty_mask(session, ev):
    """An empty mask is a full update: absent fields take their create defaults (API.md §1.5)."""
    d = create_definition(session, ev.id, {"name": "A", "description": "old", "hidden": True, "orderIndex": 7})
    update_definition(session, d.id, {"name": "B", "quantity": 5}, [])
    assert (d.name, d.description, d.hidden, d.quantity, d.order_index) == ("B", "", False, 5, 7)
    payload = outbox(session, "definition.update")[-1].payload
    assert "name" in payload["fields"] and payload["base"]["description"] == "old"
    with pytest.raises(InvalidArgument):
        update_definition(session, d.id, {"description": "no name"}, None)


def test_update_rejects(session, ev):
    d = create_definition(session, ev.id, {"name": "A", "price": {"value": "5.00"}})
    session.commit()
    with pytest.raises(InvalidArgument):
        update_definition(session, d.id, {"free": True}, ["free"])           # read-only / unknown path
    with pytest.raises(InvalidArgument):
        update_definition(session, d.id, {"price": {"value": "5.00", "currency": "GBP"}}, ["price"])
    with pytest.raises(InvalidArgument):
        update_definition(session, d.id, {"price": {"value": "-5.00"}}, ["price"])
    with pytest.raises(NotFound):
        update_definition(session, "missing", {"name": "x"}, ["name"])
    assert outbox(session, "definition.update") == []          # refused before anything was written
    assert (d.price_minor, d.currency, d.name) == (500, "EUR", "A")


def test_delete_keeps_sold_tickets_definition_id(session, ev):
    """API.md §4 gap 10: deleting a definition leaves sold tickets pointing at it."""
    a = create_definition(session, ev.id, {"name": "A"})
    b = create_definition(session, ev.id, {"name": "B"})
    tickets = sell(session, ev.id, a.id, 2)
    session.commit()
    delete_definitions(session, ev.id, [a.id])
    session.commit()
    assert [d.id for d in list_definitions(session, [ev.id]).items] == [b.id]
    with pytest.raises(NotFound):
        get_definition(session, a.id)
    assert sorted((t.ticket_number, t.definition_id) for t in session.scalars(select(Ticket))) == \
        [(n, a.id) for n in tickets]
    [row] = outbox(session, "definition.delete")
    assert row.payload == {"eventId": ev.id, "definitionId": a.id}


def test_delete_all_and_errors(session, ev):
    ids = [create_definition(session, ev.id, {"name": n}).id for n in "ABC"]
    session.commit()
    with pytest.raises(NotFound):
        delete_definitions(session, ev.id, [ids[0], "ghost"])
    assert list_definitions(session, [ev.id]).total == 3
    with pytest.raises(InvalidArgument):
        delete_definitions(session, ev.id, [])
    with pytest.raises(NotFound):
        delete_definitions(session, "no-event", all=True)
    delete_definitions(session, ev.id, all=True)
    session.commit()
    assert list_definitions(session, [ev.id]).total == 0
    assert sorted(r.entity_key for r in outbox(session, "definition.delete")) == sorted(ids)


def test_change_currency_keeps_values(session, ev):
    a = create_definition(session, ev.id, {"name": "A", "price": {"value": "10.00"}})
    b = create_definition(session, ev.id, {"name": "B"})
    session.commit()
    change_currency(session, ev.id, "usd")
    session.commit()
    assert get_event(session, ev.id).currency == "USD"
    assert (a.currency, a.price_minor, b.currency) == ("USD", 1000, "USD")
    [row] = outbox(session, "event.change_currency")
    assert row.payload == {"eventId": ev.id, "currency": "USD"}
    change_currency(session, ev.id, "JPY")   # 10.00 USD -> 10 JPY: value kept, minor units follow the exponent
    assert (a.currency, a.price_minor) == ("JPY", 10) and not change_currency(session, ev.id, "KWD")
    assert (a.currency, a.price_minor) == ("KWD", 10000)


def test_change_currency_refuses_value_it_cannot_hold(session, ev):
    a = create_definition(session, ev.id, {"name": "A", "price": {"value": "19.99"}})
    with pytest.raises(InvalidArgument):
        change_currency(session, ev.id, "JPY")
    assert (a.currency, a.price_minor, get_event(session, ev.id).currency) == ("EUR", 1999, "EUR")
    with pytest.raises(InvalidArgument):
        change_currency(session, ev.id, "ZZZ")


def test_currency_locked_once_an_order_exists(session, ev):
    """API.md §4.2: ChangeCurrency fails with 428 CURRENCY_LOCKED after the first order."""
    a = create_definition(session, ev.id, {"name": "A", "price": {"value": "10.00"}})
    sell(session, ev.id, a.id, 1, status="OFFLINE_PENDING")
    session.commit()
    with pytest.raises(CurrencyLocked) as err:
        change_currency(session, ev.id, "USD")
    assert (err.value.code, err.value.status) == ("CURRENCY_LOCKED", 428)
    assert err.value.to_api()["details"]["applicationError"]["code"] == "CURRENCY_LOCKED"
    assert get_event(session, ev.id).currency == "EUR" and a.currency == "EUR"
    assert outbox(session, "event.change_currency") == []
    change_currency(session, ev.id, "EUR")   # unchanged currency: a no-op, not an error
    other = create_event(session, title="Flagged", time_zone="UTC", currency="EUR")
    other.currency_locked = True                  # Event.currency_locked alone also locks
    with pytest.raises(CurrencyLocked):
        change_currency(session, other.id, "USD")


def test_counts_sold_by_order_status_and_checked_in(session, ev):
    a = create_definition(session, ev.id, {"name": "A", "quantity": 10})
    b = create_definition(session, ev.id, {"name": "B"})
    paid = sell(session, ev.id, a.id, 3, "PAID", "PAID-0000-01")
    sell(session, ev.id, a.id, 2, "OFFLINE_PENDING", "OFFL-0000-01")
    sell(session, ev.id, a.id, 1, "INITIATED", "INIT-0000-01")
    sell(session, ev.id, a.id, 4, "CANCELED", "CANC-0000-01")
    sell(session, ev.id, a.id, 4, "DECLINED", "DECL-0000-01")
    free = sell(session, ev.id, b.id, 2, "FREE", "FREE-0000-01")
    scan(session, ev.id, paid[0])
    scan(session, ev.id, paid[1])
    scan(session, ev.id, paid[1], kind="UNDO", at=T0 + timedelta(minutes=1))   # undone: not inside
    scan(session, ev.id, paid[2], status="DUPLICATE")                          # not accepted: not inside
    scan(session, ev.id, free[0])
    session.commit()
    counts = definition_counts(session, ev.id, now=T0)
    assert counts[a.id].sold == 6 and counts[a.id].checked_in == 1
    assert (counts[a.id].unsold, counts[a.id].available, counts[a.id].reserved) == (4, 4, 0)
    assert (counts[b.id].sold, counts[b.id].checked_in, counts[b.id].unsold, counts[b.id].available) == \
           (2, 1, None, None)


def test_wr04_online_holds_count_until_they_expire(session, ev):
    """WR-04: quantity 200, 198 sold, 2 held until 20:18 -> 0 free now, 2 free after the hold expires."""
    d = create_definition(session, ev.id, {"name": "Standing", "quantity": 200, "limitPerCheckout": 20})
    sell(session, ev.id, d.id, 198)
    d.reserved, d.reserved_until = 2, T0 + timedelta(minutes=18)
    session.commit()
    now = definition_counts(session, ev.id, now=T0)[d.id]
    assert (now.sold, now.reserved, now.available, now.unsold) == (198, 2, 0, 0)
    later = definition_counts(session, ev.id, now=T0 + timedelta(minutes=19))[d.id]
    assert (later.reserved, later.available, later.unsold) == (0, 2, 2)


def test_bc26_oversold_shows_negative_available(session, ev):
    d = create_definition(session, ev.id, {"name": "Early Bird", "quantity": 100})
    sell(session, ev.id, d.id, 101)
    c = definition_counts(session, ev.id, now=T0)[d.id]
    assert (c.sold, c.available, c.unsold) == (101, -1, 0)

