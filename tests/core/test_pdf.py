"""Ticket PDFs: render → rasterise at 150 dpi → decode every QR with zxing-cpp, pyzbar and OpenCV (BC-05),
quiet zone on a dark template, embedded TrueType fonts for Latin/Greek/Cyrillic/CJK names."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
import zxingcpp
from pyzbar.pyzbar import ZBarSymbol
from pyzbar.pyzbar import decode as zbar_decode

from core.codes import check_in_url
from core.errors import FailedPrecondition, InvalidArgument, NotFound
from core.models import Event, Order, Ticket, TicketDefinition
from core.pdf import (PAGE, TicketTheme, TicketView, build_views, font_for, qr_matrix,
                      rasterize_pdf, render_order_pdf, render_tickets_pdf, wrap)

EVENT_ID = "ad18d12e-a6a9-4c17-abfa-6ff119479be2"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
GUESTS = [("Łucja", "Ørsted-Núñez"), ("Σοφία", "Παπαδοπούλου"), ("Жанна", "Иванова"), ("李", "小龍"), ("김", "민수"),
          ("", "")]  # the last one falls back to the buyer's name
POLICY = ("No refunds. Doors open 30 minutes before the show; bags are checked at the entrance. " * 20
          + "入場は開演の30分前からです。" * 10)
DPI = 150


def make_order(session, *, order_number="K7QP-2MZX-4R", guests=GUESTS, canceled_extra=True) -> Order:
    """An event (Europe/Berlin, 20:00 local), one definition and a PAID order with one ticket per guest,
    plus a canceled ticket that must not be printed."""
    session.add(Event(id=EVENT_ID, title="Frühlingskonzert 2026 — Ελληνική βραδιά / Вечер / 春の音楽祭",
                      time_zone="Europe/Berlin", start=datetime(2026, 3, 7, 19, 0, tzinfo=timezone.utc),
                      currency="EUR", registration_type="TICKETS", created=T0, updated=T0))
    session.add(TicketDefinition(id="def-1", event_id=EVENT_ID, name="Early Bird Standing", price_minor=1250,
                                 currency="EUR", policy=POLICY, created=T0, updated=T0))
    order = Order(order_number=order_number, event_id=EVENT_ID, status="PAID", first_name="Mira",
                  last_name="Castell", email="mira@example.org", total_minor=1250 * len(guests),
                  currency="EUR", created=T0, updated=T0)
    session.add(order)
    rows = list(guests) + ([("Canceled", "Guest")] if canceled_extra else [])
    for i, (first, last) in enumerate(rows):
        session.add(Ticket(ticket_number=f"{order_number}{21 + i:03d}", order_number=order_number,
                           event_id=EVENT_ID, definition_id="def-1", name="Early Bird Standing",
                           price_minor=1250, currency="EUR", guest_first_name=first, guest_last_name=last,
                           canceled=i == len(guests), created=T0))
    session.commit()
    return order


def _gray(img) -> np.ndarray:
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2GRAY)


def test_build_views_shows_event_zone_price_and_names(session):
    make_order(session)
    views = build_views(session, "K7QP-2MZX-4R")
    assert [v.ticket_number for v in views] == [f"K7QP-2MZX-4R{n:03d}" for n in range(21, 21 + len(GUESTS))]
    v = views[0]
    assert v.event_start == "Sat, Mar 7, 2026 · 8:00\u202fPM CET"  # 19:00 UTC shown in Europe/Berlin
    assert v.time_zone == "Europe/Berlin"
    assert v.price == "€12.50"
    assert v.guest_name == "Łucja Ørsted-Núñez"
    assert views[-1].guest_name == "Mira Castell"
    assert v.qr_payload == check_in_url(v.ticket_number, EVENT_ID)
    assert v.policy == POLICY
    assert build_views(session, "K7QP-2MZX-4R", locale="de_DE")[0].price == "12,50\xa0€"


def test_build_views_unknown_and_fully_canceled_orders(session):
    with pytest.raises(NotFound):
        build_views(session, "NOPE-NOPE-00")
    make_order(session, guests=[], canceled_extra=True)
    assert build_views(session, "K7QP-2MZX-4R") == []
    assert len(build_views(session, "K7QP-2MZX-4R", include_canceled=True)) == 1
    with pytest.raises(FailedPrecondition):
        render_order_pdf(session, "K7QP-2MZX-4R")
    with pytest.raises(InvalidArgument):
        render_tickets_pdf([])


def test_bc05_order_pdf_round_trip_every_ticket_zxing_pyzbar_opencv(session):
    """BC-05: each template page, rasterised at 150 dpi, decodes with zxing-cpp, pyzbar and OpenCV."""
    make_order(session)
    pdf = render_order_pdf(session, "K7QP-2MZX-4R")
    pages = rasterize_pdf(pdf, dpi=DPI)
    assert len(pages) == len(GUESTS)  # the canceled ticket is not printed
    expected = [check_in_url(f"K7QP-2MZX-4R{n:03d}", EVENT_ID) for n in range(21, 21 + len(GUESTS))]
    opencv = cv2.QRCodeDetectorAruco()
    for page, want in zip(pages, expected):
        assert abs(page.size[0] - PAGE[0] / 72 * DPI) <= 1 and abs(page.size[1] - PAGE[1] / 72 * DPI) <= 1
        g = _gray(page)
        zx = zxingcpp.read_barcodes(g, formats=zxingcpp.BarcodeFormat.QRCode)
        assert [b.bytes.decode("utf-8") for b in zx] == [want]
        zb = zbar_decode(g, symbols=[ZBarSymbol.QRCODE])
        assert [s.data.decode("utf-8") for s in zb] == [want]
        text, points, _ = opencv.detectAndDecode(g)
        assert text == want and points is not None


def test_bc05_quiet_zone_and_module_floor_on_dark_template(session):
    """BC-05: a dark template background still leaves ≥ 4 white modules around the QR; module ≥ 0.4 mm."""
    make_order(session)
    dark = TicketTheme(background="#1A1A1A", header="#000000", text="#EEEEEE", muted="#AAAAAA")
    views = build_views(session, "K7QP-2MZX-4R")
    pages = rasterize_pdf(render_tickets_pdf(views, dark), dpi=DPI)
    for page, view in zip(pages, views):
        g = _gray(page)
        (bc,) = zxingcpp.read_barcodes(g, formats=zxingcpp.BarcodeFormat.QRCode)
        assert bc.text == view.qr_payload
        pos = bc.position
        xs = [p.x for p in (pos.top_left, pos.top_right, pos.bottom_left, pos.bottom_right)]
        ys = [p.y for p in (pos.top_left, pos.top_right, pos.bottom_left, pos.bottom_right)]
        n = len(qr_matrix(view.qr_payload))
        module_px = (max(xs) - min(xs) + 1) / n
        assert module_px / DPI * 25.4 >= 0.4
        q = int(np.ceil(4 * module_px))  # BC-05: four modules, whatever the renderer constant says
        x0, x1, y0, y1 = round(min(xs)), round(max(xs)), round(min(ys)), round(max(ys))  # symbol [x0, x1)
        assert x0 - q >= 0 and y0 - q >= 0 and x1 + q <= g.shape[1] and y1 + q <= g.shape[0]
        ring = g[y0 - q:y1 + q, x0 - q:x1 + q].copy()
        ring[q:-q, q:-q] = 255  # blank the symbol: what is left is a ring of 4 modules round it
        assert ring.min() >= 200, "quiet zone is not white"
        assert g[5, 5] < 60  # the page itself really is dark


def test_bc05_tiny_border_input_cannot_shrink_the_quiet_zone():
    """Whatever the payload, the renderer builds the QR itself with M error correction and its own zone."""
    v = TicketView("T", "", "UTC", "D", "G", "Free", "O-1", "O-1021", "", "X" * 300)
    (page,) = rasterize_pdf(render_tickets_pdf([v]), dpi=DPI)
    (bc,) = zxingcpp.read_barcodes(_gray(page), formats=zxingcpp.BarcodeFormat.QRCode)
    assert bc.text == "X" * 300 and bc.ec_level == "M"
    for too_long in ("x" * 2300, "x" * 3000):  # version 40 would need modules < 0.4 mm; beyond QR capacity
        with pytest.raises(InvalidArgument):
            render_tickets_pdf([TicketView("T", "", "UTC", "D", "G", "", "O", "O1", "", too_long)])


def test_fonts_embedded_and_text_extractable_for_greek_cyrillic_cjk(session):
    make_order(session)
    pdf = render_order_pdf(session, "K7QP-2MZX-4R")
    names = set(re.findall(rb"/BaseFont\s*/[A-Z]{6}\+([\w-]+)", pdf))
    assert {b"DejaVuSans", b"DejaVuSans-Bold", b"DroidSansFallback"} <= names
    assert pdf.count(b"/FontFile2") >= 3  # TrueType (glyf) programs embedded
    assert b"/Helvetica" not in pdf  # no unembedded base-14 font
    doc = pdfium.PdfDocument(pdf)
    try:
        texts = []
        for i in range(len(doc)):
            page = doc[i]
            tp = page.get_textpage()
            texts.append(tp.get_text_range())
            tp.close()
            page.close()
    finally:
        doc.close()
    for text, name in zip(texts, ["Łucja Ørsted-Núñez", "Σοφία Παπαδοπούλου", "Жанна Иванова", "李 小龍", "김 민수",
                                  "Mira Castell"]):
        assert name in text
        assert "Frühlingskonzert 2026" in text and "€12.50" in text and "8:00\u202fPM CET" in text


def test_font_fallback_picks_a_font_with_all_glyphs():
    assert font_for("Łucja Σοφία Жанна") == "Tessera-Sans"
    assert font_for("Łucja", bold=True) == "Tessera-Sans-Bold"
    assert font_for("李小龍 山田花子 김민수") == "Tessera-CJK"


def test_policy_wraps_and_truncates_latin_and_cjk():
    lines = wrap(POLICY, False, 6.5, 200, 5)
    assert len(lines) == 5 and lines[-1].endswith("…")
    cjk = wrap("入場は開演の30分前からです。" * 20, False, 6.5, 120, 40)
    assert len(cjk) > 3 and "".join(cjk) == "入場は開演の30分前からです。" * 20  # broken without spaces
    assert wrap("short\nsecond paragraph", False, 6.5, 200, 5) == ["short", "second paragraph"]


def test_a_ticket_pdf_file_is_scanned_page_by_page_and_a_damaged_one_is_refused(session, tmp_path):
    """`tessera scan --image tickets.pdf` (core.decode.decode_image): every page's code, in page order; a file
    that says PDF but is not one is a clear ValueError, never a crash."""
    from core.decode import decode_image

    make_order(session)
    path = tmp_path / "tickets.pdf"
    path.write_bytes(render_order_pdf(session, "K7QP-2MZX-4R"))
    expected = [check_in_url(f"K7QP-2MZX-4R{n:03d}", EVENT_ID) for n in range(21, 21 + len(GUESTS))]
    assert decode_image(path) == expected
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    with pytest.raises(ValueError, match="not a readable image .a damaged PDF"):
        decode_image(broken)
