"""Tabs that load only when seen: a hidden tab notes that it is stale and reloads when it is shown, so
opening the app (or a change elsewhere) does not run every tab's queries at once."""
from __future__ import annotations


class LazyRefresh:
    """Mixin for a QWidget tab with a `refresh()`; list it before QWidget in the bases.

    `refresh()` starts with `if not self.visible_or_stale(): return`."""

    _stale = False

    def visible_or_stale(self) -> bool:
        """True when the tab is visible (go on loading); otherwise mark it stale and return False."""
        if not self.isVisible():
            self._stale = True
            return False
        self._stale = False
        return True

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._stale:
            self.refresh()
