"""The sync layer's error hierarchy (STYLE.md §6): transport failures, contract errors and bad answers.

Classification used by the push (DESIGN.md §Sync "refusals never block"): `ApiError.rejects` (400/404/409/428
in the hub's own error shape) means "set the row aside as rejected"; Forbidden (403 in that shape) sets the row
aside too, as a call the key may not make. Everything else (NetworkError, 5xx, 429, an unexpected success shape,
and ForeignAnswer — an answer that is not the hub's error shape: HTML, proxy pages, unknown codes) is transient:
the row stays pending (issue 8 item 10). `Bound` errors (run time, answer size, a cursor that does not move) stop
the run and leave the ledger as it was (issue 8 item 14).
"""
from __future__ import annotations

from core.errors import ContractError

REJECTING_STATUSES = frozenset({400, 404, 409, 428})


class SyncError(Exception):
    """Base of every sync failure; `message` is safe to show to an operator (never holds a key)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NetworkError(SyncError):
    """The server could not be reached or the connection broke before an answer arrived (transient)."""


class ApiError(SyncError):
    """The server answered, but not with success (API.md §1.3). `status` is the HTTP status, `code` the
    contract's applicationError code (or ruleName of the first field violation, or "HTTP_<status>"), `body` the
    parsed JSON body (dict; {} when empty or not JSON)."""

    def __init__(self, status: int, code: str, body: dict | None = None, message: str | None = None):
        self.status = int(status)
        self.code = code
        self.body = body or {}
        text = message or self.body.get("message") or f"HTTP {status}"
        super().__init__(f"{status} {code}: {text}")

    endpoint: str = ""  # "METHOD /path" of the call that failed (set by the client, issue 8 item 6)
    retry_after_s: float | None = None  # the server's Retry-After in seconds (set by the client; 429/503)

    def at(self, endpoint: str) -> "ApiError":
        """Record the call (`"GET /events/v1/orders"`) this answer came from; returns self."""
        self.endpoint = endpoint
        return self

    @property
    def permission(self) -> str | None:
        """The permission the server says is missing (the hub's 403 names it in applicationError.data), or
        None."""
        data = ((self.body.get("details") or {}).get("applicationError") or {}).get("data")
        value = data.get("permission") if isinstance(data, dict) else None
        return str(value) if value else None

    @property
    def rejects(self) -> bool:
        """True for the statuses that reject a change for good (400/404/409/428, DESIGN.md §Sync)."""
        return self.status in REJECTING_STATUSES

    @property
    def transient(self) -> bool:
        """True for statuses worth retrying later: 5xx, 429, 408 and unexpected non-error answers."""
        return self.status >= 500 or self.status in (408, 429) or 200 <= self.status < 300


class Unauthorized(ApiError):
    """401: the station key is missing, unknown or revoked."""


class Forbidden(ApiError):
    """403: the station's role does not allow this call (door, box-office, organiser)."""


class NotFound(ApiError):
    """404: the order, ticket, definition or path does not exist on the server."""


class BadAnswer(ApiError):
    """A 2xx answer that is not success for this contract (201/204, empty or non-JSON body, wrong shape):
    case BC-19 — never recorded as success."""


class ForeignAnswer(ApiError):
    """A non-success answer that is not the hub's error shape (`{message, details: {applicationError |
    validationError}}`, API.md §1.3) or has a status the contract does not name: an intermediary's page, an
    unreadable body. Never a refusal: retried like a 5xx (issue 8 item 10)."""

    @property
    def rejects(self) -> bool:
        return False

    @property
    def transient(self) -> bool:
        return True


class Bound(SyncError):
    """A bound of one run was hit (issue 8 item 14); the run stops, rows stay as they were."""


class RunTimeLimit(Bound):
    """The run took longer than its overall time limit."""


class AnswerTooLarge(Bound):
    """An answer grew past the size limit; reading stopped there."""


class StuckCursor(Bound):
    """The change feed said "more" without moving its cursor (or came back to an earlier one)."""


# Contract JSON that cannot be applied to the ledger (missing key, bad money or time); nothing was changed.
# One parse error for the hub and the station: core.contract_parse raises it (a core.errors.DomainError).
MalformedData = ContractError


class Canceled(SyncError):
    """The run was canceled through its cancel token; work done so far is kept."""


def error_for(status: int, code: str, body: dict | None, message: str | None = None) -> ApiError:
    """The ApiError subclass that matches `status` (401 Unauthorized, 403 Forbidden, 404 NotFound, else ApiError)."""
    cls = {401: Unauthorized, 403: Forbidden, 404: NotFound}.get(int(status), ApiError)
    return cls(status, code, body, message)


def refusal_of(exc: ApiError, phase: str = "") -> dict:
    """A 401/403 as shown to the operator: {endpoint, permission, status, message, phase} (issue 8 item 6);
    `phase` "push" (a change set aside) or "pull" (a listing the key may not read)."""
    return {"endpoint": exc.endpoint, "permission": exc.permission, "status": exc.status, "message": exc.message,
            "phase": phase}
