"""core.codes: check-in URL / bare ticket-number parsing (BC-01, BC-02, BC-04, WR-07) and number generation."""
import re

import pytest

from core.codes import (CHECK_IN_URL_PREFIX, ORDER_ALPHABET, ParsedCode, check_in_url, is_ticket_number,
                        new_order_number, parse_payload, ticket_number_for)

EV = "5b0c7e2a-1111-4c2d-9e0f-0a1b2c3d4e5f"
TN = "TQ4M-88RA-KD021"


@pytest.mark.parametrize("payload", [
    f"https://www.wixevents.com/check-in/{TN},{EV}",
    f"http://www.wixevents.com/check-in/{TN},{EV}",
    f"https://api.wix.com/events/check-in/{TN},{EV}",
    f"https://hub.local:8443/check-in/{TN},{EV}/",
    f"https://www.wixevents.com/check-in/{TN},{EV}?utm=qr&x=1",
    f"https://www.wixevents.com/check-in/{TN},{EV}#top",
    f"https://www.wixevents.com/check-in/{TN.lower()},{EV.upper()}",
    f"HTTPS://WWW.WIXEVENTS.COM/check-in/{TN},{EV}",
    f"https://www.wixevents.com/check-in/{TN}%2C{EV}",
    f"www.wixevents.com/check-in/{TN},{EV}",
    f"  https://www.wixevents.com/check-in/{TN},{EV}\r\n",
])
def test_wr07a_check_in_url_keeps_ticket_and_event(payload):
    """WR-07 a: both parts of the payload are kept, on any host with the same path shape."""
    assert parse_payload(payload) == ParsedCode(TN, EV, "CHECK_IN_URL")


@pytest.mark.parametrize("typed", ["tq4m-88ra-kd021", "  TQ4M-88ra-KD021  ", "\x02tq4m-88ra-kd021\r\n",
                                   "\ttq4m-88ra-kd021\x1d", "TQ4M-88RA-KD021\x00"])
def test_wr07b_bare_number_is_trimmed_and_upper_cased(typed):
    """WR-07 b: manual / keyboard-wedge entry is normalised (controls stripped, trimmed, upper case)."""
    assert parse_payload(typed) == ParsedCode(TN, None, "TICKET_NUMBER")


@pytest.mark.parametrize("bare", ["T-4400", "T-1", "FNVLNIJTWP021", "2Z4T-98RG-RNZ021", "A" * 35 + "1"])
def test_bare_numbers_that_parse(bare):
    assert parse_payload(bare) == ParsedCode(bare, None, "TICKET_NUMBER")


@pytest.mark.parametrize("payload", [
    "045398",                      # BC-02: an I25/EAN strip on a lanyard
    "4006381333931",               # BC-02: EAN-13, digits only however long
    "WIKIPEDIA", "wikipedi!",     # BC-02: words / noise
    "ABC12",                       # too short without a dash
    "A--B", "-AB1", "AB1-", "AB 12-CD", "A_1-B",
    "A" * 36 + "-1",               # longer than 36
])
def test_bc02_other_symbologies_and_noise_are_rejected(payload):
    """BC-02: the format is checked before any lookup; bare numbers need a '-' or ≥8 chars with a letter
    and a digit."""
    assert parse_payload(payload) is None


@pytest.mark.parametrize("payload", ["", "   ", None, "\r\n", "\x00\x00", "\t \x1d"])
def test_bc04_empty_reads_are_not_codes(payload):
    """BC-04: an empty or whitespace-only decode is no read at all."""
    assert parse_payload(payload) is None


@pytest.mark.parametrize("payload", ["T-7781/Łucja Ørsted-Núñez", "ℳ", "ﾃ､", "TQ4M-88RA-KD021\u200b",
                                     "ＴＱ４Ｍ-88RA-KD021", f"https://www.wixevents.com/check-in/TQ4M-88RA-KDÖ21,{EV}",
                                     b"TQ4M-\xff"])
def test_bc01_non_ascii_is_never_looked_up(payload):
    """BC-01: mojibake or any non-ASCII text is INVALID, never a lookup."""
    assert parse_payload(payload) is None


@pytest.mark.parametrize("payload", [
    f"https://www.wixevents.com/check-in/{TN},not-a-guid",
    f"https://www.wixevents.com/check-in/{TN},{EV[:-1]}g",
    f"https://www.wixevents.com/check-in/{TN}",
    f"https://www.wixevents.com/check-in/,{EV}",
    f"https://www.wixevents.com/tickets/{TN},{EV}",
    f"https://www.wixevents.com/check-in/{TN}!,{EV}",
    "https://example.org/",
    "https://www.wixevents.com/check-in/" + "A" * 3000 + f",{EV}",
])
def test_malformed_urls_are_invalid(payload):
    assert parse_payload(payload) is None


