"""Field-level order updates end to end (issue 8 item 3; real hub on loopback, two box-office stations): an
offline e-mail edit and a central first-name fix both survive; the same field changed on both sides is a
conflict with both values, resolvable by keep mine / take theirs (sync.conflicts, CLI `station resolve`)."""
from __future__ import annotations

from app.cli.main import main
from core.models import Order
from core.orders import update_order
from sync import conflicts


def _setup(hub, stations):
    ev = hub.seed_event()
    d = hub.seed_definition(ev, quantity=10)
    number = hub.seed_sale(ev, {d: 1}, first="Ana", last="Moreira", email="ana@gmial.com")["orderNumber"]
    a = stations("A", "box-office", [ev], on=hub)
    b = stations("B", "box-office", [ev], on=hub)
    assert a.sync().ok and b.sync().ok
    return ev, number, a, b


def _edit(station, ev, number, **inputs):
    with station.ledger.uow() as uow:
        update_order(uow.session, ev, number, fields=["checkoutForm"],
                     checkout_form={"inputValues": [{"inputName": k, "value": v} for k, v in inputs.items()]})
        uow.commit()


def _buyer(ledger, number) -> tuple[str, str, str]:
    with ledger.uow() as uow:
        order = uow.session.get(Order, number)
        return order.first_name, order.last_name, order.email


def test_an_offline_email_edit_and_a_central_first_name_fix_both_survive(hub, stations):
    ev, number, a, b = _setup(hub, stations)
    a.faults.offline = True
    _edit(a, ev, number, firstName="Ana", lastName="Moreira", email="ana@gmail.com")  # the whole form, as the GUI
    _edit(b, ev, number, firstName="Anna")
    assert b.sync().ok
    a.faults.offline = False
    report = a.sync()
    assert report.ok and report.conflicts == [] and report.pushed == 1
    assert b.sync().ok
    for ledger in (hub.ledger, a.ledger, b.ledger):
        assert _buyer(ledger, number) == ("Anna", "Moreira", "ana@gmail.com")


def test_the_same_field_on_both_sides_is_a_conflict_kept_mine(hub, stations, tmp_path):
    ev, number, a, b = _setup(hub, stations)
    a.faults.offline = True
    _edit(a, ev, number, email="mine@example.org")
    _edit(b, ev, number, email="theirs@example.org")
    assert b.sync().ok
    a.faults.offline = False
    report = a.sync()
    assert report.ok and report.conflicts == [number]
    assert any("choose which to keep" in w for w in report.warnings)
    assert _buyer(hub.ledger, number)[2] == "theirs@example.org"        # never silently overwritten
    with a.ledger.uow() as uow:
        [c] = conflicts.list_conflicts(uow.session)
    assert (c.kind, c.key) == ("order", number)
    assert c.fields == {"checkoutForm.email": {"base": "ana@gmial.com", "mine": "mine@example.org",
                                               "theirs": "theirs@example.org"}}
    assert main(["station", "resolve", number, "--keep", "mine", "--db", a.ledger.engine.url.database]) == 0
    again = a.sync()
    assert again.ok and again.conflicts == [] and again.pushed == 1
    assert _buyer(hub.ledger, number)[2] == _buyer(a.ledger, number)[2] == "mine@example.org"


def test_take_theirs_adopts_the_central_value_without_a_push(hub, stations):
    ev, number, a, b = _setup(hub, stations)
    a.faults.offline = True
    _edit(a, ev, number, lastName="Mine")
    _edit(b, ev, number, lastName="Theirs")
    assert b.sync().ok
    a.faults.offline = False
    assert a.sync().conflicts == [number]
    with a.ledger.uow() as uow:
        conflicts.resolve(uow.session, number, conflicts.TAKE_THEIRS)
        uow.commit()
    report = a.sync()
    assert report.ok and report.pushed == 0 and report.pending == 0
    assert _buyer(a.ledger, number)[1] == _buyer(hub.ledger, number)[1] == "Theirs"
