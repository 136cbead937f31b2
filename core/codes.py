"""Ticket codes: the Wix checkInUrl QR payload, bare ticket numbers, and new order/ticket numbers (API.md §5).

Parsing rules (applied before any database lookup, cases BC-01, BC-02, BC-04, WR-07):
- Control characters (CR/LF/TAB/GS… a keyboard-wedge scanner adds) are stripped, then surrounding
  ASCII spaces (a non-breaking space is not trimmed: it is non-ASCII), a byte-order mark (U+FEFF, some QR
  generators put one first) and quotes around the code (`"…"`, `'…'`, `“…”`: pasted from a spreadsheet or an
  e-mail; a ticket code never holds one). An empty result is no read → None (BC-04).
- Anything non-ASCII after that → None: we never look up mojibake (BC-01). Only exception: a keyboard-wedge
  read typed through a German or French layout (`ß` for `-`, `é` for `2`…) is mapped back key for key and
  accepted when the result parses (core.codes_layout; WR-07).
- A check-in URL is `[http[s]://]host[/prefix…]/check-in/{ticketNumber},{eventId}[/][?query][#fragment]`
  on any host (wixevents.com, api/wix aliases, a hub) — the path shape decides. eventId must be a GUID;
  it is returned lower-case. The ticket number inside must obey the ticket-number syntax below. The URL's
  last segment alone, `{ticketNumber},{eventId}` (a scanner set to strip prefixes), parses the same way.
- A bare ticket number (typed or from a wedge scanner) is upper-cased (WR-07 b) and must be 1..36 chars
  of `[A-Z0-9]` groups joined by single `-`. To keep other symbologies' digit strings (EAN/I25 `045398`,
  BC-02) and stray words out, a bare number must EITHER contain a `-` OR be ≥ 8 characters containing at
  least one letter and at least one digit. So `045398`, `4006381333931` and `WIKIPEDIA` → None, while
  `TQ4M-88RA-KD021`, `T-4400` and `FNVLNIJTWP021` parse. A dash-less code of ≥ 20 characters read all in
  lower case is another system's secret (pretix: 32 lower-case alphanumerics) → None: a Wix/Tessera number
  typed without dashes has 13–14 characters, so no server lookup is spent on it.
- Two codes read back to back without an Enter (`…,{eventId}https://…`) are not one check-in URL → None.
- The INVALID message names what kind of thing was read when it is a known foreign kind (a number-only
  barcode, a web link, a contact card, Wi-Fi settings, another system's secret, unreadable characters).
"""
from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote

from core.codes_layout import layout_candidates

CHECK_IN_URL_PREFIX = "https://www.wixevents.com/check-in/"

KIND_URL = "CHECK_IN_URL"
KIND_NUMBER = "TICKET_NUMBER"

MAX_TICKET_NUMBER = 36
MAX_PAYLOAD = 2048  # longer scans are not ticket codes (and keep the regex cheap)
# Order-number alphabet: upper-case A-Z0-9 without the look-alikes 0/O, 1/I/L (read aloud at the door).
ORDER_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
FIRST_TICKET_SUFFIX = 21  # Wix ticket numbers end in 021 for the first ticket (API.md §5)

_ASCII_CONTROLS = {c: None for c in (*range(32), 127)}  # C0 controls + DEL, dropped from wedge input
_GROUPS = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# What may precede "/check-in/": optional scheme, host[:port], then any path segments (no ? or #).
# Path segments hold no ':' or ',' (a second URL read straight after the first is not a prefix path).
_URL_HEAD = re.compile(r"(?:https?://)?[A-Za-z0-9.\-]+(?::\d{1,5})?(?:/[^/?#:,]*)*", re.IGNORECASE)
_MARK = "/check-in/"
# Quote characters stripped from both ends of a read (ASCII and typographic); never part of a ticket code.
_QUOTES = "\"'`\u201c\u201d\u201e\u2018\u2019\u201a\u00ab\u00bb\u2039\u203a"
_BOM = "\ufeff"
FOREIGN_SECRET_MIN = 20  # a dash-less lower-case read this long is another system's secret (pretix: 32)


@dataclass(frozen=True)
class ParsedCode:
    """A parsed scan: `ticket_number` (upper-case), `event_id` (lower-case GUID, or None for a bare number),
    `kind` CHECK_IN_URL or TICKET_NUMBER."""

    ticket_number: str
    event_id: str | None
    kind: str


