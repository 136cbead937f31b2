"""Push of check-in rows. With the hub's `checkin-rows` extension: batches of ≤100 rows with nonce, device and
corrected time; DUPLICATE answers flag the local row through core.checkin_merge (BC-14: "also admitted at A
10:00:01"). Against a plain server: CheckIn / DeleteCheckIn by ticket number, checking the server's state first
(API.md gap 4) so another station's earlier admission is recorded as the winner instead of being overwritten."""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.checkin_merge import CHECK_IN, DUPLICATE, REFUSED, UNDO, find_by_nonce, merge_for, record_row
from core.checkin_refused import refuse, reinstate
from core.events import zone_of
from core.models import CheckIn, OutboxEntry, Ticket
from core.outbox import CHECKIN_CREATE, CHECKIN_DELETE, CHECKIN_KINDS, PENDING
from core.provisional import PROVISIONAL
from core.review import ReviewKind, raise_item
from core.timeutil import local, parse_rfc3339, shown, to_rfc3339
from sync.appliers import sync_nonce
from sync.apply import apply_tickets
from sync.errors import BadAnswer
from sync.handler import Item, Outcome, PushContext

logger = logging.getLogger(__name__)

KIND_OF = {CHECKIN_CREATE: CHECK_IN, CHECKIN_DELETE: UNDO}
EXT_BATCH = 100     # HUB_EXTENSIONS.md: ≤100 rows per upload
PLAIN_BATCH = 50    # ListTickets accepts ≤50 ticketNumber filters (API.md §3.2)
ROW_KEYS = ("nonce", "ticketNumber", "kind", "deviceTime", "correctedTime", "station", "operator", "method")
PLACE_KEYS = ("entranceId", "direction")  # sent when set (entrances and exits, issue 9 items 7–8)


class CheckInHandler:
    """Outbox kinds checkin.create / checkin.delete (see the module doc)."""

    kinds = CHECKIN_KINDS

    def batch(self, items: list[Item], start: int, ctx: PushContext) -> list[Item]:
        """The run of consecutive check-in rows from `start` that go up together: same event; with the
        extension ≤100 of either kind, against a plain server ≤50 of the same kind (outbox order is kept)."""
        first = items[start]
        ext = ctx.discovery.has("checkin-rows")
        limit = EXT_BATCH if ext else PLAIN_BATCH
        batch = [first]
        for item in items[start + 1:]:
            if len(batch) >= limit or item.kind not in CHECKIN_KINDS or item.event_id != first.event_id:
                break
            if not ext and item.kind != first.kind:
                break
            batch.append(item)
        return batch

    def handle(self, ctx: PushContext, batch: list[Item]) -> Outcome:
        """Send one batch; rows of local-only box-office sales (WR-15) are skipped, left pending."""
        skipped = _local_only_items(ctx, batch, ctx.local_only)
        live = [it for it in batch if it.id not in skipped]
        if not live:
            return Outcome(skipped=sorted(skipped))
        if ctx.discovery.has("checkin-rows"):
            outcome = _upload_rows(ctx, live)
        elif live[0].kind == CHECKIN_CREATE:
            outcome = _plain_check_in(ctx, live)
        else:
            outcome = _plain_delete(ctx, live)
        outcome.skipped.extend(sorted(skipped))
        return outcome

    def on_rejected(self, session: Session, item: Item, error: str) -> None:
        """The centre refused `item` (whatever the path: a REJECTED row, a 4xx, a forbidden kind): its local row
        counts nowhere any more (core.checkin_refused.refuse) and a refused provisional admission goes to the
        review queue. Called by sync.push in the transaction that marks the outbox row rejected."""
        for nonce in [_row(item)["nonce"], *_waiting_nonces(session, item)]:
            refuse(session, nonce)
        _review_provisional(session, item, error)


HANDLER = CheckInHandler()


