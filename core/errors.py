"""The core's error hierarchy. Each error carries the contract's application-error code and HTTP status
(API.md §1.3), so the hub and the CLI report them unchanged."""
from __future__ import annotations


class DomainError(Exception):
    """Base of every refused use case. `code` is the contract's applicationError code, `status` the HTTP
    status the hub answers with, `field` the offending field for validation errors (or None)."""

    status = 400
    default_code = "INVALID_ARGUMENT"

    def __init__(self, message: str, code: str | None = None, field: str | None = None, data: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.field = field
        self.data = dict(data or {})  # JSON-able facts for the answer's applicationError.data (e.g. the limit)

    def to_api(self) -> dict:
        """The contract's error body: {message, details: {applicationError|validationError}}."""
        if self.status == 400 and self.field:
            return {"message": self.message, "details": {"validationError": {"fieldViolations": [
                {"field": self.field, "description": self.message, "ruleName": self.code}]}}}
        return {"message": self.message,
                "details": {"applicationError": {"code": self.code, "description": self.message,
                                                 "data": dict(self.data)}}}


class InvalidArgument(DomainError):
    """Bad input (400): a malformed value, a limit exceeded, an unknown currency."""


class ContractError(InvalidArgument):
    """Contract JSON (docs/API.md, docs/HUB_EXTENSIONS.md) that cannot be read: a missing key, a value of the
    wrong type, bad money or time (400). The one parse error of core.contract_parse, shared by the hub (a
    request it received) and the station's sync engine (an answer it received; sync.errors.MalformedData is
    this class). Nothing was changed when it is raised."""


class NotFound(DomainError):
    """The event, definition, order or ticket does not exist (404)."""

    status = 404
    default_code = "NOT_FOUND"


class AlreadyExists(DomainError):
    """A row with that key exists already (409)."""

    status = 409
    default_code = "ALREADY_EXISTS"


class FailedPrecondition(DomainError):
    """The state forbids the action (428): ORDER_ACTION_NOT_AVAILABLE, CURRENCY_LOCKED, SOLD_OUT…"""

    status = 428
    default_code = "FAILED_PRECONDITION"


class OrderActionNotAvailable(FailedPrecondition):
    """ConfirmOrder/UpdateOrder refused for the order's status (API.md §2.4, §2.5)."""

    default_code = "ORDER_ACTION_NOT_AVAILABLE"


class CurrencyLocked(FailedPrecondition):
    """ChangeCurrency refused once the first order exists (API.md §4.2, v3 CURRENCY_LOCKED)."""

    default_code = "CURRENCY_LOCKED"


class CapacityExceeded(FailedPrecondition):
    """A sale would exceed a definition's quantity: sold out, not enough left, seats not leased (case BC-26)."""

    default_code = "TICKET_CAPACITY_EXCEEDED"


class PerOrderLimitExceeded(CapacityExceeded):
    """One order asks more of a definition than its limit per order (limitPerCheckout, API.md §4.1; case
    WR-04). The contract names no code for it (API.md §1.3: v1 orders have only standard errors), so the hub's
    own code is TICKET_LIMIT_PER_ORDER_EXCEEDED (docs/HUB_EXTENSIONS.md "Error codes"); `data` carries
    definitionId, name, limitPerOrder and requested. A CapacityExceeded, so callers that catch the sale
    refusals keep catching it; sold out keeps TICKET_CAPACITY_EXCEEDED."""

    default_code = "TICKET_LIMIT_PER_ORDER_EXCEEDED"
