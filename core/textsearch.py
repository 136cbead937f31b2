"""Case-insensitive text search that works for every script on SQLite and PostgreSQL — the one place where
search patterns are built (issue 11: LIKE wildcards and NUL are escaped here, nowhere else).

Exact rule (LIKE): SQLite's lower() folds ASCII only, so core.db registers `tessera_casefold` (Python
str.casefold) on every SQLite connection; PostgreSQL's lower() is Unicode-aware. A phrase with a NUL character
matches nothing (SQLite ends a LIKE pattern at NUL, so '%\\x00%' used to match every row; PostgreSQL refuses NUL).

Fast path (issue 11 item 4): on a SQLite ledger with the FTS5 trigram indexes of migration 0101
(`ticket_search`, `order_search`), a word yields a *probe* — a substring of at least 3 characters that every
row matching the word by the exact rule is sure to contain in the index (see `probe`). The index's matches,
the rows queued for indexing (core.textsearch_index) and the rows with a relevant ODD letter are the
candidates, and the exact LIKE rule still decides among them, so results equal the LIKE search's while
neither the page nor the COUNT scans the table. Words of 3+ characters without a probe (no 3 index-safe
characters in a row), the PostgreSQL hub and a database without the index use the LIKE rule alone.

Short words (1–2 characters, shorter than a trigram, issue 11): `starts` — the column *starts with* the word,
in upper or lower case per character — a rule plain B-tree indexes answer (ranges per case variant, migration
0109's name indexes and the primary keys); a substring rule would scan every row.

Capped pages (issue 11): `index_join` drives a query from the index in its own order, so a caller can stop
after the first N matches (core.textsearch_page) instead of counting and sorting every match."""
from __future__ import annotations

from sqlalchemy import (ColumnElement, Select, and_, column, false, func, literal_column, or_, select, table, text,
                        union_all)
from sqlalchemy.orm import Session

ESCAPE = "\\"
MIN_PROBE = 3  # the trigram tokenizer needs 3 characters
# Letters that str.casefold makes from characters the index stores as something else (ß -> ss, ﬁ -> fi,
# İ -> i̇, ŉ, ǰ, ẖ, ẗ, ẘ, ẙ, ẚ): core.textsearch_index records per row which of them its characters stand for
# (the key tables' `odd` column), and a probe holding one of them also takes those rows as candidates.
# tests/core/test_textsearch.py checks every code point against SQLite's trigram folding.
ODD = {"a": "ẚ", "f": "ﬀﬁﬂﬃﬄ", "h": "ẖ", "i": "İﬁﬃ", "j": "ǰ", "l": "ﬂﬄ", "n": "ŉ", "s": "ßẞﬅﬆ",
       "t": "ẗﬅﬆ", "w": "ẘ", "y": "ẙ"}  # letter -> the characters standing for it
ODD_LETTERS = "".join(ODD)
# Old Church Slavonic letter variants (Cyrillic Extended-C) that str.casefold maps onto в д о с т ъ ѣ but SQLite's
# trigram index keeps as they are: a row spelled with them is found by the LIKE rule, not through the index (the
# one known gap of the probe rule; tests/core/test_textsearch.py pins it). Making Cyrillic words searchable
# through the index (22 s -> ~10 ms at 1M tickets) is worth it: no guest name is typeset in them.
UNFOLDED = "\u1c80\u1c81\u1c82\u1c83\u1c84\u1c85\u1c86\u1c87"
TICKET_INDEX = ("ticket_search", "ticket_search_keys", "ticket_number")
ORDER_INDEX = ("order_search", "order_search_keys", "order_number")


def is_index_table(name: str) -> bool:
    """True for the tables of the search indexes (FTS tables, their shadow tables, the key tables): they are
    made by migration 0101 in SQL, not by core.models (schema comparisons leave them out)."""
    return name.startswith(("ticket_search", "order_search"))


def folder(session: Session):
    """(SQL function, Python function) that fold case the same way on this session's database."""
    if session.get_bind().dialect.name == "sqlite":
        return func.tessera_casefold, str.casefold
    return func.lower, str.lower


def is_short(word: str) -> bool:
    """True for a word shorter than a trigram (1–2 characters): it matches by `starts`, not `contains`."""
    return len(word) < MIN_PROBE


def case_variants(word: str) -> list[str]:
    """Every spelling of `word` with each character as typed, lower- or upper-cased ('an' -> an, aN, An, AN;
    'ß' -> ß, SS), sorted; the spellings `starts` looks for."""
    spellings = [""]
    for ch in word:
        spellings = [s + c for s in spellings for c in dict.fromkeys((ch, ch.lower(), ch.upper()))]
    return sorted(set(spellings))


