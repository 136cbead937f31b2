"""app.cli.common.station_of: the one rule for the station name a command writes under — --station, else the
name the hub knows a connected station by, else this computer's name. Found by a new-user trial: a connected box
office's README-style `sell` went under the host name and missed its open till."""
import json
from argparse import Namespace

from app import config
from app.cli.common import station_of
from app.cli.main import main
from core.models import Order
from sync import state as sync_state


def test_flag_then_connection_then_computer(ledger):
    with ledger.uow() as uow:
        assert station_of(Namespace(station=None), uow.session) == config.default_station()
        sync_state.set_station(uow.session, {"url": "http://127.0.0.1:9", "station": "Box 1", "role": "box-office"})
        uow.commit()
    with ledger.uow() as uow:
        assert station_of(Namespace(station=None), uow.session) == "Box 1"
        assert station_of(Namespace(station="Till 2"), uow.session) == "Till 2"
    assert station_of(Namespace(station=None)) == config.default_station()


def test_a_connected_box_office_sells_into_its_till_without_station_flags(ledger, tmp_path, capsys):
    db = str(tmp_path / "ledger.db")
    assert main(["events", "create", "--title", "Fair", "--time-zone", "UTC", "--currency", "EUR", "--db", db]) == 0
    assert main(["definitions", "create", "--name", "Adult", "--price", "10.00", "--db", db]) == 0
    with ledger.uow() as uow:
        sync_state.set_station(uow.session, {"url": "http://127.0.0.1:9", "station": "Box 1", "role": "box-office"})
        uow.commit()
    assert main(["till", "open", "--float", "50", "--db", db]) == 0
    capsys.readouterr()
    assert main(["sell", "--ticket", "Adult=2", "--first-name", "A", "--last-name", "B", "--payment", "cash",
                 "--tendered", "20", "--db", db, "--json"]) == 0
    number = json.loads(capsys.readouterr().out)["order"]["orderNumber"]
    with ledger.uow() as uow:
        assert uow.session.get(Order, number).station == "Box 1"
    assert main(["till", "status", "--db", db, "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["totals"][0]["cash"]["value"] == "20.00"