def _clean(text: str | None) -> str | None:
    """Strip control characters, whitespace, a BOM and surrounding quotes; None when empty or non-ASCII
    (BC-01, BC-04)."""
    text = _visible(text)
    if not text or not text.isascii():
        return None
    return text


def _visible(text) -> str | None:
    """`text` without control characters, surrounding ASCII spaces, BOMs or quotes; may be non-ASCII; None
    for something that is not text (bytes that are not ASCII, other types)."""
    if text is None:
        return None
    if isinstance(text, bytes):
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError:
            return None
    if not isinstance(text, str):
        return None
    if text.isascii():
        text = (text if text.isprintable() else text.translate(_ASCII_CONTROLS)).strip(" ")
    else:  # only ASCII space is trimmed: a stray NBSP or U+200B makes the read non-ASCII (BC-01)
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc").strip(" " + _BOM)
    if text and (text[0] in _QUOTES or text[-1] in _QUOTES):
        text = text.strip(_QUOTES + " ")
    return text


def is_ticket_number(text: str) -> bool:
    """True when `text` (already upper-case) has ticket-number syntax: `[A-Z0-9]` groups joined by `-`, ≤36."""
    return 0 < len(text) <= MAX_TICKET_NUMBER and _GROUPS.fullmatch(text) is not None


def _plausible_bare(text: str) -> bool:
    """The BC-02 rule for bare numbers: contains '-' or is ≥ 8 chars with a letter and a digit."""
    if not is_ticket_number(text):
        return False
    if "-" in text:
        return True
    return len(text) >= 8 and any(c.isalpha() for c in text) and any(c.isdigit() for c in text)


def is_guid(text: str) -> bool:
    """True when `text` is a GUID `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (hex, any case)."""
    return _GUID.fullmatch(text.lower()) is not None


def parse_payload(text: str | None) -> ParsedCode | None:
    """Parse a scanned or typed payload into a ParsedCode, or None when it is not a ticket code.

    Accepts a checkInUrl (any host, same path shape, trailing slash/query/fragment allowed) or a bare ticket
    number (see the module docstring for the exact rule), also when a wedge scanner typed it through a German
    or French keyboard layout. Never raises for any input; None means INVALID (no lookup may follow: BC-01,
    BC-02, BC-04). Ticket numbers are upper-cased (WR-07 b)."""
    cleaned = _clean(text)
    if cleaned is not None:
        return _parse_clean(cleaned)
    visible = _visible(text)
    for _name, typed in layout_candidates(visible or ""):
        parsed = _parse_clean(typed)
        if parsed is not None:
            return parsed
    return None


def _parse_clean(cleaned: str) -> ParsedCode | None:
    """parse_payload on a cleaned (ASCII, trimmed, non-empty) read."""
    if "/" in cleaned:
        return _parse_url(cleaned)
    if "," in cleaned:  # the checkInUrl's last segment alone (a scanner set to strip the URL prefix)
        return _parse_pair(cleaned)
    if _foreign_secret(cleaned):
        return None
    upper = cleaned.upper()
    if not _plausible_bare(upper):
        return None
    return ParsedCode(upper, None, KIND_NUMBER)


def _foreign_secret(text: str) -> bool:
    """True for a dash-less read of ≥ FOREIGN_SECRET_MIN lower-case letters and digits (both present):
    another system's ticket secret (pretix), not a Wix/Tessera number (13–14 characters without dashes)."""
    return (len(text) >= FOREIGN_SECRET_MIN and text.isalnum() and text.islower()
            and any(c.isdigit() for c in text))


def _parse_url(text: str) -> ParsedCode | None:
    """`head/check-in/{tn},{eventId}[/][?query][#fragment]`, head = [scheme://]host[:port][/path…]."""
    if len(text) > MAX_PAYLOAD:
        return None
    at = text.lower().rfind(_MARK)
    if at < 0 or _URL_HEAD.fullmatch(text[:at]) is None:
        return None
    tail = text[at + len(_MARK):].split("#", 1)[0].split("?", 1)[0]
    tail = tail[:-1] if tail.endswith("/") else tail
    if "/" in tail:
        return None
    return _parse_pair(tail)


