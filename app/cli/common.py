"""CLI helpers shared by the command modules: one transaction per command, picking the event, parsing
option values (money, NAME=VALUE pairs, local date-times) into what the core services take."""
from __future__ import annotations

import argparse
from contextlib import contextmanager
from datetime import datetime
from typing import Iterator

from sqlalchemy.orm import Session

from app import config
from app.cli.output import CliError
from core import roles
from core.db import Ledger
from core.events import get_event, list_events
from core.models import Event
from core.timeutil import parse_local
from sync import state as sync_state


@contextmanager
def ledger_of(args) -> Iterator[Ledger]:
    """The ledger at --db (created and migrated when new), closed afterwards."""
    ledger = Ledger.open(args.db)
    try:
        yield ledger
    finally:
        ledger.close()


@contextmanager
def transaction(args, action: str | None = None) -> Iterator[Session]:
    """One unit of work on the --db ledger: committed when the block ends normally, rolled back on an error.
    `action` (core.roles.ACTIONS): refused first, with core.roles.RoleForbids (exit 2), when this station's
    role may not do it (the one CLI guard of issue 8 item 5; the role is the hub's, sync.state.station_role)."""
    with ledger_of(args) as ledger, ledger.uow() as uow:
        if action is not None:
            roles.require(sync_state.station_role(uow.session), action)
        yield uow.session
        uow.commit()


def pick_event(session: Session, event_id: str | None) -> Event:
    """The event named by --event, or the only event in the ledger when --event is omitted.
    Raises NotFound (unknown id) or CliError (no event / several events and no --event)."""
    if event_id:
        return get_event(session, event_id)
    events = list_events(session)
    if len(events) == 1:
        return events[0]
    if not events:
        raise CliError("the ledger has no event yet: create one with `tessera events create` (or run `tessera demo`)")
    raise CliError("the ledger holds several events: choose one with --event ID (see `tessera events list`)")


def add_event_option(parser: argparse.ArgumentParser, default: str = "the only event in the ledger") -> None:
    """--event ID; `default` names what an omitted --event means (for the help text)."""
    parser.add_argument("--event", metavar="ID", help=f"event id (default: {default})")


def add_paging(parser: argparse.ArgumentParser) -> None:
    """--offset N and --limit N (1..100, the contract's paging, API.md §1.4)."""
    parser.add_argument("--offset", type=int, default=0, help="skip this many rows")
    parser.add_argument("--limit", type=int, default=100, help="rows per page (max 100)")


def add_station_options(parser: argparse.ArgumentParser) -> None:
    """--station NAME (default: this computer's name) and --operator NAME."""
    parser.add_argument("--station", default=None, help="station name (default: %s)" % config.default_station())
    parser.add_argument("--operator", default=None, help="operator name written on check-ins")


def station_of(args, session: Session | None = None) -> str:
    """The station name for this command: --station, else (given the ledger's `session`) the name the hub knows
    this connected station by — what its sales, tills and check-ins upload under —, else this computer's name
    (config.default_station). One rule for every command (sell, orders, till, tickets, scan)."""
    if args.station:
        return args.station
    if session is not None:
        connected = (sync_state.station(session) or {}).get("station")
        if connected:
            return connected
    return config.default_station()


def operator_of(args) -> str:
    return getattr(args, "operator", None) or config.get("operator")


def local_time(text: str | None, tz_name: str, field: str) -> datetime | None:
    """Parse '2025-10-26 20:00' as wall time in the event's zone (or ISO with an offset) to aware UTC;
    InvalidArgument for a bad date."""
    return parse_local(text, tz_name, field) if text else None


def key_values(items: list[str] | None, option: str) -> list[tuple[str, str]]:
    """NAME=VALUE option values as pairs; CliError for an item without '='."""
    out = []
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise CliError(f"{option} expects NAME=VALUE, got {item!r}")
        out.append((name.strip(), value))
    return out


def form_inputs(pairs: list[tuple[str, str]]) -> dict:
    """The contract's FormResponse {inputValues: [{inputName, value}]} from (name, value) pairs."""
    return {"inputValues": [{"inputName": n, "value": v} for n, v in pairs]}
