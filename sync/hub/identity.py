"""The hub's identity and a feed cursor that notices a hub that went back in time (issue 8 item 11;
docs/HUB_EXTENSIONS.md "Hub identity").

Discovery names the hub (`hubId`, `epoch`: made with its database, sync.hub.models.ensure_schema): a station
that sees another pair talks to another database. A database restored from an earlier copy keeps its pair, so
the feed cursor carries a fingerprint of the feed row it points at (`c<seq>.<token>`): after a restore that row
is missing or another one, and the cursor is refused (400 CURSOR_UNKNOWN); the station then pulls from scratch
and re-sends what the hub lost. A bare `c<seq>` (older stations) is refused only when beyond the feed's end."""
from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import InvalidArgument
from core.timeutil import to_rfc3339
from sync.hub import routes_ext as ext
from sync.hub.models import HubChange, hub_identity
from sync.hub.render import read_feed
from sync.hub.runner import Call

HUB_EXTENSIONS = ("order-cancel", "hub-identity", "payments")  # added to routes_ext.EXTENSIONS in discovery
CURSOR_UNKNOWN = "CURSOR_UNKNOWN"


def discovery_call(c: Call) -> dict:
    """Discovery (sync.hub.routes_ext.discovery_call) plus `hubId`, `epoch` and the extensions of this module."""
    body = ext.discovery_call(c)
    hub_id, epoch = hub_identity(c.session)
    extensions = list(body.get("extensions") or []) + [e for e in HUB_EXTENSIONS if e not in body["extensions"]]
    return {**body, "extensions": extensions, "hubId": hub_id, "epoch": epoch}


def _token(row: HubChange) -> str:
    text = f"{row.seq}|{row.event_id}|{row.type}|{row.key}|{to_rfc3339(row.created)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _refused(cursor: str) -> InvalidArgument:
    return InvalidArgument(f"cursor {cursor!r} is not a position of this hub's change feed (the hub database "
                           f"was replaced or restored): pull again from the beginning",
                           code=CURSOR_UNKNOWN, field="since")


def check_cursor(session: Session, since: str | None) -> str | None:
    """The bare `c<seq>` of a signed cursor after checking its fingerprint; raises InvalidArgument (400,
    code CURSOR_UNKNOWN) when the row it names is gone or another one, or a bare cursor is beyond the end."""
    if not since:
        return since
    bare, _, token = since.partition(".")
    if not bare.startswith("c") or not bare[1:].isdigit():
        return since  # read_feed refuses a foreign string with its own message
    seq = int(bare[1:])
    if token:
        row = session.get(HubChange, seq)
        if row is None or _token(row) != token:
            raise _refused(since)
    elif seq > (session.scalar(select(func.max(HubChange.seq))) or 0):
        raise _refused(since)
    return bare


def sign_cursor(session: Session, cursor: str) -> str:
    """`c<seq>` → `c<seq>.<token>` (c0, the beginning, stays bare)."""
    seq = int(cursor[1:])
    row = session.get(HubChange, seq) if seq else None
    return f"{cursor}.{_token(row)}" if row is not None else cursor


def changes_call(c: Call) -> dict:
    """The change feed (sync.hub.render.read_feed) with fingerprinted cursors."""
    since = check_cursor(c.session, c.query.one("since"))
    page = read_feed(c.session, c.query.all("eventId"), since, c.query.int("limit"))
    return {**page, "cursor": sign_cursor(c.session, page["cursor"])}
