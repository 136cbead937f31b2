"""`tessera demo [--out DIR]`: build the demo event, render its ticket PDFs, rasterise a few tickets to PNG,
scan those images through the real decoder and the door verdict, and print each verdict."""
from __future__ import annotations

from pathlib import Path

from app.cli.common import ledger_of
from app.cli.output import emit, table
from core import contract
from core.events import get_event


def register(subparsers, parent) -> None:
    """Add `demo` to the CLI."""
    p = subparsers.add_parser("demo", parents=[parent],
                              help="create a demo event with ~200 tickets, PDFs, PNGs and real scans")
    p.add_argument("--out", default="demo-out", metavar="DIR", help="folder for PDFs and PNGs (default demo-out)")
    p.add_argument("--seed", type=int, default=7, help="random seed of names and quantities")
    p.add_argument("--dpi", type=int, default=150, help="resolution of the PNGs")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args) -> int:
    from core.demo import build_demo, scan_samples, write_pdfs, write_sample_pngs  # heavy: PDF, OpenCV

    out = Path(args.out).expanduser()
    with ledger_of(args) as ledger:
        with ledger.uow() as uow:
            demo = build_demo(uow.session, seed=args.seed)
            uow.commit()
        with ledger.sessions() as session:
            event = contract.event_to_api(get_event(session, demo.event_id))
            pdfs = write_pdfs(session, demo, out)
            pngs = write_sample_pngs(session, demo, pdfs, out, dpi=args.dpi)
        scans = scan_samples(ledger, demo, pngs)
    counts = {status: len(numbers) for status, numbers in demo.orders.items()}
    body = {"event": event, "db": args.db, "definitions": demo.definitions, "orders": counts,
            "tickets": demo.tickets, "pdfs": [str(p) for p in pdfs.values()],
            "pngs": {label: str(p) for label, p in pngs.items()},
            "scans": [dict(r.to_json(), source=str(path)) for path, r in scans]}

    def human() -> str:
        lines = [f"Demo event \"{event['title']}\" ({event['id']}), {event['timeZone']}, {event['currency']}",
                 f"Ledger: {args.db}",
                 f"{demo.tickets} tickets in {sum(counts.values())} orders: "
                 + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())),
                 f"Ticket PDFs: {len(pdfs)} files in {out / 'pdf'}",
                 "Sample tickets rasterised and scanned:",
                 table(["IMAGE", "TICKET"], [[str(p), demo.samples[label]] for label, p in pngs.items()]),
                 "", "Verdicts (decoded from the PNGs, checked in at the door):",
                 table(["IMAGE", "VERDICT", "TICKET", "GUEST", "MESSAGE"],
                       [[path.name, r.verdict.value, r.ticket_number, r.guest_name, r.message] for path, r in scans])]
        return "\n".join(lines)

    emit(args, body, human)
    return 0
