"""Decode the bytes an ESC/POS printer receives back to text lines (tests only): follows the code-page
switches (ESC t n, mapped through python-escpos' printer profile) and skips the formatting commands python-escpos
sends (ESC ! E a d M G - {, ESC @, GS ! V B). Raises ValueError on a command it does not know."""
from __future__ import annotations

from escpos.capabilities import get_profile
from escpos.codepages import CodePages

ESC, GS = 0x1B, 0x1D
ESC_ONE_ARG = set(b"!EadMG-{")
GS_ONE_ARG = set(b"!B")


def _codec(n: int) -> str:
    pages = {int(num): name for name, num in get_profile().get_code_pages().items()}
    return CodePages.get_encoding_name(pages[n])


def decode_escpos(data: bytes) -> list[str]:
    """The printed text of `data`, one string per line (without the trailing newline)."""
    text, codec, i = [], _codec(0), 0
    while i < len(data):
        b = data[i]
        if b == ESC:
            cmd = data[i + 1]
            if cmd == ord("t"):
                codec, i = _codec(data[i + 2]), i + 3
            elif cmd == ord("@"):
                i += 2
            elif cmd in ESC_ONE_ARG:
                i += 3
            else:
                raise ValueError(f"unknown ESC command {cmd:#x} at {i}")
        elif b == GS:
            cmd = data[i + 1]
            if cmd == ord("V"):
                i += 4 if data[i + 2] in (65, 66) else 3
            elif cmd in GS_ONE_ARG:
                i += 3
            else:
                raise ValueError(f"unknown GS command {cmd:#x} at {i}")
        else:
            text.append(bytes([b]).decode(codec))
            i += 1
    return "".join(text).split("\n")[:-1]
