"""core.codes: unseen variants of the scanning and input fault classes (BC-01, BC-02, BC-04, WR-07) — what a
door meets from phones, wedge scanners, typing staff and other ticket systems. Each variant either parses to
exactly the ticket meant, or is INVALID with a message saying what was read (never a lookup of junk)."""
import pytest

from core.codes import (ParsedCode, foreign_kind, lookup_variants, normalise_typed, not_a_ticket_message,
                        parse_payload, prefer_ticket_codes)
from tests.core.test_codes_layout import typed_on

EV = "5b0c7e2a-1111-4c2d-9e0f-0a1b2c3d4e5f"
TN = "TQ4M-88RA-KD021"
URL = f"https://www.wixevents.com/check-in/{TN},{EV}"
OURS = ParsedCode(TN, EV, "CHECK_IN_URL")
BARE = ParsedCode(TN, None, "TICKET_NUMBER")


@pytest.mark.parametrize("payload", [
    f"http://www.wixevents.com/check-in/{TN},{EV}/?utm_source=newsletter&utm_medium=email#ticket",
    f"https://wixevents.com/check-in/{TN},{EV}",                 # `www.` missing
    f"HTTPS://WWW.WIXEVENTS.COM/CHECK-IN/{TN},{EV.upper()}",     # all upper case
    f"https://www.wixevents.com/check-in/{TN}%2c{EV}/",          # URL-encoded comma, lower-case escape
    f"https://www.wixevents.com/check-in/TQ4M%2D88RA%2DKD021,{EV}",  # URL-encoded dashes
])
def test_wr07_check_in_url_forms(payload):
    """WR-07: scheme, trailing slash, query, fragment, %2C, host case and `www.` do not matter."""
    assert parse_payload(payload) == OURS


@pytest.mark.parametrize("payload", ["\ufeff" + URL, URL + "\ufeff", URL + "\r", URL + "\n", URL + "\r\n",
                                     "\ufeff" + TN + "\r\n"])
def test_bc01_bom_and_trailing_newline_are_not_part_of_the_code(payload):
    """BC-01/BC-04: a byte-order mark some QR generators put first and a trailing CR/LF are dropped."""
    assert parse_payload(payload) in (OURS, BARE)


@pytest.mark.parametrize("typed", ['"TQ4M-88RA-KD021', 'TQ4M-88RA-KD021"', '"TQ4M-88RA-KD021"',
                                   "'tq4m-88ra-kd021'", "“TQ4M-88RA-KD021”", "« TQ4M-88RA-KD021 »",
                                   "`TQ4M-88RA-KD021`\t"])
def test_wr07_quotes_around_a_typed_or_pasted_number_are_dropped(typed):
    """WR-07 b: a number pasted from a spreadsheet or an e-mail comes with quotes; a ticket never has one."""
    assert parse_payload(normalise_typed(typed)) == BARE


@pytest.mark.parametrize("typed", ["tq4m 88ra kd021", "TQ4M88RAKD021", "tq4m88rakd021\r", " TQ4M - 88RA - KD021 "])
def test_wr07_typed_with_spaces_without_dashes_in_lower_case(typed):
    """WR-07 b: typed spaces are dropped (normalise_typed), case is upper-cased, a dash-less number is
    looked up in its dashed layout too."""
    parsed = parse_payload(normalise_typed(typed))
    assert parsed is not None and TN in lookup_variants(parsed.ticket_number)


@pytest.mark.parametrize("typed,meant", [
    ("TQ4M-88RA-KDO21", TN), ("TQ4M-88RA-KD02I", TN), ("TQ4M-88RA-KD02L", TN), ("tq4m88rakdo2i", TN),
])
def test_wr07_look_alike_letters_in_the_suffix_are_read_as_digits(typed, meant):
    """WR-07: the 3-character suffix is always digits (API.md §5), so O→0 and I/L→1 there is unambiguous
    for a typed number; the exact number is still tried first. A scanned code gets no such help (BC-02)."""
    variants = lookup_variants(parse_payload(typed).ticket_number, typed=True)
    assert variants[0] == typed.upper() and meant in variants and len(variants) <= 3
    assert meant not in lookup_variants(typed.upper()), "a scanned code is read exactly (BC-02)"


