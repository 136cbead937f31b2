"""Orders: ListOrders filters/tags/search/paging, GetOrder, UpdateOrder and ConfirmOrder (API.md §2)."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from core.errors import InvalidArgument, NotFound, OrderActionNotAvailable
from core.events import create_event
from core.models import Order, OutboxEntry, Ticket
from core.orders import complete_order, get_order, list_orders, update_order
from core.tickets import check_in, checked_in_map, delete_check_in

T0 = datetime(2026, 3, 7, 18, 0, tzinfo=timezone.utc)


def make_event(session, currency="EUR"):
    return create_event(session, title="Spring Gala", time_zone="Europe/Berlin", currency=currency)


def make_order(session, ev, number, status="PAID", *, tickets=1, first="Mira", last="Castell",
               email="mira@example.com", minutes=0, archived=False, definition_id="def-1", price_minor=1500):
    """An order as a pull would store it (created T0 + minutes), with `tickets` tickets."""
    when = T0 + timedelta(minutes=minutes)
    order = Order(order_number=number, event_id=ev.id, status=status, first_name=first, last_name=last,
                  email=email, checkout_form=[{"inputName": "firstName", "value": first},
                                              {"inputName": "lastName", "value": last},
                                              {"inputName": "email", "value": email}],
                  method="", total_minor=price_minor * tickets, currency=ev.currency, archived=archived,
                  channel="ONLINE", station="", created=when, updated=when)
    for i in range(tickets):
        order.tickets.append(Ticket(ticket_number=f"{number}{21 + i:03d}", event_id=ev.id,
                                    definition_id=definition_id, name="Adult", price_minor=price_minor,
                                    currency=ev.currency, created=when))
    session.add(order)
    session.flush()
    return order


def outbox(session, kind=None):
    """Outbox rows (of `kind`), leaving out the fixture's own "event.create" row."""
    q = select(OutboxEntry).where(OutboxEntry.kind != "event.create").order_by(OutboxEntry.id)
    if kind:
        q = q.where(OutboxEntry.kind == kind)
    return list(session.scalars(q))


def numbers(page):
    return [o.order_number for o in page.items]


@pytest.fixture
def ev(session):
    return make_event(session)


# ---------------------------------------------------------------- list / get


def test_list_by_event_status_and_unknown_status_kept_verbatim(session, ev):
    other = make_event(session)
    make_order(session, ev, "AAAA-0001-AA", "PAID", minutes=1)
    make_order(session, ev, "AAAA-0002-AA", "AUTHORIZED", minutes=2)       # newer status, unknown to us
    make_order(session, ev, "AAAA-0003-AA", "NA_ORDER_STATUS", minutes=3)
    make_order(session, other, "BBBB-0001-BB", "PAID", minutes=4)
    page = list_orders(session, [ev.id])
    assert numbers(page) == ["AAAA-0001-AA", "AAAA-0002-AA", "AAAA-0003-AA"]
    assert [o.status for o in page.items] == ["PAID", "AUTHORIZED", "NA_ORDER_STATUS"]
    assert numbers(list_orders(session, [ev.id], statuses=["AUTHORIZED"])) == ["AAAA-0002-AA"]
    assert page.total == 3 and len(list_orders(session).items) == 4
    assert [t.ticket_number for t in page.items[0].tickets] == ["AAAA-0001-AA021"]


def test_list_paging_and_sort(session, ev):
    for i in range(5):
        make_order(session, ev, f"PAGE-000{i}-XX", minutes=i)
    page = list_orders(session, [ev.id], offset=1, limit=2)
    assert (numbers(page), page.total, page.offset, page.limit) == (["PAGE-0001-XX", "PAGE-0002-XX"], 5, 1, 2)
    assert numbers(list_orders(session, [ev.id], sort="created:desc", limit=2)) == ["PAGE-0004-XX", "PAGE-0003-XX"]
    assert list_orders(session, [ev.id], limit=500).limit == 100
    with pytest.raises(InvalidArgument):
        list_orders(session, [ev.id], sort="total:asc")
    with pytest.raises(InvalidArgument):
        list_orders(session, [ev.id], offset=-1)


