"""The definition dialog's entry rule (issue 9 item 9): loaded from TicketDefinitionData, returned as the
hub field `entryRule` (None for ONCE) and in the field mask only when it changed."""
from __future__ import annotations

from app.dialogs.definition_dialog import DefinitionDialog

INITIAL = {"name": "Pass", "price": {"value": "10.00", "currency": "NZD"}, "quantity": None, "limitPerCheckout": 20,
           "description": "", "policy": "", "hidden": False, "limited": False,
           "salePeriod": {"startDate": None, "endDate": None, "hideNotOnSale": False}, "entryRule": {"kind": "DAILY"}}


def test_rule_loads_changes_and_enters_the_mask(qtbot):
    dialog = DefinitionDialog(INITIAL, "NZD", "Pacific/Auckland")
    qtbot.addWidget(dialog)
    assert dialog.rule.currentData() == "DAILY" and not dialog.max_entries.isEnabled()
    assert "entryRule" not in dialog.changed_fields()
    dialog.rule.setCurrentIndex(dialog.rule.findData("MULTI"))
    assert dialog.max_entries.isEnabled()
    dialog.max_entries.setValue(3)
    assert dialog.data()["entryRule"] == {"kind": "MULTI", "maxEntries": 3}
    assert dialog.changed_fields() == ["entryRule"]
    dialog.rule.setCurrentIndex(dialog.rule.findData("ONCE"))
    assert dialog.data()["entryRule"] is None


def test_new_definition_defaults_to_once(qtbot):
    dialog = DefinitionDialog(None, "NZD", "Pacific/Auckland")
    qtbot.addWidget(dialog)
    assert dialog.rule.currentData() == "ONCE" and dialog.data()["entryRule"] is None
