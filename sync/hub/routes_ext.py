"""Hub extension calls (docs/HUB_EXTENSIONS.md; routes declared in sync.hub.routes): discovery, the change
feed, check-in rows upload (merged by core.checkin_merge: BC-13, BC-14, BC-15) and box-office order upload
(BC-26). Absent in --plain mode."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from core import contract, leases, roles
from core.changes import note
from core.checkin_merge import CHECK_IN, DUPLICATE, append, values_from_api, walk, winner_to_api
from core.checkin_runner import ticket_lock_keys
from core.checkin_store import SessionSink
from core.contract_parse import parse_checkin_rows
from core.models import CheckIn, Ticket
from core.status import PAID
from core.timeutil import parse_rfc3339, to_rfc3339
from sync.hub.mailer import queue_confirmation
from sync.hub.params import require_str
from sync.hub.render import orders_json, read_feed
from sync.hub.runner import Call
from sync.hub.upload import oversold, store_order

EXTENSIONS = ["idempotency", "changes", "checkin-rows", "orders-upload", "server-time", "entrances"]


def discovery_call(c: Call) -> dict:
    """Discovery, which is also the station's "who am I": its name, role, the permissions the role holds
    (core.roles) and the events its key is limited to (`events`: empty = every event; issue 8 item 5)."""
    return {"tessera": 1, "extensions": list(EXTENSIONS), "serverTime": to_rfc3339(c.now),
            "station": c.station.name, "role": c.station.role,
            "permissions": sorted(roles.permissions(c.station.role)), "events": list(c.station.events)}


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
    """Union by nonce, merge per ticket by corrected time; statuses reported after the whole batch. A few
    statements per batch (issue 11): the tickets, their rows and the batch's stored nonces are read once, the
    rows go through core.checkin_merge.append (the one writer) and are inserted together."""
    event_id, rows = _rows(c)
    c.lock(*ticket_lock_keys(r["ticketNumber"] for r in rows))
    s = c.session
    numbers = sorted({r["ticketNumber"] for r in rows})
    events = dict(s.execute(select(Ticket.ticket_number, Ticket.event_id)
                            .where(Ticket.ticket_number.in_(numbers))).all())
    logs: dict[str, list[CheckIn]] = {tn: [] for tn in numbers if tn in events}
    for stored_row in s.scalars(select(CheckIn).where(CheckIn.ticket_number.in_(list(logs))).order_by(CheckIn.id)):
        logs[stored_row.ticket_number].append(stored_row)
    stored = {r.nonce: r for r in s.scalars(select(CheckIn).where(CheckIn.nonce.in_([r["nonce"] for r in rows])))}
    rejected: dict[str, str] = {}
    sink, unflushed = SessionSink(s), set()
    sink.prime(logs)  # every ticket's entry rule in one read
    for row in rows:
        tn, nonce = row["ticketNumber"], row["nonce"]
        if nonce in stored:
            continue  # replayed: its stored result (BC-15)
        if events.get(tn) != event_id:
            rejected[nonce] = "UNKNOWN_TICKET" if tn not in events else "WRONG_EVENT"
            continue
        if tn in unflushed:  # a second new row of one ticket: ids first (the walk's tie-break)
            s.flush()
            unflushed.clear()
        stored[nonce], _ = append(sink, logs[tn], values_from_api(row, event_id=event_id, server_time=c.now),
                                  queue=False)
        unflushed.add(tn)
    s.flush()
    merged = {tn: walk(tn, log, sink.entry_rule(tn)) for tn, log in logs.items()}  # as append stored: no change
    note(s, checkins=list(merged))  # the merge wrote or re-marked rows of these tickets
    return {"results": [_result(row, stored, rejected, merged, c.now) for row in rows]}


def _result(row: dict, stored: dict, rejected: dict, merged: dict, now: datetime) -> dict:
    """One row's answer: REJECTED with its reason, else the stored row's status (and a duplicate's winner)."""
    if row["nonce"] in rejected:
        return {"nonce": row["nonce"], "status": "REJECTED", "serverTime": to_rfc3339(now),
                "reason": rejected[row["nonce"]]}
    kept = stored[row["nonce"]]
    result = {"nonce": kept.nonce, "status": kept.status, "serverTime": to_rfc3339(kept.server_time),
              "ticketNumber": kept.ticket_number}
    merge = merged.get(kept.ticket_number)
    if kept.status == DUPLICATE and kept.kind == CHECK_IN and merge is not None:
        result["winner"] = winner_to_api(merge.winner_of(kept))
    return result


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