def _waiting_nonces(session: Session, item: Item) -> list[str]:
    """Nonces of the later pending check-in rows of `item`'s ticket: they wait for the refused one (sync.push_gate)
    and stand or fall with it, so they count nowhere until the centre accepts them (then `_accepted`)."""
    return list(session.scalars(select(OutboxEntry.idempotency_key).where(
        OutboxEntry.entity_key == item.entity_key, OutboxEntry.kind.in_(CHECKIN_KINDS),
        OutboxEntry.state == PENDING, OutboxEntry.id > item.id)))


def _local_only_items(ctx: PushContext, batch: list[Item], local_only: set[str]) -> set[int]:
    """Rows of tickets whose order is a box-office sale the plain server cannot take (WR-15)."""
    if not local_only:
        return set()
    with ctx.ledger.uow() as uow:
        orders = dict(uow.session.execute(select(Ticket.ticket_number, Ticket.order_number).where(
            Ticket.ticket_number.in_([it.entity_key for it in batch]))).all())
    return {it.id for it in batch if orders.get(it.entity_key) in local_only}


def _row(item, station: str = "") -> dict:
    """The extension's check-in row from an outbox payload (core.tickets.append_row wrote it)."""
    row = {k: item.payload.get(k) for k in ROW_KEYS}
    row.update({k: item.payload[k] for k in PLACE_KEYS if item.payload.get(k)})
    row["ticketNumber"] = row["ticketNumber"] or item.entity_key
    row["nonce"] = row["nonce"] or item.idempotency_key
    row["kind"] = row["kind"] or KIND_OF[item.kind]
    row["station"] = row["station"] or station
    row["method"] = row["method"] or "SCAN"
    return row


def _upload_rows(ctx: PushContext, items: list[Item]) -> Outcome:
    """POST /tessera/v1/checkins; the key of a batch is derived from its rows' keys and attempts, so a different
    batch never collides, and a row sent again — after a lost answer, or retried after a refusal (the hub's
    stored answer would replay the refusal for ever) — is judged afresh; the nonces dedup (BC-15), so a row the
    hub stored already gets its stored result."""
    rows = [_row(it, ctx.station) for it in items]
    batch_key = str(uuid.uuid5(uuid.NAMESPACE_URL, "tessera-checkins:" + ",".join(
        f"{it.idempotency_key}#{it.attempts}" for it in items)))
    results = ctx.api.upload_checkins(items[0].event_id, rows, idempotency_key=batch_key)
    by_nonce = {r.get("nonce"): r for r in results if isinstance(r, dict)}
    missing = [row["nonce"] for row in rows if row["nonce"] not in by_nonce]
    if missing:
        raise BadAnswer(200, "BAD_SHAPE", {}, f"check-in upload: no result for nonce(s) {', '.join(missing[:5])}")
    outcome = Outcome()
    for item, row in zip(items, rows):
        res = by_nonce[row["nonce"]]
        if res.get("status") in ("ACCEPTED", DUPLICATE):
            outcome.done.append(item.id)
        else:
            outcome.rejected[item.id] = f"{res.get('status') or 'REJECTED'}: {res.get('reason') or 'refused'}"

    def apply(session: Session) -> None:
        _accepted(session, [it for it in items if it.id not in outcome.rejected])
        for item, row in zip(items, rows):
            res = by_nonce[row["nonce"]]
            if res.get("status") not in ("ACCEPTED", DUPLICATE):
                continue
            mine = find_by_nonce(session, row["nonce"])
            if mine is not None and mine.server_time is None:
                mine.server_time = parse_rfc3339(res.get("serverTime"))
            if res.get("status") == DUPLICATE and isinstance(res.get("winner"), dict):
                _flag_duplicate(ctx, session, item.event_id, row, res["winner"], mine)
    outcome.apply = apply
    return outcome


