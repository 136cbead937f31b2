"""The reports of an event (issue 10 item 5), each a list of typed tables (core.report_table.ReportTable):

    summary    totals, then per ticket definition (sold / paid / unpaid / checked in) and per entrance
               (entries / exits / inside now)
    arrivals   arrivals per 15 minutes per entrance, event-local (core.report_times)
    days       check-ins per event-local day (core.report_times)
    sales      per day, definition, payment method, operator/station (core.report_sales)
    door-list  the alphabetical guest list to print for when everything fails (core.report_pdf draws it)
    incidents  the sync's review items (core.review: double admissions, admitted-then-canceled, …), the
               acknowledged ones too

One rule each, never copied: sold and checked in are core.reports.event_stats's (core.status.sold_clause,
core.checkin_merge's "checked in"); inside / entries / exits are core.headcount's. Reads only; every function
takes the caller's session and raises NotFound for an unknown event.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.checkin_merge import is_checked_in_sql
from core.entrances import list_entrances
from core.errors import InvalidArgument
from core.events import get_event
from core.headcount import headcount
from core.models import Order, Ticket, TicketDefinition
from core.report_sales import sales_tables
from core.report_table import DATETIME, INT, Column, ReportTable
from core.report_times import arrivals, checkins_per_day, entrance_label
from core.reports import event_stats
from core.review import LIST_MAX, list_items

CHECK_MARK = "✓"


def totals_table(session: Session, event_id: str) -> ReportTable:
    """"Totals": Sold, Paid, Unpaid, Other, Canceled, Checked in (event_stats), Inside now, Entries, Exits,
    Max inside (the most inside at once, from the log) and Capacity alarm (None = none) — core.headcount; one
    int per row."""
    event = get_event(session, event_id)
    stats = event_stats(session, event.id)
    hc = headcount(session, event.id, with_peak=True)
    rows = [("Sold", stats["sold"]), ("Paid", stats["paid"]), ("Unpaid", stats["unpaid"]),
            ("Other status", stats["other"]), ("Canceled", stats["canceled"]), ("Checked in", stats["checkedIn"]),
            ("Inside now", hc.inside), ("Entries", hc.total_entries), ("Exits", hc.total_exits),
            ("Max inside", hc.peak), ("Capacity alarm", hc.max_inside)]
    return ReportTable(f"Totals — {event.title}", (Column("Measure"), Column("Value", INT)), tuple(rows),
                       event.time_zone, "totals")


def per_definition_table(session: Session, event_id: str) -> ReportTable:
    """Per ticket definition (event_stats's perDefinition, in the definitions' order): Quantity (None =
    unlimited), Sold, Paid, Unpaid, Checked in."""
    event = get_event(session, event_id)
    per = event_stats(session, event.id)["perDefinition"]
    rows = tuple((d["name"], d["quantity"], d["sold"], d["paid"], d["unpaid"], d["checkedIn"]) for d in per.values())
    columns = (Column("Definition"), Column("Quantity", INT), Column("Sold", INT), Column("Paid", INT),
               Column("Unpaid", INT), Column("Checked in", INT))
    return ReportTable(f"Per ticket definition — {event.title}", columns, rows, event.time_zone, "definitions")


def per_entrance_table(session: Session, event_id: str) -> ReportTable:
    """Per entrance (by name; "No entrance" for scans made without one, when there are any): Direction,
    Entries (that stand), Exits (exit rows made there) and Inside (inside now who came in there) — core.headcount."""
    event = get_event(session, event_id)
    hc = headcount(session, event.id)
    entrances = list_entrances(session, event.id)
    names = {e.id: e.name for e in entrances}
    ids = [e.id for e in entrances]
    extra = {*hc.entries, *hc.exits, *hc.by_entrance} - set(ids)
    ids += sorted((e for e in extra if e is not None)) + ([None] if None in extra else [])
    direction = {e.id: e.direction for e in entrances}
    rows = tuple((entrance_label(names, e), direction.get(e, ""), hc.entries.get(e, 0), hc.exits.get(e, 0),
                  hc.by_entrance.get(e, 0)) for e in ids)
    columns = (Column("Entrance"), Column("Direction"), Column("Entries", INT), Column("Exits", INT),
               Column("Inside", INT))
    return ReportTable(f"Per entrance — {event.title}", columns, rows, event.time_zone, "entrances")


def summary_tables(session: Session, event_id: str) -> list[ReportTable]:
    """Totals, per definition, per entrance."""
    return [totals_table(session, event_id), per_definition_table(session, event_id),
            per_entrance_table(session, event_id)]


def guest_name(ticket_first: str, ticket_last: str, order_first: str, order_last: str) -> str:
    """The name on the door list: "Last, First" of the ticket's guest, else of the buyer ("—" when none)."""
    first, last = (ticket_first, ticket_last) if (ticket_first or ticket_last) else (order_first, order_last)
    first, last = (first or "").strip(), (last or "").strip()
    return f"{last}, {first}" if first and last else (last or first or "—")


