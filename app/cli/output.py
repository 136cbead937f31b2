"""Shared CLI printing: JSON (contract field names, from core.contract) or human tables, and CliError."""
from __future__ import annotations

import json
import sys
import unicodedata
from typing import Any, Callable, Iterable


class CliError(Exception):
    """A user error the CLI reports as "error: message" on stderr with exit code 1 (missing file, no
    camera, several events and no --event…), never with a traceback."""


def _default(value: Any) -> Any:
    # Contract dicts hold only JSON types; anything else (a Decimal, a datetime) is printed as text.
    return str(value)


def to_json(data: Any, *, pretty: bool = True) -> str:
    """JSON text of `data` with non-ASCII kept (names in any script); pretty = 2-space indent. Text that is
    not valid Unicode (lone surrogates, e.g. an undecodable byte typed or passed on the command line) is
    escaped as \\uXXXX instead, so the output is always valid UTF-8 JSON."""
    text = json.dumps(data, ensure_ascii=False, indent=2 if pretty else None, default=_default)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(data, ensure_ascii=True, indent=2 if pretty else None, default=_default)
    return text


def emit(args, data: Any, human: str | Callable[[], str]) -> None:
    """Print `data` as JSON when --json was given, else the human text (or the text `human()` returns)."""
    if args.json:
        print(to_json(data))
    else:
        print(human() if callable(human) else human)


def json_line(data: Any) -> None:
    """Print one compact JSON object on its own line, flushed (for streams such as scan verdicts)."""
    print(to_json(data, pretty=False), flush=True)


def warn(message: str) -> None:
    """A note for the operator on stderr (never part of the machine-readable output)."""
    print(message, file=sys.stderr, flush=True)


def width(text: str) -> int:
    """Columns `text` takes in a terminal: East-Asian wide/full-width characters count 2, combining 0."""
    total = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        total += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return total


def table(headers: list[str], rows: Iterable[Iterable[Any]], empty: str = "(none)") -> str:
    """A plain-text table: one header line, then one line per row, columns padded by display width."""
    cells = [[("" if c is None else str(c)) for c in row] for row in rows]
    if not cells:
        return empty
    widths = [max(width(r[i]) for r in [headers, *cells]) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(c + " " * (w - width(c)) for c, w in zip(row, widths)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in cells])


def money_text(api_money: dict | None) -> str:
    """'25.00 EUR' from the contract's Money {value|amount, currency}; '' when absent."""
    if not api_money:
        return ""
    value = api_money.get("value") or api_money.get("amount") or "0"
    return f"{value} {api_money.get('currency', '')}".strip()


def pairs(items: Iterable[tuple[str, Any]]) -> str:
    """'key: value' lines for a detail view, keys padded to one width; None values are skipped."""
    items = [(k, v) for k, v in items if v is not None and v != ""]
    pad = max((len(k) for k, _ in items), default=0)
    return "\n".join(f"{k + ':':<{pad + 1}} {v}" for k, v in items)


def emit_page(args, page, key: str, items: list[dict], headers: list[str], rows: list, empty: str) -> None:
    """Print one page of a list: JSON in the contract's envelope `{total, offset, limit, <key>, facets}`
    (API.md §1.4), or a table with an "(N of TOTAL)" footer when more rows exist ("of more than TOTAL" for a
    capped search, Page.total_capped)."""
    body = {"total": page.total, "offset": page.offset, "limit": page.limit, key: items, "facets": page.facets}
    capped = getattr(page, "total_capped", False)
    if capped:
        body["totalCapped"] = True
    total = f"more than {page.total:,}" if capped else page.total
    more = f"\n({page.offset + len(items)} of {total})" if capped or page.total > len(items) else ""
    emit(args, body, lambda: table(headers, rows, empty=empty) + more)