def test_wr07_look_alikes_in_the_order_part_are_not_guessed():
    """WR-07: Wix numbers use O and 0, I and 1 alike before the suffix (FNVL-NIJT-WP021): no guessing there,
    so no lookup flood and no wrong ticket — looked up as typed only."""
    assert lookup_variants("TQ4M-88RA-KO021", typed=True) == ("TQ4M-88RA-KO021",)
    assert lookup_variants("FNVL-NIJT-WP021", typed=True) == ("FNVL-NIJT-WP021",)


@pytest.mark.parametrize("layout", ["German (QWERTZ)", "French (AZERTY)"])
@pytest.mark.parametrize("code,expected", [(URL, OURS), (TN, BARE), (TN.lower(), BARE)])
def test_wr07_wedge_scanner_on_another_keyboard_layout(layout, code, expected):
    """WR-07: a US-configured wedge scanner on a QWERTZ/AZERTY desktop, with its trailing Enter/Tab."""
    assert parse_payload(typed_on(layout, code) + "\r\n") == expected
    assert parse_payload(typed_on(layout, code) + "\t") == expected


@pytest.mark.parametrize("payload,kind", [
    ("abcdefghjkmnpqrstuvwxyz234567890", "another ticket system"),     # pretix secret: 32 lower-case alnum
    ("k7qp2mzx4rk7qp2mzx4rk7qp2mzx4rab", "another ticket system"),
    ("123456789012345678001", "number-only barcode"),                  # Eventbrite-style numeric barcode
    ("4006381333931", "number-only barcode"),                          # EAN-13
    ("https://example.com/promo?utm_source=poster", "web link"),       # another site's URL
    ("BEGIN:VCARD\nVERSION:3.0\nFN:Ana Moreira\nEND:VCARD", "contact card"),
    ("WIFI:T:WPA;S:Venue Guest;P:secret;;", "Wi-Fi"),
    ("mailto:box-office@example.org", "e-mail"),
    ("T-1 🎉 チケット", "never has"),                                      # emoji / CJK
    (f"{URL}{URL}", "two codes read as one"),                          # a double read without Enter
])
def test_bc02_foreign_codes_are_invalid_and_say_what_they_are(payload, kind):
    """BC-02 / other systems: no lookup (parse → None) and a clear "not a Wix/Tessera ticket" message."""
    assert parse_payload(payload) is None
    message = not_a_ticket_message(payload)
    assert message.startswith("Not a ticket code: read “") and kind in message


@pytest.mark.parametrize("payload", ["A" * 2000, "T-4400" * 400, "", "\r\n", "\ufeff"])
def test_bc04_huge_and_empty_payloads(payload):
    """BC-04: a 2,000-character payload or an empty one is INVALID, never a crash; empty says nothing read."""
    assert parse_payload(payload) is None
    assert not_a_ticket_message(payload) == "Nothing was read" or foreign_kind(payload) is None


def test_wix_numbers_and_long_upper_case_numbers_still_parse():
    """The foreign-secret rule only takes dash-less lower-case reads of ≥ 20 characters with a digit."""
    for number in ("FNVLNIJTWP021", "fnvlnijtwp021", "A" * 35 + "1", "abcdefghijklmnopqrstuvwxyz"):
        assert (parse_payload(number) is None) == (number == "abcdefghijklmnopqrstuvwxyz")


def test_bc02_one_ticket_and_one_advert_in_a_frame_keeps_the_ticket():
    """BC-02/BC-04: two QR codes in one frame, ours and an advert: the door sees only ours."""
    ad = "https://ads.example.com/summer?c=1"
    assert prefer_ticket_codes([ad, URL]) == [URL]
    assert prefer_ticket_codes([URL, TN]) == [URL, TN]   # two tickets: both kept
    assert prefer_ticket_codes([ad, "hello"]) == [ad, "hello"]  # none ours: all, to say what was read