def test_list_order_numbers_filter(session, ev):
    make_order(session, ev, "ONUM-0001-AA")
    make_order(session, ev, "ONUM-0002-AA", minutes=1)
    assert numbers(list_orders(session, [ev.id], order_numbers=["ONUM-0002-AA", "NOPE"])) == ["ONUM-0002-AA"]
    with pytest.raises(InvalidArgument):
        list_orders(session, [ev.id], order_numbers=[f"N{i}" for i in range(501)])


@pytest.mark.parametrize("phrase, expected", [
    ("mira castell", ["SRCH-0001-AA"]),          # full name, case-insensitive
    ("CASTELL", ["SRCH-0001-AA"]),
    ("gmial.com", ["SRCH-0002-AA"]),             # part of the e-mail (case WR-11)
    ("srch-0002", ["SRCH-0002-AA"]),             # order number, any case
    ("100%", []),                                # LIKE wildcards are literal
    ("  ", ["SRCH-0001-AA", "SRCH-0002-AA"]),    # blank = no filter
])
def test_list_search_phrase(session, ev, phrase, expected):
    make_order(session, ev, "SRCH-0001-AA", first="Mira", last="Castell", email="mira@example.com")
    make_order(session, ev, "SRCH-0002-AA", first="Ana", last="Moreira", email="ana.moreira@gmial.com", minutes=1)
    assert numbers(list_orders(session, [ev.id], search=phrase)) == expected


def test_list_search_too_long_is_refused(session, ev):
    with pytest.raises(InvalidArgument):
        list_orders(session, [ev.id], search="x" * 201)


def test_list_tags_confirmed_archived(session, ev):
    make_order(session, ev, "TAGS-PAID-AA", "PAID")
    make_order(session, ev, "TAGS-FREE-AA", "FREE", minutes=1)
    make_order(session, ev, "TAGS-OFFL-AA", "OFFLINE_PENDING", minutes=2, archived=True)
    make_order(session, ev, "TAGS-CANC-AA", "CANCELED", minutes=3)
    assert numbers(list_orders(session, [ev.id], tags=["CONFIRMED"])) == ["TAGS-PAID-AA", "TAGS-FREE-AA"]
    assert numbers(list_orders(session, [ev.id], tags=["UNCONFIRMED"])) == ["TAGS-OFFL-AA", "TAGS-CANC-AA"]
    assert numbers(list_orders(session, [ev.id], tags=["ARCHIVED"])) == ["TAGS-OFFL-AA"]
    assert len(list_orders(session, [ev.id], tags=["NON_ARCHIVED"]).items) == 3
    # same pair OR-ed, different pairs AND-ed
    assert len(list_orders(session, [ev.id], tags=["CONFIRMED", "UNCONFIRMED"]).items) == 4
    assert numbers(list_orders(session, [ev.id], tags=["UNCONFIRMED", "NON_ARCHIVED"])) == ["TAGS-CANC-AA"]
    assert list_orders(session, [ev.id], tags=["MEMBER"]).items == []
    with pytest.raises(InvalidArgument):
        list_orders(session, [ev.id], tags=["GOLD"])


def test_list_tags_fully_checked_in_follows_the_checkin_log(session, ev):
    make_order(session, ev, "FULL-0001-AA", tickets=2)
    make_order(session, ev, "FULL-0002-AA", tickets=1, minutes=1)
    make_order(session, ev, "FULL-0003-AA", tickets=0, minutes=2)           # no tickets: never "fully"

    def fully():
        return numbers(list_orders(session, [ev.id], tags=["FULLY_CHECKED_IN"]))

    def not_fully():
        return numbers(list_orders(session, [ev.id], tags=["NOT_FULLY_CHECKED_IN"]))

    assert fully() == [] and len(not_fully()) == 3
    check_in(session, ev.id, ["FULL-0001-AA021"], now=T0)
    assert fully() == []                                                    # 1 of 2
    check_in(session, ev.id, ["FULL-0001-AA022", "FULL-0002-AA021"], now=T0 + timedelta(minutes=1))
    assert fully() == ["FULL-0001-AA", "FULL-0002-AA"]
    assert not_fully() == ["FULL-0003-AA"]
    delete_check_in(session, ev.id, ["FULL-0001-AA022"], now=T0 + timedelta(minutes=2))   # an UNDO row
    assert fully() == ["FULL-0002-AA"]
    # the tag agrees with the one definition of "checked in"
    assert set(checked_in_map(session, ["FULL-0001-AA021", "FULL-0001-AA022", "FULL-0002-AA021"])) == {
        "FULL-0001-AA021", "FULL-0002-AA021"}