def door_list(session: Session, event_id: str) -> ReportTable:
    """Every ticket of the event, alphabetical by guest name (case-insensitive, then ticket number): Name,
    Ticket, Definition, Status (the order's status; CANCELED for a canceled ticket; + " (archived)"),
    Checked in (CHECK_MARK when checked in now, core.checkin_merge.is_checked_in_sql)."""
    event = get_event(session, event_id)
    q = (select(Ticket.ticket_number, Ticket.guest_first_name, Ticket.guest_last_name, Ticket.name,
                Ticket.canceled, Ticket.archived, Order.first_name, Order.last_name, Order.status,
                TicketDefinition.name, is_checked_in_sql(Ticket.ticket_number))
         .join(Order, Ticket.order_number == Order.order_number)
         .outerjoin(TicketDefinition, TicketDefinition.id == Ticket.definition_id)
         .where(Ticket.event_id == event.id))
    rows = []
    for number, gf, gl, tname, canceled, archived, of, ol, status, dname, inside in session.execute(q):
        state = "CANCELED" if canceled else status
        rows.append((guest_name(gf, gl, of, ol), number, dname or tname, state + (" (archived)" if archived else ""),
                     CHECK_MARK if inside else ""))
    rows.sort(key=lambda r: (r[0].casefold(), r[1]))
    columns = (Column("Name"), Column("Ticket"), Column("Definition"), Column("Status"), Column("Checked in"))
    return ReportTable(f"Door list — {event.title}", columns, tuple(rows), event.time_zone, "door_list")


def incidents(session: Session, event_id: str) -> ReportTable:
    """The review items of the event (core.review.list_items, acknowledged ones too, oldest first, at most
    1000): Raised, Happened (datetimes), What, About, Message, Acknowledged by, Acknowledged (datetime)."""
    event = get_event(session, event_id)
    items = list_items(session, include_acked=True, event_ids=[event.id], limit=LIST_MAX)
    rows = tuple((r.raised, r.happened, r.title, r.entity, r.message, r.acked_by or "", r.acked_at) for r in items)
    columns = (Column("Raised", DATETIME), Column("Happened", DATETIME), Column("What"), Column("About"),
               Column("Message"), Column("Acknowledged by"), Column("Acknowledged", DATETIME))
    return ReportTable(f"Incidents — {event.title}", columns, rows, event.time_zone, "incidents")


REPORTS: dict[str, Callable[[Session, str], list[ReportTable]]] = {
    "summary": summary_tables,
    "arrivals": lambda s, e: [arrivals(s, e)],
    "days": lambda s, e: [checkins_per_day(s, e)],
    "sales": sales_tables,
    "door-list": lambda s, e: [door_list(s, e)],
    "incidents": lambda s, e: [incidents(s, e)],
}
TITLES = {"summary": "Summary", "arrivals": "Arrivals", "days": "Check-ins per day", "sales": "Sales",
          "door-list": "Door list", "incidents": "Incidents"}


def build_report(session: Session, name: str, event_id: str) -> list[ReportTable]:
    """The tables of report `name` (a REPORTS key) for `event_id`. Raises InvalidArgument (unknown report),
    NotFound (unknown event)."""
    try:
        make = REPORTS[name]
    except KeyError:
        raise InvalidArgument(f"unknown report {name!r}: one of {', '.join(REPORTS)}", field="report") from None
    return make(session, event_id)
