"""The demo event: "Tessera Demo Night" with three ticket definitions, ~200 tickets over orders in every
status and international names; its ticket PDFs, a few tickets rasterised to PNG, and real scans of those
images through the decoder and the door verdict (DESIGN.md "The door verdict")."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from core import codes
from core.checkin import ScanResult, scan_and_commit
from core.decode import QrDecoder, decode_image
from core.definitions import create_definition
from core.events import create_event
from core.models import Order, Ticket, TicketDefinition
from core.money import Money
from core.orders import get_order
from core.pdf import rasterize_pdf, render_order_pdf
from core.sales import sell
from core.status import ORDER_STATUSES, SETTLED
from core.tickets import check_in
from core.timeutil import UTC, utcnow, zone

TITLE, TIME_ZONE, CURRENCY = "Tessera Demo Night", "Europe/Berlin", "EUR"
DEFINITIONS = (  # name, price, quantity (None = unlimited), hidden
    ("Standing", "25.00", 300, False),
    ("Balcony", "39.50", 120, False),
    ("Guest list", "0", None, True),
)
# (first, last): Latin with accents, Greek, Cyrillic, CJK and Hangul, so PDFs and screens show every script.
NAMES = (
    ("Ana", "Moreira"), ("Łucja", "Ørsted-Núñez"), ("François", "Lefèvre"), ("Jürgen", "Müller"),
    ("Zoë", "Brontë"), ("Søren", "Kierkegård"), ("Inês", "Conceição"), ("Çağla", "Yılmaz"),
    ("Siobhán", "Ní Bhriain"), ("José", "Peña"), ("Mira", "Castell"), ("Antonín", "Dvořák"),
    ("Ελένη", "Παπαδοπούλου"), ("Νίκος", "Καζαντζάκης"), ("Анна", "Иванова"), ("Дмитрий", "Соколов"),
    ("Олена", "Шевченко"), ("太郎", "山田"), ("美咲", "佐藤"), ("伟", "王"), ("秀英", "李"), ("민준", "김"),
    ("Aoife", "O'Connor"), ("Björk", "Guðmundsdóttir"), ("Mateus", "Gonçalves"), ("Émile", "Zola"),
)
# Box-office sales (core.sales.sell) and orders pulled from the central API (ONLINE rows), per status.
BOX_OFFICE_PLAN = (("PAID", 40), ("FREE", 6), ("OFFLINE_PENDING", 8))
ONLINE_PLAN = (("PAID", 12), ("INITIATED", 4), ("PENDING", 4), ("CANCELED", 5), ("DECLINED", 3))
ONLINE_METHOD = {"PAID": "creditCard", "PENDING": "payPal", "DECLINED": "creditCard", "CANCELED": "payPal",
                 "INITIATED": ""}
PRE_CHECKED_IN = 15  # tickets already admitted at "Door A", so counts and lists are not all zero
# label -> (order status, verdict its first scan shows); ALREADY_CHECKED_IN comes from scanning "paid" twice.
SAMPLES = (("paid", "PAID", "OK"), ("guest-list", "FREE", "OK"), ("unpaid", "OFFLINE_PENDING", "UNPAID"),
           ("canceled", "CANCELED", "CANCELED"))


@dataclass
class Demo:
    """What build_demo made: the event id, definition ids by name, order numbers per status, the number of
    tickets, and the sample tickets {label: ticket number} chosen to show several verdicts."""

    event_id: str
    definitions: dict[str, str]
    orders: dict[str, list[str]] = field(default_factory=dict)
    tickets: int = 0
    samples: dict[str, str] = field(default_factory=dict)


def event_start(now: datetime | None = None) -> datetime:
    """Tomorrow 20:00 in Europe/Berlin (aware UTC)."""
    tz = zone(TIME_ZONE)
    today = (now or utcnow()).astimezone(tz).date()
    return datetime.combine(today + timedelta(days=1), time(20, 0), tzinfo=tz).astimezone(UTC)


def _buyer(rng: random.Random, n: int) -> dict:
    first, last = NAMES[n % len(NAMES)] if n < len(NAMES) else rng.choice(NAMES)
    return {"firstName": first, "lastName": last, "email": f"guest{n:03d}@example.org"}


def _lines(rng: random.Random, defs: dict[str, TicketDefinition], status: str) -> dict[str, int]:
    if status == "FREE":
        return {defs["Guest list"].id: rng.randint(1, 2)}
    lines = {defs[rng.choice(("Standing", "Standing", "Balcony"))].id: rng.randint(1, 4)}
    if rng.random() < 0.15:  # now and then a mixed order
        other = defs["Balcony"].id if defs["Standing"].id in lines else defs["Standing"].id
        lines[other] = 1
    return lines


def _online_order(session: Session, event_id: str, defs: dict[str, TicketDefinition], status: str,
                  buyer: dict, lines: dict[str, int], created: datetime) -> Order:
    """An order as the central API would deliver it (channel ONLINE; no outbox row: it is not ours to send)."""
    number = codes.new_order_number()
    while session.get(Order, number) is not None:
        number = codes.new_order_number()
    by_id = {d.id: d for d in defs.values()}
    total = sum(by_id[i].price_minor * q for i, q in lines.items())
    form = [{"inputName": k, "value": buyer[k]} for k in ("firstName", "lastName", "email")]
    order = Order(order_number=number, event_id=event_id, status=status, first_name=buyer["firstName"],
                  last_name=buyer["lastName"], email=buyer["email"], checkout_form=form,
                  method=ONLINE_METHOD.get(status, ""), total_minor=total, currency=CURRENCY, archived=False,
                  channel="ONLINE", station="", created=created, updated=created)
    index = 0
    for def_id, qty in lines.items():
        d = by_id[def_id]
        for _ in range(qty):
            order.tickets.append(Ticket(
                ticket_number=codes.ticket_number_for(number, index), event_id=event_id, definition_id=d.id,
                name=d.name, price_minor=d.price_minor, currency=d.currency, guest_first_name=buyer["firstName"],
                guest_last_name=buyer["lastName"], guest_email=buyer["email"], guest_form=[], archived=False,
                canceled=False, created=created))
            index += 1
    session.add(order)
    return order


def build_demo(session: Session, *, seed: int = 7, now: datetime | None = None, station: str = "Box office 1"
               ) -> Demo:
    """Create the demo event in the caller's transaction (nothing is committed here): 3 definitions
    (Standing 25.00 EUR ×300, Balcony 39.50 EUR ×120, Guest list free, hidden), ~200 tickets over box-office
    sales (PAID cash/card, FREE, OFFLINE_PENDING via core.sales.sell) and ONLINE orders as pulled from the
    central API (PAID, INITIATED, PENDING, CANCELED, DECLINED), and a few check-ins at "Door A".
    `seed` makes names, quantities and payment methods repeatable (order numbers stay random)."""
    rng = random.Random(seed)
    now = now or utcnow()
    start = event_start(now)
    ev = create_event(session, title=TITLE, time_zone=TIME_ZONE, currency=CURRENCY, start=start,
                      end=start + timedelta(hours=4))
    defs = {name: create_definition(session, ev.id, {
        "name": name, "price": {"value": price, "currency": CURRENCY}, "limited": qty is not None,
        "quantity": qty, "hidden": hidden, "description": f"{name} — {TITLE}"}) for name, price, qty, hidden in DEFINITIONS}
    demo = Demo(event_id=ev.id, definitions={n: d.id for n, d in defs.items()})
    n = 0
    for status, count in ONLINE_PLAN:
        for _ in range(count):
            created = now - timedelta(days=rng.randint(1, 20), minutes=rng.randint(0, 600))
            order = _online_order(session, ev.id, defs, status, _buyer(rng, n), _lines(rng, defs, status), created)
            demo.orders.setdefault(status, []).append(order.order_number)
            n += 1
    for status, count in BOX_OFFICE_PLAN:
        for _ in range(count):
            payment = "unpaid" if status == "OFFLINE_PENDING" else rng.choice(("cash", "card"))
            lines = _lines(rng, defs, status)
            tendered = _tendered(defs, lines) if payment == "cash" else None
            sale = sell(session, ev.id, lines, _buyer(rng, n), payment=payment, tendered=tendered, station=station)
            demo.orders.setdefault(sale.order.status, []).append(sale.order.order_number)
            n += 1
    session.flush()
    demo.tickets = sum(len(get_order(session, o).tickets) for nums in demo.orders.values() for o in nums)
    demo.samples = {label: get_order(session, demo.orders[status][0]).tickets[0].ticket_number
                    for label, status, _ in SAMPLES}
    _pre_check_in(session, demo, rng)
    return demo


def _tendered(defs: dict[str, TicketDefinition], lines: dict[str, int]) -> Money:
    """Cash handed over: the total rounded up to the next 10.00 EUR note."""
    by_id = {d.id: d for d in defs.values()}
    total = sum(by_id[i].price_minor * q for i, q in lines.items())
    return Money.from_minor(-(-total // 1000) * 1000, CURRENCY)


def _pre_check_in(session: Session, demo: Demo, rng: random.Random) -> None:
    admitted = [t.ticket_number for s in ORDER_STATUSES if s in SETTLED for o in demo.orders.get(s, [])
                for t in get_order(session, o).tickets if t.ticket_number not in demo.samples.values()]
    chosen = rng.sample(admitted, min(PRE_CHECKED_IN, len(admitted)))
    if chosen:
        check_in(session, demo.event_id, chosen, station="Door A", method="SCAN")


def expected_verdicts() -> list[tuple[str, str]]:
    """(sample label, verdict) in scan order: each sample once, then "paid" again → ALREADY_CHECKED_IN."""
    return [(label, verdict) for label, _, verdict in SAMPLES] + [("paid", "ALREADY_CHECKED_IN")]


def write_pdfs(session: Session, demo: Demo, out_dir: Path) -> dict[str, Path]:
    """Render every demo order's ticket PDF to out_dir/pdf/<orderNumber>.pdf; {order number: path}."""
    pdf_dir = Path(out_dir) / "pdf"
    pdf_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for numbers in demo.orders.values():
        for number in numbers:
            path = pdf_dir / f"{number}.pdf"
            path.write_bytes(render_order_pdf(session, number))
            paths[number] = path
    return paths


