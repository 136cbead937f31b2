"""Reading the server's answers (API.md §1.3, issue 8 item 10): a 200 with a JSON object that is not the error shape
is success (a 200 with `{message, details}` is not: BC-19); the server's
own refusals have its error shape; anything else (an HTML page, a proxy's 404, unreadable JSON) is not a refusal
and is retried like a network error. Used by sync.client.TicketingApi."""
from __future__ import annotations

import json

from sync.errors import BadAnswer, ForeignAnswer, error_for

REFUSAL_STATUSES = frozenset({400, 401, 403, 404, 409, 428})  # API.md §1.3, below 500 and not 429


def error_code(status: int, body: dict) -> str:
    """The contract's error code of a non-success answer: applicationError.code, else the first field
    violation's rule, else HTTP_<status> (API.md §1.3)."""
    details = body.get("details") if isinstance(body.get("details"), dict) else {}
    app = details.get("applicationError") if isinstance(details.get("applicationError"), dict) else {}
    if app.get("code"):
        return str(app["code"])
    val = details.get("validationError") if isinstance(details.get("validationError"), dict) else {}
    violations = val.get("fieldViolations") or []
    if violations and isinstance(violations[0], dict):
        return str(violations[0].get("ruleName") or violations[0].get("violatedRule") or "VALIDATION_ERROR")
    return f"HTTP_{status}"


def is_error_body(body: dict) -> bool:
    """True for the contract's error shape `{message, details: {applicationError | validationError}}`
    (API.md §1.3), whatever the status it came with."""
    details = body.get("details")
    return (isinstance(body.get("message"), str) and isinstance(details, dict)
            and (isinstance(details.get("applicationError"), dict)
                 or isinstance(details.get("validationError"), dict)))


def is_hub_error(status: int, body: dict) -> bool:
    """True when a non-success answer is the server's own refusal: a status the contract names for refusals and
    the error shape (`is_error_body`). Anything else (an HTML page, a proxy's 404, an unknown code, unreadable
    JSON) is not a refusal (issue 8 item 10)."""
    return status in REFUSAL_STATUSES and is_error_body(body)


def parse_answer(method: str, path: str, status: int, raw: bytes) -> dict:
    """The JSON object of a 200, else the error the answer means (see TicketingApi)."""
    try:
        body = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        body = None
    if status == 200:
        if isinstance(body, dict) and isinstance(body.get("message"), str) and isinstance(body.get("details"),
                                                                                          dict):
            # an error dressed as success (BC-19): no success answer of the contract has {message, details}
            raise BadAnswer(200, error_code(200, body), body, f"{method} {path}: 200 carrying an error body "
                            f"({body['message'][:200]!r}): not success, retried later")
        if isinstance(body, dict):
            return body
        raise BadAnswer(200, "NOT_JSON", {}, f"{method} {path}: 200 without a JSON object body")
    if 200 <= status < 300:
        raise BadAnswer(status, f"HTTP_{status}", body if isinstance(body, dict) else {},
                        f"{method} {path}: {status} is not success for this contract")
    body = body if isinstance(body, dict) else {}
    if status < 500 and status != 429 and not is_hub_error(status, body):
        raise ForeignAnswer(status, f"HTTP_{status}", body, f"{method} {path} answered {status} without the "
                            "server's error shape (a proxy or intermediary?): not a refusal, retried later")
    raise error_for(status, error_code(status, body), body,
                    body.get("message") or f"{method} {path} answered {status}").at(f"{method} {path}")
