"""Every script renders on a ticket PDF (issue 9 item 6): names in Arabic, Hebrew, Thai, Devanagari, CJK and
Vietnamese and prices in TRY/UAH/INR/KWD are drawn in a font that has them (no glyph is .notdef), complex
scripts are shaped by HarfBuzz, and the text pypdf extracts from the PDF is the input in logical order.
Arabic comes back as presentation forms (the shaped glyphs' code points): NFKC folds them to the input."""
from __future__ import annotations

import io
from collections import Counter
import unicodedata

import pypdf
import pytest

from core.errors import InvalidArgument
from core.money import Money, display_locale
from core.pdf import TicketView, render_tickets_pdf
from core.pdf_text import MissingGlyph, clean, glyph_ids, visual_runs, width

NAMES = {
    "arabic": "محمد عبد الله",
    "hebrew": "שלום כהן",
    "thai": "สมชาย ใจดี",
    "devanagari": "किरण शर्मा",
    "cjk": "李小龍 山田花子 김민수",
    "vietnamese": "Nguyễn Thị Hương",
}
PRICES = {"TRY": ("250", "₺250,00"), "UAH": ("300", "300,00\xa0₴"), "INR": ("1500", "₹1,500.00"),
          "KWD": ("1.234", None)}


def _view(name: str, price: str = "€10.00") -> TicketView:
    return TicketView(event_title="Gala", event_start="Sat, 7 Mar 2026 · 20:00 CET", time_zone="Europe/Berlin",
                      definition_name="VIP", guest_name=name, price=price, order_number="O-1",
                      ticket_number="T-1", policy="", qr_payload="https://www.wixevents.com/check-in/T-1,e")


def _lines(pdf: bytes) -> list[str]:
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    return [unicodedata.normalize("NFKC", line).strip() for line in text.split("\n")]


@pytest.mark.parametrize("script", [s for s in NAMES if s != "devanagari"])
def test_name_is_extracted_in_logical_order(script):
    name = NAMES[script]
    assert unicodedata.normalize("NFKC", name) in _lines(render_tickets_pdf([_view(name)]))


@pytest.mark.parametrize("script", list(NAMES))
def test_no_glyph_is_notdef(script):
    ids = glyph_ids(NAMES[script], bold=True)
    assert ids and all(gid != 0 for _, gid in ids)
    if script in ("arabic", "hebrew", "thai", "devanagari"):
        assert {font for font, _ in ids} >= {f"Tessera-{script.capitalize()}"}


def test_complex_scripts_are_shaped():
    # Arabic letters join: the shaped glyphs are contextual forms, not the isolated letters' own glyphs.
    arabic = glyph_ids("عبد")
    assert [gid for _, gid in arabic] != [gid for _, gid in glyph_ids("ع")
                                          + glyph_ids("ب") + glyph_ids("د")][::-1]
    # Devanagari: र् + म forms a reph, so fewer glyphs than characters; the i-matra is drawn before क.
    assert len(glyph_ids("शर्मा")) < len("शर्मा")
    assert width("कि", False, 10) > 0


def test_right_to_left_runs_are_ordered_right_to_left():
    assert [f for f, _ in visual_runs("Anna שלום")] == ["Tessera-Sans", "Tessera-Hebrew"]
    assert [f for f, _ in visual_runs("שלום 12")] == ["Tessera-Sans", "Tessera-Hebrew"]  # RTL base: 12 at left
    assert [f for f, _ in visual_runs("Anna 李")] == ["Tessera-Sans", "Tessera-CJK"]


@pytest.mark.parametrize("currency", list(PRICES))
def test_prices_use_the_currency_locale_and_extract_unchanged(currency):
    amount, expected = PRICES[currency]
    text = Money.of(amount, currency).format()
    if expected:
        assert text == expected
    assert currency not in text  # a symbol, not 'TRY250.00'
    lines = _lines(render_tickets_pdf([_view("Anna", text)]))
    printed = unicodedata.normalize("NFKC", clean(text))
    if currency == "KWD":  # ar_KW: pypdf splits the right-to-left line at the digits; all characters are there
        assert not Counter(printed.replace(" ", "")) - Counter("".join(lines).replace(" ", ""))
    else:
        assert printed in lines


def test_display_locale_keeps_a_locale_that_has_the_symbol():
    assert display_locale("EUR", "en_US") == "en_US"
    assert display_locale("TRY", "en_US") == "tr_TR"
    assert display_locale("CHF", "en_US") == "en_US"  # no symbol anywhere: stays the station's


def test_an_emoji_renders_or_fails_loudly():
    assert render_tickets_pdf([_view("Anna 😀")])  # DejaVu Sans draws it (monochrome)
    assert all(gid for _, gid in glyph_ids("Anna 😀"))
    with pytest.raises(MissingGlyph) as err:  # no bundled font has the unicorn: an error, never a box
        render_tickets_pdf([_view("Anna 🦄")])
    assert isinstance(err.value, InvalidArgument) and err.value.code == "MISSING_GLYPH"
    assert "U+1F984" in err.value.message


def _pdfium_text(pdf: bytes) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[0]
        textpage = page.get_textpage()
        try:
            return textpage.get_text_range()
        finally:
            textpage.close()
    finally:
        doc.close()


@pytest.mark.parametrize("script", list(NAMES))
def test_every_name_extracts_in_logical_order_with_pdfium(script):
    """Shaped runs carry their logical text as /ActualText (PDF 32000 §14.9.4), so an extractor that honours it
    (PDFium, Chrome's) gives back exactly the input — Devanagari included, whose glyph order differs (the
    i-matra is drawn before its consonant)."""
    name = NAMES[script]
    lines = [line.strip() for line in _pdfium_text(render_tickets_pdf([_view(name)])).splitlines()]
    assert name in lines, lines


@pytest.mark.parametrize("currency", list(PRICES))
def test_every_price_extracts_unchanged_with_pdfium(currency):
    """TRY/UAH/INR/KWD prices (KWD in Arabic script, right to left) come back whole from PDFium's extractor;
    only the no-break space reads as a space and the invisible direction marks are gone (core.pdf_text.clean)."""
    amount, _expected = PRICES[currency]
    text = Money.of(amount, currency).format()
    lines = [unicodedata.normalize("NFKC", line).strip()
             for line in _pdfium_text(render_tickets_pdf([_view("Anna", text)])).splitlines()]
    assert unicodedata.normalize("NFKC", clean(text)) in lines, lines
