"""Reading requests the way the vendor's client sends them (API.md §1.4, §1.5, "What the vendor's official
JS client actually sends"): repeated query keys, dotted keys, `key[]` tolerated, path parameters repeated in
the query or body, field masks as a comma string or `{paths: [..]}`."""
from __future__ import annotations

import json
import re
from typing import Any, Iterable

from core.codes import is_guid
from core.errors import InvalidArgument

_CAMEL = re.compile(r"_([a-z])")


class Query:
    """A multi-valued view of a query string. Keys are matched exactly, with a trailing `[]` ignored
    (`fieldset[]=A` == `fieldset=A`). Values are kept in order of appearance."""

    def __init__(self, items: Iterable[tuple[str, str]]):
        self._items: dict[str, list[str]] = {}
        for key, value in items:
            if key.endswith("[]"):
                key = key[:-2]
            self._items.setdefault(key, []).append(value)

    def all(self, *names: str, split: bool = False) -> list[str]:
        """Every value of any of `names` (aliases, e.g. "byId.definitionId", "definitionId"), empty values
        dropped; `split` also splits comma lists (for enum lists like fieldset/state)."""
        out: list[str] = []
        for name in names:
            for value in self._items.get(name, []):
                parts = value.split(",") if split else [value]
                out.extend(p.strip() for p in parts if p.strip())
        return out

    def one(self, *names: str, default: str | None = None) -> str | None:
        """The first value of any of `names`, or `default`."""
        values = self.all(*names)
        return values[0] if values else default

    def int(self, name: str, default: int | None = None) -> int | None:
        """An integer parameter; InvalidArgument (400) when it is not an integer."""
        value = self.one(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise InvalidArgument(f"{name} must be an integer", field=name) from None

    def bool(self, name: str, default: bool = False) -> bool:
        """A boolean parameter (`true`/`false`/`1`/`0`); InvalidArgument otherwise."""
        value = self.one(name)
        if value is None:
            return default
        if value.lower() in ("true", "1"):
            return True
        if value.lower() in ("false", "0"):
            return False
        raise InvalidArgument(f"{name} must be true or false", field=name)

    def has(self, name: str) -> bool:
        return bool(self._items.get(name))


def parse_body(raw: bytes) -> dict:
    """The JSON object of a request body ({} when empty); InvalidArgument (400) for malformed JSON or a
    non-object body."""
    if not raw or not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidArgument("malformed JSON body") from None
    if not isinstance(data, dict):
        raise InvalidArgument("the JSON body must be an object")
    return data


def camel(name: str) -> str:
    """snake_case → camelCase (`limit_per_checkout` → `limitPerCheckout`); camelCase is unchanged."""
    return _CAMEL.sub(lambda m: m.group(1).upper(), name)


def field_mask(value: Any, prefix: str | None = None) -> list[str] | None:
    """Normalise a FieldMask (API.md §1.5): `"a,b"`, `{"paths": ["a","b"]}` or `["a","b"]` → ["a","b"];
    None/empty → None (a full update). A leading `prefix.` (e.g. `definition.name`) is dropped and
    snake_case paths become camelCase. InvalidArgument for any other shape."""
    if value in (None, "", {}, []):
        return None
    if isinstance(value, dict):
        value = value.get("paths")
        if value in (None, []):
            return None
    if isinstance(value, str):
        paths = [p for p in (s.strip() for s in value.split(",")) if p]
    elif isinstance(value, list) and all(isinstance(p, str) for p in value):
        paths = [p.strip() for p in value if p.strip()]
    else:
        raise InvalidArgument("fields must be a comma-separated string or {paths: [..]}", field="fields")
    out = []
    for path in paths:
        if prefix and path.startswith(prefix + "."):
            path = path[len(prefix) + 1:]
        out.append(camel(path))
    return out or None


def same_param(name: str, path_value: str, *others: Any) -> str:
    """`path_value`, checked against copies of the same parameter sent in the query or body (the vendor's
    client repeats them); a differing copy raises InvalidArgument (400)."""
    for other in others:
        values = other if isinstance(other, list) else [other]
        for value in values:
            if value not in (None, "") and str(value) != path_value:
                raise InvalidArgument(f"{name} in the path ({path_value}) differs from {value!r}", field=name)
    return path_value


def str_list(value: Any, name: str, *, min_len: int = 0, max_len: int = 100) -> list[str]:
    """A body field that must be a list of strings (a single string is accepted as a 1-list), with
    min_len..max_len items; InvalidArgument otherwise."""
    if value is None:
        value = []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InvalidArgument(f"{name} must be a list of strings", field=name)
    if not min_len <= len(value) <= max_len:
        raise InvalidArgument(f"{name} takes {min_len}..{max_len} values", field=name)
    return [v.strip() for v in value]


def require_str(value: Any, name: str) -> str:
    """A required non-empty string field; InvalidArgument (400) when missing."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgument(f"{name} is required", field=name)
    return value.strip()


def optional_guid(value: Any, name: str) -> str | None:
    """An optional client-chosen id: None when absent, else it must be a GUID (InvalidArgument)."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not is_guid(value):
        raise InvalidArgument(f"{name} must be a GUID", field=name)
    return value.lower()
