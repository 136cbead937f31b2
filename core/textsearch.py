"""Case-insensitive text search that works for every script on SQLite and PostgreSQL — the one place where
search patterns are built (issue 11: LIKE wildcards and NUL are escaped here, nowhere else).

SQLite's lower() folds ASCII only, so core.db registers `tessera_casefold` (Python str.casefold) on every
SQLite connection; PostgreSQL's lower() is Unicode-aware. A phrase with a NUL character matches nothing
(SQLite ends a LIKE pattern at NUL, so '%\\x00%' used to match every row; PostgreSQL refuses NUL in text)."""
from __future__ import annotations

from sqlalchemy import ColumnElement, false, func, or_
from sqlalchemy.orm import Session

ESCAPE = "\\"


def folder(session: Session):
    """(SQL function, Python function) that fold case the same way on this session's database."""
    if session.get_bind().dialect.name == "sqlite":
        return func.tessera_casefold, str.casefold
    return func.lower, str.lower


def like_pattern(text: str) -> str:
    """`%text%` with the LIKE wildcards `%`, `_` and the escape character `\\` escaped (use ESCAPE)."""
    escaped = text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return f"%{escaped}%"


def contains(session: Session, column, word: str) -> ColumnElement[bool]:
    """Case-insensitive `column` contains `word` (wildcards literal). ASCII words use LIKE on SQLite (ASCII
    case-insensitive there) and ILIKE elsewhere, which can use an index; other words fold case on both sides.
    A word with NUL matches nothing."""
    if "\x00" in word:
        return false()
    if word.isascii():
        if session.get_bind().dialect.name == "sqlite":
            return column.like(like_pattern(word.lower()), escape=ESCAPE)
        return column.ilike(like_pattern(word), escape=ESCAPE)
    fold, fold_py = folder(session)
    return fold(column).like(like_pattern(fold_py(word)), escape=ESCAPE)


def contains_any(session: Session, phrase: str, columns) -> ColumnElement[bool]:
    """OR of case-folded `column contains phrase` over `columns` (wildcards literal; NUL matches nothing)."""
    needle = phrase.strip()
    if "\x00" in needle:
        return false()
    fold, fold_py = folder(session)
    return or_(*(fold(col).like(like_pattern(fold_py(needle)), escape=ESCAPE) for col in columns))
