"""A plain contract server's event (issue 8 item 9; sync.plain_events) against the real hub in --plain mode:
read from the server's events call where it answers, otherwise asked of the organiser once at connect (CLI
flags or a refusal saying which), never an id as title or a UTC zone invented; a later pull takes the server's
values once it answers. Also the GUI wizard's fields."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWizard

from app.cli.main import main
from app.dialogs.setup_wizard import SetupWizard
from core.db import Ledger
from core.events import update_event
from core.models import Event
from sync import plain_events
from sync.plain_events import EventDetailsNeeded, parse_server_event
from sync.station import StationConfig, connect, make_api
from tests.sync.engine_helpers import Faults

NO_EVENTS = ("/nope/v1/{id}",)  # a server without any events call (every path 404s)


@pytest.fixture
def plain(hub_factory, tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TESSERA_KEYRING", "file")
    return hub_factory(plain=True)


def _event(ledger, event_id) -> tuple[str, str, str]:
    with ledger.uow() as uow:
        ev = uow.session.get(Event, event_id)
        return ev.title, ev.time_zone, ev.currency


def test_parse_wix_v1_and_v3_shapes():
    v1 = {"title": "Gala", "scheduling": {"config": {"timeZoneId": "Europe/Zurich",
                                                     "startDate": "2026-05-01T18:00:00Z"}},
          "registration": {"ticketing": {"currency": "chf"}}}
    assert parse_server_event("E", v1) == {"id": "E", "title": "Gala", "timeZone": "Europe/Zurich", "currency": "CHF",
                                           "start": "2026-05-01T18:00:00Z"}
    v3 = {"title": "Gala", "dateAndTimeSettings": {"timeZoneId": "Mars/Olympus", "endDate": "tomorrow"},
          "currency": "XX"}
    assert parse_server_event("E", v3) == {"id": "E", "title": "Gala"}  # invalid zone / currency / time left out


def test_connect_reads_the_event_from_the_servers_events_call(plain, tmp_path):
    ev = plain.seed_event(title="Spring Gala", currency="CHF", time_zone="Europe/Zurich")
    ledger = Ledger.open(tmp_path / "st.db")
    with ledger.uow() as uow:
        connect(uow.session, plain.url, plain.add_station("Door", "door"), event_ids=[ev])
        uow.commit()
    assert _event(ledger, ev) == ("Spring Gala", "Europe/Zurich", "CHF")
    ledger.close()


def test_a_server_without_an_events_call_asks_once_and_a_later_answer_updates(plain, tmp_path, monkeypatch):
    ev = plain.seed_event(title="Spring Gala", currency="CHF", time_zone="Europe/Zurich")
    key = plain.add_station("Box", "box-office")
    faults = Faults()
    faults.add("GET", f"/events/v1/events/{ev}", 404, times=10 ** 6)
    faults.add("GET", f"/events/v3/events/{ev}", 404, times=10 ** 6)
    ledger = Ledger.open(tmp_path / "st.db")
    with ledger.uow() as uow:
        with pytest.raises(EventDetailsNeeded) as caught:
            connect(uow.session, plain.url, key, event_ids=[ev], transport=faults.transport())
        assert caught.value.missing == {ev: ["title", "timeZone", "currency"]}
        assert "--time-zone" in caught.value.message
        assert uow.session.get(Event, ev) is None                         # nothing invented
        connect(uow.session, plain.url, key, event_ids=[ev], transport=faults.transport(),
                event_info={"title": "Gala (ours)", "timeZone": "Europe/Berlin", "currency": "chf"})
        uow.commit()
    assert _event(ledger, ev) == ("Gala (ours)", "Europe/Berlin", "CHF")

    api = make_api(StationConfig(url=plain.url), key)  # the server answers its events call again
    with plain.uow() as s:
        update_event(s, ev, title="Spring Gala 2026")
    assert plain_events.refresh_events(ledger, api, [ev]) == [ev]
    assert _event(ledger, ev) == ("Spring Gala 2026", "Europe/Zurich", "CHF")
    api.http.close()
    ledger.close()


def test_cli_connect_refuses_without_the_details_and_takes_the_flags(plain, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(plain_events, "PATHS", NO_EVENTS)
    ev = plain.seed_event(title="Spring Gala", currency="CHF", time_zone="Europe/Zurich")
    key = plain.add_station("Door", "door")
    db = str(tmp_path / "cli.db")
    assert main(["station", "connect", plain.url, "--key", key, "--event", ev, "--db", db]) != 0
    err = capsys.readouterr().err
    assert "does not say the event's" in err and "--title" in err
    assert main(["station", "connect", plain.url, "--key", key, "--event", ev, "--db", db, "--title", "Gala",
                 "--time-zone", "Europe/Vienna", "--currency", "EUR"]) == 0
    ledger = Ledger.open(db)
    assert _event(ledger, ev) == ("Gala", "Europe/Vienna", "EUR")
    ledger.close()


def test_gui_wizard_asks_for_the_event_details_of_a_plain_server(qtbot, plain, tmp_path, monkeypatch):
    monkeypatch.setattr(plain_events, "PATHS", NO_EVENTS)
    ev = plain.seed_event()
    ledger = Ledger.open(tmp_path / "gui.db")
    wizard = SetupWizard(ledger, key_dir=tmp_path / "keys")
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.choice.hub.setChecked(True)
    wizard.next()
    wizard.hub.url.setText(plain.url)
    wizard.hub.key.setText(plain.add_station("Door", "door"))
    wizard.hub.event_id.setText(ev)
    wizard.next()
    assert wizard.currentId() == SetupWizard.PAGE_HUB and wizard.hub.details.isVisibleTo(wizard)
    assert "does not say the event's" in wizard.hub.error.text()
    wizard.hub.event_title.setText("Gala")
    wizard.hub.event_zone.setText("Europe/Zurich")
    wizard.hub.event_currency.setText("EUR")
    wizard.next()
    assert wizard.currentId() == SetupWizard.PAGE_CAMERA, wizard.hub.error.text()
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert _event(ledger, ev) == ("Gala", "Europe/Zurich", "EUR")
    ledger.close()


def test_cli_connect_asks_once_at_a_terminal(plain, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(plain_events, "PATHS", NO_EVENTS)
    ev = plain.seed_event()
    answers = iter(["Gala", "Europe/Zurich", "CHF"])
    asked = []
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or next(answers))
    db = str(tmp_path / "tty.db")
    assert main(["station", "connect", plain.url, "--key", plain.add_station("Box", "box-office"), "--event", ev,
                 "--db", db]) == 0
    assert [p.split(" ")[0] for p in asked] == ["Event", "Time", "Currency"]   # each asked once
    ledger = Ledger.open(db)
    assert _event(ledger, ev) == ("Gala", "Europe/Zurich", "CHF")
    ledger.close()
