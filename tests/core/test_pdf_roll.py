"""core/pdf_roll.py: the receipt PDF and the tickets on an 80 mm thermal roll (issue 10 item 4). Rendered,
then read back: the receipt's text with pdfium, the roll tickets' QR codes with zxing-cpp and pyzbar."""
import pypdfium2 as pdfium
import pytest
import zxingcpp
from pyzbar.pyzbar import ZBarSymbol
from pyzbar.pyzbar import decode as zbar_decode
from reportlab.lib.units import mm

from core.contract import check_in_url
from core.errors import InvalidArgument
from core.pdf import rasterize_pdf
from core.pdf_roll import render_order_roll_pdf, render_receipt_pdf, render_tickets_roll_pdf
from core.receipt import build_receipt
from core.sales import sell
from tests.core.test_pdf import DPI, EVENT_ID, GUESTS, _gray, make_order
from tests.core.test_sales import BUYER, NOW, eur, make_def, make_event


def _texts(pdf: bytes) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    try:
        out = []
        for page in doc:
            tp = page.get_textpage()
            out.append(tp.get_text_range())
            tp.close()
        return out
    finally:
        doc.close()


def test_receipt_pdf_holds_the_lines_and_total_on_an_80mm_page(session):
    ev = make_event(session)
    defn = make_def(session, ev, "12.50", name="Adult")
    buyer = dict(BUYER, firstName="김민수")
    sale = sell(session, ev.id, {defn.id: 2}, buyer, payment="cash", tendered=eur("30.00"), station="till-1", now=NOW)
    pdf = render_receipt_pdf(build_receipt(session, sale.order.order_number))
    doc = pdfium.PdfDocument(pdf)
    width, _height = doc[0].get_size()
    doc.close()
    assert abs(width - 80 * mm) < 0.5
    (text,) = _texts(pdf)
    for want in ("RECEIPT", "2 x Adult", "€25.00", "TOTAL", "Tendered", "€30.00", "Change", "€5.00", "김민수",
                 sale.order.order_number, "till-1"):
        assert want in text, want


def test_bc05_roll_tickets_scan_like_a6_ones(session):
    """BC-05 on the roll layout: every ticket page decodes with zxing-cpp and pyzbar to its checkInUrl."""
    make_order(session)
    pdf = render_order_roll_pdf(session, "K7QP-2MZX-4R")
    pages = rasterize_pdf(pdf, dpi=DPI)
    assert len(pages) == len(GUESTS)
    expected = [check_in_url(f"K7QP-2MZX-4R{n:03d}", EVENT_ID) for n in range(21, 21 + len(GUESTS))]
    for page, want in zip(pages, expected):
        assert abs(page.size[0] - 80 / 25.4 * DPI) <= 1
        g = _gray(page)
        assert [b.bytes.decode() for b in zxingcpp.read_barcodes(g, formats=zxingcpp.BarcodeFormat.QRCode)] == [want]
        assert [s.data.decode() for s in zbar_decode(g, symbols=[ZBarSymbol.QRCODE])] == [want]
    texts = _texts(pdf)
    assert "김 민수" in texts[4] and "Frühlingskonzert 2026" in texts[0]


def test_no_tickets_is_refused():
    with pytest.raises(InvalidArgument):
        render_tickets_roll_pdf([])
