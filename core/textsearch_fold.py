"""The one fold of guest search: the door types names without accents ('jurgen' must find "Jürgen", and
'jürgen' "Jurgen"), so the search compares *folded* text on both sides — the FTS index holds folded columns
(core.textsearch_index, migration 0110), the query word is folded (core.textsearch.probe) and the exact rule
compares folded column and word (core.textsearch.contains / starts).

fold(text) = compatibility decomposition (NFKD: ﬁ -> fi, ｊ -> j, ² -> 2), combining marks dropped (é -> e,
ö -> o, ṭ -> t, Vietnamese stacked marks, Greek tonos, Hebrew points), Unicode case folding (str.casefold:
ß -> ss, İ -> i), the letters that carry no mark in Unicode folded by hand (FOLDED_LETTERS: ł ø đ æ œ ı),
then NFC (Hangul jamo back into syllables). Scripts are never transliterated: Cyrillic, Greek, CJK, Hangul
keep their letters (only their marks go: й -> и, ё -> е, ά -> α). The kana voicing marks (゛゜) are letters
to a Japanese reader and stay (が is not か). Punctuation stays as it is (O'Connor needs the apostrophe).

SQLite gets `tessera_fold` (this fold, as a deterministic SQL function, `install`); PostgreSQL (the hub)
gets `fold_pg`, the same steps in built-in SQL functions (normalize, regexp_replace, translate; PostgreSQL
13+ with a UTF8 database, no `unaccent` extension). The one difference: PostgreSQL's lower() where Python
uses casefold (ς stays ς there, so FOLDED_LETTERS maps ς -> σ on both sides; Cherokee is the known gap)."""
from __future__ import annotations

import unicodedata
from functools import lru_cache

from sqlalchemy import ColumnElement, func, literal, literal_column

SQL_NAME = "tessera_fold"  # the SQLite function (install)
KEEP_MARKS = frozenset("\u3099\u309a")  # kana voicing marks: part of the letter, not an accent
# Letters without a decomposition that readers treat as accented Latin letters, and ς (see the docstring).
FOLDED_LETTERS = {"ł": "l", "ø": "o", "đ": "d", "ı": "i", "æ": "ae", "œ": "oe", "ß": "ss", "ς": "σ"}
_TABLE = str.maketrans(FOLDED_LETTERS)


def _is_mark(ch: str) -> bool:
    return unicodedata.combining(ch) != 0 and ch not in KEEP_MARKS


def _strip(text: str) -> str:
    return "".join(ch for ch in text if not _is_mark(ch))


def fold(text: str) -> str:
    """The folded form of `text` (see the module docstring): 'Jürgen' -> 'jurgen', 'Łódź' -> 'lodz',
    'STRASSE'/'Straße' -> 'strasse', 'Nguyễn' -> 'nguyen', 'Иванова' -> 'иванова'. ASCII text: lower()."""
    if text.isascii():
        return text.lower()
    stripped = _strip(unicodedata.normalize("NFKD", text)).casefold()
    return unicodedata.normalize("NFC", _strip(stripped)).translate(_TABLE)  # casefold may add a mark (İ)


def _sql_fold(value):
    return fold(value) if isinstance(value, str) else value


def install(dbapi_conn) -> None:
    """Register `tessera_fold(text)` (fold; NULL stays NULL) on a sqlite3 connection (core.db does it on
    every ledger connection, core.textsearch_index.catch_up before indexing)."""
    dbapi_conn.create_function(SQL_NAME, 1, _sql_fold, deterministic=True)


@lru_cache(maxsize=1)
def _marks_class() -> str:
    """A PostgreSQL regex bracket expression of every combining mark _is_mark drops, as code-point ranges."""
    ranges: list[list[int]] = []
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000 or not _is_mark(chr(cp)):
            continue
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "[" + "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges) + "]"


def fold_pg(column_) -> ColumnElement:
    """SQL (PostgreSQL) folding `column_` as `fold` does: NFKD, marks dropped, lower(), NFC, FOLDED_LETTERS
    (upper and lower case: a database whose lower() knows ASCII only still folds them)."""
    nfkd = func.normalize(column_, literal_column("NFKD"))
    folded = func.lower(func.regexp_replace(nfkd, literal(_marks_class()), literal(""), literal("g")))
    folded = func.normalize(folded, literal_column("NFC"))
    pairs = [(ch, v) for k, v in FOLDED_LETTERS.items() for ch in dict.fromkeys((k, k.upper())) if len(ch) == 1]
    singles = [(ch, v) for ch, v in pairs if len(v) == 1]
    folded = func.translate(folded, literal("".join(ch for ch, _ in singles)), literal("".join(v for _, v in singles)))
    for ch, v in pairs:
        if len(v) > 1:
            folded = func.replace(folded, literal(ch), literal(v))
    return folded


def _in_short_blocks(cp: int) -> bool:
    """Latin-1, Latin Extended-A (and Vietnamese Ơ ơ Ư ư), Greek and Cyrillic: where the letters of a short
    word's spellings come from."""
    return 0x20 <= cp <= 0x17F or cp in (0x1A0, 0x1A1, 0x1AF, 0x1B0) or 0x370 <= cp <= 0x52F


@lru_cache(maxsize=256)
def letter_spellings(ch: str) -> tuple[str, ...]:
    """The single characters that fold to what `ch` folds to, sorted: `ch` and its case pair, and the
    letters of the short-word blocks (_in_short_blocks) with marks ('o' -> O, o, Ò, Ó, …, Ø, ø, Ő, ő; 'ł' ->
    L, l, Ĺ, …, Ł, ł). The spellings a name may start with for a short word (core.textsearch.starts)."""
    target = fold(ch)
    found = {ch, ch.lower(), ch.upper(), target, target.upper()}
    found.update(chr(cp) for cp in range(0x20, 0x530) if _in_short_blocks(cp) and fold(chr(cp)) == target)
    return tuple(sorted(c for c in found if len(c) == 1))
