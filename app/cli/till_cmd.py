"""`tessera till open|status|void|close|report`: the box office's till session (core.till, issue 10 item 3).

  tessera till open --float 100.00 [--float "20 USD"]   open this station's till with its opening cash
  tessera till status                                   running totals of the open till (expected cash)
  tessera till void ORDER_NUMBER                        cancel a sale of the open till, cash handed back
  tessera till close --counted 148.00 [--report F.pdf]  close with the cash counted; difference shown
  tessera till report [TILL_ID] --format csv|pdf|json   a close-out report (default: the latest till)
Amounts are "AMOUNT" in the event's currency or "AMOUNT CUR" (ISO-4217), never floats.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from app.cli.common import add_event_option, add_station_options, operator_of, pick_event, station_of, transaction
from app.cli.output import CliError, emit, pairs, table
from app.cli.sync_cmd import release_leases
from core.money import Money
from core.till import close_till, current_till, list_tills, open_till, till_totals, void_sale
from core.till_report import closeout, closeout_csv, closeout_pdf
from core.timeutil import shown

_AMOUNT = re.compile(r"^\s*(?:([A-Za-z]{3})\s*)?([0-9]+(?:[.,][0-9]+)?)\s*([A-Za-z]{3})?\s*$")


def register(subparsers, parent) -> None:
    """Add `till` and its sub-commands to the CLI."""
    p = subparsers.add_parser("till", parents=[parent], help="open, void in, close and report a till session",
                              description=__doc__.split("\n\n", 1)[1], formatter_class=_raw())
    sub = p.add_subparsers(dest="till_command", required=True, metavar="COMMAND")
    for name, func, text in (("open", cmd_open, "open this station's till"), ("status", cmd_status, "open till"),
                             ("void", cmd_void, "void a sale of the open till"),
                             ("close", cmd_close, "close the till with the cash counted"),
                             ("report", cmd_report, "close-out report")):
        s = sub.add_parser(name, parents=[parent], help=text)
        add_event_option(s)
        add_station_options(s)
        s.set_defaults(func=func)
        if name == "open":
            s.add_argument("--float", dest="floats", action="append", default=[], metavar="AMOUNT",
                           help='opening cash, e.g. 100.00 or "20 USD" (repeat per currency)')
        if name == "void":
            s.add_argument("order_number", metavar="ORDER_NUMBER")
        if name in ("close", "report"):
            s.add_argument("--format", choices=("text", "csv", "pdf", "json"), default="text")
            s.add_argument("--out", metavar="FILE", help="write the report there (pdf needs it)")
        if name == "close":
            s.add_argument("--counted", action="append", default=[], metavar="AMOUNT",
                           help='cash counted, e.g. 148.00 or "20 USD" (repeat per currency)')
        if name == "report":
            s.add_argument("till_id", nargs="?", metavar="TILL_ID", help="default: this station's latest till")


def _raw():
    import argparse

    return argparse.RawDescriptionHelpFormatter


def parse_amount(text: str, default_currency: str) -> Money:
    """Money from "100.00", "100,00", "20 USD" or "USD 20" (the event's currency when none is given).
    Raises CliError for anything else."""
    m = _AMOUNT.match(text or "")
    if not m or (m.group(1) and m.group(3)):
        raise CliError(f"{text!r} is not an amount: write e.g. 100.00 or \"20 USD\"")
    return Money.of(m.group(2).replace(",", "."), (m.group(1) or m.group(3) or default_currency).upper())


def _totals_rows(totals) -> list[list[str]]:
    return [[t.currency, str(t.float_.amount), str(t.cash.amount), str(t.card.amount), str(t.voided_cash.amount),
             str(t.expected.amount), "" if t.counted is None else str(t.counted.amount),
             "" if t.difference is None else str(t.difference.amount)] for t in totals]


HEADERS = ["CUR", "FLOAT", "CASH", "CARD", "VOIDED CASH", "EXPECTED", "COUNTED", "DIFFERENCE"]


def _json_totals(totals) -> list[dict]:
    return [{"currency": t.currency, "float": t.float_.to_api(), "cash": t.cash.to_api(), "card": t.card.to_api(),
             "voidedCash": t.voided_cash.to_api(), "voidedCard": t.voided_card.to_api(),
             "expectedCash": t.expected.to_api(), "countedCash": t.counted.to_api() if t.counted else None,
             "difference": t.difference.to_api() if t.difference else None, "orders": t.orders} for t in totals]


def cmd_open(args) -> int:
    with transaction(args) as session:
        ev = pick_event(session, args.event)
        floats = [parse_amount(f, ev.currency) for f in args.floats]
        till = open_till(session, ev.id, station=station_of(args, session), operator=operator_of(args),
                         floats=floats)
        body = {"tillId": till.id, "station": till.station, "operator": till.operator,
                "floats": _json_totals(till_totals(session, till))}
        text = f"Till {till.id} open at {till.station}" + (f" ({till.operator})" if till.operator else "")
    emit(args, body, text)
    return 0


def cmd_status(args) -> int:
    with transaction(args) as session:
        ev = pick_event(session, args.event)
        till = current_till(session, ev.id, station_of(args, session))
        if till is None:
            emit(args, {"open": False}, f"No till is open at {station_of(args, session)}.")
            return 0
        totals = till_totals(session, till)
        body = {"open": True, "tillId": till.id, "operator": till.operator, "totals": _json_totals(totals)}
        head = pairs([("till", till.id), ("station", till.station), ("operator", till.operator)])
    emit(args, body, lambda: head + "\n\n" + table(HEADERS, _totals_rows(totals)))
    return 0


def cmd_void(args) -> int:
    with transaction(args) as session:
        ev = pick_event(session, args.event)
        voids = void_sale(session, ev.id, args.order_number.strip().upper(), station=station_of(args, session))
        back = [Money.from_minor(v.amount_minor, v.currency) for v in voids]
        body = {"orderNumber": args.order_number.strip().upper(), "status": "CANCELED",
                "handedBack": [{"method": v.method, "amount": m.to_api()} for v, m in zip(voids, back)]}
    money = ", ".join(f"{v.method} {m}" for v, m in zip(voids, back)) or "nothing (it was unpaid)"
    emit(args, body, f"Order {body['orderNumber']} voided: hand back {money}. Its tickets are refused at every "
                     "door after the next sync.")
    return 0


def cmd_close(args) -> int:
    with transaction(args) as session:
        ev = pick_event(session, args.event)
        counted = [parse_amount(c, ev.currency) for c in args.counted]
        till = close_till(session, ev.id, station=station_of(args, session), counted=counted)
        till_id, event_id = till.id, ev.id
    release_leases(args, event_id)  # issue 10 item 6: unused leased seats go back to the pool at close-out
    args.till_id = till_id
    return cmd_report(args)


def cmd_report(args) -> int:
    with transaction(args) as session:
        ev = pick_event(session, args.event)
        station = station_of(args, session)
        till_id = args.till_id or next((t.id for t in list_tills(session, ev.id) if t.station == station), None)
        if till_id is None:
            raise CliError(f"no till session at {station} for this event")
        report = closeout(session, till_id)
    return _write_report(args, report)


def _local(report, value) -> str:
    return "still open" if value is None else shown(value, report.time_zone)


def _write_report(args, report) -> int:
    fmt = "json" if args.json else args.format
    if fmt == "pdf" and not args.out:
        raise CliError("--format pdf needs --out FILE")
    if fmt == "pdf":
        data: bytes | str = closeout_pdf(report)
    elif fmt == "csv":
        data = closeout_csv(report)
    elif fmt == "json":
        import json

        data = json.dumps({"tillId": report.till_id, "station": report.station, "operator": report.operator,
                           "closed": report.closed.isoformat() if report.closed else None,
                           "totals": _json_totals(report.totals)}, indent=2)
    else:
        data = (pairs([("till", report.till_id), ("station", report.station), ("operator", report.operator),
                       ("opened", _local(report, report.opened)), ("closed", _local(report, report.closed))])
                + "\n\n" + table(HEADERS, _totals_rows(report.totals)))
    if args.out:
        out = Path(args.out).expanduser()
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data) if isinstance(data, bytes) else out.write_text(data, encoding="utf-8")
        print(f"Wrote {fmt} close-out to {out}", file=sys.stderr)
    else:
        print(data.rstrip("\n"))
    return 0
