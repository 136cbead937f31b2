"""Hub extension calls (docs/HUB_EXTENSIONS.md; routes declared in sync.hub.routes): discovery, the change
feed, check-in rows upload (merged by core.checkin_merge: BC-13, BC-14, BC-15) and box-office order upload
(BC-26). Absent in --plain mode."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from core import contract, leases
from core.changes import note
from core.checkin_merge import CHECK_IN, DUPLICATE, find_by_nonce, recompute, record_row, winner_to_api
from core.contract_parse import parse_checkin_rows
from core.models import Ticket
from core.status import PAID
from core.timeutil import parse_rfc3339, to_rfc3339
from sync.hub.mailer import queue_confirmation
from sync.hub.params import require_str
from sync.hub.render import orders_json, read_feed
from sync.hub.runner import Call
from sync.hub.upload import oversold, store_order

EXTENSIONS = ["idempotency", "changes", "checkin-rows", "orders-upload", "server-time"]


def discovery_call(c: Call) -> dict:
    return {"tessera": 1, "extensions": list(EXTENSIONS), "serverTime": to_rfc3339(c.now),
            "station": c.station.name, "role": c.station.role}


def changes_call(c: Call) -> dict:
    return read_feed(c.session, c.query.all("eventId"), c.query.one("since"), c.query.int("limit"))


# How far a row's corrected time may lie from the hub's clock and still order the merge (issue 11): ahead by
# more than the operator-warning skew, or older than a station can plausibly have been offline, it is replaced
# by the hub's receipt time. The device time is kept as sent.
AHEAD = timedelta(minutes=2)
BEHIND = timedelta(hours=72)


def _rows(c: Call) -> tuple[str, list[dict]]:
    """The uploaded rows bound to the caller: `station` rewritten to the key's station (a door key cannot
    post rows under another name), `correctedTime` clamped to the hub's clock (see bind_row)."""
    event_id = require_str(c.body.get("eventId"), "eventId")
    rows = parse_checkin_rows(c.body.get("checkIns"), event_id, c.station.name)
    return event_id, [bind_row(row, c.station.name, c.now) for row in rows]


def bind_row(row: dict, station: str, now: datetime) -> dict:
    """A copy of a parsed check-in row with `station` set to `station` and, when its corrected time is more
    than AHEAD after or BEHIND before `now` (aware UTC), `correctedTime` set to `now` (deviceTime kept as
    sent, or the original corrected time when the row had none)."""
    bound = dict(row, station=station)
    device, corrected = _when(row.get("deviceTime")), _when(row.get("correctedTime"))
    corrected = corrected or device
    if corrected is not None and not now - BEHIND <= corrected <= now + AHEAD:
        bound["deviceTime"] = row.get("deviceTime") or row.get("correctedTime")
        bound["correctedTime"] = to_rfc3339(now)
    return bound


def _when(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    return parse_rfc3339(value, "correctedTime") if isinstance(value, str) and value else None


def checkins_call(c: Call) -> dict:
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
    note(c.session, checkins=list(merged))  # the merge wrote or re-marked rows of these tickets
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


def upload_call(c: Call) -> dict:
    event_id = require_str(c.body.get("eventId"), "eventId")
    c.lock("event:" + event_id)
    order, created = store_order(c.session, event_id, c.body.get("order"), station=c.station.name, now=c.now)
    if created:
        leases.consume_order(c.session, c.station.name, order, c.now)
    if created and order.status == PAID:
        c.wake_mailer |= queue_confirmation(c.session, order, c.now)
    c.session.flush()
    return {"order": orders_json(c.session, [order], contract.ORDER_FIELDSETS)[0],
            "oversold": oversold(c.session, order, c.now)}
