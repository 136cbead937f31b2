"""The hub application: the central ticketing contract (API.md §2–4) over core's services, plus the
extensions of docs/HUB_EXTENSIONS.md unless `plain`. Build with `create_app(ledger)` and serve with uvicorn
(see sync.hub.server)."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Callable

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
import anyio.to_thread
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request

from core.db import Ledger
from core.timeutil import require_aware, to_rfc3339, utcnow
from sync.hub import changes, routes
from sync.hub.auth import Station, Unauthenticated, authenticate
from sync.hub.mailer import PENDING, Mailer
from sync.hub.models import HubMail, ensure_schema
from sync.hub.runner import REQUEST_ID, STATION, HubState, error_body, json_response, new_request_id

logger = logging.getLogger(__name__)
SERVER_TIME = "X-Server-Time"
MAX_BODY = 1 << 20  # bytes: the largest legitimate body (100 check-in rows, an order of 100 tickets) is ~60 kB
_CODES = {404: "NOT_FOUND", 400: "INVALID_ARGUMENT", 413: "PAYLOAD_TOO_LARGE"}


class HeaderMiddleware:
    """Adds X-Wix-Request-Id to every answer and, unless plain, X-Server-Time (RFC 3339 UTC with ms)."""

    def __init__(self, app, *, clock: Callable[[], datetime], plain: bool):
        self.app, self.clock, self.plain = app, clock, plain

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_request_id()

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if REQUEST_ID not in headers:
                    headers.append(REQUEST_ID, request_id)
                if not self.plain:
                    headers[SERVER_TIME] = to_rfc3339(self.clock())
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyGuardMiddleware:
    """The key is checked before a request body is read, and bodies over `max_body` bytes get 413 (issue 11:
    the hub used to read a whole 50 MB body before looking at the key). A request that carries a body
    (Content-Length > 0 or Transfer-Encoding) is authenticated first (one SELECT, in a worker thread): no
    valid key → 401 at once, the body unread. A declared length over the limit → 413 unread; a chunked body
    is counted as it streams and stopped with 413 once it passes the limit. The authenticated station goes to
    the handler in the request state (`STATION`): one key check per call."""

    def __init__(self, app, *, ledger: Ledger, max_body: int):
        self.app, self.ledger, self.max_body = app, ledger, max_body

    async def __call__(self, scope, receive, send):
        headers = Headers(scope=scope) if scope["type"] == "http" else None
        if headers is None or not _has_body(headers):
            await self.app(scope, receive, send)
            return
        try:
            station = await run_in_threadpool(self._check_key, headers.get("authorization"))
        except Unauthenticated as exc:
            await json_response(exc.status, exc.to_api())(scope, receive, send)
            return
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            await json_response(*self._too_large())(scope, receive, send)
            return
        scope.setdefault("state", {})[STATION] = station  # the call's handler needs no second key check
        await self.app(scope, self._counting(receive), send)

    def _check_key(self, header: str | None) -> Station:
        # a Core connection in autocommit: one SELECT, no BEGIN/ROLLBACK round trips on PostgreSQL
        with self.ledger.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            return authenticate(conn, header)

    def _too_large(self) -> tuple[int, dict]:
        return error_body(f"request body over {self.max_body} bytes", "PAYLOAD_TOO_LARGE", 413)

    def _counting(self, receive):
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                raise StarletteHTTPException(413, self._too_large()[1]["message"])
            return message
        return counted


def _has_body(headers: Headers) -> bool:
    length = headers.get("content-length", "")
    return (length.isdigit() and int(length) > 0) or "transfer-encoding" in headers


PREPARE_LOCK = 0x7E55E4B  # PostgreSQL advisory lock: one hub process at a time creates tables / backfills


def prepare(ledger: Ledger, clock: Callable[[], datetime] = utcnow, smtp_url: str | None = None) -> None:
    """Create the hub tables, backfill the feed for rows written by other tools, note unsent mail. On
    PostgreSQL several hub processes may start at once: they take turns (a session advisory lock)."""
    if ledger.engine.dialect.name != "postgresql":
        _prepare(ledger, clock, smtp_url)
        return
    with ledger.engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": PREPARE_LOCK})
        try:
            _prepare(ledger, clock, smtp_url)
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PREPARE_LOCK})
            conn.commit()


def _prepare(ledger: Ledger, clock: Callable[[], datetime], smtp_url: str | None) -> None:
    ensure_schema(ledger.engine)
    with ledger.uow(outbox=False) as uow:
        added = changes.backfill(uow.session, clock(), postgres=ledger.engine.dialect.name == "postgresql")
        pending = uow.session.scalar(select(func.count()).select_from(HubMail).where(HubMail.state == PENDING))
        uow.commit()
    if added:
        logger.info("change feed: %d entries backfilled", added)
    if pending and not smtp_url:
        logger.warning("%d confirmation e-mails are queued but no SMTP server is configured (--smtp)", pending)


def create_app(ledger: Ledger, *, plain: bool = False, smtp_url: str | None = None,
               clock: Callable[[], datetime] | None = None,
               mail_backoff: tuple[float, float] = (2.0, 300.0), max_body: int = MAX_BODY,
               threads: int | None = None, prepared: bool = False) -> FastAPI:
    """The hub as a FastAPI app over `ledger` (SQLite or PostgreSQL, already migrated by Ledger.open).

    plain: serve the bare contract (no discovery, extensions or X-Server-Time) like a Wix-compatible server.
    smtp_url: `smtp://host:port[?from=…]` for confirmation e-mails (mails are queued either way).
    clock: server time source (aware UTC), default core.timeutil.utcnow.
    mail_backoff: (first retry delay, maximum delay) in seconds for failed e-mails.
    max_body: the largest request body in bytes (413 above it; BodyGuardMiddleware).
    threads: the most calls run at once in worker threads (each holds a database connection; None = anyio's
    default 40). Several processes on one PostgreSQL use a few each (sync.hub.server.serve).
    prepared: the database was already prepared (`prepare`) by the process that started this one."""
    now = (lambda: require_aware(clock())) if clock else utcnow
    if not prepared:
        prepare(ledger, now, smtp_url)
    mailer = Mailer(ledger, smtp_url, backoff=mail_backoff) if smtp_url else None
    state = HubState.build(ledger, plain=plain, clock=now, mailer=mailer)

    @asynccontextmanager
    async def lifespan(_app):
        if threads:
            anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        if mailer is not None:
            mailer.start()
            mailer.wake()
        try:
            yield
        finally:
            if mailer is not None:
                mailer.stop()

    app = FastAPI(title="Tessera hub", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.hub = state
    routes.register(app, plain=plain)
    _add_error_handlers(app)
    app.add_middleware(BodyGuardMiddleware, ledger=ledger, max_body=max_body)
    app.add_middleware(HeaderMiddleware, clock=now, plain=plain)
    return app


def _add_error_handlers(app: FastAPI) -> None:
    """Every error, including unknown paths, in the contract's error shape (API.md §1.3)."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 405:  # like the vendor: a path without that method is simply not found
            return json_response(*error_body(f"no route {request.method} {request.url.path}", "NOT_FOUND", 404))
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        status, body = error_body(message, _CODES.get(exc.status_code, "HTTP_%d" % exc.status_code),
                                  exc.status_code)
        return json_response(status, body, dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError):
        return json_response(*error_body(f"invalid request: {exc.errors()}", "INVALID_ARGUMENT", 400))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, _exc: Exception):
        logger.exception("unhandled error in %s %s", request.method, request.url.path)
        return json_response(*error_body("internal hub error", "INTERNAL", 500))
