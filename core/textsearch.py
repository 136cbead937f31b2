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

Short words (1–2 characters, shorter than a trigram, issue 11): `starts` — the column *starts with* one of
the word's spellings (each letter as typed, in either case, or any letter folding to the same, 'o' -> ö, Ø)
— a rule plain B-tree indexes answer (ranges per spelling, migration 0109's name indexes and the primary
keys); a substring rule would scan every row.

Capped pages (issue 11): `index_join` drives a query from the index in its own order, so a caller can stop
after the first N matches (core.textsearch_page) instead of counting and sorting every match."""
from __future__ import annotations

from sqlalchemy import (ColumnElement, Select, and_, column, false, func, literal_column, or_, select, table, text,
                        union_all)
from sqlalchemy.orm import Session

from core.textsearch_fold import SQL_NAME, fold, fold_pg, letter_spellings

ESCAPE = "\\"
MIN_PROBE = 3  # the trigram tokenizer needs 3 characters
MAX_SPELLINGS = 64  # a short word's spellings (`spellings`): every letter's variants while the product fits
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


def case_variants(word: str) -> list[str]:
    """Every spelling of `word` with each character as typed, lower- or upper-cased ('an' -> an, aN, An, AN;
    'ß' -> ß, SS), sorted."""
    spellings = [""]
    for ch in word:
        spellings = [s + c for s in spellings for c in dict.fromkeys((ch, ch.lower(), ch.upper()))]
    return sorted(set(spellings))


def spellings(word: str) -> list[str]:
    """The prefixes `starts` looks for, sorted: every combination of each character's variants — its
    case_variants and the letters folding to the same (core.textsearch_fold.letter_spellings: 'mu' -> Mu,
    MÜ, mú, …) — or, when that makes more than MAX_SPELLINGS, the first character's variants followed by
    the other characters' case_variants and those of their fold ('ou' -> Ou, Öu, øU, …)."""
    full = [sorted(set(case_variants(ch)) | set(letter_spellings(ch))) for ch in word]
    count = 1
    for options in full:
        count *= len(options)
    per = full if count <= MAX_SPELLINGS else full[:1] + [
        sorted(set(case_variants(ch)) | set(case_variants(fold(ch)))) for ch in word[1:]]
    found = [""]
    for options in per:
        found = [s + c for s in found for c in options]
    return sorted(set(found))


def _after(prefix: str) -> str | None:
    """The smallest string above every string starting with `prefix` in code-point (SQLite BINARY) order,
    None when the last character is U+10FFFF."""
    last = ord(prefix[-1])
    return None if last >= 0x10FFFF else prefix[:-1] + chr(last + 1)


def starts(session: Session, column_, word: str) -> ColumnElement[bool]:
    """`column` starts with one of the word's `spellings` (the rule for short words). SQLite: a range per
    spelling (`col >= v AND col < next(v)`, so the column's B-tree index answers it); elsewhere `col LIKE
    'v%'` (escaped; PostgreSQL's collation need not be code-point ordered). NUL or '' matches nothing."""
    if not word or "\x00" in word:
        return false()
    variants = spellings(word)
    if session.get_bind().dialect.name != "sqlite":
        return or_(*(column_.like(like_pattern(v)[1:], escape=ESCAPE) for v in variants))
    ranges = []
    for v in variants:
        upper = _after(v)
        ranges.append(and_(column_ >= v, column_ < upper) if upper is not None
                      else func.substr(column_, 1, len(v)) == v)
    return or_(*ranges)


def like_pattern(text_: str) -> str:
    """`%text%` with the LIKE wildcards `%`, `_` and the escape character `\\` escaped (use ESCAPE)."""
    escaped = text_.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return f"%{escaped}%"


def folded_like(session: Session, column_, pattern: str) -> ColumnElement[bool]:
    """fold(`column`) LIKE `pattern` (escaped with ESCAPE, already folded): a value of printable ASCII is
    its own fold but for case, so SQLite's LIKE (ASCII case-insensitive) / PostgreSQL's ILIKE decides it
    without calling the fold; only values with other characters are folded in SQL (`folder`). An ASCII
    value cannot match a pattern with other characters, so such a pattern skips the native test."""
    fold_sql, _ = folder(session)
    if session.get_bind().dialect.name == "sqlite":
        native, other = column_.like(pattern, escape=ESCAPE), column_.op("GLOB")(NON_ASCII_GLOB)
    else:
        native, other = column_.ilike(pattern, escape=ESCAPE), column_.op("~")(NON_ASCII_RE)
    by_fold = and_(other, fold_sql(column_).like(pattern, escape=ESCAPE))
    return or_(native, by_fold) if pattern.isascii() else by_fold


def contains(session: Session, column_, word: str) -> ColumnElement[bool]:
    """The exact rule: fold(`column`) contains fold(`word`) (core.textsearch_fold; wildcards literal).
    A word with NUL matches nothing."""
    if "\x00" in word:
        return false()
    return folded_like(session, column_, like_pattern(fold(word)))


def contains_any(session: Session, phrase: str, columns) -> ColumnElement[bool]:
    """OR of `contains(column, phrase)` over `columns` (the phrase stripped)."""
    needle = phrase.strip()
    return or_(*(contains(session, col, needle) for col in columns))


def probe(word: str) -> str | None:
    """The substring the index is searched for when `contains(word)` is the exact rule: fold(word) when it
    has 3 or more characters (the index holds folded columns, migration 0110), else None (LIKE alone
    decides). NUL: None (matches nothing)."""
    if "\x00" in word:
        return None
    folded = fold(word)
    return folded if len(folded) >= MIN_PROBE else None


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
    found = [(w, probe(w)) for w in words]
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
    probes = [p for p in (probe(w) for w in words) if p]
    if not probes or not has_index(session, index):
        return None
    return key_column.in_(indexed_keys(index, probes))


def unindexed(col, narrowed: bool):
    """`col`, or `col || ''` when the search index narrows the rows: the same values, but SQLite can no longer
    drive the query from that column's index (e.g. walk every ticket of the event through ix_tickets_event_id
    and test each against the index's matches) and starts from the matches instead. Use it on the other
    filters of a query narrowed by `narrowed`."""
    return col.concat("") if narrowed else col
