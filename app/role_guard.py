"""The GUI's one guard for the station's role (issue 8 item 5): a control whose action the role may not do is
disabled and says why on its tooltip ("your role (door) can't take payments…"). The rule is core.roles'; the
role is the hub's, cached in the ledger (sync.state.station_role; None for a ledger never connected: every
action allowed). Tabs read the role in their background load and call `gate` when they set their buttons."""
from __future__ import annotations

from core import roles
from sync import state


def station_role(session) -> str | None:
    """This station's role for the guard (read in a worker, with the tab's other data)."""
    return state.station_role(session)


def gate(widget, role: str | None, action: str, enabled: bool = True, tip: str = "") -> str | None:
    """Enable `widget` when `enabled` (the tab's own condition) and the role may do `action`; its tooltip is the
    refusal (or `tip`). Returns the refusal text, None when the role may."""
    why = roles.refusal(role, action)
    widget.setEnabled(bool(enabled) and why is None)
    widget.setToolTip(why or tip)
    return why
