"""Running one hub call: authenticate, check the role, replay an Idempotency-Key, run the handler in one
transaction (`UnitOfWork(outbox=False)`: no outbox rows; the change-feed rows come from what the core
services noted, sync.hub.changes.record; plus the idempotency record), and answer with the contract's shapes.

Only `200` + a JSON object is success (API.md "What the vendor's official JS client actually sends" §7);
errors carry `{message, details: {applicationError|validationError}}` (API.md §1.3). Handlers are plain
functions `fn(call) -> dict` run in a worker thread; they raise core.errors.DomainError to refuse. A write
handler may return a zero-argument callable instead of the dict: it renders the answer after the commit, outside
the SQLite write lock (issue 11: rendering was a fifth of a CheckIn, all of it under the lock), or before the
commit when the call carries an Idempotency-Key (the stored answer is written in the same transaction) and on
PostgreSQL (no write lock there; a read after the commit would cost a BEGIN and a ROLLBACK round trip).
"""
from __future__ import annotations

import contextlib
import json
import logging
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from core.checkin_runner import ADVISORY_LOCKS
from core.db import Ledger
from core.errors import AlreadyExists, DomainError
from sync.hub import changes
from sync.hub.auth import Station, StationCache, require, require_events
from sync.hub.models import HubIdempotency
from sync.hub.params import Query, parse_body

logger = logging.getLogger(__name__)
REQUEST_ID = "X-Wix-Request-Id"
STATION = "tessera_station"  # request-state key: the Station BodyGuardMiddleware authenticated (sync.hub.app)


@dataclass
class HubState:
    """Everything a call needs from the running hub. `write_lock` serialises writes on SQLite (one writer
    at a time anyway; this also keeps the core's read-then-write services race-free); on PostgreSQL writes
    run concurrently and handlers take advisory locks on the keys they change (`Call.lock`)."""

    ledger: Ledger
    plain: bool
    clock: Callable[[], datetime]
    stations: StationCache
    postgres: bool
    write_lock: Any
    mailer: Any = None

    @classmethod
    def build(cls, ledger: Ledger, *, plain: bool, clock: Callable[[], datetime], mailer=None) -> "HubState":
        postgres = ledger.engine.dialect.name == "postgresql"
        lock = contextlib.nullcontext() if postgres else threading.Lock()
        return cls(ledger, plain, clock, StationCache(), postgres, lock, mailer)


@dataclass
class Call:
    """One request as a handler sees it: the open `session`, the authenticated `station`, the `query`
    (multi-valued), JSON `body`, `path` parameters and the server time `now` (aware UTC)."""

    state: HubState
    session: Session
    station: Station
    query: Query
    body: dict
    path: dict[str, str]
    now: datetime
    wake_mailer: bool = False
    extra_headers: dict = field(default_factory=dict)
    feed: tuple | None = None  # (feed entries, check-in tickets they cover) a handler built (changes.record)

    def lock(self, *keys: str) -> None:
        """Serialise concurrent writers of the same keys (PostgreSQL advisory transaction locks, taken in
        sorted order so two calls never deadlock; a no-op on SQLite where writes are serialised)."""
        if not self.state.postgres or not keys:
            return
        self.session.execute(ADVISORY_LOCKS, {"keys": sorted(set(keys))})  # one statement, in sorted order


def error_body(message: str, code: str, status: int) -> tuple[int, dict]:
    """A contract error answer (API.md §1.3) as (status, body)."""
    return status, {"message": message,
                    "details": {"applicationError": {"code": code, "description": message, "data": {}}}}


def json_response(status: int, body: dict, headers: dict | None = None) -> Response:
    """A JSON answer (UTF-8, names in any script kept)."""
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(data, status_code=status, media_type="application/json", headers=headers or {})


async def run(request: Request, permission: str, fn: Callable[[Call], dict], *, write: bool = False) -> Response:
    """Answer `request` with `fn` (see the module docstring). `permission` is checked against the caller's
    role (401/403); `write` runs the handler in a write transaction with feed rows and idempotency."""
    state: HubState = request.app.state.hub
    try:
        raw = await request.body()
        body = parse_body(raw) if raw else {}
    except DomainError as exc:
        return json_response(exc.status, exc.to_api())
    query = Query(request.query_params.multi_items())
    info = {"method": request.method, "path": request.url.path, "auth": request.headers.get("authorization"),
            "idem": request.headers.get("idempotency-key"), "params": dict(request.path_params),
            "station": request.scope.get("state", {}).get(STATION)}
    status, payload, headers = await run_in_threadpool(_execute, state, info, permission, fn, write, query, body)
    return json_response(status, payload, headers)


