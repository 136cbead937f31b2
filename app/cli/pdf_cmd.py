"""`tessera pdf ORDER_NUMBER --out FILE [--layout a6|roll80]`: render an order's tickets (one A6 page each, or
one 80 mm thermal-roll page each; QR = checkInUrl)."""
from __future__ import annotations

from pathlib import Path

from app import config
from app.cli.common import transaction
from app.cli.output import emit
from core.orders import get_order


def register(subparsers, parent) -> None:
    """Add `pdf` to the CLI."""
    p = subparsers.add_parser("pdf", parents=[parent], help="write an order's ticket PDF")
    p.add_argument("order_number", metavar="ORDER_NUMBER")
    p.add_argument("--out", required=True, metavar="FILE", help="PDF file to write (folders are created)")
    p.add_argument("--layout", choices=("a6", "roll80"), default=None,
                   help="a6 page or 80 mm roll per ticket (default: the ticket_layout setting)")
    p.set_defaults(func=cmd_pdf)


def cmd_pdf(args) -> int:
    from core.pdf import render_order_pdf  # reportlab: loaded only when needed
    from core.pdf_roll import render_order_roll_pdf

    roll = (args.layout or config.get("ticket_layout")) == "roll80"
    with transaction(args) as session:
        order = get_order(session, args.order_number.strip().upper())
        data = (render_order_roll_pdf if roll else render_order_pdf)(session, order.order_number)
        pages = len(order.tickets)
    out = Path(args.out).expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    emit(args, {"orderNumber": order.order_number, "file": str(out), "pages": pages, "bytes": len(data)},
         f"Wrote {out} ({pages} ticket page(s), {len(data)} bytes)")
    return 0
