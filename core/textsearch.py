"""Text search that ignores case and accents for every script on SQLite and PostgreSQL — the one place where
search patterns are built (issue 11: LIKE wildcards and NUL are escaped here, nowhere else).

The one fold (core.textsearch_fold.fold): both sides of every comparison are folded — case, accents and
other marks, compatibility forms, ß ł ø đ æ œ ı — so 'jurgen' finds "Jürgen" and 'jürgen' finds "Jurgen".
Exact rule (LIKE, `contains`): the folded column contains the folded word. A column of printable ASCII folds
to its lower case, so SQLite's LIKE (ASCII case-insensitive) or PostgreSQL's ILIKE decides it natively; only
a column with other characters is folded in SQL (SQLite: `tessera_fold`, the Python fold, core.db; PostgreSQL:
core.textsearch_fold.fold_pg, built-in functions only). A phrase with a NUL character matches nothing (SQLite
ends a LIKE pattern at NUL, so '%\\x00%' used to match every row; PostgreSQL refuses NUL).

Fast path (issue 11 item 4): on a SQLite ledger the FTS5 trigram indexes of migration 0101 (`ticket_search`,
`order_search`) hold the *folded* columns (migration 0110). A word's *probe* is its folded form (3+
characters): the index's matches of it plus the rows queued for indexing (core.textsearch_index) are the
candidates, and the exact rule still decides among them, so results equal the LIKE search's while neither the
page nor the COUNT scans the table. Words folding to fewer than 3 characters, the PostgreSQL hub and a
database without the index use the LIKE rule alone.

Short words (1–2 characters, shorter than a trigram, issue 11): `starts` — the folded column *starts with*
the folded word — within ranges of the column's first characters (`prefix_ranges`: 'ju' -> Ju…, JU…, Jü…,
Ĵu…) that plain B-tree indexes answer (migration 0109's name indexes and the primary keys); a substring
rule would scan every row.

Capped pages (issue 11): `index_join` drives a query from the index in its own order, so a caller can stop
after the first N matches (core.textsearch_page) instead of counting and sorting every match."""
from __future__ import annotations

from sqlalchemy import (ColumnElement, Select, and_, column, false, func, literal_column, or_, select, table, text,
                        union_all)
from sqlalchemy.orm import Session

from core.textsearch_fold import SQL_NAME, first_letters, fold, fold_pg, spellings

ESCAPE = "\\"
MIN_PROBE = 3  # the trigram tokenizer needs 3 characters
NON_ASCII_GLOB = "*[^ -~]*"  # SQLite GLOB: the value holds a character outside printable ASCII
NON_ASCII_RE = "[^ -~]"  # the same, PostgreSQL regex
TICKET_INDEX = ("ticket_search", "ticket_search_keys", "ticket_number")
ORDER_INDEX = ("order_search", "order_search_keys", "order_number")


def is_index_table(name: str) -> bool:
    """True for the tables of the search indexes (FTS tables, their shadow tables, the key tables): they are
    made by migration 0101 in SQL, not by core.models (schema comparisons leave them out)."""
    return name.startswith(("ticket_search", "order_search"))


def folder(session: Session):
    """(SQL function, Python function) that apply THE fold (core.textsearch_fold) on this session's database:
    SQLite `tessera_fold` (registered by core.db), PostgreSQL fold_pg; Python fold either way."""
    if session.get_bind().dialect.name == "sqlite":
        return getattr(func, SQL_NAME), fold
    return fold_pg, fold


def is_short(word: str) -> bool:
    """True for a word shorter than a trigram (1–2 characters): it matches by `starts`, not `contains`."""
    return len(word) < MIN_PROBE


def _after(prefix: str) -> str | None:
    """The smallest string above every string starting with `prefix` in code-point (SQLite BINARY) order,
    None when the last character is U+10FFFF."""
    last = ord(prefix[-1])
    return None if last >= 0x10FFFF else prefix[:-1] + chr(last + 1)


COMBINING = ("\u0300", "\u0370")  # combining diacritical marks: what follows a letter in decomposed text


def _runs(chars, before: str = "") -> list[tuple[str, str | None]]:
    """[before + first, before + after(last)) per run of consecutive code points in `chars`."""
    runs: list[tuple[str, str | None]] = []
    points = sorted({ord(c) for c in chars})
    for i, cp in enumerate(points):
        if i == 0 or points[i - 1] != cp - 1:
            runs.append((before + chr(cp), None))
        upper = _after(chr(cp))
        runs[-1] = (runs[-1][0], None if upper is None else before + upper)
    return runs


def _first_block(ch: str) -> bool:
    """The first letters prefix_ranges looks for besides the word's own: below U+0530 (Latin, IPA, Greek,
    Cyrillic), Latin Extended Additional (Vietnamese) and the fullwidth forms."""
    return ch < "\u0530" or "\u1e00" <= ch < "\u1f00" or "\uff00" <= ch < "\uff60"


