"""Confirmation e-mails (case WR-03, WR-11): an order that becomes PAID (ConfirmOrder or an uploaded paid
box-office sale) is e-mailed with its tickets PDF; a failing SMTP server never fails or loses the order."""
from __future__ import annotations

import time

import numpy as np
from sqlalchemy import select

from core.decode import QrDecoder
from core.pdf import rasterize_pdf
from sync.hub.models import HubMail
from tests.sync.hub_fixtures import free_port, ok
from tests.sync.test_hub_upload import station_sale


def pdf_codes(msg) -> list[str]:
    """Decode the QR of every page of the message's PDF attachment (rasterised at 150 dpi)."""
    (part,) = [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert part.get_filename().endswith(".pdf")
    decoder = QrDecoder()
    codes = []
    for page in rasterize_pdf(part.get_content(), dpi=150):
        codes += decoder.decode(np.asarray(page.convert("L")))
    return codes


def mails(hub) -> list[tuple]:
    with hub.ledger.uow() as uow:
        return [(m.order_number, m.state, m.attempts, m.last_error) for m in
                uow.session.scalars(select(HubMail).order_by(HubMail.id))]


def wait_until(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_wr03_confirm_order_emails_the_tickets_pdf(hub_factory, smtp_factory):
    sink = smtp_factory()
    hub = hub_factory(smtp_url=sink.url)
    ev = hub.seed_event(title="Spring Gala")
    d = hub.seed_definition(ev)
    sale = hub.seed_sale(ev, {d: 2}, payment="unpaid", email="mira@example.org")
    box = hub.client("box-office")
    ok(box.post(f"/events/v1/events/{ev}/orders/confirm", json={"orderNumber": [sale["orderNumber"]]}))
    (msg,) = sink.wait_for(1)
    assert msg["To"] == "mira@example.org" and msg["From"] == "box-office@venue.example"
    assert sale["orderNumber"] in msg["Subject"] and "Spring Gala" in msg["Subject"]
    assert sorted(pdf_codes(msg)) == sorted(f"https://www.wixevents.com/check-in/{t},{ev}" for t in sale["tickets"])
    wait_until(lambda: mails(hub) == [(sale["orderNumber"], "sent", 1, "")])
    ok(box.post(f"/events/v1/events/{ev}/orders/confirm", json={"orderNumber": [sale["orderNumber"]]}))
    assert mails(hub) == [(sale["orderNumber"], "sent", 1, "")]  # already PAID: no second mail (WR-03 c)
    # A later confirmation's mail is the barrier (mails go out in order): no mail came for the repeat.
    later = hub.seed_sale(ev, {d: 1}, payment="unpaid", email="lee@example.org")
    ok(box.post(f"/events/v1/events/{ev}/orders/confirm", json={"orderNumber": [later["orderNumber"]]}))
    assert [m["To"] for m in sink.wait_for(2)] == ["mira@example.org", "lee@example.org"]


def test_uploaded_paid_box_office_sale_is_emailed(hub_factory, smtp_factory, tmp_path):
    sink = smtp_factory()
    hub = hub_factory(smtp_url=sink.url)
    ev = hub.seed_event()
    d = hub.seed_definition(ev, name="Early Bird", quantity=100)
    order = station_sale(tmp_path, "till-a", ev, d, qty=1, email="walk-in@example.org")
    ok(hub.client("box-office").post("/tessera/v1/orders", json={"eventId": ev, "order": order}))
    (msg,) = sink.wait_for(1)
    assert msg["To"] == "walk-in@example.org"
    assert pdf_codes(msg) == [f"https://www.wixevents.com/check-in/{order['tickets'][0]['ticketNumber']},{ev}"]


def test_orders_without_email_or_unpaid_queue_nothing(hub):
    ev = hub.seed_event()
    d = hub.seed_definition(ev)
    sale = hub.seed_sale(ev, {d: 1}, payment="unpaid", email="")
    ok(hub.client("box-office").post(f"/events/v1/events/{ev}/orders/confirm",
                                     json={"orderNumber": [sale["orderNumber"]]}))
    hub.seed_sale(ev, {d: 1}, payment="unpaid", email="later@example.org")
    assert mails(hub) == []


def test_wr03_smtp_down_never_fails_the_order_and_the_mail_is_retried(hub_factory, smtp_factory):
    port = free_port()  # nothing listens here yet
    hub = hub_factory(smtp_url=f"smtp://127.0.0.1:{port}?timeout=2", mail_backoff=(0.2, 0.5))
    ev = hub.seed_event()
    d = hub.seed_definition(ev)
    sale = hub.seed_sale(ev, {d: 1}, payment="unpaid", email="ana@example.org")
    box = hub.client("box-office")
    confirmed = ok(box.post(f"/events/v1/events/{ev}/orders/confirm", json={"orderNumber": [sale["orderNumber"]]}))
    assert confirmed["orders"][0]["status"] == "PAID"
    failed = wait_until(lambda: [m for m in mails(hub) if m[2] >= 2])  # two failed attempts, still queued
    assert failed[0][1] == "pending"
    assert "refused" in failed[0][3].lower() or "connect" in failed[0][3].lower(), failed
    sink = smtp_factory(port)
    (msg,) = sink.wait_for(1)
    assert msg["To"] == "ana@example.org"
    order_number, state, attempts, error = wait_until(lambda: [m for m in mails(hub) if m[1] == "sent"])[0]
    assert (order_number, error) == (sale["orderNumber"], "") and attempts >= 3
    got = ok(box.get(f"/events/v1/events/{ev}/orders/{sale['orderNumber']}", params={"fieldset": "DETAILS"}))
    assert got["order"]["status"] == "PAID"
