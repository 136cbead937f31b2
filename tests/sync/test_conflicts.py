"""sync.conflicts and the field-by-field merge of sync.push_definitions on a real SQLite ledger
(DESIGN.md §Sync "Conflicts": same field on both sides → stored conflict; different fields → merge)."""
import pytest
from sqlalchemy import select

from core.definitions import create_definition, definition_data
from core.errors import InvalidArgument, NotFound
from core.events import create_event
from core.models import Event, Order, OutboxEntry, TicketDefinition
from sync import conflicts, state
from sync.push_definitions import merge_fields, same
from tests.core.test_orders import make_order

EV = "5b0c7e2a-1111-4c2d-9e0f-0a1b2c3d4e5f"


@pytest.fixture
def defn_id(ledger):
    with ledger.uow() as uow:
        create_event(uow.session, title="Gala", time_zone="UTC", currency="EUR", event_id=EV)
        d = create_definition(uow.session, EV, {"name": "VIP", "price": {"value": "50.00", "currency": "EUR"},
                                                "limited": True, "quantity": 40})
        for row in uow.session.scalars(select(OutboxEntry)):
            row.state = "sent"  # pretend the create went up
        uow.commit()
        return d.id


def test_merge_different_fields_patches_mine_only():
    base = {"name": "VIP", "price": {"value": "50.00", "amount": "50.00", "currency": "EUR"}}
    mine = {"name": "VIP Gold", "price": {"value": "50.00", "currency": "EUR"}}
    theirs = {"name": "VIP", "price": {"value": "55.00", "currency": "EUR"}}
    patch, clashes = merge_fields(["name", "price"], base, mine, theirs, {"name", "price"})
    assert patch == ["name"] and clashes == {}


def test_merge_same_field_both_sides_is_a_conflict_unless_equal():
    base, mine = {"name": "VIP"}, {"name": "VIP Gold"}
    patch, clashes = merge_fields(["name"], base, mine, {"name": "VIP Plus"}, {"name"})
    assert patch == [] and clashes == {"name": {"base": "VIP", "mine": "VIP Gold", "theirs": "VIP Plus"}}
    patch, clashes = merge_fields(["name"], base, mine, {"name": "VIP Gold"}, {"name"})
    assert patch == [] and clashes == {}


def test_merge_treats_an_uncarried_field_as_unchanged():
    patch, clashes = merge_fields(["quantity"], {"quantity": 40}, {"quantity": 45}, {"quantity": None}, {"name"})
    assert patch == ["quantity"] and clashes == {}


def test_same_normalises_money_and_timestamps():
    assert same({"value": "5.0", "currency": "EUR"}, {"amount": "5.00", "currency": "eur"})
    assert same("2025-10-26T07:30:00Z", "2025-10-26T07:30:00.000Z")
    assert same(None, "") and not same("a", "b")


def _store(ledger, defn_id):
    with ledger.uow() as uow:
        conflicts.store(uow.session, EV, defn_id, {"name": {"base": "VIP", "mine": "VIP Gold", "theirs": "VIP Plus"},
                                                    "quantity": {"base": 40, "mine": 45, "theirs": 50}})
        uow.commit()


def test_conflict_listed_and_take_theirs_writes_the_server_values(ledger, defn_id):
    _store(ledger, defn_id)
    with ledger.uow() as uow:
        [c] = conflicts.list_conflicts(uow.session)
        assert c.definition_id == defn_id and set(c.fields) == {"name", "quantity"}
        assert "VIP Gold" in c.describe()
        conflicts.resolve(uow.session, defn_id, conflicts.TAKE_THEIRS)
        uow.commit()
    with ledger.uow() as uow:
        d = uow.session.get(TicketDefinition, defn_id)
        assert (d.name, d.quantity, d.limited) == ("VIP Plus", 50, True)
        assert conflicts.list_conflicts(uow.session) == []
        assert uow.session.scalars(select(OutboxEntry).where(OutboxEntry.state == "pending")).all() == []


