"""Sync against a plain contract server we have not seen (the hub in `--plain` mode, its answers rewritten by an
httpx.MockTransport where a real server cannot produce the quirk): answer shapes within the contract, transport
faults and hostile writers. Sync never stops on one bad item, never loses a local change, never records an error
payload as success and tells the user what happened (cases BC-13/14/15/19, WR-07/13/14 of
/work/shared/cases/README.md)."""
from __future__ import annotations

import gzip
import json
from datetime import timedelta
from email.utils import format_datetime

import httpx
import pytest
from sqlalchemy import select

from core.checkin import Verdict, scan_and_commit
from core.checkin_merge import DUPLICATE
from core.models import CheckIn, Order, Payment, Ticket
from core.orders import update_order
from core.tickets import delete_check_in
from core.timeutil import utcnow
from sync import conflicts, state
from tests.sync.engine_helpers import bulk_tickets, checkins_of, count, hour_ago


@pytest.fixture
def plain(hub_factory):
    return hub_factory(plain=True)


def rewrite(st, method: str, prefix: str, change, times: int = 99) -> None:
    """Forward to the real server, then answer `change(body, request)` (a dict: same status, that JSON; or an
    httpx.Response as is)."""
    def act(request: httpx.Request) -> httpx.Response:
        resp = st.faults.real.handle_request(request)
        resp.read()
        out = change(json.loads(resp.content), request)
        if isinstance(out, httpx.Response):
            return out
        headers = {k: v for k, v in resp.headers.items() if k.lower() not in ("content-length", "content-encoding")}
        return httpx.Response(resp.status_code, json=out, headers=headers, request=request)
    st.faults.add(method, prefix, act, times)


def shop(server, n: int = 1):
    ev = server.seed_event()
    d = server.seed_definition(ev, quantity=500)
    return ev, [server.seed_sale(ev, {d: 1}) for _ in range(n)]


def numbers(ledger, model) -> set[str]:
    with ledger.uow() as uow:
        col = Ticket.ticket_number if model is Ticket else Order.order_number
        return set(uow.session.scalars(select(col)))


def each_ticket(fn):
    """A rewrite applying `fn(ticket)` to every ticket of a ListTickets / ListOrders answer."""
    def change(body, _request):
        for t in body.get("tickets", []):
            fn(t)
        for o in body.get("orders", []):
            for t in o.get("tickets") or []:
                fn(t)
        return body
    return change


# -- answer shapes within the contract ------------------------------------------------------------------------
def test_wr07b_ticket_numbers_in_another_case_are_found_by_the_scan(plain, stations):
    ev, [sale] = shop(plain)
    a = stations("A", "box-office", [ev], on=plain)
    low = each_ticket(lambda t: t.update(ticketNumber=t["ticketNumber"].lower()))
    rewrite(a, "GET", "/events/v1/tickets", low)
    rewrite(a, "GET", "/events/v1/orders", low)
    assert a.sync().ok
    assert numbers(a.ledger, Ticket) == set(sale["tickets"])  # one row each, upper-case
    assert scan_and_commit(a.ledger, sale["tickets"][0], event_ids=[ev], station="A").verdict == Verdict.OK


@pytest.mark.parametrize("status", ["REFUNDED", "PARTIALLY_PAID"])
def test_bc17_an_order_status_we_do_not_know_is_kept_and_never_admitted(plain, stations, status):
    ev, [sale, other] = shop(plain, 2)
    a = stations("A", "box-office", [ev], on=plain)

    def refund(body, _request):
        for item in body.get("orders", []) + body.get("tickets", []):
            if item.get("orderNumber") == sale["orderNumber"]:
                item["status" if "status" in item else "orderStatus"] = status
        return body
    rewrite(a, "GET", "/events/v1/orders", refund)
    rewrite(a, "GET", "/events/v1/tickets", refund)
    report = a.sync()
    assert report.ok and not report.set_aside  # no stop, nothing set aside: the status is kept as it came
    with a.ledger.uow() as uow:
        assert uow.session.get(Order, sale["orderNumber"]).status == status
    result = scan_and_commit(a.ledger, sale["tickets"][0], event_ids=[ev], station="A")
    assert result.verdict != Verdict.OK and status in result.message and checkins_of(a.ledger) == []
    assert scan_and_commit(a.ledger, other["tickets"][0], event_ids=[ev], station="A").verdict == Verdict.OK