def test_bc01_qr_round_trip_with_real_decoder():
    """BC-01: generate → decode → parse round trip with the qrcode library and pyzbar; a non-ASCII QR
    decodes to something parse_payload refuses, whatever encoding zbar guessed."""
    qrcode = pytest.importorskip("qrcode")
    pyzbar = pytest.importorskip("pyzbar.pyzbar")

    def decode(text):
        img = qrcode.make(text, border=4).convert("L")
        found = pyzbar.decode(img, symbols=[pyzbar.ZBarSymbol.QRCODE])
        return found[0].data.decode("utf-8", errors="replace")

    url = check_in_url(TN, EV)
    assert parse_payload(decode(url)) == ParsedCode(TN, EV, "CHECK_IN_URL")
    for text in ("T-7781/Łucja Ørsted-Núñez", "ℳ"):
        assert parse_payload(decode(text)) is None


def test_check_in_url_shape():
    assert check_in_url(TN, EV) == f"{CHECK_IN_URL_PREFIX}{TN},{EV}"
    assert CHECK_IN_URL_PREFIX == "https://www.wixevents.com/check-in/"


def test_new_order_number_format_and_alphabet():
    seen = set()
    for _ in range(500):
        number = new_order_number()
        assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}", number)
        assert not set(number.replace("-", "")) - set(ORDER_ALPHABET)
        assert not set(number) & set("01OIL")
        seen.add(number)
    assert len(seen) == 500


def test_ticket_number_for_starts_at_021():
    assert ticket_number_for("K7QP-2MZX-4R", 0) == "K7QP-2MZX-4R021"
    assert ticket_number_for("K7QP-2MZX-4R", 1) == "K7QP-2MZX-4R022"
    assert ticket_number_for("K7QP-2MZX-4R", 978) == "K7QP-2MZX-4R999"
    with pytest.raises(ValueError):
        ticket_number_for("K7QP-2MZX-4R", 979)
    with pytest.raises(ValueError):
        ticket_number_for("K7QP-2MZX-4R", -1)
    with pytest.raises(ValueError):
        ticket_number_for("A" * 34, 0)


def test_generated_numbers_parse_back():
    number = ticket_number_for(new_order_number(), 2)
    assert is_ticket_number(number)
    assert parse_payload(number) == ParsedCode(number, None, "TICKET_NUMBER")
    assert parse_payload(check_in_url(number, EV)) == ParsedCode(number, EV, "CHECK_IN_URL")


def test_check_in_url_tail_alone_is_accepted_and_garbage_pairs_are_not():
    """A scanner set to strip the URL prefix sends `{ticketNumber},{eventId}`: both parts are kept (WR-07 a)."""
    from core.codes import parse_payload
    got = parse_payload("fnvl-nijt-wp021,AD18D12E-A6A9-4C17-ABFA-6FF119479BE2")
    assert (got.ticket_number, got.event_id) == ("FNVL-NIJT-WP021", "ad18d12e-a6a9-4c17-abfa-6ff119479be2")
    for bad in ("FNVL-NIJT-WP021,", "FNVL-NIJT-WP021,not-a-guid", ",ad18d12e-a6a9-4c17-abfa-6ff119479be2",
                "a,b,c"):
        assert parse_payload(bad) is None, bad


# ---- issue 9 item 2: typed input, ticket shape, what was read ------------------------------------------------
from core.codes import has_ticket_shape, lookup_variants, normalise_typed, not_a_ticket_message  # noqa: E402


@pytest.mark.parametrize("code,shaped", [("TQ4M-88RA-KD021", True), ("FNVLNIJTWP021", True), ("T-4400", False),
                                         ("HELLO-WORLD-123", False), ("TQ4M-88RA-KD020", False),
                                         (f"https://www.wixevents.com/check-in/{TN},{EV}", True),
                                         (f"https://www.wixevents.com/check-in/{TN},{EV[:-1]}0", False)])
def test_ticket_shape_of_this_event(code, shaped):
    assert has_ticket_shape(parse_payload(code), EV) is shaped


def test_typed_normalisation_and_dash_variants():
    assert normalise_typed(" tq4m 88ra\u00a0kd021 ") == "tq4m88rakd021"
    assert lookup_variants("TQ4M88RAKD021") == ("TQ4M88RAKD021", TN)
    assert lookup_variants(TN) == (TN,)


def test_not_a_ticket_message():
    assert not_a_ticket_message("abc\r\n") == "Not a ticket code: read “abc”"
    assert not_a_ticket_message("\r\n") == "Nothing was read"
    assert not_a_ticket_message("x" * 100).endswith("…”")
