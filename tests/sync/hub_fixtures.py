"""Hub fixtures: a real hub (uvicorn in a thread on 127.0.0.1, free port) over its own database.

- `hub_factory(plain=False, smtp_url=None, clock=None, **create_app_options)` starts a hub and returns a
  RunningHub with `.url`, `.ledger`, `.plain`, `.backend` ("sqlite" | "postgresql"), `.add_station(name, role)
  -> key`, `.client(role)` (an httpx.Client with a fresh station key), `.uow()` (seed the hub's database
  through core services *with* change-feed rows and no outbox rows, as hub calls do) and `.restart()`. Every hub gets a fresh database.
- `hub` = hub_factory().
- Both run once over SQLite and once over PostgreSQL; the PostgreSQL run needs TESSERA_TEST_PG_URL
  (e.g. postgresql://tessera:tessera@127.0.0.1/tessera_test) and is skipped with that reason otherwise.
  Each PostgreSQL hub lives in its own schema (search_path), dropped afterwards.
- `smtp_factory(port=None)` starts an aiosmtpd server on 127.0.0.1 collecting messages (`.url`,
  `.messages`, `.wait_for(n)`, `.stop()`).
"""
from __future__ import annotations

import email
import email.policy
import os
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy import event as sa_event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from core.changes import note
from core.db import Ledger
from core.db import make_url as ledger_url
from core.definitions import create_definition
from core.events import create_event, get_event
from core.models import CheckIn, Event, Order, Ticket, TicketDefinition
from core.sales import sell
from core.timeutil import utcnow
from sync.hub import changes
from sync.hub.app import create_app
from sync.hub.auth import add_station
from sync.hub.server import ServerThread
from tests.ledgers import new_ledger

PG_ENV = "TESSERA_TEST_PG_URL"
_HAND_EDITS = {Event: ("events", "id"), TicketDefinition: ("definitions", "id"), Order: ("orders", "order_number"),
               Ticket: ("tickets", "ticket_number"), CheckIn: ("checkins", "ticket_number")}


def _note_hand_edits(session: Session, _ctx, _instances) -> None:
    """Note the rows a test added, edited or deleted by hand in RunningHub.uow() (test seeding only: the hub
    itself takes what the core services note)."""
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        spec = _HAND_EDITS.get(type(obj))
        if spec is not None:
            note(session, **{spec[0]: [getattr(obj, spec[1])]})


def pg_url() -> str | None:
    """The PostgreSQL server for hub tests, from $TESSERA_TEST_PG_URL (None = not available)."""
    return os.environ.get(PG_ENV) or None