def test_get_order_and_event_mismatch(session, ev):
    other = make_event(session)
    make_order(session, ev, "GETO-0001-AA")
    assert get_order(session, "GETO-0001-AA").event_id == ev.id
    assert get_order(session, " GETO-0001-AA ", ev.id).order_number == "GETO-0001-AA"
    with pytest.raises(NotFound):
        get_order(session, "GETO-0001-AA", other.id)
    with pytest.raises(NotFound) as err:
        get_order(session, "NOPE-NOPE-NO")
    assert err.value.status == 404


# ---------------------------------------------------------------- update


def test_wr11_update_email_only_keeps_the_names_and_queues_only_the_email(session, ev):
    """Case WR-11: a corrected e-mail is queued as an UpdateOrder of the checkoutForm carrying only the e-mail
    input and its value before (issue 8 item 3: field-level updates never overwrite a central name fix)."""
    make_order(session, ev, "UPDT-0001-AA", first="Ana", last="Moreira", email="ana.moreira@gmial.com")
    order = update_order(session, ev.id, "UPDT-0001-AA", fields=["checkoutForm"],
                         checkout_form={"inputValues": [{"inputName": "email", "value": "ana.moreira@gmail.com"}]})
    assert (order.first_name, order.last_name, order.email) == ("Ana", "Moreira", "ana.moreira@gmail.com")
    assert order.checkout_form == [{"inputName": "firstName", "value": "Ana"},
                                   {"inputName": "lastName", "value": "Moreira"},
                                   {"inputName": "email", "value": "ana.moreira@gmail.com"}]
    [row] = outbox(session, "order.update")
    assert row.entity_key == "UPDT-0001-AA"
    assert row.payload == {"eventId": ev.id, "orderNumber": "UPDT-0001-AA", "fields": ["checkoutForm"],
                           "paths": ["checkoutForm.email"],
                           "checkoutForm": {"inputValues": [{"inputName": "email",
                                                             "value": "ana.moreira@gmail.com"}]},
                           "base": {"checkoutForm.email": "ana.moreira@gmial.com"}}


def test_an_unchanged_input_is_not_queued(session, ev):
    make_order(session, ev, "UPDT-0003-AA", first="Ana", last="Moreira", email="a@b.c")
    update_order(session, ev.id, "UPDT-0003-AA", fields=["checkoutForm"], checkout_form={"inputValues": [
        {"inputName": "firstName", "value": "Ana"}, {"inputName": "email", "value": "new@b.c"}]})
    [row] = outbox(session, "order.update")
    assert row.payload["paths"] == ["checkoutForm.email"]
    assert row.payload["checkoutForm"] == {"inputValues": [{"inputName": "email", "value": "new@b.c"}]}


def test_update_names_and_new_inputs(session, ev):
    make_order(session, ev, "UPDT-0002-AA")
    order = update_order(session, ev.id, "UPDT-0002-AA", fields="checkoutForm", checkout_form=[
        {"inputName": "firstName", "value": "Łucja "}, {"inputName": "lastName", "value": "Ørsted-Núñez"},
        {"inputName": "diet", "value": "", "values": ["vegan", "no nuts"]}])
    assert (order.first_name, order.last_name) == ("Łucja", "Ørsted-Núñez")
    assert order.checkout_form[-1] == {"inputName": "diet", "value": "", "values": ["vegan", "no nuts"]}
    assert numbers(list_orders(session, [ev.id], search="Ørsted")) == ["UPDT-0002-AA"]