def _flag_duplicate(ctx: PushContext, session: Session, event_id: str, row: dict, winner: dict, mine) -> None:
    """Record the winning check-in locally (method SYNC) and re-walk the ticket, so our row is flagged
    DUPLICATE and the operator sees where and when the guest was admitted (BC-14)."""
    if winner.get("nonce") and winner.get("correctedTime"):
        record_row(session, {"nonce": winner["nonce"], "ticketNumber": row["ticketNumber"], "kind": CHECK_IN,
                             "deviceTime": winner["correctedTime"], "correctedTime": winner["correctedTime"],
                             "station": winner.get("station") or "", "method": "SYNC",
                             "entranceId": winner.get("entranceId")}, event_id=event_id)  # counted where it was
    if mine is not None:
        merge_for(session, mine)
        if mine.status != DUPLICATE:
            logger.warning("hub says %s is a duplicate but the local log disagrees", row["nonce"])
    _report_duplicate(ctx, session, event_id, row, winner.get("station") or "", winner.get("correctedTime"))


def _report_duplicate(ctx: PushContext, session: Session, event_id: str, row: dict, station: str, when_text) -> None:
    when = parse_rfc3339(when_text) if isinstance(when_text, str) else when_text
    tz = zone_of(session, event_id)
    there = shown(when, tz, seconds=True) or "?"
    ours = row.get("correctedTime")
    ours = parse_rfc3339(ours) if isinstance(ours, str) else ours
    clock = f"{local(when, tz):%H:%M:%S}" if when is not None else "?"  # the sync summary's line: today's clock
    message = f"{row['ticketNumber']}: also admitted at {station or 'another station'} {clock}"
    ctx.result.duplicates.append({"ticketNumber": row["ticketNumber"], "nonce": row["nonce"],
                                     "station": station, "correctedTime": to_rfc3339(when) if when else None,
                                     "message": message})
    ctx.result.warnings.append(message)
    raise_item(session, ReviewKind.DOUBLE_ADMISSION, row["nonce"],
               f"ticket {row['ticketNumber']} was admitted twice: here ({ctx.station or 'this station'}, "
               f"{shown(ours, tz, seconds=True) or '?'}) and at {station or 'another station'} ({there})",
               event_id=event_id, entity=row["ticketNumber"], happened=when,
               details={"station": station, "correctedTime": to_rfc3339(when) if when else None,
                        "ours": {"station": ctx.station, "correctedTime": row.get("correctedTime"),
                                 "operator": row.get("operator") or ""}})


def _review_provisional(session: Session, item: Item, refused: str | None) -> None:
    """A provisional admission (WR-13 b) the server has answered goes to the review queue: accepted (the
    ticket is real) or refused with the server's reason (the guest is inside on an unknown ticket)."""
    if item.kind != CHECKIN_CREATE or item.payload.get("method") != PROVISIONAL:
        return
    tn = item.entity_key
    if refused is None:
        raise_item(session, ReviewKind.PROVISIONAL_ACCEPTED, item.idempotency_key,
                   f"provisional admission of ticket {tn} accepted: the server knows the ticket",
                   event_id=item.event_id, entity=tn)
    else:
        raise_item(session, ReviewKind.PROVISIONAL_REFUSED, item.idempotency_key,
                   f"provisional admission of ticket {tn} refused by the server ({refused}): check the guest",
                   event_id=item.event_id, entity=tn, details={"reason": refused})


def _server_state(ctx: PushContext, event_id: str, numbers: list[str]) -> dict[str, dict]:
    body = ctx.api.list_tickets([event_id], ticket_numbers=numbers, limit=100)
    return {_number(t): t for t in body["tickets"] if isinstance(t, dict)}


def _number(ticket: dict) -> str:
    """A ticket's number as the ledger holds it (upper-case, core.contract_parse), whatever case the server uses."""
    return str(ticket.get("ticketNumber") or "").strip().upper()


def _confirmed(answer: list) -> set[str]:
    """The ticket numbers a CheckIn answer shows checked in (`checkIn.created` present)."""
    return {_number(t) for t in answer if isinstance(t, dict) and isinstance(t.get("checkIn"), dict)
            and t["checkIn"].get("created")}


