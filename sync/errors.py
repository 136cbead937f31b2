"""The sync layer's error hierarchy (STYLE.md §6): transport failures, contract errors and bad answers.

Classification used by the push (DESIGN.md §Sync): `ApiError.rejects` (400/404/409/428) means "never retry,
keep the row as rejected"; everything else (NetworkError, 5xx, 429, an unexpected success shape) is transient.
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


# Contract JSON that cannot be applied to the ledger (missing key, bad money or time); nothing was changed.
# One parse error for the hub and the station: core.contract_parse raises it (a core.errors.DomainError).
MalformedData = ContractError


class Canceled(SyncError):
    """The run was canceled through its cancel token; work done so far is kept."""


def error_for(status: int, code: str, body: dict | None, message: str | None = None) -> ApiError:
    """The ApiError subclass that matches `status` (401 Unauthorized, 403 Forbidden, 404 NotFound, else ApiError)."""
    cls = {401: Unauthorized, 403: Forbidden, 404: NotFound}.get(int(status), ApiError)
    return cls(status, code, body, message)
