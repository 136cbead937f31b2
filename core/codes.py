"""Ticket codes: the Wix checkInUrl QR payload, bare ticket numbers, and new order/ticket numbers (API.md §5).

Parsing rules (applied before any database lookup, cases BC-01, BC-02, BC-04, WR-07):
- Control characters (CR/LF/TAB/GS… a keyboard-wedge scanner adds) are stripped, then surrounding
  ASCII spaces (a non-breaking space is not trimmed: it is non-ASCII). An empty result is no read → None (BC-04).
- Anything non-ASCII after that → None: we never look up mojibake (BC-01).
- A check-in URL is `[http[s]://]host[/prefix…]/check-in/{ticketNumber},{eventId}[/][?query][#fragment]`
  on any host (wixevents.com, api/wix aliases, a hub) — the path shape decides. eventId must be a GUID;
  it is returned lower-case. The ticket number inside must obey the ticket-number syntax below. The URL's
  last segment alone, `{ticketNumber},{eventId}` (a scanner set to strip prefixes), parses the same way.
- A bare ticket number (typed or from a wedge scanner) is upper-cased (WR-07 b) and must be 1..36 chars
  of `[A-Z0-9]` groups joined by single `-`. To keep other symbologies' digit strings (EAN/I25 `045398`,
  BC-02) and stray words out, a bare number must EITHER contain a `-` OR be ≥ 8 characters containing at
  least one letter and at least one digit. So `045398`, `4006381333931` and `WIKIPEDIA` → None, while
  `TQ4M-88RA-KD021`, `T-4400` and `FNVLNIJTWP021` parse.
"""
from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote

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
_URL_HEAD = re.compile(r"(?:https?://)?[A-Za-z0-9.\-]+(?::\d{1,5})?(?:/[^/?#]*)*", re.IGNORECASE)
_MARK = "/check-in/"


@dataclass(frozen=True)
class ParsedCode:
    """A parsed scan: `ticket_number` (upper-case), `event_id` (lower-case GUID, or None for a bare number),
    `kind` CHECK_IN_URL or TICKET_NUMBER."""

    ticket_number: str
    event_id: str | None
    kind: str


def _clean(text: str | None) -> str | None:
    """Strip control characters and whitespace; None when empty or non-ASCII (BC-01, BC-04)."""
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
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc").strip(" ")
    if not text or not text.isascii():
        return None
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
    number (see the module docstring for the exact rule). Never raises for any input; None means INVALID
    (no lookup may follow: BC-01, BC-02, BC-04). Ticket numbers are upper-cased (WR-07 b)."""
    cleaned = _clean(text)
    if cleaned is None:
        return None
    if "/" in cleaned:
        return _parse_url(cleaned)
    if "," in cleaned:  # the checkInUrl's last segment alone (a scanner set to strip the URL prefix)
        return _parse_pair(cleaned)
    upper = cleaned.upper()
    if not _plausible_bare(upper):
        return None
    return ParsedCode(upper, None, KIND_NUMBER)


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


def normalise_typed(text: str) -> str:
    """A code typed at the door as the parser wants it: every whitespace character (spaces between groups,
    a trailing NBSP) removed; case and control characters are left to parse_payload, which upper-cases
    ticket numbers and strips controls. Only for typed input: a scanner never adds inner spaces, and the
    BC-02 rule keeps "AB 12-CD" read by a camera out."""
    return "".join(text.split()) if isinstance(text, str) else text


def lookup_variants(ticket_number: str) -> tuple[str, ...]:
    """The ticket numbers a code may stand for, tried in order: itself, then — for 13 characters typed
    without dashes — the dashed layout `XXXX-XXXX-XXNNN` (order number + suffix, API.md §5)."""
    tn = ticket_number.upper()
    if "-" not in tn and len(tn) == 13 and _TICKET_SHAPE.fullmatch(tn):
        return tn, f"{tn[:4]}-{tn[4:8]}-{tn[8:]}"
    return (tn,)


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
    """The INVALID verdict's message: "Not a ticket code: read “abc”", or "Nothing was read" when empty."""
    shown = shown_read(text)
    return f"Not a ticket code: read “{shown}”" if shown else "Nothing was read"
