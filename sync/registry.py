"""The registry of sync adapters: the OutboxHandler of every outbox kind (core.outbox.KINDS) and the
PullApplier of every change type the hub's feed sends. sync.push and sync.pull look handlers up here and
only dispatch; adding a kind = one handler module listed below."""
from __future__ import annotations

from sync import push_checkins, push_definitions, push_entrances, push_events, push_orders
from sync.appliers import APPLIERS
from sync.handler import OutboxHandler, PullApplier

_HANDLER_MODULES = (push_events, push_definitions, push_orders, push_checkins, push_entrances)

HANDLERS: dict[str, OutboxHandler] = {kind: m.HANDLER for m in _HANDLER_MODULES for kind in m.HANDLER.kinds}
PULL_APPLIERS: dict[str, PullApplier] = {t: a for a in APPLIERS for t in a.types}


def handler_for(kind: str) -> OutboxHandler | None:
    """The handler of outbox `kind`, or None for a kind this version does not know (push rejects the row)."""
    return HANDLERS.get(kind)


def applier_for(change_type: str) -> PullApplier | None:
    """The applier of a change-feed `type`, or None (pull warns and skips it)."""
    return PULL_APPLIERS.get(change_type)