class PgSchema:
    """A throw-away schema on the test PostgreSQL server; `url` points the ledger's search_path at it."""

    def __init__(self, base: str):
        self.name = "hub_" + uuid.uuid4().hex[:12]
        self.admin = create_engine(ledger_url(base), isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
        url = make_url(ledger_url(base))
        self.url = url.update_query_dict({"options": f"-csearch_path={self.name}"}).render_as_string(
            hide_password=False)

    def drop(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
        self.admin.dispose()


@dataclass
class RunningHub:
    """A hub serving on `url` over `ledger` (see the module docstring)."""

    url: str
    ledger: Ledger
    plain: bool
    backend: str
    app: Any
    server: ServerThread
    options: dict
    clients: list = field(default_factory=list)
    _names: int = 0

    def add_station(self, name: str, role: str) -> str:
        """Register station `name` with `role` in the hub's database; returns its key."""
        with self.ledger.uow() as uow:
            key = add_station(uow.session, name, role)
            uow.commit()
        return key

    def client(self, role: str = "organiser", name: str | None = None, key: str | None = None) -> httpx.Client:
        """An httpx.Client on the hub authenticated as a new station of `role` (or with `key`)."""
        if key is None:
            self._names += 1
            key = self.add_station(name or f"{role}-{self._names}", role)
        c = httpx.Client(base_url=self.url, headers={"Authorization": key}, timeout=30)
        self.clients.append(c)
        return c

    @contextmanager
    def uow(self) -> Iterator[Session]:
        """A committed write to the hub's database that also appends change-feed rows, as hub calls do
        (`UnitOfWork(outbox=False)`: no outbox rows). Core services note what they change; rows a test edits by
        hand (standing in for a central change, e.g. `order.status = "CANCELED"`) are noted for it."""
        state = self.app.state.hub
        with state.write_lock, self.ledger.uow(outbox=False) as uow:
            sa_event.listen(uow.session, "before_flush", _note_hand_edits)
            yield uow.session
            changes.record(uow.session, utcnow(), postgres=state.postgres)
            uow.commit()

    # -- seeding through core services (with feed rows) ----------------------------------------------
    def seed_event(self, title: str = "Spring Gala", currency: str = "EUR", time_zone: str = "Europe/Zurich",
                   start: str = "2026-03-07T19:00:00Z") -> str:
        """Create an event; returns its id."""
        with self.uow() as s:
            return create_event(s, title=title, time_zone=time_zone, currency=currency, start=start).id

    def seed_definition(self, event_id: str, name: str = "Adult", price: str = "12.50",
                        quantity: int | None = None, **data) -> str:
        """Create a ticket definition (price in the event's currency); returns its id."""
        with self.uow() as s:
            cur = get_event(s, event_id).currency
            body = dict(data, name=name, price={"value": price, "currency": cur})
            if quantity is not None:
                body.update(limited=True, quantity=quantity)
            return create_definition(s, event_id, body).id

    def seed_sale(self, event_id: str, lines: dict[str, int], *, payment: str = "card",
                  first: str = "Ana", last: str = "Moreira", email: str = "ana@example.org",
                  override: bool = False) -> dict:
        """Sell at the box office (core.sales.sell); returns {"orderNumber", "tickets": [numbers], "status"}."""
        with self.uow() as s:
            sale = sell(s, event_id, lines, {"firstName": first, "lastName": last, "email": email},
                        payment=payment, station="seed", override=override)
            return {"orderNumber": sale.order.order_number, "status": sale.order.status,
                    "tickets": [t.ticket_number for t in sale.order.tickets]}

    def restart(self, **options) -> "RunningHub":
        """Stop the server and start a new app over the same database (e.g. to see a backfill)."""
        self.server.stop()
        if self.app.state.hub.mailer is not None:
            self.app.state.hub.mailer.stop()
        self.options.update(options)
        self.app = create_app(self.ledger, plain=self.plain, **self.options)
        self.server = ServerThread(self.app).start()
        self.url = self.server.url
        return self

    def stop(self) -> None:
        for c in self.clients:
            c.close()
        self.server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def hub_backend(request) -> str:
    """The hub database backend; the PostgreSQL parameter needs $TESSERA_TEST_PG_URL."""
    if request.param == "postgresql" and not pg_url():
        pytest.skip(f"PostgreSQL hub run skipped: set {PG_ENV} (e.g. postgresql://tessera:tessera@127.0.0.1/"
                    "tessera_test) to run the hub tests against PostgreSQL too")
    return request.param


@pytest.fixture
def hub_factory(hub_backend, tmp_path):
    """Start hubs (see the module docstring); all are stopped and their databases dropped afterwards."""
    made: list[tuple[RunningHub, PgSchema | None]] = []

    def make(plain: bool = False, smtp_url: str | None = None, clock=None, **options) -> RunningHub:
        schema = PgSchema(pg_url()) if hub_backend == "postgresql" else None
        db = schema.url if schema else str(tmp_path / f"hub{len(made)}.db")
        ledger = Ledger.open(db) if schema else new_ledger(db)
        opts = dict(options, smtp_url=smtp_url, clock=clock)
        app = create_app(ledger, plain=plain, **opts)
        server = ServerThread(app).start()
        running = RunningHub(server.url, ledger, plain, hub_backend, app, server, opts)
        made.append((running, schema))
        return running

    yield make
    for running, schema in reversed(made):
        running.stop()
        running.ledger.close()
        if schema is not None:
            schema.drop()


@pytest.fixture
def hub(hub_factory) -> RunningHub:
    """A hub with every extension, on a fresh database."""
    return hub_factory()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """An aiosmtpd server on 127.0.0.1 that keeps every message (as email.message.EmailMessage)."""

    def __init__(self, port: int | None = None):
        from aiosmtpd.controller import Controller

        self.port = port or free_port()
        self.messages: list = []
        self._cond = threading.Condition()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?from=box-office@venue.example"

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._cond:
            self.messages.append(msg)
            self._cond.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, n: int, timeout: float = 20.0) -> list:
        """Block until `n` messages arrived (or `timeout` s passed); returns the messages."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.messages) < n and time.monotonic() < deadline:
                self._cond.wait(max(0.01, deadline - time.monotonic()))
            return list(self.messages)

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def smtp_factory():
    """Start SMTP sinks on 127.0.0.1 (optionally on a given port); stopped afterwards."""
    sinks: list[SmtpSink] = []

    def make(port: int | None = None) -> SmtpSink:
        sinks.append(SmtpSink(port))
        return sinks[-1]

    yield make
    for sink in sinks:
        sink.stop()


def expect_error(resp: httpx.Response, status: int, code: str | None = None) -> dict:
    """Assert a contract error answer (API.md §1.3): `status`, {message, details: {applicationError |
    validationError}}, an X-Wix-Request-Id header, and (if given) the applicationError/ruleName `code`."""
    assert resp.status_code == status, (resp.status_code, resp.text)
    assert resp.headers.get("X-Wix-Request-Id")
    body = resp.json()
    assert isinstance(body.get("message"), str) and body["message"]
    details = body["details"]
    assert "applicationError" in details or "validationError" in details, body
    if code is not None:
        if "applicationError" in details:
            assert details["applicationError"]["code"] == code, body
        else:
            assert details["validationError"]["fieldViolations"][0]["ruleName"] == code, body
    return body


def ok(resp: httpx.Response) -> dict:
    """Assert the contract's only success: HTTP 200 with a JSON object body; returns the body."""
    assert resp.status_code == 200, (resp.status_code, resp.text)
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert isinstance(body, dict)
    return body
