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

import re
import unicodedata
from functools import lru_cache

from sqlalchemy import ColumnElement, case, func, literal, literal_column

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
    return _fold_other(text)


_UMLAUT_TYPED = re.compile("([aou])e")  # ä ö ü typed the German way, without the marks: ae oe ue


def spellings(folded: str, min_len: int = 3) -> tuple[str, ...]:
    """The folded spellings a searched word (already folded) may stand for: itself and, when it holds ae, oe
    or ue — how German is typed without umlauts: "mueller" for Müller, folded "muller" — the word with every
    such pair as a, o, u (fresh-user trial). Query side only: names are indexed and compared folded once
    (fold), so "mueller" finds both Mueller and Müller; the extra spelling is dropped when shorter than
    `min_len` (the trigram index could not look it up). Extra matches ("samuel" also finds "Samul…") are
    the price of a broad door search."""
    collapsed = _UMLAUT_TYPED.sub(r"\1", folded)
    return (folded, collapsed) if collapsed != folded and len(collapsed) >= min_len else (folded,)


@lru_cache(maxsize=65536)
def _fold_other(text: str) -> str:
    """fold of a text with non-ASCII characters (names repeat: the SQL exact rule folds each row's values)."""
    stripped = _strip(unicodedata.normalize("NFKD", text)).casefold()
    return unicodedata.normalize("NFC", _strip(stripped)).translate(_TABLE)  # casefold may add a mark (İ)


def _sql_fold(value):
    if value.__class__ is not str:  # NULL (and any non-text value) as it is
        return value
    return value.lower() if value.isascii() else _fold_other(value)  # fold, one call less per row


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


RECOMPOSED_RE = "[\u1100-\u11ff\u3040-\u30ff\uac00-\ud7a3]"  # PostgreSQL regex: Hangul, jamo, kana


def fold_pg(column_) -> ColumnElement:
    """SQL (PostgreSQL) folding `column_` as `fold` does: NFKD, marks dropped, lower(), FOLDED_LETTERS (upper
    and lower case: a database whose lower() knows ASCII only still folds them), NFC — only for a value with
    Hangul or kana (NFC composes nothing else once the marks are gone, and costs ~40 % of the fold)."""
    nfkd = func.normalize(column_, literal_column("NFKD"))
    folded = func.lower(func.regexp_replace(nfkd, literal(_marks_class()), literal(""), literal("g")))
    pairs = [(ch, v) for k, v in FOLDED_LETTERS.items() for ch in dict.fromkeys((k, k.upper())) if len(ch) == 1]
    singles = [(ch, v) for ch, v in pairs if len(v) == 1]
    folded = func.translate(folded, literal("".join(ch for ch, _ in singles)), literal("".join(v for _, v in singles)))
    for ch, v in pairs:
        if len(v) > 1:
            folded = func.replace(folded, literal(ch), literal(v))
    return case((column_.op("~")(RECOMPOSED_RE), func.normalize(folded, literal_column("NFC"))), else_=folded)


@lru_cache(maxsize=1)
def _by_first_letter() -> dict[str, tuple[tuple[str, str], ...]]:
    """{first character of a fold: ((character, its fold), …)} over the Basic Multilingual Plane (built once,
    ~0.2 s: the first short-word search of a process), but the CJK ideographs and Hangul syllables."""
    table: dict[str, list[tuple[str, str]]] = {}
    for cp in range(0x20, 0x10000):
        if 0xD800 <= cp < 0xE000 or 0x3400 <= cp < 0xA000 or 0xAC00 <= cp < 0xD7A4:
            continue  # surrogates; CJK ideographs and Hangul syllables fold to themselves (first_letters)
        head = fold(chr(cp))
        if head:
            table.setdefault(head[0], []).append((chr(cp), head))
    return {k: tuple(v) for k, v in table.items()}


@lru_cache(maxsize=1024)
def first_letters(folded: str) -> tuple[tuple[str, str], ...]:
    """The ways a text whose fold starts with `folded` (a folded short word, non-empty) may begin: pairs
    (first character, what its fold leaves of `folded` to match next: '' when it covers all), sorted. Every
    character of the Basic Multilingual Plane counts (an astral first letter, e.g. 𝐀, does not):
    'an' -> ('A', 'n'), ('Á', 'n'), …, ('å', 'n'), ('ａ', 'n'); 'ss' -> ('S', 's'), …, ('ß', '');
    'ae' -> …, ('Æ', '')."""
    found = set()
    for ch, head in _by_first_letter().get(folded[0], ()) + ((folded[0], folded[0]),):
        if head.startswith(folded):
            found.add((ch, ""))
        elif folded.startswith(head):
            found.add((ch, folded[len(head):]))
    return tuple(sorted(found))