def prefix_ranges(word: str) -> list[tuple[str, str | None]]:
    """Code-point ranges [low, high) (high None: no end) holding the texts whose fold starts with the
    word's, as far as their first two characters tell (core.textsearch_fold.first_letters): the word's own
    first letter (either case) followed by the next letter in either case, or by any non-ASCII character
    when that letter is ASCII ('ju' -> [Ju, Jv), [JU, JV), [J\\x80, K), [ju, jv), …), else by a combining
    mark or a letter below U+0530 folding to it; the other first letters of _first_block (Ĵ, Ｊ, …) as runs
    of consecutive code points. The fold rule decides the rest. [] for a word folding to ''. A text
    starting with another character folding alike (ⓙ, 𝐉) is found by the rule, not by these ranges."""
    folded = fold(word)
    ranges: list[tuple[str, str | None]] = []
    others = []
    for ch, rest in first_letters(folded) if folded else ():
        if ch not in (folded[0], folded[0].upper()):
            others += [ch] if _first_block(ch) else []
        elif not rest:
            ranges.append((ch, _after(ch)))
        elif rest[0].isascii():
            ranges += [(ch + v, _after(ch + v)) for v in dict.fromkeys((rest[0].lower(), rest[0].upper()))]
            ranges.append((ch + "\x80", _after(ch)))
        else:
            seconds = [c for c, _ in first_letters(rest) if c < "\u0530"] + [rest[0].lower(), rest[0].upper()]
            ranges.extend(_runs([c for c in seconds if len(c) == 1], ch))
            ranges.append((ch + COMBINING[0], ch + COMBINING[1]))
    return ranges + _runs(others)


_MEMO: dict[tuple, tuple] = {}  # key -> (expression, key): the key holds its columns, so their ids stay theirs
_MEMO_SIZE = 512


def _memo(key: tuple, build) -> ColumnElement[bool]:
    """The expression `build()` made for `key` (dialect, rule, columns as (id, column) pairs, word) the last
    time, if any: SQL expressions are immutable, and building a word's rule costs more than running it on the
    index (a door search repeats on every refresh; tickets' drivers and WHERE use the same rule). At most
    _MEMO_SIZE keys (then it starts afresh)."""
    found = _MEMO.get(key)
    if found is None:
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.clear()
        found = _MEMO[key] = (build(), key)
    return found[0]


def starts(session: Session, column_, word: str) -> ColumnElement[bool]:
    """The rule for short words: fold(`column`) starts with fold(`word`) (folded_like: the native test
    first). NUL, '' or a word folding to '' matches nothing."""
    folded = fold(word) if "\x00" not in word else ""
    if not folded:
        return false()
    key = (session.get_bind().dialect.name, "starts", id(column_), column_, folded)
    return _memo(key, lambda: folded_like(session, column_, like_pattern(folded)[1:]))


def starts_ranged(session: Session, column_, word: str) -> ColumnElement[bool]:
    """`starts` within the word's prefix_ranges on SQLite (`col >= low AND col < high` per range), so the
    column's B-tree index finds the rows: a driver of core.textsearch_page (core.tickets). The same rows as
    `starts` but for texts beginning with a character prefix_ranges leaves out (ⓙ, 𝐉: the counting path
    finds them). Elsewhere `starts` (PostgreSQL's collations need not be code-point ordered)."""
    rule = starts(session, column_, word)
    ranges = prefix_ranges(word) if session.get_bind().dialect.name == "sqlite" else []
    if not ranges:
        return rule
    key = ("sqlite", "ranged", id(column_), column_, word)
    return _memo(key, lambda: and_(rule, or_(*(and_(column_ >= low, column_ < high) if high is not None
                                               else column_ >= low for low, high in ranges))))


def like_pattern(text_: str) -> str:
    """`%text%` with the LIKE wildcards `%`, `_` and the escape character `\\` escaped (use ESCAPE)."""
    escaped = text_.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return f"%{escaped}%"


def _folded_parts(session: Session, column_, pattern: str):
    """(native, by_fold) of fold(`column`) LIKE `pattern` (see folded_like); native is None for a pattern
    no ASCII value can match."""
    fold_sql, _ = folder(session)
    if session.get_bind().dialect.name == "sqlite":
        native, other = column_.like(pattern, escape=ESCAPE), column_.op("GLOB")(NON_ASCII_GLOB)
    else:
        native, other = column_.ilike(pattern, escape=ESCAPE), column_.op("~")(NON_ASCII_RE)
    return (native if pattern.isascii() else None), and_(other, fold_sql(column_).like(pattern, escape=ESCAPE))


def folded_like(session: Session, column_, pattern: str) -> ColumnElement[bool]:
    """fold(`column`) LIKE `pattern` (escaped with ESCAPE, already folded): a value of printable ASCII is
    its own fold but for case, so SQLite's LIKE (ASCII case-insensitive) / PostgreSQL's ILIKE decides it
    without calling the fold; only values with other characters are folded in SQL (`folder`). An ASCII
    value cannot match a pattern with other characters, so such a pattern skips the native test."""
    return folded_like_any(session, [column_], pattern)