def write_sample_pngs(session: Session, demo: Demo, pdfs: dict[str, Path], out_dir: Path, dpi: int = 150
                      ) -> dict[str, Path]:
    """Rasterise each sample ticket's page of its order PDF at `dpi` to out_dir/png/<label>-<ticket>.png."""
    png_dir = Path(out_dir) / "png"
    png_dir.mkdir(parents=True, exist_ok=True)
    out = {}
    for label, ticket_number in demo.samples.items():
        order = session.get(Ticket, ticket_number).order
        page = [t.ticket_number for t in order.tickets].index(ticket_number)
        image = rasterize_pdf(pdfs[order.order_number].read_bytes(), dpi=dpi)[page]
        path = png_dir / f"{label}-{ticket_number}.png"
        image.save(path)
        out[label] = path
    return out


def scan_samples(ledger, demo: Demo, pngs: dict[str, Path], *, station: str = "Door B"
                 ) -> list[tuple[Path, ScanResult]]:
    """Decode each sample PNG with the real decoder and run the door verdict (committed per scan), in the
    order of expected_verdicts(); the "paid" image is scanned twice. Returns (image, result) per code."""
    decoder = QrDecoder(fallback_every=1)
    results = []
    for label, _ in expected_verdicts():
        for payload in decode_image(pngs[label], decoder):
            results.append((pngs[label], scan_and_commit(ledger, payload, event_ids=[demo.event_id],
                                                         station=station)))
    return results
