"""`tessera pdf ORDER_NUMBER --out FILE`: render an order's tickets (one A6 page each, QR = checkInUrl)."""
from __future__ import annotations

from pathlib import Path

from app.cli.common import transaction
from app.cli.output import emit
from core.orders import get_order


def register(subparsers, parent) -> None:
    """Add `pdf` to the CLI."""
    p = subparsers.add_parser("pdf", parents=[parent], help="write an order's ticket PDF")
    p.add_argument("order_number", metavar="ORDER_NUMBER")
    p.add_argument("--out", required=True, metavar="FILE", help="PDF file to write (folders are created)")
    p.set_defaults(func=cmd_pdf)


def cmd_pdf(args) -> int:
    from core.pdf import render_order_pdf  # reportlab: loaded only when needed

    with transaction(args) as session:
        order = get_order(session, args.order_number.strip().upper())
        data = render_order_pdf(session, order.order_number)
        pages = len(order.tickets)
    out = Path(args.out).expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    emit(args, {"orderNumber": order.order_number, "file": str(out), "pages": pages, "bytes": len(data)},
         f"Wrote {out} ({pages} ticket page(s), {len(data)} bytes)")
    return 0