def folded_like_any(session: Session, columns, pattern: str) -> ColumnElement[bool]:
    """OR of folded_like over `columns`, every column's native test first: a row one of them decides never
    calls the fold (e.g. 'example.org' against names, then the e-mail)."""
    parts = [_folded_parts(session, col, pattern) for col in columns]
    return or_(*(n for n, _ in parts if n is not None), *(f for _, f in parts))


def contains(session: Session, column_, word: str) -> ColumnElement[bool]:
    """The exact rule: fold(`column`) contains fold(`word`) (core.textsearch_fold; wildcards literal).
    A word with NUL matches nothing."""
    return contains_any(session, word, [column_])


def contains_any(session: Session, word: str, columns) -> ColumnElement[bool]:
    """OR of `contains(column, word)` over `columns` (the word stripped; natives first, folded_like_any):
    the exact rule of a search word over the searched columns (core.tickets, core.orders)."""
    needle = word.strip()
    if "\x00" in needle:
        return false()
    columns = list(columns)
    return _memo((session.get_bind().dialect.name, "contains", tuple((id(c), c) for c in columns), needle),
                 lambda: or_(*(folded_like_any(session, columns, like_pattern(spelling))
                               for spelling in spellings(fold(needle), MIN_PROBE))))


def probe(word: str) -> str | None:
    """The substring the index is searched for when `contains(word)` is the exact rule: fold(word) when it
    has 3 or more characters (the index holds folded columns, migration 0110), else None (LIKE alone
    decides). NUL: None (matches nothing)."""
    if "\x00" in word:
        return None
    folded = fold(word)
    return folded if len(folded) >= MIN_PROBE else None


def probes_for(word: str) -> tuple[str, ...]:
    """The substrings the index is searched for, any of which may stand for `word`: its probe and the other
    spellings of core.textsearch_fold.spellings (the exact rule, contains_any, accepts the same); () when
    the word has no probe."""
    first = probe(word)
    return spellings(first, MIN_PROBE) if first else ()


def match_expression(probes: list) -> str:
    """FTS5 MATCH text: every probe as a quoted string (a substring for the trigram tokenizer), AND-ed; a
    probe given as a tuple of spellings is their OR."""
    def quoted(p: str) -> str:
        return '"' + p.replace('"', '""') + '"'
    return " AND ".join(quoted(p) if isinstance(p, str) else
                        (quoted(p[0]) if len(p) == 1 else "(" + " OR ".join(map(quoted, p)) + ")") for p in probes)


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


def indexed_keys(index: tuple[str, str, str], probes: list[str]):
    """SELECT of the keys (ticket or order numbers) whose index row contains every probe (any column each),
    plus the rows queued by the triggers and not yet indexed (catch_up)."""
    fts, keys_name, key = index
    keys = table(keys_name, column("id"), column(key))
    queue = table(fts + "_queue", column(key))
    hits = select(literal_column("rowid")).select_from(table(fts)).where(
        literal_column(fts).op("MATCH")(match_expression(probes)))
    return union_all(select(keys.c[key]).where(keys.c.id.in_(hits)), select(queue.c[key]))


def index_join(query: Select, key_column, index: tuple[str, str, str], words: list[str]) -> Select:
    """`query` joined to the index so that SQLite walks the index's matches of `words` (their probes, AND-ed)
    in the index's own order: add LIMIT to stop after the first matches (no sort, no count of all). Only the
    index's rows: add `extra_keys` for the queued rows, and keep the exact rule in the WHERE."""
    fts, keys_name, key = index
    found = [(w, probes_for(w)) for w in words]
    keys = table(keys_name, column("id"), column(key))
    return (query.join(keys, keys.c[key] == key_column)
            .join(table(fts), literal_column(f"{fts}.rowid") == keys.c.id)
            .where(literal_column(fts).op("MATCH")(match_expression([p for _, p in found if p]))))


def extra_keys(index: tuple[str, str, str], words: list[str]):
    """SELECT of the keys `index_join` does not walk but that may match `words`: the rows queued for
    indexing (catch_up has not folded them into the index yet)."""
    fts, _keys_name, key = index
    return select(table(fts + "_queue", column(key)).c[key])


def narrowed(session: Session, key_column, index: tuple[str, str, str], words: list[str]
             ) -> ColumnElement[bool] | None:
    """`key_column IN (index matches)` for the words that have a probe, or None when none has one or the
    index is missing (then the caller's LIKE rule runs alone). AND it with the exact rule: `contains(word)`
    per word, as core.tickets and core.orders do."""
    probes = [p for p in (probes_for(w) for w in words) if p]
    if not probes or not has_index(session, index):
        return None
    return key_column.in_(indexed_keys(index, probes))


def unindexed(col, narrowed: bool):
    """`col`, or `col || ''` when the search index narrows the rows: the same values, but SQLite can no longer
    drive the query from that column's index (e.g. walk every ticket of the event through ix_tickets_event_id
    and test each against the index's matches) and starts from the matches instead. Use it on the other
    filters of a query narrowed by `narrowed`."""
    return col.concat("") if narrowed else col
