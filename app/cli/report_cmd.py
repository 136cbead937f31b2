"""`tessera report REPORT [--event ID] [--format F] [--out FILE]`: an event's reports (core.report_data,
issue 10 item 5).

  summary     totals, per ticket definition (sold / paid / unpaid / checked in), per entrance (inside now)
  arrivals    arrivals per 15 minutes per entrance, event-local (--minutes N); png/pdf = the chart
  days        check-ins per event-local day
  sales       per day, definition, payment method and operator/station
  door-list   the alphabetical guest list to print (pdf) for when everything fails
  incidents   what the syncs found: double admissions, admitted-then-canceled, … (acknowledged ones too)

--format text (default) | csv | json | xlsx | pdf | png (arrivals only). xlsx, pdf and png are written to
--out FILE, or to standard output when it is not a terminal; csv/json/text go to --out or standard output.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.common import add_event_option
from app.cli.output import CliError, table

REPORT_NAMES = ("summary", "arrivals", "days", "sales", "door-list", "incidents")
FORMATS = ("text", "csv", "json", "xlsx", "pdf", "png")
BINARY = frozenset({"xlsx", "pdf", "png"})


def register(subparsers, parent) -> None:
    """Add `report` to the CLI."""
    p = subparsers.add_parser("report", parents=[parent], help="reports: counts, arrivals, sales, door list, "
                              "incidents (text, CSV, JSON, XLSX, PDF, PNG)",
                              description=__doc__.split("\n\n", 1)[1],
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("report", choices=REPORT_NAMES, metavar="REPORT", help=" | ".join(REPORT_NAMES))
    add_event_option(p)
    p.add_argument("--format", choices=FORMATS, default=None, help="output format (default text; --json = json)")
    p.add_argument("--out", metavar="FILE", help="write there instead of standard output")
    p.add_argument("--minutes", type=int, default=15, help="arrivals: bucket length in minutes (default 15)")
    p.set_defaults(func=run)


def _tables(args):
    from app.cli.common import ledger_of, pick_event
    from core.report_data import build_report
    from core.report_times import arrivals

    with ledger_of(args) as ledger, ledger.uow() as uow:
        event = pick_event(uow.session, args.event)
        if args.report == "arrivals":
            return [arrivals(uow.session, event.id, minutes=args.minutes)]
        return build_report(uow.session, args.report, event.id)


def render(tables, report: str, fmt: str) -> bytes | str:
    """`tables` of `report` in `fmt`: str for text, else bytes (core.report_export.render). CliError for png
    of a report that is not arrivals."""
    if fmt == "text":
        return text(tables)
    if fmt == "png" and report != "arrivals":
        raise CliError("png is the arrivals chart: use `tessera report arrivals --format png`")
    from core.report_export import render as render_file

    return render_file(tables, report, fmt)


def text(tables) -> str:
    """The tables as plain text: each title, then an aligned table (money formatted, times event-local)."""
    from core.report_table import text_of

    parts = []
    for t in tables:
        rows = [[text_of(t, v, c.kind) for v, c in zip(row, t.columns)] for row in t.rows]
        parts.append(f"{t.title}\n{table([c.name for c in t.columns], rows, empty='(nothing yet)')}")
    return "\n\n".join(parts) + "\n"


def run(args) -> int:
    """Build the report and print or write it; exit 0."""
    fmt = args.format or ("json" if args.json else "text")
    if not 1 <= args.minutes <= 1440:
        raise CliError("--minutes must be 1..1440")
    if fmt in BINARY and not args.out and sys.stdout.isatty():
        raise CliError(f"--format {fmt} writes a file: give --out FILE (or redirect the output)")
    data = render(_tables(args), args.report, fmt)
    if args.out:
        out = Path(args.out)
        if isinstance(data, bytes):
            out.write_bytes(data)
        else:
            out.write_text(data, encoding="utf-8")
        print(f"{args.report} report written to {out}", file=sys.stderr)
    elif isinstance(data, bytes):
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(data)
    return 0