def _parse_pair(text: str) -> ParsedCode | None:
    """`{ticketNumber},{eventId}` (the checkInUrl's last segment; `%2C` accepted for the comma)."""
    tn, comma, ev = text.replace("%2C", ",").replace("%2c", ",").partition(",")
    if not comma:
        return None
    tn, ev = unquote(tn).strip().upper(), unquote(ev).strip().lower()
    if not is_ticket_number(tn) or not is_guid(ev):
        return None
    return ParsedCode(tn, ev, KIND_URL)


def prefer_ticket_codes(texts: list[str]) -> list[str]:
    """The codes of one camera frame or image worth a verdict: those that parse as ticket codes (in their
    order) when there is at least one — an advert's or a poster's QR next to the ticket is dropped, so the
    door shows the ticket's verdict, not a red "not a ticket code" after it — else all of `texts` (so the
    INVALID message can say what was read)."""
    tickets = [t for t in texts if parse_payload(t) is not None]
    return tickets or list(texts)


def check_in_url(ticket_number: str, event_id: str) -> str:
    """The QR payload of a ticket: `https://www.wixevents.com/check-in/{ticketNumber},{eventId}` (API.md §5)."""
    return f"{CHECK_IN_URL_PREFIX}{ticket_number},{event_id}"


def new_order_number() -> str:
    """A fresh random order number `XXXX-XXXX-XX` (e.g. `K7QP-2MZX-4R`), upper-case A-Z/2-9 without
    look-alike characters, from the `secrets` CSPRNG (≈ 31^10 ≈ 8e14 values; API.md §5 format)."""
    chars = "".join(secrets.choice(ORDER_ALPHABET) for _ in range(10))
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def ticket_number_for(order_number: str, index: int) -> str:
    """Ticket number of the `index`-th (0-based) ticket of an order: order number + 3-digit suffix starting
    at 021 (index 0 → `…021`, 1 → `…022`; API.md §5). ValueError if index is outside 0..978."""
    if not 0 <= index <= 999 - FIRST_TICKET_SUFFIX:
        raise ValueError(f"ticket index out of range: {index}")
    number = f"{order_number}{FIRST_TICKET_SUFFIX + index:03d}"
    if len(number) > MAX_TICKET_NUMBER:
        raise ValueError(f"ticket number longer than {MAX_TICKET_NUMBER}: {number}")
    return number


# ---- door input hygiene (issue 9 item 2) ---------------------------------------------------------------------
# The layout of a ticket number as this system and Wix make them: 10 characters [A-Z0-9] (the order number,
# shown as XXXX-XXXX-XX) + a 3-digit suffix from 021 (ticket_number_for); with dashes only at 4 and 8.
_TICKET_SHAPE = re.compile(r"(?:[A-Z0-9]{4}-?[A-Z0-9]{4}-?[A-Z0-9]{2}|[A-Z0-9]{10})(\d{3})")
MAX_SHOWN = 40  # characters of an unreadable read shown back to staff
_SUFFIX_DIGITS = str.maketrans("OIL", "011")  # letters read or typed for digits in a ticket's 3-digit suffix


def normalise_typed(text: str) -> str:
    """A code typed at the door as the parser wants it: every whitespace character (spaces between groups,
    a trailing NBSP) removed; case and control characters are left to parse_payload, which upper-cases
    ticket numbers and strips controls. Only for typed input: a scanner never adds inner spaces, and the
    BC-02 rule keeps "AB 12-CD" read by a camera out."""
    return "".join(text.split()) if isinstance(text, str) else text


def lookup_variants(ticket_number: str, *, typed: bool = False) -> tuple[str, ...]:
    """The ticket numbers a code may stand for, tried in order (at most 3 lookups): itself; then, for a
    `typed` number (a person read it: method MANUAL) whose 3-character suffix holds a look-alike letter
    (O for 0, I or L for 1), the number with that suffix in digits — the suffix is always digits (API.md
    §5), so this is unambiguous; then — for 13 characters typed without dashes — the dashed layout
    `XXXX-XXXX-XXNNN` (order number + suffix). A scanned code is read exactly (a camera does not confuse
    O and 0), so a scanned code with one character changed is never taken for the real one (BC-02).
    Look-alikes in the order-number part are never guessed: Wix numbers use O and 0, I and 1 alike there
    (`FNVL-NIJT-WP021`), so such a number is looked up as typed."""
    tn = ticket_number.upper()
    found = [tn]
    fixed = tn[:-3] + tn[-3:].translate(_SUFFIX_DIGITS) if typed else tn
    if fixed != tn and _TICKET_SHAPE.fullmatch(fixed):
        found.append(fixed)
    last = found[-1]
    if "-" not in last and len(last) == 13 and _TICKET_SHAPE.fullmatch(last):
        found.append(f"{last[:4]}-{last[4:8]}-{last[8:]}")
    return tuple(found)


