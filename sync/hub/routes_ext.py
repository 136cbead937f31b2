"""Hub extension routes (docs/HUB_EXTENSIONS.md): discovery, the change feed, check-in rows upload (merged by
core.checkin_merge: BC-13, BC-14, BC-15) and box-office order upload (BC-26). Absent in --plain mode."""
from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select
from starlette.requests import Request

from core import contract
from core.checkin_merge import (CHECK_IN, DUPLICATE, find_by_nonce, recompute, record_row, row_from_api,
                                winner_to_api)
from core.errors import InvalidArgument
from core.models import Ticket
from core.status import PAID
from core.timeutil import to_rfc3339
from sync.hub.changes import read_feed
from sync.hub.mailer import queue_confirmation
from sync.hub.params import require_str
from sync.hub.render import orders_json
from sync.hub.runner import Call, run
from sync.hub.upload import oversold, store_order

router = APIRouter()
EXTENSIONS = ["idempotency", "changes", "checkin-rows", "orders-upload", "server-time"]
MAX_ROWS = 100


@router.get("/tessera/v1/discovery")
async def discovery_route(request: Request):
    """{tessera: 1, extensions, serverTime, station, role}."""
    return await run(request, "discovery", _discovery)


@router.get("/tessera/v1/changes")
async def changes_route(request: Request):
    """Change feed: ?eventId=..&since=<cursor>&limit=<≤1000> → {changes, cursor, hasMore}."""
    return await run(request, "changes.read", _changes)


@router.post("/tessera/v1/checkins")
async def checkins_route(request: Request):
    """Check-in rows upload {eventId, checkIns: [..≤100]} → {results: [{nonce, status, serverTime, …}]}."""
    return await run(request, "tickets.checkin", _checkins, write=True)


@router.post("/tessera/v1/orders")
async def orders_route(request: Request):
    """Box-office order upload {eventId, order} → {order, oversold}."""
    return await run(request, "orders.upload", _upload, write=True)


def _discovery(c: Call) -> dict:
    return {"tessera": 1, "extensions": list(EXTENSIONS), "serverTime": to_rfc3339(c.now),
            "station": c.station.name, "role": c.station.role}


def _changes(c: Call) -> dict:
    return read_feed(c.session, c.query.all("eventId"), c.query.one("since"), c.query.int("limit"))


def _rows(c: Call) -> tuple[str, list[dict]]:
    event_id = require_str(c.body.get("eventId"), "eventId")
    rows = c.body.get("checkIns")
    if not isinstance(rows, list) or not 1 <= len(rows) <= MAX_ROWS:
        raise InvalidArgument(f"checkIns takes 1..{MAX_ROWS} rows", field="checkIns")
    clean = []
    for raw in rows:
        if not isinstance(raw, dict):
            raise InvalidArgument("every check-in row must be an object", field="checkIns")
        row = dict(raw, station=raw.get("station") or c.station.name)
        row["ticketNumber"] = str(row.get("ticketNumber") or "").strip().upper()
        row_from_api(row, event_id=event_id)  # validates (400 for a malformed row)
        clean.append(row)
    return event_id, clean


def _checkins(c: Call) -> dict:
    """Union by nonce, merge per ticket by corrected time; statuses reported after the whole batch."""
    event_id, rows = _rows(c)
    c.lock(*("ticket:" + r["ticketNumber"] for r in rows))
    numbers = {r["ticketNumber"] for r in rows}
    events = {tn: ev for tn, ev in c.session.execute(select(Ticket.ticket_number, Ticket.event_id)
                                                     .where(Ticket.ticket_number.in_(numbers)))}
    rejected: dict[str, str] = {}
    for row in rows:
        known = events.get(row["ticketNumber"])
        if known is None or known != event_id:
            if find_by_nonce(c.session, row["nonce"]) is None:
                rejected[row["nonce"]] = "UNKNOWN_TICKET" if known is None else "WRONG_EVENT"
            continue
        record_row(c.session, row, c.now, event_id=event_id)
    merged = {tn: recompute(c.session, tn) for tn in sorted(numbers) if tn in events}
    results = []
    for row in rows:
        if row["nonce"] in rejected:
            results.append({"nonce": row["nonce"], "status": "REJECTED", "serverTime": to_rfc3339(c.now),
                            "reason": rejected[row["nonce"]]})
            continue
        stored = find_by_nonce(c.session, row["nonce"])
        result = {"nonce": stored.nonce, "status": stored.status, "serverTime": to_rfc3339(stored.server_time),
                  "ticketNumber": stored.ticket_number}
        merge = merged.get(stored.ticket_number)
        if stored.status == DUPLICATE and stored.kind == CHECK_IN and merge is not None:
            result["winner"] = winner_to_api(merge.winner_of(stored))
        results.append(result)
    return {"results": results}


def _upload(c: Call) -> dict:
    event_id = require_str(c.body.get("eventId"), "eventId")
    c.lock("event:" + event_id)
    order, created = store_order(c.session, event_id, c.body.get("order"), station=c.station.name, now=c.now)
    if created and order.status == PAID:
        c.wake_mailer |= queue_confirmation(c.session, order, c.now)
    c.session.flush()
    return {"order": orders_json(c.session, [order], contract.ORDER_FIELDSETS)[0],
            "oversold": oversold(c.session, order, c.now)}
