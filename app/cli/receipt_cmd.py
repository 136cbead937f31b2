"""`tessera receipt ORDER_NUMBER [--printer SPEC | --pdf FILE]`: an order's receipt (issue 10 item 4).

With `--printer` (or the `receipt_printer` setting) the receipt goes to an ESC/POS printer
(app/receipt_printer.py: network:HOST[:PORT], usb:VID:PID, file:PATH, dummy); with `--pdf` it is saved as an
80 mm roll PDF (core/pdf_roll.py); with neither, its text is printed here (a preview, same lines).
"""
from __future__ import annotations

from pathlib import Path

from app import config
from app.cli.common import transaction
from app.cli.output import emit
from core.receipt import WIDTHS, build_receipt, receipt_lines


def register(subparsers, parent) -> None:
    """Add `receipt` to the CLI."""
    p = subparsers.add_parser("receipt", parents=[parent], help="print or save an order's receipt",
                              description=__doc__.split("\n\n", 1)[1])
    p.add_argument("order_number", metavar="ORDER_NUMBER")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--printer", metavar="SPEC", help="ESC/POS printer: network:HOST[:PORT], usb:VID:PID, "
                     "file:PATH or dummy (default: the receipt_printer setting)")
    out.add_argument("--pdf", metavar="FILE", help="save the receipt as an 80 mm roll PDF instead")
    p.add_argument("--width", type=int, choices=WIDTHS, default=48, help="characters per line (80 mm: 48)")
    p.set_defaults(func=cmd_receipt)


def cmd_receipt(args) -> int:
    locale = config.get("locale")
    with transaction(args) as session:
        receipt = build_receipt(session, args.order_number.strip().upper())
    lines = receipt_lines(receipt, width=args.width, locale=locale)
    printer = args.printer or ("" if args.pdf else config.get("receipt_printer"))
    facts = {"orderNumber": receipt.order_number, "kind": receipt.kind, "total": receipt.total.to_api(),
             "lines": lines}
    if args.pdf:
        from core.pdf_roll import render_receipt_pdf  # reportlab: loaded only when needed

        out = Path(args.pdf).expanduser()
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(render_receipt_pdf(receipt, locale=locale))
        emit(args, dict(facts, file=str(out)), f"Wrote receipt {receipt.order_number} to {out}")
    elif printer:
        from app.receipt_printer import print_receipt

        print_receipt(printer, receipt, width=args.width, locale=locale)
        emit(args, dict(facts, printer=printer), f"Printed receipt {receipt.order_number} on {printer}")
    else:
        emit(args, facts, "\n".join(lines))
    return 0