def typed_candidates(text: str) -> tuple[str, ...]:
    """The ticket numbers a code typed or pasted by staff (an undo, a manual check-in) may stand for, in
    lookup order: the code as parse_payload reads it after normalise_typed (quotes, spaces, lower case, a
    whole check-in URL all fine, as at `scan --code`), then its lookup_variants for typed input. () when it
    is not a ticket code at all."""
    parsed = parse_payload(normalise_typed(text)) if isinstance(text, str) else None
    return lookup_variants(parsed.ticket_number, typed=True) if parsed is not None else ()


def has_ticket_shape(parsed: ParsedCode | None, event_id: str | None) -> bool:
    """True when `parsed` could be a ticket of event `event_id`: a check-in URL naming that event, or a bare
    number with the ticket layout (10 characters, dashes only after the 4th and 8th, + a suffix ≥ 021).
    `HELLO-WORLD-123`, `T-4400` or a URL of another event are not — the door never admits those
    provisionally (issue 9 item 2)."""
    if parsed is None:
        return False
    if parsed.kind == KIND_URL:
        return event_id is not None and parsed.event_id == event_id.lower()
    match = _TICKET_SHAPE.fullmatch(parsed.ticket_number)
    return match is not None and int(match.group(1)) >= FIRST_TICKET_SUFFIX


def shown_read(text) -> str:
    """What the scanner or keyboard delivered, fit to show back to staff ("Not a ticket code: abc"):
    control characters dropped, trimmed, at most MAX_SHOWN characters (… when cut); "" when nothing."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not isinstance(text, str):
        return ""
    visible = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C").strip()
    return visible if len(visible) <= MAX_SHOWN else visible[:MAX_SHOWN - 1] + "…"


def not_a_ticket_message(text) -> str:
    """The INVALID verdict's message: "Not a ticket code: read “abc”", or "Nothing was read" when empty;
    a known foreign kind is named after it ("… — a number-only barcode (a product or another ticket
    system), not a Wix/Tessera ticket"; see foreign_kind)."""
    shown = shown_read(text)
    if not shown:
        return "Nothing was read"
    kind = foreign_kind(text)
    return f"Not a ticket code: read “{shown}”" + (f" — {kind}" if kind else "")


_FOREIGN_PREFIXES = (("BEGIN:VCARD", "a contact card"), ("MECARD:", "a contact card"),
                     ("WIFI:", "Wi-Fi settings"), ("MAILTO:", "an e-mail address"), ("TEL:", "a phone number"),
                     ("SMS", "a text message"), ("GEO:", "a map location"), ("BEGIN:VEVENT", "a calendar entry"),
                     ("MATMSG:", "an e-mail"))
_OURS = "not a Wix/Tessera ticket"


def foreign_kind(text) -> str | None:
    """What a read that is not a ticket code looks like, for the INVALID message, or None when it is
    nothing known: "a number-only barcode (a product or another ticket system), not a Wix/Tessera ticket"
    (EAN/I25/Eventbrite digits), "a web link to another page, …", "a contact card, …", "Wi-Fi settings, …",
    "another ticket system's code, …" (pretix), "characters a ticket code never has (…)" for non-ASCII
    text, "a damaged check-in link …" for a check-in URL that does not parse."""
    visible = _visible(text) if not isinstance(text, bytes) else None
    if visible is None:
        return "unreadable characters (not plain text)" if isinstance(text, bytes) and text else None
    if not visible:
        return None
    if not visible.isascii():
        return "characters a ticket code never has (accents, symbols, invisible spaces)"
    upper = visible.upper()
    for prefix, kind in _FOREIGN_PREFIXES:
        if upper.startswith(prefix):
            return f"{kind}, {_OURS}"
    if visible.isdigit():
        return f"a number-only barcode (a product or another ticket system), {_OURS}"
    if _MARK.upper() in upper:
        return "a damaged check-in link (or two codes read as one): scan again"
    if "://" in visible or upper.startswith("WWW."):
        return f"a web link to another page, {_OURS}"
    if _foreign_secret(visible):
        return f"another ticket system's code, {_OURS}"
    return None
