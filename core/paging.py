"""Offset/limit paging as the contract does it (API.md §1.4): limit is clamped to 1..100 and the page says so."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core.errors import InvalidArgument

T = TypeVar("T")
MAX_LIMIT = 100
MAX_OFFSET = 2**63 - 1  # a database's 64-bit integer: a larger offset is refused, not an OverflowError


@dataclass
class Page(Generic[T]):
    """One page of a list: `items`, the `total` matching rows, and the `offset`/`limit` actually used.
    `total_capped`: more than `total` rows match and they were not counted (a capped search,
    core.textsearch_page): show the total as "more than N"."""

    items: list[T]
    total: int
    offset: int
    limit: int
    facets: dict = field(default_factory=dict)
    total_capped: bool = False


def clamp(offset: int | None, limit: int | None) -> tuple[int, int]:
    """Validate offset (0..MAX_OFFSET) and clamp limit into 1..100 (default 100); InvalidArgument on
    negatives or an offset no database integer holds."""
    offset = int(offset or 0)
    limit = MAX_LIMIT if limit in (None, 0) else int(limit)
    if offset < 0 or limit < 0:
        raise InvalidArgument("offset and limit must not be negative", field="offset" if offset < 0 else "limit")
    if offset > MAX_OFFSET:
        raise InvalidArgument(f"offset must be at most {MAX_OFFSET}", field="offset")
    return offset, min(limit, MAX_LIMIT)


def paginate(session: Session, query: Select, offset: int | None, limit: int | None) -> Page:
    """Run `query` (a select of one ORM entity, already ordered) as one page with its total."""
    offset, limit = clamp(offset, limit)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(session.scalars(query.offset(offset).limit(limit)))
    return Page(items=items, total=total, offset=offset, limit=limit)