def _execute(state: HubState, info: dict, permission: str, fn, write: bool, query: Query,
             body: dict) -> tuple[int, dict, dict]:
    try:
        return _transaction(state, info, permission, fn, write, query, body)
    except DomainError as exc:
        return exc.status, exc.to_api(), {}
    except IntegrityError as exc:
        logger.info("conflicting write %s %s: %s", info["method"], info["path"], exc.orig)
        replay = _replay_after_conflict(state, info) if info["idem"] and write and not state.plain else None
        if replay is not None:
            return replay
        err = AlreadyExists("the write conflicts with stored data (a duplicate key)")
        return err.status, err.to_api(), {}
    except DataError as exc:  # e.g. a value longer than its PostgreSQL column
        logger.info("rejected value in %s %s: %s", info["method"], info["path"], exc.orig)
        return (*error_body("a value is too long or malformed for the hub's database", "INVALID_ARGUMENT", 400),
                {})
    except OperationalError:
        logger.exception("database unavailable for %s %s", info["method"], info["path"])
        return (*error_body("the hub's database is busy or unavailable; retry", "UNAVAILABLE", 503), {})
    except Exception:  # a bug: log it, answer 500 with the contract's error shape
        logger.exception("internal error in %s %s", info["method"], info["path"])
        return (*error_body("internal hub error", "INTERNAL", 500), {})


def _transaction(state: HubState, info: dict, permission: str, fn, write: bool, query: Query,
                 body: dict) -> tuple[int, dict, dict]:
    now = state.clock()
    with state.ledger.uow(outbox=False) as uow:  # the hub writes its change feed, never outbox rows
        session = uow.session
        station = info.get("station") or state.stations.authenticate(session, info["auth"])
        require(station, permission)
        require_events(station, _named_events(query, body, info["params"]))
        idem = info["idem"].strip()[:128] if (info["idem"] and write and not state.plain) else None
        if idem:
            stored = session.get(HubIdempotency, (station.name, idem))
            if stored is not None:
                return _stored_answer(stored, info)
        call = Call(state, session, station, query, body, info["params"], now)
        if not write:
            return 200, fn(call), call.extra_headers
        with state.write_lock:
            result = fn(call)
            if callable(result) and (idem or state.postgres):  # the stored answer belongs to the write's
                result = result()  # transaction; on PostgreSQL (no write lock) this saves two round trips
            if idem:
                session.add(HubIdempotency(station=station.name, key=idem, method=info["method"],
                                           path=info["path"][:512], status=200, body=result, created=now))
                session.flush()
            # the feed last: on PostgreSQL its rows and COMMIT go in one round trip (the feed lock is short)
            changes.record(session, now, postgres=state.postgres, given=call.feed, commit=state.postgres)
            uow.commit()
        if callable(result):  # rendered after the commit, outside the write lock (issue 11)
            result = result()
    if call.wake_mailer and state.mailer is not None:
        state.mailer.wake()
    return 200, result, call.extra_headers


def _named_events(query: Query, body: dict, params: dict) -> list[str]:
    """The event ids a call names (query `eventId`, body `eventId`, path `eventId`): a key limited to events
    is refused any other (sync.hub.auth.require_events)."""
    named = list(query.all("eventId")) + [params.get("eventId")]
    if isinstance(body, dict) and isinstance(body.get("eventId"), str):
        named.append(body["eventId"])
    return [str(e) for e in named if e]


def _stored_answer(stored: HubIdempotency, info: dict) -> tuple[int, dict, dict]:
    """The stored answer of a replayed Idempotency-Key (BC-15); the same key on another call is a 409."""
    if stored.method != info["method"] or stored.path != info["path"][:512]:
        err = AlreadyExists(f"Idempotency-Key already used for {stored.method} {stored.path}",
                            code="IDEMPOTENCY_KEY_REUSED")
        return err.status, err.to_api(), {}
    return stored.status, stored.body, {"Idempotent-Replayed": "true"}


def _replay_after_conflict(state: HubState, info: dict) -> tuple[int, dict, dict] | None:
    """After a unique-key conflict: if a concurrent call with the same Idempotency-Key committed first,
    answer with its stored result."""
    with state.ledger.uow(outbox=False) as uow:
        try:
            station = state.stations.authenticate(uow.session, info["auth"])
        except DomainError:
            return None
        stored = uow.session.get(HubIdempotency, (station.name, info["idem"].strip()[:128]))
        return _stored_answer(stored, info) if stored is not None else None


def new_request_id() -> str:
    """A request id for the X-Wix-Request-Id header."""
    return uuid.uuid4().hex
