"""core.roles: the one role table (issue 8 item 5) — what each role may do, the refusal text, and that the hub
checks its calls against the very same table."""
from __future__ import annotations

import pytest

from core import roles
from core.door import may_take_payment


def test_door_may_check_in_but_not_sell_take_payments_or_edit():
    assert roles.may(roles.DOOR, roles.CHECK_IN)
    for action in (roles.SELL, roles.TAKE_PAYMENT, roles.EDIT_ORDER, roles.EDIT_DEFINITIONS, roles.EDIT_EVENTS):
        assert not roles.may(roles.DOOR, action), action
    assert roles.refusal(roles.DOOR, roles.TAKE_PAYMENT).startswith("your role (door) can't take payments")


def test_box_office_sells_and_completes_but_does_not_edit_definitions():
    for action in (roles.CHECK_IN, roles.SELL, roles.TAKE_PAYMENT, roles.EDIT_ORDER):
        assert roles.may(roles.BOX_OFFICE, action)
    assert not roles.may(roles.BOX_OFFICE, roles.EDIT_DEFINITIONS)
    assert not roles.may(roles.BOX_OFFICE, roles.EDIT_EVENTS)


def test_organiser_and_a_local_only_ledger_may_do_everything():
    for action in roles.ACTIONS:
        assert roles.may(roles.ORGANISER, action) and roles.may(None, action)
        assert roles.refusal(None, action) is None


def test_require_raises_a_403_domain_error_with_the_reason():
    with pytest.raises(roles.RoleForbids) as caught:
        roles.require(roles.DOOR, roles.SELL)
    assert caught.value.status == 403 and caught.value.code == "ROLE_FORBIDS"
    assert "can't sell tickets" in caught.value.message
    roles.require(roles.BOX_OFFICE, roles.SELL)  # allowed: no error


def test_an_unknown_role_holds_nothing_and_missing_lists_what_a_key_lacks():
    assert not roles.may("guest", roles.CHECK_IN)
    assert roles.missing(roles.BOX_OFFICE, roles.permissions(roles.DOOR)) == ["orders.read", "orders.upload",
                                                                             "orders.write"]
    assert roles.missing(roles.DOOR, roles.permissions(roles.DOOR)) == []


def test_the_hub_and_the_door_use_this_table():
    from sync.hub import auth

    assert auth.PERMISSIONS is roles.PERMISSIONS and auth.ROLES == roles.ROLES
    assert auth.Station("d", roles.DOOR).can("tickets.checkin")
    assert not auth.Station("d", roles.DOOR).can("orders.write")
    assert may_take_payment(roles.BOX_OFFICE) and not may_take_payment(roles.DOOR) and may_take_payment(None)
