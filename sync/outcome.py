"""What a sync run's outcome is, in one type for the status bar, the Sync tab and `tessera sync` (issue 8
item 6: "say what is wrong"). A failed run is never just "offline": the server that answered with a refusal, a
server error and a wrong clock are told apart, and a refusal names the endpoint and the missing permission.

Classes (most serious first when a run has several) and the exit codes of `tessera sync`:

| kind           | meaning                                                                  | exit |
|----------------|--------------------------------------------------------------------------|------|
| ok             | everything went up and came down                                         | 0    |
| failed         | the run stopped for another reason (a bound, an unreadable answer, a bug) | 1    |
| rejected       | the server refused some changes (kept, shown; `tessera sync retry`)       | 3    |
| offline        | the server could not be reached; changes stay queued                      | 4    |
| refused        | the server answered 401/403: the key is unknown or lacks a permission     | 5    |
| server-error   | the server answered 5xx/429 or an intermediary's page; retried later      | 6    |
| clock-skew     | the run worked but this station's clock is off by more than the warning   | 7    |
| not-connected  | the station has no saved connection                                       | 8    |
| skipped        | nothing was tried: a cool-down after a failure (`tessera sync --force` runs now) | 9 |
(2 is argparse's usage error.)"""
from __future__ import annotations

from dataclasses import dataclass, field

from sync.errors import ApiError, NetworkError, SyncError, Unauthorized, refusal_of

OK, FAILED, REJECTED, OFFLINE, REFUSED = "ok", "failed", "rejected", "offline", "refused"
SERVER_ERROR, CLOCK_SKEW, NOT_CONNECTED, SKIPPED = "server-error", "clock-skew", "not-connected", "skipped"
EXIT_CODES = {OK: 0, SKIPPED: 9, FAILED: 1, REJECTED: 3, OFFLINE: 4, REFUSED: 5, SERVER_ERROR: 6, CLOCK_SKEW: 7,
              NOT_CONNECTED: 8}
_TITLES = {OK: "online", FAILED: "sync failed", REJECTED: "changes refused", OFFLINE: "offline",
           REFUSED: "refused by the server", SERVER_ERROR: "server error", CLOCK_SKEW: "check the clock",
           NOT_CONNECTED: "not connected", SKIPPED: "waiting to retry"}


@dataclass(frozen=True)
class SyncOutcome:
    """One run's outcome: `kind` (a class above), `message` for the operator, and for a refusal the
    `refusals` [{endpoint, permission, status, message}] (the first names `endpoint` / `permission`)."""

    kind: str = OK
    message: str = ""
    refusals: tuple[dict, ...] = field(default_factory=tuple)

    @property
    def exit_code(self) -> int:
        """The exit status of `tessera sync` for this outcome (table above)."""
        return EXIT_CODES[self.kind]

    @property
    def endpoint(self) -> str | None:
        return self.refusals[0].get("endpoint") or None if self.refusals else None

    @property
    def permission(self) -> str | None:
        return self.refusals[0].get("permission") or None if self.refusals else None

    @property
    def title(self) -> str:
        """A short word for a status bar ("offline", "refused by the server", …)."""
        return _TITLES[self.kind]

    def text(self) -> str:
        """One line: the title, and for a refusal what was refused and what is missing."""
        if self.kind == REFUSED and self.refusals:
            r = self.refusals[0]
            missing = f", missing permission {r['permission']}" if r.get("permission") else ""
            return f"{self.title}: {r.get('endpoint') or 'a call'} ({r.get('status')}{missing})"
        return f"{self.title}: {self.message}" if self.message and self.kind != OK else self.title

    def to_json(self) -> dict:
        return {"kind": self.kind, "message": self.message, "exitCode": self.exit_code,
                "endpoint": self.endpoint, "permission": self.permission, "refusals": list(self.refusals)}


def of_error(exc: BaseException | str) -> SyncOutcome:
    """The outcome of a run stopped by `exc`: NetworkError → offline; 401/403 → refused (with the endpoint
    and permission); 5xx, 429, an intermediary's answer or a 2xx that is not success → server error; else
    failed (a bare message too)."""
    if isinstance(exc, str):
        return SyncOutcome(FAILED, exc)
    message = exc.message if isinstance(exc, SyncError) else f"{type(exc).__name__}: {exc}"
    if isinstance(exc, NetworkError):
        return SyncOutcome(OFFLINE, message)
    if isinstance(exc, ApiError) and (exc.status == 403 or isinstance(exc, Unauthorized)):
        return SyncOutcome(REFUSED, message, (refusal_of(exc),))
    if isinstance(exc, ApiError) and exc.transient:
        return SyncOutcome(SERVER_ERROR, message)
    return SyncOutcome(FAILED, message)


def of_run(*, ok: bool, skipped: bool, error: BaseException | str | None, refusals: list[dict], rejected: int,
           clock_warning: str | None) -> SyncOutcome:
    """The outcome of a run: its stopping error first, then reads the key may not make (`refusals` of phase
    "pull": the run went on without them, the cached data stays), then refused changes (`rejected` rows; a 403
    among them keeps its endpoint and permission), then a clock off by more than the warning, else ok."""
    if skipped:
        return SyncOutcome(SKIPPED, str(error or ""))
    if not ok and error is not None:
        return of_error(error)
    pulled = [r for r in refusals if r.get("phase") != "push"]
    if pulled:
        return SyncOutcome(REFUSED, pulled[0].get("message", ""), tuple(pulled))
    if rejected:
        pushed = tuple(r for r in refusals if r.get("phase") == "push")
        return SyncOutcome(REJECTED, f"{rejected} change(s) refused by the server and kept", pushed)
    if clock_warning:
        return SyncOutcome(CLOCK_SKEW, clock_warning)
    return SyncOutcome(OK)