def test_keep_mine_requeues_with_the_servers_values_as_base(ledger, defn_id):
    _store(ledger, defn_id)
    with ledger.uow() as uow:
        conflicts.resolve(uow.session, defn_id, conflicts.KEEP_MINE)
        uow.commit()
    with ledger.uow() as uow:
        d = uow.session.get(TicketDefinition, defn_id)
        assert (d.name, d.quantity) == ("VIP Gold", 45)
        [entry] = uow.session.scalars(select(OutboxEntry).where(OutboxEntry.state == "pending")).all()
        assert entry.kind == "definition.update"
        assert entry.payload["base"]["name"] == "VIP Plus" and entry.payload["base"]["quantity"] == 50
        assert entry.payload["definition"]["name"] == definition_data(d)["name"] == "VIP Gold"
        assert state.conflict(uow.session, defn_id) is None


def test_resolve_errors(ledger, defn_id):
    with ledger.uow() as uow:
        with pytest.raises(NotFound):
            conflicts.resolve(uow.session, defn_id, conflicts.KEEP_MINE)
    _store(ledger, defn_id)
    with ledger.uow() as uow:
        with pytest.raises(InvalidArgument):
            conflicts.resolve(uow.session, defn_id, "both")


# -- orders (issue 8 item 3: one conflict mechanism for definitions and orders) ---------------------------------
def test_three_way_over_flat_paths():
    base = {"checkoutForm.email": "a@x", "archived": False}
    mine = {"checkoutForm.email": "b@x", "archived": True}
    patch, clashes = conflicts.three_way(["checkoutForm.email", "archived"], base, mine,
                                         {"checkoutForm.email": "c@x"})          # archived not carried
    assert patch == ["archived"]
    assert clashes == {"checkoutForm.email": {"base": "a@x", "mine": "b@x", "theirs": "c@x"}}


@pytest.fixture
def order_number(ledger, defn_id):
    with ledger.uow() as uow:
        ev = uow.session.get(Event, EV)
        number = make_order(uow.session, ev, "CONF-0001-AA", email="mine@x.org").order_number
        for row in uow.session.scalars(select(OutboxEntry)):
            row.state = "sent"
        conflicts.store(uow.session, EV, number, {"checkoutForm.email": {
            "base": "old@x.org", "mine": "mine@x.org", "theirs": "theirs@x.org"}}, conflicts.ORDER)
        uow.commit()
        return number


def test_order_conflicts_are_listed_with_definition_ones(ledger, order_number, defn_id):
    _store(ledger, defn_id)
    with ledger.uow() as uow:
        found = {(c.kind, c.key) for c in conflicts.list_conflicts(uow.session)}
        assert found == {("order", order_number), ("definition", defn_id)}
        [c] = conflicts.list_conflicts(uow.session, kind="order")
        assert c.name.startswith(f"order {order_number}") and "mine@x.org" in c.describe()


def test_order_keep_mine_requeues_even_when_the_row_still_shows_mine(ledger, order_number):
    with ledger.uow() as uow:
        resolved = conflicts.resolve(uow.session, order_number, conflicts.KEEP_MINE)
        uow.commit()
    assert resolved.kind == "order"
    with ledger.uow() as uow:
        assert uow.session.get(Order, order_number).email == "mine@x.org"
        [entry] = uow.session.scalars(select(OutboxEntry).where(OutboxEntry.state == "pending")).all()
        assert entry.kind == "order.update" and entry.payload["paths"] == ["checkoutForm.email"]
        assert entry.payload["base"] == {"checkoutForm.email": "theirs@x.org"}
        assert conflicts.list_conflicts(uow.session) == []


def test_order_take_theirs_writes_the_server_values_without_an_outbox_row(ledger, order_number):
    with ledger.uow() as uow:
        conflicts.resolve(uow.session, order_number, conflicts.TAKE_THEIRS)
        uow.commit()
    with ledger.uow() as uow:
        order = uow.session.get(Order, order_number)
        assert order.email == "theirs@x.org"
        assert {"inputName": "email", "value": "theirs@x.org"} in order.checkout_form
        assert uow.session.scalars(select(OutboxEntry).where(OutboxEntry.state == "pending")).all() == []
