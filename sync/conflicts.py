"""Edit conflicts of ticket definitions and orders (DESIGN.md §Sync "Conflicts"; issue 8 item 3): an update
goes up field by field against the `base` its editor started from (`three_way`); the same field changed here
and centrally to different values is stored for a person — never a silent overwrite — through sync.state
(one record per entity), and resolved by keep_mine (re-queue our value) or take_theirs (adopt the server's).

Paths: a definition's are TicketDefinitionData mask paths ("price", "salePeriod.startDate"); an order's are
"checkoutForm.<inputName>" (value: core.orders.form_value, the input's text or its values list) and
"archived"."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from core import outbox
from core.definitions import update_definition
from core.errors import InvalidArgument, NotFound
from core.models import Order, TicketDefinition
from core.orders import apply_form_inputs, update_order
from core.timeutil import parse_rfc3339, to_rfc3339, utcnow
from sync import state
from sync.apply import parse_definition

KEEP_MINE, TAKE_THEIRS = "keep_mine", "take_theirs"
DEFINITION, ORDER = "definition", "order"
FORM_PREFIX = "checkoutForm."


# -- the three-way merge ------------------------------------------------------------------------------------
def _norm(value: Any) -> Any:
    """Comparable form: Money → (Decimal, currency); RFC 3339 → datetime; dicts/lists recursively."""
    if isinstance(value, dict):
        if "currency" in value and ("value" in value or "amount" in value):
            raw = value.get("value") if value.get("value") not in (None, "") else value.get("amount")
            try:
                return ("money", Decimal(str(raw)), str(value.get("currency")).upper())
            except (InvalidOperation, ValueError):
                return ("money", str(raw), value.get("currency"))
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, str) and len(value) >= 20 and value[4:5] == "-" and "T" in value:
        try:
            return parse_rfc3339(value)
        except Exception:  # noqa: BLE001 - not a timestamp after all: compare as text
            return value
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return value


def same(a: Any, b: Any) -> bool:
    """Equality of two field values after normalisation ("" and None are equal for text)."""
    a, b = _norm(a), _norm(b)
    if a in (None, "") and b in (None, ""):
        return True
    return a == b


def three_way(paths: list[str], base: dict, mine: dict, theirs: dict) -> tuple[list[str], dict[str, dict]]:
    """Merge per path over flat {path: value} dicts → (paths to send, {path: {base, mine, theirs}} conflicts).
    A path missing from `theirs` (the server did not carry it) counts as unchanged there. Equal already, or
    not changed here: nothing to send (the server's value stands)."""
    patch, clashes = [], {}
    for path in paths:
        b, m = base.get(path), mine.get(path)
        t = theirs.get(path, b)
        if same(m, t) or same(m, b):
            continue
        if same(t, b):
            patch.append(path)
        else:
            clashes[path] = {"base": b, "mine": m, "theirs": t}
    return patch, clashes


# -- stored conflicts ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Conflict:
    """One entity's conflicting fields: `kind` "definition" | "order", `key` its id / order number,
    `fields` = {path: {"base", "mine", "theirs"}} (see the module doc), `name` for display (definition name,
    buyer name)."""

    key: str
    event_id: str
    name: str
    fields: dict[str, dict[str, Any]]
    created: datetime | None
    kind: str = DEFINITION

    @property
    def definition_id(self) -> str:
        """The entity key (the name callers used when only definitions had conflicts)."""
        return self.key

    def describe(self) -> str:
        """One line for a person: 'VIP: name (mine 'VIP Gold', theirs 'VIP Plus')'."""
        parts = [f"{p} (mine {v['mine']!r}, theirs {v['theirs']!r})" for p, v in self.fields.items()]
        return f"{self.name or self.key}: " + "; ".join(parts)


DefinitionConflict = Conflict  # the earlier name


def report_clashes(result, what: str, key: str, clashes) -> str:
    """Say that `what` `key` (e.g. "order", "ticket definition") was edited here and centrally on the `clashes`
    fields: the key goes into `result.conflicts`, a warning into `result.warnings` (a push handler's result);
    returns the outbox row's note ("" when nothing clashed)."""
    if not clashes:
        return ""
    result.conflicts.append(key)
    result.warnings.append(f"{what} {key}: edited here and centrally ({', '.join(clashes)}) — choose which to keep")
    return "conflict stored for " + ", ".join(clashes)


def store(session: Session, event_id: str, key: str, fields: dict[str, dict[str, Any]],
          kind: str = DEFINITION) -> None:
    """Record (or extend) the conflict of entity `key` in the caller's transaction; newer values of a path
    replace older ones."""
    value = state.conflict(session, key, kind) or {"key": key, "eventId": event_id,
                                                   "created": to_rfc3339(utcnow()), "fields": {}}
    if kind == DEFINITION:
        value["definitionId"] = key
    value["fields"] = {**value.get("fields", {}), **fields}
    state.set_conflict(session, key, value, kind)


def _name(session: Session, kind: str, key: str) -> str:
    if kind == ORDER:
        order = session.get(Order, key)
        return f"order {key} ({order.first_name} {order.last_name})".replace(" ( )", "") if order else key
    defn = session.get(TicketDefinition, key)
    return defn.name if defn else ""


def list_conflicts(session: Session, event_id: str | None = None, kind: str | None = None) -> list[Conflict]:
    """Open conflicts (optionally of one event / kind), oldest first."""
    out = []
    for key, v in state.conflicts(session):
        if (event_id and v.get("eventId") != event_id) or (kind and v["kind"] != kind):
            continue
        out.append(Conflict(key, v.get("eventId", ""), _name(session, v["kind"], key),
                            dict(v.get("fields", {})), parse_rfc3339(v.get("created")), v["kind"]))
    return sorted(out, key=lambda c: (c.created is None, c.created or utcnow()))


def get_conflict(session: Session, key: str) -> Conflict:
    """The open conflict of entity `key` (definition id or order number); NotFound when there is none."""
    for conflict in list_conflicts(session):
        if conflict.key == key:
            return conflict
    raise NotFound(f"no open conflict for {key}")


# -- definitions ----------------------------------------------------------------------------------------------
def _nested(fields: dict[str, dict], side: str) -> tuple[dict, list[str]]:
    """{path: {side: v}} → nested TicketDefinitionData ({"salePeriod": {"startDate": ...}}) and the paths."""
    data: dict[str, Any] = {}
    for path, values in fields.items():
        head, _, leaf = path.partition(".")
        if leaf:
            data.setdefault(head, {})[leaf] = values.get(side)
        elif isinstance(values.get(side), dict) and head == "salePeriod":
            data[head] = dict(values[side])
        else:
            data[head] = values.get(side)
    return data, list(fields)


_COLUMNS = {"name": ("name",), "description": ("description",), "policy": ("policy",),
            "price": ("price_minor", "currency"), "limited": ("limited",), "quantity": ("quantity", "limited"),
            "limitPerCheckout": ("limit_per_checkout",), "orderIndex": ("order_index",), "hidden": ("hidden",),
            "salePeriod": ("sale_start", "sale_end", "hide_not_on_sale"), "salePeriod.startDate": ("sale_start",),
            "salePeriod.endDate": ("sale_end",), "salePeriod.hideNotOnSale": ("hide_not_on_sale",)}


def _take_theirs(defn: TicketDefinition, conflict: Conflict) -> None:
    """Write the server's values of the conflicting paths into the local row (only those columns)."""
    data, _ = _nested(conflict.fields, "theirs")
    parsed = parse_definition({"id": defn.id, "eventId": defn.event_id, **data})
    for path in conflict.fields:
        for column in _COLUMNS.get(path, ()):
            if column in parsed:
                setattr(defn, column, parsed[column])
        if path == "quantity" and "limited" not in conflict.fields:
            defn.limited = defn.quantity is not None
    defn.updated = utcnow()


def _resolve_definition(session: Session, conflict: Conflict, choice: str) -> None:
    defn = session.get(TicketDefinition, conflict.key)
    if defn is None:
        raise NotFound(f"ticket definition {conflict.key} not found")
    if choice == KEEP_MINE:
        data, paths = _nested(conflict.fields, "mine")
        update_definition(session, conflict.key, data, paths)
        _rebase(session, conflict, outbox.DEFINITION_UPDATE)
    else:
        _take_theirs(defn, conflict)


# -- orders ---------------------------------------------------------------------------------------------------
def _input(name: str, value: Any) -> dict:
    """A checkoutForm input from a core.orders.form_value value (text, or a values list)."""
    if isinstance(value, list):
        return {"inputName": name, "value": "", "values": [str(v) for v in value]}
    return {"inputName": name, "value": "" if value is None else str(value)}


def _order_side(conflict: Conflict, side: str) -> tuple[list[dict], bool | None]:
    """(checkoutForm inputs, archived or None) of one side of an order conflict."""
    inputs = [_input(p[len(FORM_PREFIX):], v.get(side)) for p, v in conflict.fields.items()
              if p.startswith(FORM_PREFIX)]
    archived = conflict.fields.get("archived", {}).get(side)
    return inputs, (bool(archived) if "archived" in conflict.fields else None)


def _resolve_order(session: Session, conflict: Conflict, choice: str) -> None:
    order = session.get(Order, conflict.key)
    if order is None:
        raise NotFound(f"order {conflict.key} not found")
    theirs, theirs_archived = _order_side(conflict, "theirs")
    if theirs:  # the local row shows the server's values (as it does after the push)
        apply_form_inputs(order, theirs)
    if theirs_archived is not None:
        order.archived = theirs_archived
    order.updated = utcnow()
    if choice == KEEP_MINE:  # setting ours again queues the change, its base the server's values
        mine, archived = _order_side(conflict, "mine")
        update_order(session, order.event_id, order.order_number, fields=[], archived=archived,
                     checkout_form={"inputValues": mine} if mine else None)
        _rebase(session, conflict, outbox.ORDER_UPDATE)


def _rebase(session: Session, conflict: Conflict, kind: str) -> None:
    """The re-queued update starts from the server's values, so the next push sends it (unless the server
    moved on once more, which makes a new conflict)."""
    session.flush()
    queued = outbox.pending_of(session, conflict.key, kind)
    if queued:
        entry = queued[-1]
        base = dict(entry.payload.get("base", {}))
        base.update({p: v.get("theirs") for p, v in conflict.fields.items() if p in base})
        entry.payload = {**entry.payload, "base": base}


def resolve(session: Session, key: str, choice: str) -> Conflict:
    """Resolve the conflict of entity `key` (definition id or order number) in the caller's transaction and
    drop its record. keep_mine: set our values again through core (update_definition / update_order), which
    queues the update with `base` = the server's values. take_theirs: write the server's values into the
    local row (no outbox row). Returns the resolved conflict. Raises NotFound (no conflict / entity),
    InvalidArgument (unknown choice)."""
    if choice not in (KEEP_MINE, TAKE_THEIRS):
        raise InvalidArgument(f"choice must be {KEEP_MINE!r} or {TAKE_THEIRS!r}", field="choice")
    conflict = get_conflict(session, key)
    if conflict.kind == ORDER:
        _resolve_order(session, conflict, choice)
    else:
        _resolve_definition(session, conflict, choice)
    state.drop_conflict(session, key, conflict.kind)
    session.flush()
    return conflict
