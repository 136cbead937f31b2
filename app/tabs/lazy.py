"""Tabs that load only when seen: a hidden tab notes that it is stale and reloads when it is shown, so
opening the app (or a change elsewhere) does not run every tab's queries at once; and the main window's tabs
after the Door, built only when first shown or used (start-up, issue 11)."""
from __future__ import annotations

import importlib

from PySide6.QtWidgets import QWidget

# The tabs after the Door, in order: attribute name, module, class, title. Each is built (its module imported)
# when first shown or first used (MainWindow.tab), so the window shows without their imports and widgets.
LAZY_TABS = (("box_office", "app.tabs.box_office_tab", "BoxOfficeTab", "Box office"),
             ("definitions", "app.tabs.definitions_tab", "DefinitionsTab", "Ticket definitions"),
             ("orders", "app.tabs.orders_tab", "OrdersTab", "Orders && tickets"),
             ("events", "app.tabs.events_tab", "EventsTab", "Events"),
             ("reports", "app.tabs.reports_tab", "ReportsTab", "Reports"))


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


class LazyTabs:
    """Mixin for the main window (list it before QMainWindow): the LAZY_TABS are placeholders until first
    shown or first used. The host has `tabs` (QTabWidget, the Door at index 0), `ctx`, `_built` ({name: tab})
    and `_wire_tab(name, tab)` (connects a tab just built and tells it the current event)."""

    box_office = property(lambda self: self.tab("box_office"), doc="The Box office tab (built on first use).")
    definitions = property(lambda self: self.tab("definitions"), doc="The Ticket definitions tab (built on use).")
    orders = property(lambda self: self.tab("orders"), doc="The Orders & tickets tab (built on first use).")
    events = property(lambda self: self.tab("events"), doc="The Events tab (built on first use).")
    reports = property(lambda self: self.tab("reports"), doc="The Reports tab (built on first use).")

    def tab(self, name: str) -> QWidget:
        """The tab `name` ("door" or a LAZY_TABS name), built now if it was not yet: its module imported, the
        widget put in place of its placeholder (the current tab stays current), told the current event."""
        built = self._built.get(name)
        if built is not None:
            return built
        found = [(i + 1, spec) for i, spec in enumerate(LAZY_TABS) if spec[0] == name]
        if not found:  # "door" before attach, or a name that is no tab
            raise KeyError(f"no tab {name!r} (yet)")
        index, (_name, module, cls, title) = found[0]
        tab = getattr(importlib.import_module(module), cls)(self.ctx)
        self._built[name] = tab
        current, blocked = self.tabs.currentIndex(), self.tabs.blockSignals(True)
        placeholder = self.tabs.widget(index)
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, tab, title)
        self.tabs.setCurrentIndex(current)
        self.tabs.blockSignals(blocked)
        placeholder.deleteLater()
        self._wire_tab(name, tab)
        return tab

    def _on_tab_changed(self, index: int) -> None:
        if 1 <= index <= len(LAZY_TABS):
            self.tab(LAZY_TABS[index - 1][0])

    def built_tabs(self) -> dict[str, QWidget]:
        """{name: tab} of the tabs built so far (the Door once attached)."""
        return dict(self._built)

    def add_tab_placeholders(self) -> None:
        """Add a placeholder per LAZY_TABS after the Door; showing one builds its tab."""
        for _name, _module, _cls, title in LAZY_TABS:
            self.tabs.addTab(QWidget(), title)
        self.tabs.currentChanged.connect(self._on_tab_changed)
