"""Push of ticket-definition changes (API.md §4.2). An offline edit is merged field by field against the `base`
the editor started from (DESIGN.md §Sync): a field changed only here is PATCHed; a field changed on both sides
to different values is stored as a conflict for the organiser (sync.conflicts), never silently overwritten."""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from core import outbox
from core.definitions import definition_data
from core.models import Ticket, TicketDefinition
from sync import conflicts, state
from sync.conflicts import same, three_way  # noqa: F401 (same: re-exported)
from sync.apply import _DEF_DEFAULTS, definition_from_api, parse_definition
from sync.errors import NotFound
from sync.handler import Item, Outcome, PushContext, SingleRowHandler

logger = logging.getLogger(__name__)


def _create(ctx: PushContext, item: Item) -> Outcome:
    """CreateTicketDefinition; a server-assigned id replaces the local one (rekey_definition)."""
    answer = ctx.api.create_definition(item.event_id, dict(item.payload.get("definition") or {}),
                                       idempotency_key=item.idempotency_key)

    def apply(s: Session) -> None:
        if answer.get("id") and answer["id"] != item.entity_key:
            rekey_definition(s, item.entity_key, answer["id"])
        definition_from_api(s, answer, item.event_id)
    return Outcome(done=[item.id], apply=apply)


def _delete(ctx: PushContext, item: Item) -> Outcome:
    """DeleteTicketDefinition; already deleted centrally counts as done (the goal is reached)."""
    try:
        ctx.api.delete_definitions(item.event_id, [item.payload.get("definitionId") or item.entity_key],
                                   idempotency_key=item.idempotency_key)
    except NotFound:
        return Outcome(done=[item.id], notes={item.id: "already deleted on the server"})
    return Outcome(done=[item.id])


def path_value(data: Any, path: str) -> Any:
    """The value at a dotted mask path of TicketDefinitionData ("salePeriod.startDate")."""
    for part in path.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def server_data(answer: dict) -> tuple[dict, set[str]]:
    """The server's definition as TicketDefinitionData (core.definitions.definition_data) and the top-level
    keys it really carried (a missing fieldset must not look like a change)."""
    row = parse_definition(answer)
    defn = TicketDefinition(**{**_DEF_DEFAULTS, "currency": row.get("currency") or "EUR", **row})
    carried = {"name", "price", "description", "limitPerCheckout", "orderIndex", "policy", "salePeriod"}
    carried &= set(answer)
    if isinstance(answer.get("dashboard"), dict) or "limited" in answer:
        carried |= {"limited", "quantity", "hidden"}
    return definition_data(defn), carried


def merge_fields(paths: list[str], base: dict, mine: dict, theirs: dict,
                 carried: set[str]) -> tuple[list[str], dict[str, dict]]:
    """Three-way merge per mask path (sync.conflicts.three_way over TicketDefinitionData): (paths to PATCH,
    {path: {base, mine, theirs}} conflicts); a path whose top-level key the server did not carry is unchanged
    there."""
    flat_theirs = {p: path_value(theirs, p) for p in paths if p.split(".")[0] in carried}
    return three_way(paths, base, {p: path_value(mine, p) for p in paths}, flat_theirs)


def _update(ctx: PushContext, item: Item) -> Outcome:
    """definition.update: GET the server's definition, merge against `base`, PATCH the fields changed only
    here, store the rest as a conflict (the row counts as sent; the conflict waits for the organiser)."""
    p, def_id = item.payload, item.payload.get("definitionId") or item.entity_key
    current = ctx.api.get_definition(def_id)
    theirs, carried = server_data(current)
    paths = p.get("fields") or list((p.get("base") or {}).keys())
    patch, clashes = merge_fields(list(paths), p.get("base") or {}, p.get("definition") or {}, theirs, carried)
    if ctx.discovery.plain:  # entryRule is a hub extension (core.entry_rules): a plain server keeps no rule
        patch = [path for path in patch if path != "entryRule"]
    answer = current
    if patch:
        answer = ctx.api.update_definition(def_id, item.event_id, dict(p.get("definition") or {}), patch,
                                           idempotency_key=item.idempotency_key)
    note = conflicts.report_clashes(ctx.result, "ticket definition", def_id, clashes)
    if clashes:
        logger.warning("definition %s conflict on %s (outbox %s)", def_id, list(clashes), item.id)

    def apply(s: Session) -> None:
        if clashes:
            conflicts.store(s, item.event_id, def_id, clashes)
        definition_from_api(s, answer, item.event_id)
    return Outcome(done=[item.id], apply=apply, notes={item.id: note})


def rekey_definition(session: Session, old: str, new: str) -> None:
    """The server gave a created definition another id: move the local row, its tickets, queued changes and
    any conflict record to the server's id."""
    if session.get(TicketDefinition, new) is None:
        session.execute(update(TicketDefinition).where(TicketDefinition.id == old).values(id=new))
    else:
        session.execute(TicketDefinition.__table__.delete().where(TicketDefinition.id == old))
    session.execute(update(Ticket).where(Ticket.definition_id == old).values(definition_id=new))
    for entry in outbox.pending_of(session, old):
        entry.entity_key = new
        if entry.payload.get("definitionId") == old:
            entry.payload = {**entry.payload, "definitionId": new}
    state.rekey_conflict(session, old, new)
    session.expire_all()


def _change_currency(ctx: PushContext, item: Item) -> Outcome:
    """event.change_currency → ChangeCurrency (API.md §4.2)."""
    ctx.api.change_currency(item.event_id, item.payload.get("currency"), idempotency_key=item.idempotency_key)
    return Outcome(done=[item.id])


# Outbox kinds definition.create / .update / .delete and event.change_currency (API.md §4.2), one row at a time.
HANDLER = SingleRowHandler({outbox.DEFINITION_CREATE: _create, outbox.DEFINITION_UPDATE: _update,
                            outbox.DEFINITION_DELETE: _delete, outbox.EVENT_CHANGE_CURRENCY: _change_currency})
