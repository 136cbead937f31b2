"""The Ticket definitions tab: create, edit by field mask, delete with the sold count, currency change
refused once locked (pytest-qt, dialogs patched)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog

from app.dialogs.definition_dialog import DefinitionDialog
from app.tabs.definitions_tab import DefinitionsTab
from core.models import Event, OutboxEntry, TicketDefinition
from tests.app.conftest import make_event


@pytest.fixture
def tab(qtbot, ctx):
    t = DefinitionsTab(ctx)
    qtbot.addWidget(t)
    t.show()
    with qtbot.waitSignal(t.loaded, timeout=5000):
        t.set_event(ctx.event)
    return t


def _answer(monkeypatch, data_or_fn):
    calls = []

    def ask(initial, currency, time_zone, parent=None, *, entered=None, error=""):
        calls.append({"initial": initial, "entered": entered, "error": error})
        return data_or_fn(initial) if callable(data_or_fn) else data_or_fn

    monkeypatch.setattr(DefinitionDialog, "ask", staticmethod(ask))
    return calls


def test_table_shows_counts(tab, event_data):
    rows = {r.name: r for r in tab.model.rows()}
    assert (rows["Standing"].sold, rows["Standing"].available) == (2, 98)
    assert (rows["Balcony"].sold, rows["Balcony"].limit_per_checkout) == (1, 4)
    assert tab.currency_label.text() == "Currency: EUR (locked: orders exist)"


def test_create_definition(qtbot, tab, ctx, monkeypatch):
    data = {"name": "Early Bird", "price": {"value": "12.50", "currency": "EUR"}, "limited": True,
            "quantity": 50, "limitPerCheckout": 2, "description": "Before 19:00", "policy": "No refunds",
            "hidden": False, "salePeriod": {"startDate": None, "endDate": None, "hideNotOnSale": False}}
    _answer(monkeypatch, (data, list(data)))
    with qtbot.waitSignal(tab.loaded, timeout=5000):
        tab.new_button.click()
    row = next(r for r in tab.model.rows() if r.name == "Early Bird")
    assert (row.price.minor, row.quantity, row.limit_per_checkout, row.sold) == (1250, 50, 2, 0)
    with ctx.ledger.uow() as uow:
        assert uow.session.get(TicketDefinition, row.id).policy == "No refunds"


def test_edit_definition_sends_only_changed_fields(qtbot, tab, ctx, event_data, monkeypatch):
    assert tab.select(event_data.balcony_id)

    def edit(initial):
        dialog = DefinitionDialog(initial, "EUR", "Europe/Berlin")
        dialog.price.setText("42")
        dialog.unlimited.setChecked(True)
        dialog.start_on.setChecked(True)
        return dialog.data(), dialog.changed_fields()

    calls = _answer(monkeypatch, edit)
    with qtbot.waitSignal(tab.loaded, timeout=5000):
        tab.edit_button.click()
    assert calls[0]["initial"]["name"] == "Balcony"
    row = next(r for r in tab.model.rows() if r.id == event_data.balcony_id)
    assert (row.price.minor, row.quantity, row.available) == (4200, None, None)
    with ctx.ledger.uow() as uow:
        update = uow.session.query(OutboxEntry).filter_by(kind="definition.update").one()
        assert update.payload["fields"] == ["price", "limited", "quantity", "salePeriod"]
        assert update.payload["base"]["price"]["value"] == "39.50"


def test_refused_edit_reopens_the_form_with_the_reason(qtbot, tab, event_data, monkeypatch):
    tab.select(event_data.standing_id)
    answers = iter([({"name": "Standing", "price": {"value": "25.00", "currency": "EUR"}, "quantity": 1,
                      "limited": True, "limitPerCheckout": 20, "salePeriod": {
                          "startDate": "2030-01-02T00:00:00.000Z", "endDate": "2030-01-01T00:00:00.000Z"}},
                     ["salePeriod"]), None])
    calls = _answer(monkeypatch, lambda initial: next(answers))
    tab.edit_button.click()
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=5000)
    assert "before" in calls[1]["error"] and calls[1]["entered"]["salePeriod"]["startDate"].startswith("2030-01-02")


def test_delete_confirmation_says_how_many_were_sold(qtbot, tab, ctx, event_data, no_dialogs):
    tab.select(event_data.standing_id)
    with qtbot.waitSignal(tab.loaded, timeout=5000):
        tab.delete_button.click()
    kind, _title, text = no_dialogs[0]
    assert kind == "question" and "2 ticket(s) of this type were sold" in text
    assert event_data.standing_id not in {r.id for r in tab.model.rows()}
    with ctx.ledger.uow() as uow:
        assert uow.session.get(TicketDefinition, event_data.standing_id) is None


def test_currency_change_refused_once_locked_and_explained(qtbot, tab, ctx, no_dialogs, monkeypatch):
    """Locked: the button is disabled with core's reason as its tooltip; asked anyway, core refuses."""
    assert not tab.currency_button.isEnabled()
    assert "orders exist" in tab.currency_button.toolTip() and "EUR" in tab.currency_button.toolTip()
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("USD", True))
    tab.on_currency_clicked()
    qtbot.waitUntil(lambda: bool(no_dialogs), timeout=5000)
    kind, title, text = no_dialogs[0]
    assert kind == "warning" and title == "Currency not changed"
    assert "orders exist" in text and "EUR" in text and "not convert" in text
    with ctx.ledger.uow() as uow:
        assert uow.session.get(Event, ctx.event_id).currency == "EUR"


