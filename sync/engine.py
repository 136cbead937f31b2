"""SyncEngine: one sync run = discover, measure the clock, push the outbox, then pull (STYLE.md §5,
libpretixsync's SyncManager). Records last success per resource and cools down after a failure.
The server's mode (hub or plain contract) is fixed at connect (sync.state.server_mode) and only re-checked by a
run: a known hub whose discovery answers otherwise is a transient error, never a switch to plain mode (issue 8
item 13). A hub with another identity, or one that refuses a stored feed cursor, went back in time (replaced or
restored): the run clears the feed cursors, re-sends the check-in and order changes it had sent, and pulls
again from scratch (issue 8 item 11). A run has an overall time limit (`run_limit_s`, issue 8 item 14).
No Qt here: progress is a plain callback, cancellation a token (threading.Event-like)."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from core.db import Ledger
from core.events import zone_of
from core import outbox, review, review_checks
from core.outbox import pending_count
from core.status import CHECKIN_KINDS, OutboxKind
from core.timeutil import shown, utcnow
from sync import clock, leases, state
from sync.appliers import derive_checkins
from sync.apply import apply_orders, apply_ticket_rows, parse_ticket
from sync.client import Discovery, TicketingApi
from sync.errors import Canceled, MalformedData, NotFound, SyncError
from sync.outcome import SyncOutcome, of_run
from sync.pull import CursorRejected, Puller
from sync.push import Pusher

logger = logging.getLogger(__name__)

RESOURCES = ("push", "events", "definitions", "orders", "tickets", "checkins")
RUN_LIMIT_S = 900.0  # one run; a first pull of 100k tickets takes a few minutes on a LAN
# sent changes a hub that went back in time may have lost: re-sent with their idempotency keys (issue 8 item 11)
RESEND_KINDS = (*CHECKIN_KINDS, OutboxKind.ORDER_CREATE, OutboxKind.ORDER_UPDATE, OutboxKind.ORDER_CONFIRM,
                OutboxKind.ORDER_CANCEL)


@dataclass
class SyncReport:
    """The outcome of one run. Counts: `pushed` rows sent, `pulled` rows applied (`pulled_by` per resource);
    `rejected` rows refused for good (kept, shown); `waiting` rows held behind a refused one ([{id, kind,
    entity, reason}]); `set_aside` pulled entities set aside as malformed; `conflicts` definition ids with a stored conflict;
    `oversold` [{definitionId, name, sold, quantity, orderNumber}] (BC-26); `duplicates` check-ins flagged
    (BC-14); `review_new` review items this run raised, `review_open` items waiting for a person (core.review,
    issue 8 item 7); `local_only` box-office orders a plain server cannot take (WR-15); `clock_offset_s` server −
    device (BC-13); `last_success` {resource: aware UTC}; `error` why the run stopped (None = ok); `refused`
    [{endpoint, permission, status, message}] calls the key may not make; `outcome` the run's class
    (sync.outcome: ok, offline, refused, server error, clock skew…, issue 8 item 6)."""

    ok: bool = False
    skipped: bool = False
    mode: str = ""
    pushed: int = 0
    rejected: list[dict] = field(default_factory=list)
    waiting: list[dict] = field(default_factory=list)
    set_aside: list[dict] = field(default_factory=list)
    pulled: int = 0
    pulled_by: dict[str, int] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)
    oversold: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    local_only: list[str] = field(default_factory=list)
    review_new: int = 0
    review_open: int = 0
    clock_offset_s: float | None = None
    warnings: list[str] = field(default_factory=list)
    last_success: dict[str, datetime] = field(default_factory=dict)
    pending: int = 0
    error: str | None = None
    refused: list[dict] = field(default_factory=list)
    clock_warning: str | None = None
    outcome: SyncOutcome = field(default_factory=SyncOutcome)

    def summary(self) -> str:
        """One line for a status bar or the CLI."""
        if self.skipped:
            return f"sync skipped: {self.error or 'cooling down'}"
        head = f"sync failed: {self.error}" if not self.ok else \
            ("sync done, changes refused" if self.rejected else "sync ok")  # "ok" with exit 3 confused a new user
        parts = [f"{self.pushed} sent", f"{len(self.rejected)} rejected", f"{self.pulled} received",
                 f"{self.pending} pending"]
        if self.waiting:
            parts.append(f"{len(self.waiting)} waiting for a refused change")
        for r in self.refused[:3]:
            missing = f", missing {r['permission']}" if r.get("permission") else ""
            parts.append(f"refused {r.get('endpoint') or 'a call'} ({r.get('status')}{missing})")
        if self.set_aside:
            parts.append(f"{len(self.set_aside)} received item(s) set aside")
        if self.conflicts:
            parts.append(f"{len(self.conflicts)} conflict(s)")
        if self.oversold:
            parts.append(f"{len(self.oversold)} oversold")
        if self.local_only:
            parts.append(f"{len(self.local_only)} door sale(s) local-only")
        if self.review_open:
            parts.append(f"{self.review_open} to review")
        if self.clock_offset_s is not None:
            parts.append(f"clock {self.clock_offset_s:+.1f} s")
        mode = f" ({self.mode})" if self.mode else ""  # no mode yet when the run failed before discovery
        return f"{head}{mode}: " + ", ".join(parts)


class SyncEngine:
    """Sync of `event_ids` between `ledger` and the server behind `api`, as station `station`.
    `clock_warn_s`: clock offsets (seconds) above it warn the operator (the setting clock_warn_s, app/config.py).
    `cooldown_s` doubles after each consecutive failure up to `max_cooldown_s`; `run_limit_s` bounds one run
    (seconds; RunTimeLimit when passed)."""

    def __init__(self, ledger: Ledger, api: TicketingApi, station: str = "", event_ids: list[str] | tuple = (), *,
                 clock_warn_s: float, cooldown_s: float = 10.0, max_cooldown_s: float = 300.0,
                 run_limit_s: float = RUN_LIMIT_S, now: Callable[[], datetime] = utcnow):
        self.ledger, self.api, self.station = ledger, api, station
        self.event_ids = list(event_ids)
        self.clock_warn_s = float(clock_warn_s)
        self.cooldown_s, self.max_cooldown_s, self.now = cooldown_s, max_cooldown_s, now
        self.run_limit_s = float(run_limit_s)
        self.discovery: Discovery | None = None
        self._open_before = 0

    # -- state -------------------------------------------------------------------------------------------
    def cooling_down_until(self) -> datetime | None:
        """When the cool-down after the last failure ends (None = may run now)."""
        with self.ledger.uow() as uow:
            health = state.engine_health(uow.session)
        if not health.failures or health.last_failure is None:
            return None
        delay = min(self.cooldown_s * 2 ** (health.failures - 1), self.max_cooldown_s)
        until = max(health.last_failure + timedelta(seconds=delay), health.retry_at or health.last_failure)
        return until if until > self.now() else None

    def last_success(self) -> dict[str, datetime]:
        """{resource: last successful sync time} (WR-13: separate ages for tickets, orders, definitions…)."""
        with self.ledger.uow() as uow:
            return state.last_success(uow.session)

    # -- the run -----------------------------------------------------------------------------------------
    def run_once(self, progress: Callable[[str], None] | None = None, cancel=None, *,
                 force: bool = False) -> SyncReport:
        """Push then pull once; never raises for sync failures (the report carries `error`), and skips the run
        during a cool-down unless `force`. Blocking: call it from a worker thread, never the GUI thread."""
        say = progress or (lambda _m: None)
        report = SyncReport()
        with self.ledger.uow() as uow:
            self._open_before = review.open_count(uow.session)
            tz = zone_of(uow.session, self.event_ids[0] if self.event_ids else None)  # the event's zone
        until = None if force else self.cooling_down_until()
        if until is not None:
            report.skipped, report.error = True, f"cooling down after a failure until {shown(until, tz, seconds=True)}"
            return self._finish(report, None)
        failure: BaseException | None = None
        self.api.set_deadline(self.run_limit_s)
        self.api.last_clock = None  # this run's answers date the clock, never an earlier run's (BC-13)
        try:
            say("connecting…")
            self.discovery = self._discover(report)
            report.mode = "plain contract" if self.discovery.plain else "hub"
            self._check_identity(report)
            self._remember_role()
            self._follow_events(say)
            self._check_hub(report)
            self._clock(report)
            self._push(report, say, cancel)
            self._leases(report, say)
            say("downloading…")
            pulled = self._pull(report, say, cancel)
            report.pulled, report.pulled_by = pulled.total, dict(pulled.counts)
            report.warnings += pulled.warnings
            report.set_aside = list(pulled.set_aside)
            report.refused += pulled.refused
            self._review()
            self._mark_success(pulled.completed)
            report.ok = True
        except (SyncError, MalformedData) as exc:
            report.error, failure = exc.message, exc
            wait = getattr(exc, "retry_after_s", None)
            if wait is not None:  # 429/503 with Retry-After: the automatic runs wait as the server asks
                report.error += f" (the server asks to wait {wait:.0f} s before the next sync)"
            if not isinstance(exc, Canceled):
                self._mark_failure(report.error, wait)
        except Exception as exc:  # the sync loop is a task boundary (STYLE.md §6): log the traceback
            logger.exception("sync run failed")
            report.error, failure = f"{type(exc).__name__}: {exc}", exc
            self._mark_failure(report.error)
        finally:
            self.api.set_deadline(None)
        say(report.summary())
        return self._finish(report, failure)

    def _push(self, report: SyncReport, say: Callable[[str], None], cancel) -> None:
        say("uploading local changes…")
        pushed = Pusher(self.ledger, self.api, self.discovery, station=self.station, progress=say,
                        cancel=cancel).run()
        self._merge_push(report, pushed)
        if pushed.stopped is not None:
            raise pushed.stopped
        self._mark_success({"push"})

    def _leases(self, report: SyncReport, say: Callable[[str], None]) -> None:
        """Top up this box office's capacity leases (sync.leases; after push, before pull)."""
        if leases.applies(self.discovery):
            say("renewing seat leases…")
            report.warnings += leases.top_up(self.ledger, self.api, self.event_ids, self.now()).warnings

    def _pull(self, report: SyncReport, say: Callable[[str], None], cancel):
        """Pull (feed or plain); a refused feed cursor resets, re-sends and pulls from scratch once."""
        puller = Puller(self.ledger, self.api, self.event_ids, progress=say, cancel=cancel)
        if not self.discovery.has("changes"):
            return puller.pull_plain()
        try:
            return puller.pull_changes()
        except CursorRejected as exc:
            self._hub_went_back(report, exc.message)
        self._push(report, say, cancel)
        return Puller(self.ledger, self.api, self.event_ids, progress=say, cancel=cancel).pull_changes()

    def _review(self) -> None:
        """After the pull: the review-queue checks over the ledger (core.review_checks; each fact raised once)."""
        with self.ledger.uow() as uow:
            review_checks.after_sync(uow.session, station=self.station, event_ids=self.event_ids, now=self.now())
            uow.commit()

    def _check_hub(self, report: SyncReport) -> None:
        """Compare the hub's identity (discovery hubId/epoch) with the one stored; another one means another
        or a re-created hub database: reset (see _hub_went_back). The first sight is only stored."""
        found = (self.discovery.hub_id or "", self.discovery.epoch or "")
        if not found[0]:
            return
        with self.ledger.uow() as uow:
            known = state.hub_identity(uow.session)
            state.set_hub_identity(uow.session, *found, self.now())
            uow.commit()
        if known is not None and known != found:
            self._hub_went_back(report, f"the hub is another database now (id {known[0]} epoch {known[1]} → "
                                        f"id {found[0]} epoch {found[1]})")

    def _hub_went_back(self, report: SyncReport, why: str) -> None:
        """Forget every feed cursor and mark the sent check-in and order changes pending again (same
        idempotency keys: a hub that still has one answers it again, check-ins merge by nonce)."""
        with self.ledger.uow() as uow:
            state.clear_cursors(uow.session)
            resent = outbox.resend(uow.session, RESEND_KINDS)
            uow.commit()
        report.warnings.append(f"{why}: pulling everything again and re-sending {len(resent)} change(s)")
        logger.warning("hub went back in time (%s): cursors cleared, %d outbox rows re-sent", why, len(resent))

    def _finish(self, report: SyncReport, failure: BaseException | None) -> SyncReport:
        """Counts, clock and last success into `report`, its outcome class (sync.outcome), stored unless skipped."""
        report.last_success = self.last_success()
        report.outcome = of_run(ok=report.ok, skipped=report.skipped,
                                error=failure if failure is not None else report.error, refusals=report.refused,
                                rejected=len(report.rejected), clock_warning=report.clock_warning)
        with self.ledger.uow() as uow:
            report.pending = pending_count(uow.session)
            report.review_open = review.open_count(uow.session)
            report.review_new = max(0, report.review_open - self._open_before)
            if report.clock_offset_s is None:
                stored = clock.load(uow.session, self.clock_warn_s)
                report.clock_offset_s = stored.offset_s if stored.measured_at else None
            if not report.skipped:
                state.set_last_outcome(uow.session, report.outcome.to_json(), self.now())
                uow.commit()
        return report

    def _remember_role(self) -> None:
        """Cache the role, permissions and event scope the hub states for this key, for offline checks
        (sync.state.role_scope; issue 8 item 5). A plain server states none: nothing is stored."""
        d = self.discovery
        if d.plain or not d.role:
            return
        with self.ledger.uow() as uow:
            state.set_role_scope(uow.session, state.RoleScope(d.role, d.events, d.permissions, self.now()))
            uow.commit()

    def _follow_events(self, say: Callable[[str], None]) -> None:
        """A station connected to a hub for every event (sync.station.StationConfig.follow_all) takes the events
        the hub got since (the key's events, else the hub's list): they are saved with the connection and
        pulled from scratch in this run (their feed cursor is unset). Fresh-user trial: an event created after
        the doors connected never reached them."""
        d = self.discovery
        with self.ledger.uow() as uow:
            saved = dict(state.station(uow.session) or {})
        if d is None or d.plain or not saved.get("follow_all"):
            return
        ids = list(d.events) or [e["id"] for e in self.api.list_events() if e.get("id")]
        new = [i for i in ids if i not in self.event_ids]
        if not new:
            return
        say(f"new event(s) on the hub: {', '.join(new)}")
        self.event_ids += new
        with self.ledger.uow() as uow:
            state.set_station(uow.session, {**saved, "event_ids": list(self.event_ids)})
            uow.commit()

    def _clock(self, report: SyncReport) -> None:
        sample = self.api.last_clock
        if sample is None:
            report.warnings.append("the server sent no time header: clock offset unknown")
            return
        with self.ledger.uow() as uow:
            status = clock.record(uow.session, sample, self.clock_warn_s)
            uow.commit()
        report.clock_offset_s = status.offset_s
        if status.warning:
            report.warnings.append(status.warning)
            report.clock_warning = status.warning

    def _discover(self, report: SyncReport) -> Discovery:
        """Discovery, checked against the mode fixed at connect (issue 8 item 13): a known hub that answers like a
        plain server is a transient error (SyncError), never a downgrade; a known plain server that now offers
        extensions stays plain with a warning (connect again to use them). A ledger whose mode was never fixed
        fixes it now."""
        found = self.api.discover()
        with self.ledger.uow() as uow:
            fixed = state.server_mode(uow.session)
            if fixed is None:
                state.set_server_mode(uow.session, found.plain, found.extensions, self.now())
                uow.commit()
                return found
        if not fixed.plain and found.plain:
            raise SyncError("the hub's discovery answered like a plain contract server; this station stays in "
                            "hub mode and tries again later (connect again if the server really changed)")
        if fixed.plain and not found.plain:
            report.warnings.append("the server now offers hub extensions; this station stays in plain mode "
                                   "until it is connected again")
            return Discovery()
        return found

    def _check_identity(self, report: SyncReport) -> None:
        """The hub names the station its key belongs to: another name than this ledger's means the ledger
        syncs with someone else's key (issue 7: a key shared by two ledgers) — warn, never hide it."""
        named = (self.discovery.station or "")[:64]
        if named and self.station and named != self.station:
            report.warnings.append(f"this ledger is station {self.station!r} but its key belongs to {named!r} "
                                   f"(role {self.discovery.role}): connect this station again with its own key")
            logger.warning("station key mismatch: ledger %r, key of %r", self.station, named)

    @staticmethod
    def _merge_push(report: SyncReport, pushed) -> None:
        report.pushed = pushed.sent
        report.rejected, report.oversold, report.duplicates = pushed.rejected, pushed.oversold, pushed.duplicates
        report.waiting, report.refused = pushed.waiting, list(pushed.refused)
        report.conflicts, report.local_only = pushed.conflicts, pushed.local_only
        report.warnings += pushed.warnings
        if pushed.local_only:
            report.warnings.append(f"{len(pushed.local_only)} door sale(s) stay local-only: this server has no "
                                   f"order-creation call ({', '.join(pushed.local_only[:10])})")

    def _mark_success(self, resources: set[str]) -> None:
        at = self.now()
        with self.ledger.uow() as uow:
            state.mark_success(uow.session, resources, at)
            state.record_run_ok(uow.session, at)
            uow.commit()

    def _mark_failure(self, message: str, retry_after_s: float | None = None) -> None:
        """Count a failed run; `retry_after_s`: the server's Retry-After (the cool-down lasts at least that)."""
        at = self.now()
        retry_at = at + timedelta(seconds=retry_after_s) if retry_after_s else None
        with self.ledger.uow() as uow:
            state.record_run_failed(uow.session, message, at, retry_at)
            uow.commit()
        logger.warning("sync failed: %s", message)

    # -- on-demand lookup (WR-13 a) ------------------------------------------------------------------------
    def fetch_ticket(self, event_id: str, ticket_number: str) -> dict | None:
        """Look up a scanned ticket the ledger does not know: GetTicket, then GetOrder when allowed, merged
        into the ledger in one transaction. Returns the server's ticket JSON, or None when the server does not
        know it either. Raises NetworkError (offline: the door shows amber "not in local list"), ApiError."""
        try:
            ticket = self.api.get_ticket(ticket_number, event_id)
        except NotFound:
            return None
        order = None
        if ticket.get("orderNumber"):
            try:
                order = self.api.get_order(event_id, ticket["orderNumber"])
            except SyncError as exc:  # a door key may not read orders: the ticket's orderStatus suffices
                logger.info("order %s not fetched: %s", ticket["orderNumber"], exc.message)
        with self.ledger.uow() as uow:
            if order is not None:
                apply_orders(uow.session, [order], event_id)
            rows = apply_ticket_rows(uow.session, [parse_ticket(ticket, event_id)])
            derive_checkins(uow.session, rows)
            uow.commit()
        return ticket
