"""The connect code: a hub's URL, a station's key and name in one text, shown as a QR code by
`tessera hub add-station --qr FILE` and scanned by the set-up wizard (issue 12), so nobody types a 43-character
key on a venue laptop.

Format (version 1): `tessera-connect:1?url=<url>&key=<key>&station=<name>` with each value percent-encoded
(RFC 3986). The key is a secret: whoever holds the code can act as the station until the key is revoked
(`tessera hub revoke`); hand it over in person and do not print it on anything left lying around.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

import qrcode

from core.errors import InvalidArgument

PREFIX = "tessera-connect:1?"


@dataclass(frozen=True)
class ConnectCode:
    """What a connect code holds: the hub `url` (http/https), the station's API `key`, its `station` name
    ("" = the name the hub registered)."""

    url: str
    key: str
    station: str = ""


def make_connect_code(url: str, key: str, station: str = "") -> str:
    """The connect code text for `url`, `key` and `station`. Raises InvalidArgument for a URL that is not
    http(s)://host[:port] or an empty key."""
    _check(url, key)
    return (f"{PREFIX}url={quote(url.strip(), safe='')}&key={quote(key.strip(), safe='')}"
            f"&station={quote(station.strip(), safe='')}")


def parse_connect_code(text: str) -> ConnectCode:
    """The ConnectCode in `text` (as scanned: surrounding spaces allowed). Raises InvalidArgument (field
    "connect_code") for anything that is not a version-1 connect code with an http(s) URL and a key — e.g. a
    ticket's QR shown by mistake."""
    text = (text or "").strip()
    if not text.startswith(PREFIX):
        raise InvalidArgument("not a Tessera connect code (ask the organiser for the station's code from "
                              "`tessera hub add-station --qr`)", field="connect_code")
    values = parse_qs(text[len(PREFIX):], keep_blank_values=True, strict_parsing=False)
    url, key = values.get("url", [""])[0], values.get("key", [""])[0]
    _check(url, key)
    return ConnectCode(url=url.strip(), key=key.strip(), station=values.get("station", [""])[0].strip())


def _check(url: str, key: str) -> None:
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidArgument(f"the hub URL {url!r} must look like http://192.168.1.10:8787", field="connect_code")
    if not (key or "").strip():
        raise InvalidArgument("the connect code has no key", field="connect_code")


def connect_code_png(code: str, *, box_size: int = 8) -> bytes:
    """The connect code as a PNG QR image (error correction M, 4-module quiet zone, `box_size` px/module)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=box_size)
    qr.add_data(code.encode("utf-8"))
    qr.make(fit=True)
    buf = io.BytesIO()
    qr.make_image().save(buf, format="PNG")
    return buf.getvalue()