def _plain_check_in(ctx: PushContext, items: list[Item]) -> Outcome:  # noqa: C901 - one read, one write, one apply
    """CheckIn by ticket number after reading the server's state: a ticket already checked in there by someone
    else (first attempt of this row) gets the server's check-in as the winner; after an earlier attempt whose
    answer was lost (BC-15 a) the server's check-in is taken to be ours."""
    event_id = items[0].event_id
    state = _server_state(ctx, event_id, [it.entity_key for it in items])
    outcome, send, theirs = Outcome(), [], []
    for item in items:
        ticket = state.get(item.entity_key)
        if ticket is None:
            outcome.rejected[item.id] = f"ticket {item.entity_key} is unknown to the server"
        elif isinstance(ticket.get("checkIn"), dict) and ticket["checkIn"].get("created"):
            outcome.done.append(item.id)
            if item.attempts == 0:
                theirs.append((item, ticket["checkIn"]["created"]))
        else:
            send.append(item)
    answer = ctx.api.check_in(event_id, [it.entity_key for it in send]) if send else []
    taken = _confirmed(answer)
    for item in send:  # leaves the queue only on the server's explicit ack (BC-15, BC-19)
        if item.entity_key in taken:
            outcome.done.append(item.id)
        else:
            outcome.unconfirmed[item.id] = ("the server's answer does not show this check-in; kept and checked "
                                            "again at the next sync")

    def apply(session: Session) -> None:
        _accepted(session, [it for it in items if it.id not in outcome.rejected])
        apply_tickets(session, answer, event_id)
        for t in answer:
            created = (t.get("checkIn") or {}).get("created")
            for item in send:
                if item.entity_key == _number(t) and created:
                    mine = find_by_nonce(session, _row(item)["nonce"])
                    if mine is not None and mine.server_time is None:
                        mine.server_time = parse_rfc3339(created)
        for item, created in theirs:
            _adopt_server_checkin(ctx, session, event_id, _row(item), created)
    outcome.apply = apply
    return outcome


def _adopt_server_checkin(ctx: PushContext, session: Session, event_id: str, row: dict, created: str) -> None:
    """A plain server already holds another station's check-in of this ticket: record it (method SYNC, device
    and server time = the server's checkIn.created) as the winner and flag ours DUPLICATE (BC-14). The plain
    contract keeps no device time, so the check-in in force there is ordered just before ours."""
    server_time = parse_rfc3339(created)
    mine = find_by_nonce(session, row["nonce"])
    ordered = server_time
    if mine is not None and mine.corrected_time <= server_time:
        ordered = mine.corrected_time - timedelta(milliseconds=1)
    record_row(session, {"nonce": sync_nonce(f"sync:{row['ticketNumber']}:{to_rfc3339(server_time)}"),
                         "ticketNumber": row["ticketNumber"], "kind": CHECK_IN, "deviceTime": created,
                         "correctedTime": to_rfc3339(ordered), "serverTime": created, "station": "",
                         "method": "SYNC"}, event_id=event_id)
    if mine is not None:
        merge_for(session, mine)
        if mine.status == DUPLICATE:
            _report_duplicate(ctx, session, event_id, row, "", server_time)


def _plain_delete(ctx: PushContext, items: list[Item]) -> Outcome:
    """DeleteCheckIn by ticket number (idempotent on the server: API.md gap 5)."""
    event_id = items[0].event_id
    answer = ctx.api.delete_check_in(event_id, [it.entity_key for it in items])

    def apply(session: Session) -> None:
        _accepted(session, items)
        apply_tickets(session, answer, event_id)
    return Outcome(done=[it.id for it in items], apply=apply)


def _accepted(session: Session, items: list[Item]) -> None:
    """The centre took `items`: a row refused before (then retried, or one that waited on a refused row) counts
    again (one query finds them); a provisional admission's acceptance goes to the review queue."""
    nonces = [_row(it)["nonce"] for it in items]
    for nonce in list(session.scalars(select(CheckIn.nonce).where(CheckIn.nonce.in_(nonces),
                                                                     CheckIn.status == REFUSED))) if nonces else []:
        reinstate(session, nonce)
    for item in items:
        _review_provisional(session, item, None)
