"""Keyboard-wedge reads typed through the wrong keyboard layout, mapped back to what the scanner meant.

A USB wedge scanner sends key positions as if the computer had a US keyboard. On a German (QWERTZ) or French
(AZERTY) desktop the same keys type other characters: `-` arrives as `ß` (DE) or `)` (FR), `:` as `Ö` (DE)
or `M` (FR), y/z are swapped (DE), a/q, z/w swapped and unshifted digits `&é"'(-è_çà` (FR). The mapping
is a bijection on keys, so the read can be mapped back exactly — but only when it carries a character that
betrays the layout (a US-layout read never holds `ß` or `é`): a plain ASCII read is never remapped, so a
QWERTZ read of a dash-less number with y/z in it cannot be recognised (it is looked up as read and is
unknown). Used by core.codes.parse_payload only after the read failed to parse as it came.
"""
from __future__ import annotations

# The characters a US scanner's keys produce (unshifted row, then shifted row) on each layout, key for key.
_US = ("`1234567890-=qwertyuiop[]\\asdfghjkl;'zxcvbnm,./"
       "~!@#$%^&*()_+QWERTYUIOP{}|ASDFGHJKL:\"ZXCVBNM<>?")
_LAYOUTS = {
    "German (QWERTZ)": ("^1234567890ß´qwertzuiopü+#asdfghjklöäyxcvbnm,.-"
                        "°!\"§$%&/()=?`QWERTZUIOPÜ*'ASDFGHJKLÖÄYXCVBNM;:_"),
    "French (AZERTY)": ("²&é\"'(-è_çà)=azertyuiop^$*qsdfghjklmùwxcvbn,;:!"
                        "³1234567890°+AZERTYUIOP¨£µQSDFGHJKLM%WXCVBN?./§"),
}
# Back from each layout to US; a character two keys could give (none in these tables) would be ambiguous.
_BACK = {name: str.maketrans(typed, _US) for name, typed in _LAYOUTS.items()}
# Characters that betray each layout: non-ASCII ones a US-layout read cannot contain.
_SIGNS = {name: frozenset(c for c in typed if not c.isascii()) for name, typed in _LAYOUTS.items()}


def layout_candidates(text: str) -> list[tuple[str, str]]:
    """[(layout name, `text` as typed on a US keyboard)] for each layout whose tell-tale characters (non-ASCII
    characters that layout types where US types ASCII) occur in `text`; [] for plain ASCII text. The caller
    still parses each candidate: a mapping is only a guess until the result is a valid code."""
    if text.isascii():
        return []
    return [(name, text.translate(_BACK[name])) for name, signs in _SIGNS.items() if signs.intersection(text)]