@pytest.mark.parametrize("fields", [["archived"], "archived", {"paths": ["archived"]}, None, []])
def test_archive_with_any_field_mask_form(session, ev, fields):
    make_order(session, ev, "ARCH-0001-AA")
    order = update_order(session, ev.id, "ARCH-0001-AA", fields=fields, archived=True)
    assert order.archived is True
    [row] = outbox(session, "order.update")
    assert row.payload == {"eventId": ev.id, "orderNumber": "ARCH-0001-AA", "fields": ["archived"],
                           "paths": ["archived"], "archived": True, "base": {"archived": False}}


def test_mask_limits_what_changes_and_noop_writes_no_outbox(session, ev):
    make_order(session, ev, "MASK-0001-AA")
    order = update_order(session, ev.id, "MASK-0001-AA", fields=["archived"], archived=False,
                         checkout_form={"inputValues": [{"inputName": "email", "value": "x@y.z"}]})
    assert order.email == "mira@example.com" and order.archived is False
    assert outbox(session, "order.update") == []                         # nothing changed


@pytest.mark.parametrize("status", ["CANCELED", "DECLINED", "PAID", "OFFLINE_PENDING", "VOIDED"])
def test_archiving_and_form_edits_are_allowed_in_every_status(session, ev, status):
    """API.md §2.5 names ORDER_ACTION_NOT_AVAILABLE without saying for which states: nothing is refused."""
    make_order(session, ev, "STAT-0001-AA", status)
    update_order(session, ev.id, "STAT-0001-AA", fields=["archived"], archived=True)
    update_order(session, ev.id, "STAT-0001-AA", fields=["archived"], archived=False)
    update_order(session, ev.id, "STAT-0001-AA", fields=["checkoutForm"],
                 checkout_form={"inputValues": [{"inputName": "lastName", "value": "Vidal"}]})
    assert get_order(session, "STAT-0001-AA").last_name == "Vidal"
    assert len(outbox(session, "order.update")) == 3


@pytest.mark.parametrize("kwargs", [
    {"fields": ["status"], "archived": True},                                   # not updatable
    {"fields": ["checkoutForm"]},                                               # mask names a field not given
    {"fields": ["archived"], "archived": "yes"},
    {"fields": ["checkoutForm"], "checkout_form": {"inputValues": [{"value": "no name"}]}},
    {"fields": ["checkoutForm"], "checkout_form": {"inputValues": [{"inputName": "x", "value": "v" * 5001}]}},
    {"fields": ["checkoutForm"], "checkout_form": {"inputValues": [{"inputName": f"i{i}", "value": ""}
                                                                    for i in range(201)]}},
    {"fields": ["checkoutForm"], "checkout_form": "firstName=Ana"},
])
def test_update_refuses_bad_input_and_changes_nothing(session, ev, kwargs):
    make_order(session, ev, "BADU-0001-AA")
    with pytest.raises(InvalidArgument):
        update_order(session, ev.id, "BADU-0001-AA", **kwargs)
    order = get_order(session, "BADU-0001-AA")
    assert (order.archived, order.last_name) == (False, "Castell") and outbox(session) == []


def test_update_unknown_order_or_other_event(session, ev):
    other = make_event(session)
    make_order(session, ev, "UPNF-0001-AA")
    with pytest.raises(NotFound):
        update_order(session, other.id, "UPNF-0001-AA", fields=["archived"], archived=True)
    with pytest.raises(NotFound):
        update_order(session, ev.id, "NOPE-NOPE-NO", fields=["archived"], archived=True)


# ---------------------------------------------------------------- complete (ConfirmOrder)


