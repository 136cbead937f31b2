"""sync/answers.py: which answers are the server's own refusals (issue 8 item 10) — the rest is retried."""
import pytest

from sync.answers import error_code, is_hub_error, parse_answer
from sync.errors import ApiError, BadAnswer, ForeignAnswer

REFUSAL = {"message": "nope", "details": {"applicationError": {"code": "ORDER_ALREADY_PAID"}}}


def test_a_200_json_object_is_success_and_nothing_else():
    assert parse_answer("GET", "/x", 200, b'{"a": 1}') == {"a": 1}
    for raw in (b"", b"[1]", b"<html>"):
        with pytest.raises(BadAnswer):
            parse_answer("GET", "/x", 200, raw)


def test_the_servers_own_refusal_is_an_api_error_with_its_code():
    with pytest.raises(ApiError) as err:
        parse_answer("POST", "/orders", 409, b'{"message": "nope", "details": {"applicationError": '
                                                b'{"code": "ORDER_ALREADY_PAID"}}}')
    assert err.value.code == "ORDER_ALREADY_PAID" and err.value.endpoint == "POST /orders"
    assert is_hub_error(409, REFUSAL) and error_code(409, REFUSAL) == "ORDER_ALREADY_PAID"


@pytest.mark.parametrize("status, raw", [(404, b"<html>Not Found</html>"), (400, b"{}"), (418, b'{"message": "x"}')])
def test_a_proxy_page_or_unknown_shape_is_not_a_refusal(status, raw):
    with pytest.raises(ForeignAnswer):
        parse_answer("GET", "/x", status, raw)


@pytest.mark.parametrize("raw", [b'{"message": "already checked in", "details": {"applicationError": {"code": "X"}}}',
                                 b'{"message": "bad", "details": {"validationError": {"fieldViolations": []}}}',
                                 b'{"message": "already checked in", "details": {}}'])
def test_bc19_a_200_carrying_the_error_shape_is_never_success(raw):
    with pytest.raises(BadAnswer) as err:
        parse_answer("DELETE", "/events/v1/tickets/check-in", 200, raw)
    assert err.value.status == 200 and err.value.transient and "error body" in err.value.message


def test_a_200_with_a_message_field_of_its_own_is_still_success():
    assert parse_answer("GET", "/x", 200, b'{"message": "hi", "orders": []}') == {"message": "hi", "orders": []}