def test_plain_answer_shapes_money_datetimes_nulls_and_unknown_fields(plain, stations):
    ev, [sale] = shop(plain)
    a = stations("A", "box-office", [ev], on=plain)

    def odd(body, _request):
        for o in body.get("orders", []):
            o["totalPrice"] = {"amount": o["totalPrice"]["value"].rstrip("0"), "currency": "eur"}
            o["created"] = o["created"].replace("Z", "+00:00")
            o.update(email=None, loyalty={"tier": "gold"}, channelV2="WEB")
            for t in o.get("tickets") or []:
                t["created"] = t["created"][:16] + "Z"  # no seconds
        return body
    rewrite(a, "GET", "/events/v1/orders", odd)
    report = a.sync()
    assert report.ok and not report.set_aside
    with a.ledger.uow() as uow:
        order = uow.session.get(Order, sale["orderNumber"])
        assert (order.total_minor, order.currency, order.email) == (1250, "EUR", sale.get("email", order.email))


@pytest.mark.parametrize("total", [True, False])
def test_short_pages_and_an_absent_total_bring_every_order_and_ticket(plain, stations, total):
    ev, sales = shop(plain, 5)
    a = stations("A", "box-office", [ev], on=plain)

    def short(body, _request):
        if not total:
            body.pop("total", None)
        for key in ("orders", "tickets"):
            if key in body:
                body[key] = body[key][:2]
        return body
    rewrite(a, "GET", "/events/v1/orders", short)
    rewrite(a, "GET", "/events/v1/tickets", short)
    assert a.sync().ok
    assert numbers(a.ledger, Order) == {s["orderNumber"] for s in sales}
    assert numbers(a.ledger, Ticket) == {t for s in sales for t in s["tickets"]}