def _after(prefix: str) -> str | None:
    """The smallest string above every string starting with `prefix` in code-point (SQLite BINARY) order,
    None when the last character is U+10FFFF."""
    last = ord(prefix[-1])
    return None if last >= 0x10FFFF else prefix[:-1] + chr(last + 1)


def starts(session: Session, column_, word: str) -> ColumnElement[bool]:
    """`column` starts with `word` in one of its case_variants (the rule for short words). SQLite: a range per
    spelling (`col >= v AND col < next(v)`, so the column's B-tree index answers it); elsewhere `col LIKE
    'v%'` (escaped; PostgreSQL's collation need not be code-point ordered). NUL or '' matches nothing."""
    if not word or "\x00" in word:
        return false()
    spellings = case_variants(word)
    if session.get_bind().dialect.name != "sqlite":
        return or_(*(column_.like(like_pattern(v)[1:], escape=ESCAPE) for v in spellings))
    ranges = []
    for v in spellings:
        upper = _after(v)
        ranges.append(and_(column_ >= v, column_ < upper) if upper is not None
                      else func.substr(column_, 1, len(v)) == v)
    return or_(*ranges)


def like_pattern(text_: str) -> str:
    """`%text%` with the LIKE wildcards `%`, `_` and the escape character `\\` escaped (use ESCAPE)."""
    escaped = text_.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return f"%{escaped}%"


def contains(session: Session, column_, word: str) -> ColumnElement[bool]:
    """Case-insensitive `column` contains `word` (wildcards literal). ASCII words use LIKE on SQLite (ASCII
    case-insensitive there) and ILIKE elsewhere, which can use an index; other words fold case on both sides.
    A word with NUL matches nothing."""
    if "\x00" in word:
        return false()
    if word.isascii():
        if session.get_bind().dialect.name == "sqlite":
            return column_.like(like_pattern(word.lower()), escape=ESCAPE)
        return column_.ilike(like_pattern(word), escape=ESCAPE)
    fold, fold_py = folder(session)
    return fold(column_).like(like_pattern(fold_py(word)), escape=ESCAPE)


def contains_any(session: Session, phrase: str, columns) -> ColumnElement[bool]:
    """OR of case-folded `column contains phrase` over `columns` (wildcards literal; NUL matches nothing)."""
    needle = phrase.strip()
    if "\x00" in needle:
        return false()
    fold, fold_py = folder(session)
    return or_(*(fold(col).like(like_pattern(fold_py(needle)), escape=ESCAPE) for col in columns))


def _stable(ch: str) -> bool:
    """True for a case-folded character the trigram index folds the same way from every single character that
    str.casefold maps onto it (the multi-character cases are ODD_LETTERS; the one exception is UNFOLDED):
    printable ASCII, Latin-1 and Latin Extended-A/B, Cyrillic, and the caseless kana, CJK and Hangul
    syllables. (Greek is left out: its iota-subscript and dialytika forms fold to several characters.)"""
    cp = ord(ch)
    return ((ch.isascii() and ch.isprintable()) or 0xC0 <= cp <= 0x24F or 0x400 <= cp <= 0x4FF
            or 0x3040 <= cp <= 0x30FF or 0x3400 <= cp <= 0x9FFF or 0xAC00 <= cp <= 0xD7A3)


def probe(word: str) -> str | None:
    """The substring the index is searched for when `contains(word)` is the exact rule, or None when the word
    has none (LIKE alone decides).

    An ASCII word compares ASCII case-insensitively, so one of 3+ characters is its own probe, lower-cased.
    A non-ASCII word compares str.casefold on both sides, and the probe is the longest run of _stable
    characters in the folded word, if it has 3 or more (see `odd_letters`). NUL: None (matches nothing)."""
    if "\x00" in word:
        return None
    if word.isascii():
        return word.lower() if len(word) >= MIN_PROBE else None
    best, run = "", ""
    for ch in word.casefold():
        run = run + ch if _stable(ch) else ""
        if len(run) > len(best):
            best = run
    return best if len(best) >= MIN_PROBE else None


def odd_letters(word: str, found: str) -> str:
    """The ODD_LETTERS in probe `found` of `word` when the word compares case-folded (non-ASCII): rows whose
    characters stand for one of them (ß for 's') may match without holding the probe as the index stores it."""
    return "" if word.isascii() else "".join(sorted(set(found) & set(ODD_LETTERS)))


