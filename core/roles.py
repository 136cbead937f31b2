"""Station roles: what each role may do (issue 8 item 5; docs/HUB_EXTENSIONS.md "Authentication and roles").

The one table of the rule. The hub checks every call's `permission` against it (sync.hub.auth.require); the
station checks every user `action` against it before the use case runs (the CLI refuses, the GUI disables the
control with `refusal()`'s text), so both sides always agree. A station without a hub role (never connected, or
a plain contract server whose answers decide) may do everything: `role is None` allows every action.

Shapes: a role is one of ROLES (str); a permission a str such as "orders.write"; an action one of ACTIONS.
"""
from __future__ import annotations

from core.errors import DomainError

DOOR, BOX_OFFICE, ORGANISER = "door", "box-office", "organiser"
ROLES = (DOOR, BOX_OFFICE, ORGANISER)

# Permissions (hub calls). Door stations also read events and ticket definitions: the change feed carries them
# anyway, and a plain-contract pull (ListTicketDefinitions) must work for every station.
_DOOR = frozenset({"discovery", "events.read", "definitions.read", "tickets.read", "tickets.checkin",
                   "changes.read", "entrances.read"})
_BOX = _DOOR | {"orders.read", "orders.write", "orders.upload"}
_ORG = _BOX | {"definitions.write", "events.write", "entrances.write"}
PERMISSIONS: dict[str, frozenset[str]] = {DOOR: _DOOR, BOX_OFFICE: _BOX, ORGANISER: _ORG}

# Station actions (what a person does at a station) → the hub permission each one needs when it goes up.
CHECK_IN, SELL, TAKE_PAYMENT, EDIT_ORDER = "check-in", "sell", "take-payment", "edit-order"
EDIT_DEFINITIONS, EDIT_EVENTS = "edit-definitions", "edit-events"
ACTIONS: dict[str, str] = {
    CHECK_IN: "tickets.checkin",          # scan, admit, undo a check-in
    SELL: "orders.upload",                # box-office sale (order upload)
    TAKE_PAYMENT: "orders.write",         # complete an unpaid order (door "Take payment & admit", box office)
    EDIT_ORDER: "orders.write",           # update / cancel an order
    EDIT_DEFINITIONS: "definitions.write",
    EDIT_EVENTS: "events.write",
}
# What the refusal says, after "your role (door) can't …".
_DOING = {CHECK_IN: "check tickets in", SELL: "sell tickets", TAKE_PAYMENT: "take payments",
          EDIT_ORDER: "change orders", EDIT_DEFINITIONS: "edit ticket definitions", EDIT_EVENTS: "edit events"}


class RoleForbids(DomainError):
    """The station's role may not do this action (403, code ROLE_FORBIDS); nothing was changed."""

    status = 403
    default_code = "ROLE_FORBIDS"


def grants(role: str | None, permission: str) -> bool:
    """True when hub `role` holds `permission` (an unknown role holds none)."""
    return permission in PERMISSIONS.get(role or "", frozenset())


def may(role: str | None, action: str) -> bool:
    """True when a station of `role` may do `action` (None = no hub role: every action). KeyError for an
    unknown action (a programming error)."""
    permission = ACTIONS[action]
    return role is None or grants(role, permission)


def refusal(role: str | None, action: str) -> str | None:
    """Why a station of `role` may not do `action` ("your role (door) can't take payments"), None when it may.
    The GUI puts this text on the disabled control; the CLI prints it."""
    if may(role, action):
        return None
    return f"your role ({role}) can't {_DOING[action]}: use a station whose hub key allows it"


def require(role: str | None, action: str) -> None:
    """Raise RoleForbids unless a station of `role` may do `action`."""
    why = refusal(role, action)
    if why is not None:
        raise RoleForbids(why)


def permissions(role: str | None) -> frozenset[str]:
    """The permissions of `role` (empty for None or an unknown role)."""
    return PERMISSIONS.get(role or "", frozenset())


def missing(role: str | None, granted) -> list[str]:
    """The permissions `role` needs that `granted` (an iterable of permissions the server says the key holds)
    lacks, sorted: what a connect self-test reports."""
    return sorted(permissions(role) - set(granted or ()))
