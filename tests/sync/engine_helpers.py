"""Helpers of the sync-engine tests: stations (a real SQLite ledger + SyncEngine talking to the real hub of
tests/sync/conftest.py) and `Faults`, an httpx.MockTransport around the real transport for the faults a real
server cannot produce on demand (a lost answer, a refused connection, a 503, a 201 error answer)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
import httpx
import pytest
from sqlalchemy import func, insert, select

from core.checkin import scan_and_commit
from core.db import Ledger
from core.models import CheckIn, Order, OutboxEntry, Ticket
from core.timeutil import utcnow
from sync.client import device_now
from sync.engine import SyncEngine
from sync.hub import changes
from sync.station import StationConfig, make_api
from tests.ledgers import new_ledger


class Faults:
    """A transport that forwards to the real one, except for the planned faults. `rules` are
    (method, path prefix, action, times) where action is "drop" (the server processes the request, the answer
    is lost: ReadTimeout), "refuse" (ConnectError, nothing reaches the server), or an int/Response factory
    (answer that status without reaching the server). `offline = True` refuses everything."""

    def __init__(self):
        self.real = httpx.HTTPTransport()
        self.rules: list[list] = []
        self.offline = False
        self.seen: list[tuple[str, str]] = []

    def add(self, method: str, prefix: str, action, times: int = 1) -> "Faults":
        self.rules.append([method, prefix, action, times])
        return self

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.method, request.url.path))
        if self.offline:
            raise httpx.ConnectError("network is unreachable", request=request)
        for rule in self.rules:
            method, prefix, action, times = rule
            if times > 0 and request.method == method and request.url.path.startswith(prefix):
                rule[3] -= 1
                if action == "drop":
                    resp = self.real.handle_request(request)
                    resp.read()
                    resp.close()
                    raise httpx.ReadTimeout("answer lost after the server processed it", request=request)
                if action == "refuse":
                    raise httpx.ConnectError("connection refused", request=request)
                if isinstance(action, int):
                    return httpx.Response(action, content=b"", request=request)
                return action(request)
        resp = self.real.handle_request(request)
        resp.read()
        return httpx.Response(resp.status_code, headers=resp.headers, content=resp.content, request=request)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)


class StationUnderTest:
    """A station: its own ledger file, a hub key of `role`, a SyncEngine (no cool-down) and Faults."""

    def __init__(self, hub, path, name: str, role: str, event_ids: list[str], *,
                 skew: timedelta = timedelta(0)):
        self.name, self.hub = name, hub
        self.key = hub.add_station(name, role)
        self.ledger = new_ledger(path / f"station-{name}.db")
        self.faults = Faults()
        self.skew = skew
        self.api = make_api(StationConfig(url=hub.url), self.key, transport=self.faults.transport(),
                            clock=self.device_now)
        self.engine = SyncEngine(self.ledger, self.api, name, event_ids, clock_warn_s=120.0, cooldown_s=0.0)

    def device_now(self) -> datetime:
        """This station's (possibly wrong) device clock (BC-13)."""
        return device_now() + self.skew

    def sync(self, **kw):
        kw.setdefault("force", True)
        return self.engine.run_once(**kw)

    def outbox(self, state: str | None = None) -> list[OutboxEntry]:
        with self.ledger.uow() as uow:
            q = select(OutboxEntry).order_by(OutboxEntry.id)
            if state:
                q = q.where(OutboxEntry.state == state)
            rows = list(uow.session.scalars(q))
            uow.session.expunge_all()  # readable after the unit of work ends
            return rows

    def checkins(self, ticket_number: str | None = None) -> list[CheckIn]:
        return checkins_of(self.ledger, ticket_number)

    def close(self) -> None:
        self.api.http.close()
        self.ledger.close()


def checkins_of(ledger: Ledger, ticket_number: str | None = None) -> list[CheckIn]:
    """Check-in rows of a ledger (optionally one ticket), in id order."""
    with ledger.uow() as uow:
        q = select(CheckIn).order_by(CheckIn.id)
        if ticket_number:
            q = q.where(CheckIn.ticket_number == ticket_number)
        rows = list(uow.session.scalars(q))
        uow.session.expunge_all()
        return rows


def count(ledger: Ledger, model) -> int:
    with ledger.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture(params=["hub", "plain"])
def server(request, hub_factory):
    """The real hub with its extensions, then the same hub as a plain contract server (`--plain`)."""
    return hub_factory(plain=request.param == "plain")


@pytest.fixture
def stations(tmp_path):
    """make(name, role, event_ids, on=<RunningHub>, skew=timedelta) → StationUnderTest; closed afterwards."""
    made: list[StationUnderTest] = []

    def make(name: str, role: str, event_ids: list[str], *, on, skew: timedelta = timedelta(0)) -> StationUnderTest:
        st = StationUnderTest(on, tmp_path, name, role, event_ids, skew=skew)
        made.append(st)
        return st

    yield make
    for st in made:
        st.close()


def bulk_tickets(hub, event_id: str, definition_id: str, n: int, *, per_order: int = 4,
                 prefix: str = "BULK") -> list[str]:
    """Insert `n` PAID tickets (in orders of `per_order`) straight into the hub's database with bulk SQL and
    add their change-feed rows with the hub's own backfill (seeding 100k rows through the services would take
    minutes). Returns the ticket numbers."""
    now = utcnow()
    orders, tickets = [], []
    for i in range(0, n, per_order):
        on = f"{prefix}-{i // per_order:07d}"
        orders.append(dict(order_number=on, event_id=event_id, status="PAID", first_name="Guest",
                           last_name=f"{i // per_order}", email=f"g{i}@example.org", checkout_form=[], method="card",
                           total_minor=1250 * min(per_order, n - i), currency="EUR", archived=False,
                           channel="ONLINE", station="", created=now, updated=now))
        for j in range(min(per_order, n - i)):
            tickets.append(dict(ticket_number=f"{on}{21 + j:03d}", order_number=on, event_id=event_id,
                                definition_id=definition_id, name="Adult", price_minor=1250, currency="EUR",
                                guest_first_name="Guest", guest_last_name=str(i + j), guest_email="",
                                guest_form=[], archived=False, canceled=False, created=now))
    with hub.ledger.uow() as uow:
        for k in range(0, len(orders), 5000):
            uow.session.execute(insert(Order), orders[k:k + 5000])
        for k in range(0, len(tickets), 5000):
            uow.session.execute(insert(Ticket), tickets[k:k + 5000])
        changes.backfill(uow.session, now, postgres=hub.backend == "postgresql")
        uow.commit()
    return [t["ticket_number"] for t in tickets]


def hour_ago() -> datetime:
    """A base instant one hour ago (aware UTC, whole seconds) for scenario times in the past."""
    return datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=1)


UPLOAD = {False: "/tessera/v1/checkins", True: "/events/v1/tickets/check-in"}  # check-in upload path by plain mode


def door_with_scans(server, stations, n: int = 2):
    """A door station "A" on a fresh event with `n` sold tickets, synced, then each ticket scanned an hour ago
    (one second apart). Returns (event_id, ticket_numbers, station)."""
    ev = server.seed_event()
    d = server.seed_definition(ev, quantity=50)
    tickets = server.seed_sale(ev, {d: n})["tickets"]
    a = stations("A", "door", [ev], on=server)
    assert a.sync().ok
    for i, tn in enumerate(tickets):
        scan_and_commit(a.ledger, tn, event_ids=[ev], station="A", now=hour_ago() + timedelta(seconds=i))
    return ev, tickets, a
