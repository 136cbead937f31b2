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
from sqlalchemy import func, select
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request

from core.db import Ledger
from core.timeutil import require_aware, to_rfc3339, utcnow
from sync.hub import changes, routes
from sync.hub.mailer import PENDING, Mailer
from sync.hub.models import HubMail, ensure_schema
from sync.hub.runner import REQUEST_ID, HubState, error_body, json_response, new_request_id

logger = logging.getLogger(__name__)
SERVER_TIME = "X-Server-Time"
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


def _prepare(ledger: Ledger, clock: Callable[[], datetime], smtp_url: str | None) -> None:
    """Create the hub tables, backfill the feed for rows written by other tools, note unsent mail."""
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
               mail_backoff: tuple[float, float] = (2.0, 300.0)) -> FastAPI:
    """The hub as a FastAPI app over `ledger` (SQLite or PostgreSQL, already migrated by Ledger.open).

    plain: serve the bare contract (no discovery, extensions or X-Server-Time) like a Wix-compatible server.
    smtp_url: `smtp://host:port[?from=…]` for confirmation e-mails (mails are queued either way).
    clock: server time source (aware UTC), default core.timeutil.utcnow.
    mail_backoff: (first retry delay, maximum delay) in seconds for failed e-mails."""
    now = (lambda: require_aware(clock())) if clock else utcnow
    _prepare(ledger, now, smtp_url)
    mailer = Mailer(ledger, smtp_url, backoff=mail_backoff) if smtp_url else None
    state = HubState.build(ledger, plain=plain, clock=now, mailer=mailer)

    @asynccontextmanager
    async def lifespan(_app):
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
