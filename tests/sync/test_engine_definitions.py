"""Organiser sync of ticket definitions against the real hub and the plain contract server: an offline edit
merged field by field against the central one (different fields → merge; the same field → a stored conflict,
never a silent overwrite), offline create and delete, and the server winning for untouched definitions."""
from __future__ import annotations

from core.definitions import create_definition, delete_definitions, update_definition
from core.models import TicketDefinition
from sync import conflicts


def _setup(server, stations):
    ev = server.seed_event()
    d = server.seed_definition(ev, name="VIP", price="50.00", quantity=40)
    org = stations("Org", "organiser", [ev], on=server)
    assert org.sync().ok
    return ev, d, org


def _edit_central(server, d, data, fields):
    with server.uow() as s:
        update_definition(s, d, data, fields)


def _edit_local(org, d, data, fields):
    with org.ledger.uow() as uow:
        update_definition(uow.session, d, data, fields)
        uow.commit()


def _get(ledger, d):
    with ledger.uow() as uow:
        defn = uow.session.get(TicketDefinition, d)
        uow.session.expunge_all()
        return defn


def test_offline_edit_and_central_edit_of_different_fields_merge(server, stations):
    ev, d, org = _setup(server, stations)
    org.faults.offline = True
    _edit_local(org, d, {"name": "VIP Gold"}, ["name"])
    _edit_central(server, d, {"price": {"value": "55.00", "currency": "EUR"}}, ["price"])
    org.faults.offline = False
    report = org.sync()
    assert report.ok and report.pushed == 1 and report.conflicts == []
    for ledger in (server.ledger, org.ledger):
        defn = _get(ledger, d)
        assert (defn.name, defn.price_minor, defn.quantity) == ("VIP Gold", 5500, 40)


def test_same_field_changed_on_both_sides_is_a_conflict_for_the_organiser(server, stations):
    ev, d, org = _setup(server, stations)
    org.faults.offline = True
    _edit_local(org, d, {"name": "VIP Gold", "quantity": 45}, ["name", "quantity"])
    _edit_central(server, d, {"name": "VIP Plus"}, ["name"])
    org.faults.offline = False
    report = org.sync()
    assert report.ok and report.conflicts == [d] and any("choose which to keep" in w for w in report.warnings)
    central = _get(server.ledger, d)
    assert (central.name, central.quantity) == ("VIP Plus", 45)   # not overwritten; the other field merged
    with org.ledger.uow() as uow:
        [c] = conflicts.list_conflicts(uow.session)
        assert c.fields == {"name": {"base": "VIP", "mine": "VIP Gold", "theirs": "VIP Plus"}}
    assert _get(org.ledger, d).name == "VIP Plus"                 # server shown until the organiser decides
    with org.ledger.uow() as uow:
        conflicts.resolve(uow.session, d, conflicts.KEEP_MINE)
        uow.commit()
    again = org.sync()
    assert again.ok and again.conflicts == [] and again.pushed == 1
    assert _get(server.ledger, d).name == "VIP Gold"


def test_take_theirs_drops_the_conflict_without_a_push(server, stations):
    ev, d, org = _setup(server, stations)
    org.faults.offline = True
    _edit_local(org, d, {"name": "Mine"}, ["name"])
    _edit_central(server, d, {"name": "Theirs"}, ["name"])
    org.faults.offline = False
    assert org.sync().conflicts == [d]
    with org.ledger.uow() as uow:
        conflicts.resolve(uow.session, d, conflicts.TAKE_THEIRS)
        uow.commit()
    report = org.sync()
    assert report.ok and report.pushed == 0 and report.pending == 0
    assert _get(org.ledger, d).name == _get(server.ledger, d).name == "Theirs"


def test_offline_create_and_delete_reach_the_server(server, stations):
    ev, d, org = _setup(server, stations)
    org.faults.offline = True
    with org.ledger.uow() as uow:
        new = create_definition(uow.session, ev, {"name": "Student", "price": {"value": "8.00", "currency": "EUR"}}).id
        delete_definitions(uow.session, ev, [d])
        uow.commit()
    org.faults.offline = False
    report = org.sync()
    assert report.ok and report.pushed == 2
    assert _get(server.ledger, new).price_minor == 800
    assert _get(server.ledger, d) is None
    assert _get(org.ledger, d) is None and _get(org.ledger, new).name == "Student"


def test_server_wins_for_definitions_without_local_changes(server, stations):
    ev, d, org = _setup(server, stations)
    _edit_central(server, d, {"description": "now with champagne", "hidden": True}, ["description", "hidden"])
    assert org.sync().ok
    local = _get(org.ledger, d)
    assert (local.description, local.hidden) == ("now with champagne", True)


def test_a_door_key_may_not_edit_definitions_and_the_row_is_kept(hub, stations):
    """Issue 8 item 1: a 403 sets the row aside (rejected, with the reason; retry after fixing the key) and
    never stops the run: the pull still happens."""
    ev = hub.seed_event()
    d = hub.seed_definition(ev, name="VIP")
    door = stations("Door", "door", [ev], on=hub)
    assert door.sync().ok
    _edit_local(door, d, {"name": "Door edit"}, ["name"])
    report = door.sync()
    assert report.ok and report.pending == 0 and [r["kind"] for r in report.rejected] == ["definition.update"]
    assert "403" in report.rejected[0]["error"] and "may not" in report.rejected[0]["error"]
    assert "definitions" in report.last_success and _get(hub.ledger, d).name == "VIP"