def test_currency_change_allowed_before_the_first_order(qtbot, ledger, ctx, monkeypatch):
    from app import queries

    data = make_event(ledger, sell_orders=False)
    with ledger.uow() as uow:
        ctx.event = queries.load_event(uow.session, data.event_id)
    tab = DefinitionsTab(ctx)
    qtbot.addWidget(tab)
    tab.show()
    with qtbot.waitSignal(tab.loaded, timeout=5000):
        tab.set_event(ctx.event)
    assert "locked" not in tab.currency_label.text()
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("chf", True))
    with qtbot.waitSignal(tab.event_changed, timeout=5000) as blocker:
        tab.currency_button.click()
    assert blocker.args[0].currency == "CHF" and tab.currency_label.text() == "Currency: CHF"
    qtbot.waitUntil(lambda: all(r.price.currency == "CHF" for r in tab.model.rows()), timeout=5000)


def test_dialog_validation_and_mask(qtbot):
    initial = {"name": "Standing", "price": {"value": "25.00", "currency": "EUR"}, "quantity": 100,
               "limited": True, "limitPerCheckout": 20, "description": "", "policy": "", "hidden": False,
               "salePeriod": {"startDate": "2030-05-01T17:00:00.000Z", "endDate": None, "hideNotOnSale": False}}
    dialog = DefinitionDialog(initial, "EUR", "Europe/Berlin")
    qtbot.addWidget(dialog)
    assert dialog.start.dateTime().toString("yyyy-MM-dd HH:mm") == "2030-05-01 19:00", "shown in event time"
    assert dialog.changed_fields() == []
    dialog.price.setText("25.001")
    assert "not a valid EUR amount" in dialog.problem()
    dialog.price.setText("25")
    dialog.name.setText("")
    assert dialog.problem() == "The name is required."
    dialog.name.setText("Standing")
    assert dialog.changed_fields() == [] and dialog.data()["salePeriod"]["startDate"] == "2030-05-01T17:00:00.000Z"


def test_quantity_below_sold_is_refused_and_the_form_reopens_with_the_reason(qtbot, tab, ctx, event_data,
                                                                            monkeypatch):
    """Issue 10: Standing has 2 sold; quantity 1 is refused by core (QUANTITY_BELOW_SOLD), nothing changes;
    quantity 2 is accepted."""
    tab.select(event_data.standing_id)

    def edit(initial, quantity):
        dialog = DefinitionDialog(initial, "EUR", "Europe/Berlin")
        dialog.quantity.setValue(quantity)
        return dialog.data(), dialog.changed_fields()

    answers = iter([lambda i: edit(i, 1), lambda i: None])
    calls = _answer(monkeypatch, lambda initial: next(answers)(initial))
    tab.edit_button.click()
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=5000)
    assert "below the 2 ticket(s)" in calls[1]["error"] and calls[1]["entered"]["quantity"] == 1
    with ctx.ledger.uow() as uow:
        assert uow.session.get(TicketDefinition, event_data.standing_id).quantity == 100
    _answer(monkeypatch, lambda initial: edit(initial, 2))
    with qtbot.waitSignal(tab.loaded, timeout=5000):
        tab.edit_button.click()
    row = next(r for r in tab.model.rows() if r.id == event_data.standing_id)
    assert (row.quantity, row.available) == (2, 0)


def test_definition_in_another_currency_is_flagged(qtbot, ledger, ctx, event_data):
    from app.models.definitions_model import COL_NAME, COL_PRICE

    with ledger.uow() as uow:
        uow.session.get(TicketDefinition, event_data.balcony_id).currency = "USD"
        uow.commit()
    t = DefinitionsTab(ctx)
    qtbot.addWidget(t)
    t.show()
    with qtbot.waitSignal(t.loaded, timeout=5000):
        t.set_event(ctx.event)
    rows = t.model.rows()
    r = next(i for i, row in enumerate(rows) if row.id == event_data.balcony_id)
    other = 1 - r
    assert t.model.index(r, COL_NAME).data() == "⚠ Balcony"
    assert t.model.index(r, COL_PRICE).data() == "39.50 USD"
    assert "EUR" in t.model.index(r, COL_PRICE).data(Qt.ItemDataRole.ToolTipRole)
    assert t.model.index(other, COL_PRICE).data() == "25.00 EUR"