@pytest.mark.parametrize("status, result, confirmed", [
    ("INITIATED", "PAID", True),
    ("PENDING", "PAID", True),
    ("OFFLINE_PENDING", "PAID", True),
    ("PAID", "PAID", False),            # unchanged, no outbox row
    ("FREE", "FREE", False),
    ("CANCELED", None, False),          # refused
    ("DECLINED", None, False),
    ("AUTHORIZED", None, False),        # a newer server status
    ("NA_ORDER_STATUS", None, False),
    ("SOMETHING_NEW", None, False),     # unknown: kept, refused, never crashes
])
def test_complete_every_status(session, ev, status, result, confirmed):
    """API.md §2.4 ConfirmOrder over every status (case BC-17: box office completes before admitting)."""
    make_order(session, ev, "CONF-0001-AA", status)
    later = T0 + timedelta(hours=2)
    if result is None:
        with pytest.raises(OrderActionNotAvailable) as err:
            complete_order(session, ev.id, ["CONF-0001-AA"], now=later)
        assert err.value.status == 428 and err.value.code == "ORDER_ACTION_NOT_AVAILABLE"
        assert err.value.to_api()["details"]["applicationError"]["code"] == "ORDER_ACTION_NOT_AVAILABLE"
        assert status in err.value.message
        order = get_order(session, "CONF-0001-AA")
        assert order.status == status and order.updated == T0
    else:
        [order] = complete_order(session, ev.id, ["CONF-0001-AA"], now=later)
        assert order.status == result
        assert order.updated == (later if confirmed else T0)
    rows = outbox(session, "order.confirm")
    assert [r.payload for r in rows] == ([{"eventId": ev.id, "orderNumber": ["CONF-0001-AA"]}] if confirmed else [])


def test_complete_batch_checks_all_first(session, ev):
    make_order(session, ev, "BATC-0001-AA", "OFFLINE_PENDING")
    make_order(session, ev, "BATC-0002-AA", "CANCELED")
    make_order(session, ev, "BATC-0003-AA", "PENDING")
    with pytest.raises(OrderActionNotAvailable) as err:
        complete_order(session, ev.id, ["BATC-0001-AA", "BATC-0002-AA", "BATC-0003-AA"])
    assert "BATC-0002-AA" in err.value.message
    assert [get_order(session, n).status for n in ("BATC-0001-AA", "BATC-0003-AA")] == ["OFFLINE_PENDING", "PENDING"]
    assert outbox(session) == []
    with pytest.raises(NotFound):
        complete_order(session, ev.id, ["BATC-0001-AA", "NOPE-NOPE-NO"])
    assert get_order(session, "BATC-0001-AA").status == "OFFLINE_PENDING"


def test_complete_batch_mixed_settled_and_duplicates(session, ev):
    make_order(session, ev, "MIXD-0001-AA", "OFFLINE_PENDING")
    make_order(session, ev, "MIXD-0002-AA", "PAID")
    orders = complete_order(session, ev.id, ["MIXD-0001-AA", "MIXD-0002-AA", "MIXD-0001-AA"])
    assert [(o.order_number, o.status) for o in orders] == [("MIXD-0001-AA", "PAID"), ("MIXD-0002-AA", "PAID")]
    assert [r.entity_key for r in outbox(session, "order.confirm")] == ["MIXD-0001-AA"]
    complete_order(session, ev.id, ["MIXD-0001-AA"])                      # a second click: nothing more
    assert len(outbox(session, "order.confirm")) == 1


def test_complete_other_event_and_bounds(session, ev):
    other = make_event(session)
    make_order(session, ev, "BNDS-0001-AA", "PENDING")
    with pytest.raises(NotFound):
        complete_order(session, other.id, ["BNDS-0001-AA"])
    with pytest.raises(InvalidArgument):
        complete_order(session, ev.id, [])
    with pytest.raises(InvalidArgument):
        complete_order(session, ev.id, [f"N-{i}" for i in range(101)])
    assert get_order(session, "BNDS-0001-AA").status == "PENDING"


def test_complete_is_kept_after_commit(ledger, session, ev):
    make_order(session, ev, "KEEP-0001-AA", "OFFLINE_PENDING")
    session.commit()
    with ledger.uow() as uow:
        complete_order(uow.session, ev.id, ["KEEP-0001-AA"])
        uow.commit()
    with ledger.uow() as uow:
        assert get_order(uow.session, "KEEP-0001-AA").status == "PAID"
        assert len(outbox(uow.session, "order.confirm")) == 1
