"""Case-insensitive text search that works for every script on SQLite and PostgreSQL.

SQLite's lower() folds ASCII only, so core.db registers `tessera_casefold` (Python str.casefold) on every
SQLite connection; PostgreSQL's lower() is Unicode-aware."""
from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_
from sqlalchemy.orm import Session


def folder(session: Session):
    """(SQL function, Python function) that fold case the same way on this session's database."""
    if session.get_bind().dialect.name == "sqlite":
        return func.tessera_casefold, str.casefold
    return func.lower, str.lower


def contains_any(session: Session, phrase: str, columns) -> ColumnElement[bool]:
    """OR of case-folded `column LIKE %phrase%` over `columns` (LIKE wildcards in `phrase` are escaped)."""
    fold, fold_py = folder(session)
    needle = fold_py(phrase.strip())
    return or_(*(fold(col).contains(needle, autoescape=True) for col in columns))
