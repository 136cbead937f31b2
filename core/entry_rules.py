"""Multi-entry rules of a ticket definition (issue 9 item 9): how often one ticket admits.

    ONCE   one stay at a time (the default, the rule before this one): admitted when no entry is in force;
           an exit or an undo ends the stay, so re-entry after an exit is admitted.
    DAILY  once per event-local day (multi-day passes): as ONCE, and in addition an entry in force since an
           EARLIER event-local day no longer blocks — the pass admits again today. "Day" is the calendar day
           of the row's corrected time in the event's zone (events.time_zone, never the OS zone).
    MULTI  `max_entries` (N ≥ 1) accepted entries in all: every accepted entry counts, a re-entry after an exit
           included (N bounds admissions; venues wanting free pass-outs per day use DAILY); an exit gives no
           entry back, an undo of an entry does. The N+1st scan is ALREADY_CHECKED_IN "N of N entries used".

This module only names and checks the rules and finds a row's event-local day; the walk that applies them
to a ticket's check-in log (and so the door verdict, the hub's CheckIn and every merge) is
core.checkin_merge. Pure: no database, no Qt.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from core.errors import InvalidArgument
from core.timeutil import local

ONCE, DAILY, MULTI = "ONCE", "DAILY", "MULTI"
KINDS = (ONCE, DAILY, MULTI)
MAX_ENTRIES = 1000  # the most entries a MULTI rule may allow


@dataclass(frozen=True)
class EntryRule:
    """One definition's rule plus the event zone it is read in. `kind` ONCE/DAILY/MULTI; `max_entries`
    N ≥ 1 for MULTI, None otherwise; `time_zone` an IANA name (DAILY's day boundary)."""

    kind: str = ONCE
    max_entries: int | None = None
    time_zone: str = "UTC"

    def day(self, when: datetime) -> date:
        """The event-local calendar day of the aware datetime `when`."""
        return local(when, self.time_zone or "UTC").date()


ONCE_RULE = EntryRule()


def checked(kind: str | None, max_entries: int | None) -> tuple[str, int | None]:
    """(kind, max_entries) normalised and validated: kind case-insensitive, None/"" = ONCE; MULTI needs a
    whole max_entries in 1..MAX_ENTRIES, the others take none (it is dropped). InvalidArgument otherwise
    (field entryRule / maxEntries)."""
    name = str(kind or ONCE).strip().upper()
    if name not in KINDS:
        raise InvalidArgument(f"unknown entry rule {kind!r} (once, daily or multi)", field="entryRule")
    if name != MULTI:
        return name, None
    if isinstance(max_entries, bool) or not isinstance(max_entries, int) or not 1 <= max_entries <= MAX_ENTRIES:
        raise InvalidArgument(f"a MULTI entry rule needs maxEntries 1..{MAX_ENTRIES}", field="maxEntries")
    return name, max_entries


def rule_of(kind: str | None, max_entries: int | None, time_zone: str | None) -> EntryRule:
    """The EntryRule of stored columns (ticket_definitions.entry_rule / max_entries, events.time_zone);
    unknown or broken stored values fall back to ONCE (the strictest common rule) rather than failing a scan."""
    try:
        name, n = checked(kind, max_entries)
    except InvalidArgument:
        name, n = ONCE, None
    return EntryRule(name, n, time_zone or "UTC")


def describe(kind: str | None, max_entries: int | None) -> str:
    """Short human text: "once", "once per day", "3 entries"."""
    name = str(kind or ONCE).upper()
    if name == DAILY:
        return "once per day"
    if name == MULTI and max_entries:
        return f"{max_entries} entr{'y' if max_entries == 1 else 'ies'}"
    return "once"


def to_api(kind: str | None, max_entries: int | None) -> dict:
    """The hub extension field of a definition (docs/HUB_EXTENSIONS.md "Entry rules"): {} for ONCE (the
    contract's own rule, so plain definitions look as before), {"entryRule": {"kind": "DAILY"}} or
    {"entryRule": {"kind": "MULTI", "maxEntries": 3}}."""
    name = str(kind or ONCE).upper()
    if name == ONCE or name not in KINDS:
        return {}
    return {"entryRule": {"kind": name, **({"maxEntries": max_entries} if name == MULTI else {})}}


def from_api(value) -> tuple[str, int | None]:
    """(kind, max_entries) of an `entryRule` value: None/absent = ONCE; an object {kind, maxEntries?}
    checked as `checked`. InvalidArgument for anything else."""
    if value is None:
        return ONCE, None
    if not isinstance(value, dict):
        raise InvalidArgument("entryRule must be an object {kind, maxEntries}", field="entryRule")
    return checked(value.get("kind"), value.get("maxEntries"))
