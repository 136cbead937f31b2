"""Fixtures of the GUI tests: a small event made with the core services, a station context, and a teardown
that waits for every background task (STYLE.md §8: teardown waits for the thread pool)."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from core.definitions import create_definition
from core.events import create_event
from core.money import Money
from core.sales import sell

TZ = "Europe/Berlin"


@dataclass
class EventData:
    """What `event_data` made: ids, the ticket numbers of a PAID order of 2 and an OFFLINE_PENDING one."""

    event_id: str
    standing_id: str
    balcony_id: str
    paid_order: str
    paid_tickets: list[str]
    unpaid_order: str
    unpaid_tickets: list[str]


def make_event(ledger, *, sell_orders: bool = True) -> EventData:
    """Event "Door Test" (Europe/Berlin, EUR) with Standing 25.00 ×100 and Balcony 39.50 ×10 (4 per order);
    a cash sale of 2 Standing to Ana Moreira (PAID) and 1 Balcony to Mira Castell left unpaid."""
    with ledger.uow() as uow:
        s = uow.session
        ev = create_event(s, title="Door Test", time_zone=TZ, currency="EUR")
        standing = create_definition(s, ev.id, {"name": "Standing", "price": {"value": "25.00", "currency": "EUR"},
                                                "limited": True, "quantity": 100})
        balcony = create_definition(s, ev.id, {"name": "Balcony", "price": {"value": "39.50", "currency": "EUR"},
                                               "limited": True, "quantity": 10, "limitPerCheckout": 4})
        data = EventData(ev.id, standing.id, balcony.id, "", [], "", [])
        if sell_orders:
            paid = sell(s, ev.id, {standing.id: 2}, {"firstName": "Ana", "lastName": "Moreira",
                                                     "email": "ana.moreira@gmial.com"},
                        payment="cash", tendered=Money.of("50.00", "EUR"), station="Till 1")
            unpaid = sell(s, ev.id, {balcony.id: 1}, {"firstName": "Mira", "lastName": "Castell"},
                          payment="unpaid", station="Till 1")
            data.paid_order = paid.order.order_number
            data.paid_tickets = [t.ticket_number for t in paid.order.tickets]
            data.unpaid_order = unpaid.order.order_number
            data.unpaid_tickets = [t.ticket_number for t in unpaid.order.tickets]
        uow.commit()
    return data


@pytest.fixture(scope="session", autouse=True)
def gc_on_gui_thread(qapp):
    """Collect cycles on the GUI thread only, as the app does (app.gc_guard): a collection triggered in a
    worker thread could destroy Qt objects there and crash the run."""
    from app.gc_guard import GarbageCollector

    if not hasattr(qapp, "tessera_gc"):
        qapp.tessera_gc = GarbageCollector(qapp)
    yield qapp.tessera_gc


@pytest.fixture
def event_data(ledger) -> EventData:
    return make_event(ledger)


@pytest.fixture
def ctx(ledger, tmp_path, event_data):
    """A StationContext on the test ledger and event; sounds are recorded, not played."""
    from app import queries
    from app.context import StationContext
    from app.sound import SoundPlayer

    with ledger.uow() as uow:
        info = queries.load_event(uow.session, event_data.event_id)
    yield StationContext(ledger=ledger, ledger_path=str(tmp_path / "ledger.db"), station="Door A",
                         operator="tester", event=info, sound=SoundPlayer(player=[], use_beep=False),
                         scan_debounce_s=0.5)
    from app import tasks

    assert tasks.wait_for_done(10000), "background tasks still running before the ledger closes"


@pytest.fixture(autouse=True)
def _wait_for_background(request):
    """Teardown: every background task finished and delivered before the ledger closes."""
    yield
    if "qapp" in request.fixturenames or "qtbot" in request.fixturenames:
        from app import tasks

        assert tasks.wait_for_done(10000), "background tasks still running at teardown"


@pytest.fixture
def no_dialogs(monkeypatch):
    """Modal message boxes answer at once and are recorded: [(kind, title, text)]."""
    from PySide6.QtWidgets import QMessageBox

    shown = []

    def box(kind, answer):
        def show(parent, title, text, *args, **kwargs):
            shown.append((kind, title, text))
            return answer
        return show

    monkeypatch.setattr(QMessageBox, "warning", box("warning", QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "critical", box("critical", QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "information", box("information", QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "question", box("question", QMessageBox.StandardButton.Yes))
    return shown


@pytest.fixture
def hub_backend() -> str:
    """GUI tests talk to the SQLite hub only (issue 7, item 9): the PostgreSQL hub is covered by tests/sync.
    Overrides the parametrized fixture of tests.sync.hub_fixtures for everything under tests/app."""
    return "sqlite"