def match_expression(probes: list[str]) -> str:
    """FTS5 MATCH text: every probe as a quoted string (a substring for the trigram tokenizer), AND-ed."""
    return " AND ".join('"' + p.replace('"', '""') + '"' for p in probes)


def has_index(session: Session, index: tuple[str, str, str]) -> bool:
    """True when this session's database is SQLite and holds the FTS table of `index` (migration 0101).
    A positive answer is remembered in the pooled connection's `info` (one look-up per connection, not one
    per search; a ledger migrated later is simply asked again)."""
    if session.get_bind().dialect.name != "sqlite":
        return False
    info = session.connection().info
    if info.get(("search_index", index[0])):
        return True
    found = session.execute(text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n"),
                            {"n": index[0]}).first() is not None
    if found:
        info[("search_index", index[0])] = True
    return found


def indexed_keys(index: tuple[str, str, str], probes: list[str], odd: str = ""):
    """SELECT of the keys (ticket or order numbers) whose index row contains every probe (any column each),
    plus the keys whose row has characters standing for one of the letters `odd` (see odd_letters).
    Rows queued by the triggers and not yet indexed (catch_up) are candidates too."""
    fts, keys_name, key = index
    keys = table(keys_name, column("id"), column(key), column("odd"))
    queue = table(fts + "_queue", column(key))
    hits = select(literal_column("rowid")).select_from(table(fts)).where(
        literal_column(fts).op("MATCH")(match_expression(probes)))
    parts = [select(keys.c[key]).where(keys.c.id.in_(hits)), select(queue.c[key])]
    if odd:
        parts.append(select(keys.c[key]).where(keys.c.odd != "",
                                               or_(*(func.instr(keys.c.odd, ch) > 0 for ch in odd))))
    return union_all(*parts)


def index_join(query: Select, key_column, index: tuple[str, str, str], words: list[str]) -> Select:
    """`query` joined to the index so that SQLite walks the index's matches of `words` (their probes, AND-ed)
    in the index's own order: add LIMIT to stop after the first matches (no sort, no count of all). Only the
    index's rows: add `extra_keys` for the queued and ODD rows, and keep the exact rule in the WHERE."""
    fts, keys_name, key = index
    found = [(w, probe(w)) for w in words]
    keys = table(keys_name, column("id"), column(key))
    return (query.join(keys, keys.c[key] == key_column)
            .join(table(fts), literal_column(f"{fts}.rowid") == keys.c.id)
            .where(literal_column(fts).op("MATCH")(match_expression([p for _, p in found if p]))))


def extra_keys(index: tuple[str, str, str], words: list[str]):
    """SELECT of the keys `index_join` does not walk but that may match `words`: rows queued for indexing
    and rows with ODD characters for the words' odd_letters (see indexed_keys)."""
    found = [(w, p) for w, p in ((w, probe(w)) for w in words) if p]
    odd = "".join(sorted({ch for w, p in found for ch in odd_letters(w, p)}))
    fts, keys_name, key = index
    keys = table(keys_name, column(key), column("odd"))
    parts = [select(table(fts + "_queue", column(key)).c[key])]
    if odd:
        parts.append(select(keys.c[key]).where(keys.c.odd != "",
                                               or_(*(func.instr(keys.c.odd, ch) > 0 for ch in odd))))
    return union_all(*parts)


def narrowed(session: Session, key_column, index: tuple[str, str, str], words: list[str]
             ) -> ColumnElement[bool] | None:
    """`key_column IN (index matches)` for the words that have a probe, or None when none has one or the
    index is missing (then the caller's LIKE rule runs alone). AND it with the exact rule: `contains(word)`
    per word, as core.tickets and core.orders do."""
    found = [(w, p) for w, p in ((w, probe(w)) for w in words) if p]
    if not found or not has_index(session, index):
        return None
    odd = "".join(sorted({ch for w, p in found for ch in odd_letters(w, p)}))
    return key_column.in_(indexed_keys(index, [p for _, p in found], odd))


def unindexed(col, narrowed: bool):
    """`col`, or `col || ''` when the search index narrows the rows: the same values, but SQLite can no longer
    drive the query from that column's index (e.g. walk every ticket of the event through ix_tickets_event_id
    and test each against the index's matches) and starts from the matches instead. Use it on the other
    filters of a query narrowed by `narrowed`."""
    return col.concat("") if narrowed else col
