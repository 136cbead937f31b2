"""One page of a search without counting or sorting every match (issue 11: the door's guest search at 1M
tickets): the caller gives *drivers* — selects of (key, sort value) that walk an index (the trigram index
through core.textsearch.index_join, or a B-tree for short words) with the exact rule and the other filters
in their WHERE — and `first_matches` stops once it holds more than `cap` distinct keys.

When at most `cap` rows match, the result is exact: every match, sorted as the SQL sort would (`ordered`),
the page sliced from it and the exact total. When more match, the total is *capped*: the page is taken from
the first `cap` + 1 matches in index order (sorted among themselves), and the caller shows "more than `cap`"
(Page.total_capped) — door staff refine a search, they do not read 100,000 rows."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import Select
from sqlalchemy.orm import Session

DEFAULT_CAP = 1000  # the most matches a capped search counts ("1,000+")


@dataclass(frozen=True)
class Matches:
    """The distinct (key, sort value) rows found, in the order found, and whether there were more than
    the cap (`capped`: `rows` then holds cap + 1 rows)."""

    rows: list[tuple[str, Any]]
    capped: bool


def first_matches(session: Session, drivers: Iterable[Select], cap: int) -> Matches:
    """Run each driver with LIMIT cap + 1 until more than `cap` distinct keys are found (later drivers are
    not run then). Each driver selects (key, sort value); a key found by two drivers counts once."""
    seen: dict[str, Any] = {}
    for driver in drivers:
        for key, value in session.execute(driver.limit(cap + 1)):
            seen.setdefault(key, value)
            if len(seen) > cap:
                return Matches(list(seen.items()), True)
    return Matches(list(seen.items()), False)


def ordered(rows: list[tuple[str, Any]], descending: bool = False) -> list[str]:
    """The keys of `rows` sorted by sort value then key ascending, as SQL's `ORDER BY value [DESC], key`
    on SQLite: NULL first when ascending (last when descending), strings by code point (BINARY)."""
    by_key = sorted(rows, key=lambda r: r[0])
    if descending:
        result = sorted(by_key, key=lambda r: (r[1] is not None, r[1] if r[1] is not None else 0), reverse=True)
    else:
        result = sorted(by_key, key=lambda r: (r[1] is not None, r[1] if r[1] is not None else 0))
    return [key for key, _ in result]