def test_an_order_sold_while_the_list_is_paged_is_not_skipped(plain, stations):
    ev, _sales = shop(plain, 1)
    d = plain.seed_definition(ev, name="Bulk", quantity=1000)
    bulk_tickets(plain, ev, d, 150, per_order=1)
    a = stations("A", "box-office", [ev], on=plain)
    sold: list[dict] = []

    def sell_between_pages(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("offset") == "100" and not sold:  # newest first: it lands on page one
            sold.append(plain.seed_sale(ev, {d: 1}))
            with plain.uow() as s:
                s.get(Order, sold[0]["orderNumber"]).created = hour_ago() - timedelta(days=400)
                s.commit()
        resp = a.faults.real.handle_request(request)
        resp.read()
        return httpx.Response(resp.status_code, headers=resp.headers, content=resp.content, request=request)
    a.faults.add("GET", "/events/v1/orders", sell_between_pages, 99)
    report = a.sync()
    assert report.ok and sold and sold[0]["orderNumber"] in numbers(a.ledger, Order)
    assert count(a.ledger, Order) == 152


# -- transport ------------------------------------------------------------------------------------------------
def _door(plain, stations, scans: int = 1):
    ev, [sale] = shop(plain)
    a = stations("A", "door", [ev], on=plain)
    assert a.sync().ok
    tn = sale["tickets"][0]
    if scans:
        scan_and_commit(a.ledger, tn, event_ids=[ev], station="A", now=hour_ago())
    return ev, tn, a


ERROR_BODY = {"message": "ticket not checked in", "details": {"applicationError": {"code": "NOT_CHECKED_IN"}}}


@pytest.mark.parametrize("path,method", [("/events/v1/tickets/check-in", "POST"),
                                         ("/events/v1/tickets/check-in", "DELETE")])
def test_bc19_a_200_with_an_error_body_is_never_recorded_as_sent(plain, stations, path, method):
    ev, tn, a = _door(plain, stations)
    if method == "DELETE":
        assert a.sync().ok
        with a.ledger.uow() as uow:
            delete_check_in(uow.session, ev, [tn])
            uow.commit()
    a.faults.add(method, path, lambda req: httpx.Response(200, json=ERROR_BODY, request=req))
    report = a.sync()
    assert not report.ok and "error body" in report.error and "ticket not checked in" in report.error
    pending = [e for e in a.outbox() if e.state == "pending"]
    assert len(pending) == 1 and pending[0].sent_at is None and "error body" in pending[0].last_error
    assert a.sync().ok and all(e.state == "sent" for e in a.outbox())


@pytest.mark.parametrize("status,body,headers", [
    (503, b"<html><body>Service Unavailable</body></html>", {"Content-Type": "text/html"}),
    (200, b"<html><body>Welcome to the captive portal</body></html>", {"Content-Type": "text/html"}),
    (200, b'{"tickets": [{"ticketNumber": "AB', {"Content-Type": "application/json"}),  # truncated JSON
])
def test_bc19_html_pages_and_truncated_json_change_nothing_and_are_retried(plain, stations, status, body, headers):
    ev, tn, a = _door(plain, stations)
    answer = lambda req: httpx.Response(status, content=body, headers=headers, request=req)  # noqa: E731
    a.faults.add("POST", "/events/v1/tickets/check-in", answer)
    report = a.sync()  # the upload: kept pending
    assert not report.ok and str(status) in report.error and report.pending == 1
    a.faults.add("GET", "/events/v1/tickets", answer)
    report = a.sync()  # a listing fails (the upload's own look-up or the pull): nothing of it applied
    assert not report.ok and str(status) in report.error and count(a.ledger, Ticket) == 1
    assert a.sync().ok and a.outbox()[0].state == "sent" and len(checkins_of(a.ledger, tn)) == 1


def test_a_gzip_answer_is_read_like_any_other(plain, stations):
    ev, [sale] = shop(plain)
    a = stations("A", "door", [ev], on=plain)

    def zipped(body, request):
        return httpx.Response(200, content=gzip.compress(json.dumps(body).encode()), request=request,
                              headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    rewrite(a, "GET", "/events/v1/tickets", zipped)
    assert a.sync().ok and numbers(a.ledger, Ticket) == set(sale["tickets"])


@pytest.mark.parametrize("retry_after", ["120", "date"])
def test_a_429_retry_after_holds_the_automatic_runs_and_says_so(plain, stations, retry_after):
    ev, tn, a = _door(plain, stations)
    value = retry_after if retry_after != "date" else format_datetime(utcnow() + timedelta(seconds=120), usegmt=True)
    a.faults.add("POST", "/events/v1/tickets/check-in",
                 lambda req: httpx.Response(429, headers={"Retry-After": value}, request=req))
    report = a.sync()
    assert not report.ok and "asks to wait" in report.error and report.pending == 1
    until = a.engine.cooling_down_until()
    assert until is not None and until >= utcnow() + timedelta(seconds=100)
    assert a.engine.run_once().skipped  # the automatic run waits
    assert a.sync().ok and a.outbox()[0].state == "sent"  # "Sync now" still runs
    assert a.engine.cooling_down_until() is None


def test_a_redirect_to_https_is_not_followed_and_is_explained(plain, stations):
    ev, tn, a = _door(plain, stations)
    a.faults.add("POST", "/events/v1/tickets/check-in", lambda req: httpx.Response(
        308, headers={"Location": "https://tickets.example.org" + req.url.path}, request=req))
    report = a.sync()
    assert not report.ok and "https://tickets.example.org" in report.error and report.pending == 1
    assert all(path != "https://tickets.example.org" for _m, path in a.faults.seen)
    assert a.sync().ok


def test_bc15_a_slow_answer_times_out_and_the_retry_makes_no_second_check_in(plain, stations):
    ev, tn, a = _door(plain, stations)
    a.faults.add("POST", "/events/v1/tickets/check-in", "drop")  # processed, the answer never arrives
    assert not a.sync().ok
    assert a.sync().ok and a.outbox()[0].state == "sent"
    with plain.uow() as s:
        rows = list(s.scalars(select(CheckIn).where(CheckIn.ticket_number == tn)))
    assert len([r for r in rows if r.kind == "CHECK_IN"]) == 1


@pytest.mark.parametrize("shift,warns", [(timedelta(hours=-2), True), (timedelta(0), False), (None, True)])
def test_bc13_a_date_header_far_off_or_missing_is_reported(plain, stations, shift, warns):
    ev, tn, a = _door(plain, stations, scans=0)

    def date(request: httpx.Request) -> httpx.Response:
        resp = a.faults.real.handle_request(request)
        resp.read()
        headers = {k: v for k, v in resp.headers.items() if k.lower() not in ("date", "x-server-time")}
        if shift is not None:
            headers["Date"] = format_datetime(utcnow() + shift, usegmt=True)
        return httpx.Response(resp.status_code, headers=headers, content=resp.content, request=request)
    for method in ("GET", "POST"):
        a.faults.add(method, "/", date, 99)
    report = a.sync()
    assert report.ok
    if shift is None:
        assert any("no time header" in w for w in report.warnings)
    elif warns:
        assert report.clock_warning and report.clock_offset_s == pytest.approx(-7200, abs=5)
    else:
        assert not report.clock_warning


# -- hostile sync ---------------------------------------------------------------------------------------------
def _edit(station, ev, number, **inputs):
    with station.ledger.uow() as uow:
        update_order(uow.session, ev, number, fields=["checkoutForm"],
                     checkout_form={"inputValues": [{"inputName": k, "value": v} for k, v in inputs.items()]})
        uow.commit()


def test_wr14_a_third_writer_between_pull_and_push_is_a_conflict_not_an_overwrite(plain, stations):
    ev, [sale] = shop(plain)
    number = sale["orderNumber"]
    a, b = stations("A", "box-office", [ev], on=plain), stations("B", "box-office", [ev], on=plain)
    assert a.sync().ok and b.sync().ok
    _edit(a, ev, number, email="mine@example.org")
    _edit(b, ev, number, firstName="Bea")
    owner = plain.client("organiser", name="owner-app")  # the third writer, straight on the server
    resp = owner.patch(f"/events/v1/events/{ev}/orders/{number}", json={
        "fields": "checkoutForm", "checkoutForm": {"inputValues": [{"inputName": "email",
                                                                    "value": "theirs@example.org"}]}})
    assert resp.status_code == 200
    ra, rb = a.sync(), b.sync()
    assert ra.ok and ra.conflicts == [number] and rb.ok and rb.conflicts == []
    with a.ledger.uow() as uow:
        [c] = conflicts.list_conflicts(uow.session)
    assert c.fields["checkoutForm.email"]["mine"] == "mine@example.org"  # kept for a person, not lost
    assert c.fields["checkoutForm.email"]["theirs"] == "theirs@example.org"


def test_a_ticket_deleted_on_the_server_after_an_offline_check_in_is_rejected_with_its_reason(plain, stations):
    ev, tn, a = _door(plain, stations)
    with plain.uow() as s:
        s.delete(s.get(Ticket, tn))
        s.commit()
    report = a.sync()
    assert report.ok and report.pending == 0  # not stuck: the rest goes on
    [entry] = a.outbox()
    assert entry.state == "rejected" and tn in entry.last_error and "unknown" in entry.last_error
    assert len(checkins_of(a.ledger, tn)) == 1  # the local admission is kept


def test_a_server_restored_from_an_older_backup_loses_nothing_local(plain, stations):
    ev, [sale] = shop(plain)
    a = stations("A", "door", [ev], on=plain)
    assert a.sync().ok
    tn = sale["tickets"][0]
    scan_and_commit(a.ledger, tn, event_ids=[ev], station="A", now=hour_ago())
    with plain.uow() as s:  # the backup predates the sale: its order, payments and tickets are gone
        for model in (Ticket, Payment):
            for row in s.scalars(select(model).where(model.order_number == sale["orderNumber"])):
                s.delete(row)
        s.flush()
        s.delete(s.get(Order, sale["orderNumber"]))
        s.commit()
    report = a.sync()
    assert report.ok and report.pending == 0
    assert len(checkins_of(a.ledger, tn)) == 1 and tn in numbers(a.ledger, Ticket)
    assert [e.state for e in a.outbox()] == ["rejected"]


@pytest.mark.parametrize("stored", [False, True])
def test_bc15_bc19_a_check_in_the_answer_does_not_confirm_stays_queued_without_a_duplicate(plain, stations, stored):
    ev, tn, a = _door(plain, stations)

    def no_ack(request: httpx.Request) -> httpx.Response:
        if stored:  # the server took it, its answer does not say so
            a.faults.real.handle_request(request).read()
        return httpx.Response(200, json={"tickets": []}, request=request)
    a.faults.add("POST", "/events/v1/tickets/check-in", no_ack)
    report = a.sync()
    assert report.ok and report.pushed == 0 and report.pending == 1  # the run goes on, the row is kept
    assert any(tn in w and "does not show this check-in" in w for w in report.warnings)
    [entry] = a.outbox()
    assert (entry.state, entry.attempts, entry.sent_at) == ("pending", 1, None)
    again = a.sync()
    assert again.ok and a.outbox()[0].state == "sent" and again.duplicates == []
    assert all(c.status != DUPLICATE for c in checkins_of(a.ledger, tn))  # ours, not another station's


def test_wr07b_a_server_spelling_ticket_numbers_in_lower_case_takes_our_check_ins(plain, stations):
    ev, tn, a = _door(plain, stations)
    low = each_ticket(lambda t: t.update(ticketNumber=t["ticketNumber"].lower()))
    rewrite(a, "GET", "/events/v1/tickets", low)
    rewrite(a, "POST", "/events/v1/tickets/check-in", low)
    report = a.sync()
    assert report.ok and report.pushed == 1 and report.rejected == [] and a.outbox()[0].state == "sent"
    assert numbers(a.ledger, Ticket) == {tn}
