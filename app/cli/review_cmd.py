"""`tessera sync review [--all] [--ack ID… | --ack-all] [--by NAME] [--json]`: the review queue (core.review,
issue 8 item 7) — what the last syncs found that needs a person (double admissions, admissions of canceled
orders, removed check-ins, provisional outcomes, oversells, stale answers ignored, payments to refund). Items stay
until acknowledged; acknowledging keeps them with who and when (`--all` lists those too). Times are shown in
each item's event zone (core.timeutil.shown); `--json` keeps RFC 3339 UTC."""
from __future__ import annotations

import argparse

from app import config
from app.cli.common import ledger_of
from app.cli.output import CliError, emit, table
from core.timeutil import shown


def add_parser(actions, parent: argparse.ArgumentParser) -> None:
    """Add `review` to the `tessera sync` actions."""
    rev = actions.add_parser("review", parents=[parent], help="what the syncs found that needs a person; "
                             "acknowledge it (kept for audit)")
    rev.add_argument("--ack", nargs="+", type=int, default=[], metavar="ID", help="acknowledge these items")
    rev.add_argument("--ack-all", action="store_true", help="acknowledge every open item")
    rev.add_argument("--all", action="store_true", help="list acknowledged items too (the audit)")
    rev.add_argument("--by", default=None, help="who acknowledges (default: the setting operator, else 'cli')")
    rev.set_defaults(func=run)


def run(args) -> int:
    """List the open items (or acknowledge some/all first); exit 0."""
    from core import review

    if args.ack and args.ack_all:
        raise CliError("give --ack IDs or --ack-all, not both")
    by = args.by or config.get("operator") or "cli"
    with ledger_of(args) as ledger, ledger.uow() as uow:
        if args.ack or args.ack_all:
            done = (review.acknowledge_all(uow.session, by=by) if args.ack_all
                    else len(review.acknowledge(uow.session, args.ack, by=by)))
            uow.commit()
            emit(args, {"acknowledged": done, "by": by, "open": review.open_count(uow.session)},
                 f"{done} item(s) acknowledged by {by}; {review.open_count(uow.session)} still open")
            return 0
        rows = review.list_items(uow.session, include_acked=args.all)
    data = [r.to_json() for r in rows]
    emit(args, {"items": data}, lambda: table(
        ["id", "what", "about", "happened", "message", *(["acknowledged"] if args.all else [])],
        [(r.id, r.title, r.entity, shown(r.happened or r.raised, r.time_zone), r.message,
          *([f"{r.acked_by} {shown(r.acked_at, r.time_zone)}" if r.acked_at else ""] if args.all else []))
         for r in rows],
        empty="nothing to review"))
    return 0
