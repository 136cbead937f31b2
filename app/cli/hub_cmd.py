"""`tessera hub [serve]` runs the hub (the contract server for the venue's LAN); `tessera hub add-station`
registers a station and prints its new API key (only a hash is stored; docs/HUB_EXTENSIONS.md);
`tessera hub revoke <station|key id>` withdraws a key (effective at once in every hub process)."""
from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from sqlalchemy.engine import make_url

from app import config
from app.cli.output import CliError, emit
from core.connect_code import connect_code_png, make_connect_code
from core.db import Ledger
from core.db import make_url as ledger_url
from sync.hub.auth import ROLES, add_station, hash_key, key_id, revoke
from sync.hub.models import ensure_schema

HUB_FILE = "hub.db"


def default_hub_db() -> Path:
    """The hub's own database when --db is not given: <data dir>/hub.db (never the station ledger)."""
    return config.data_dir() / HUB_FILE


def _serve_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    # On the `serve` sub-parser the defaults are suppressed so `tessera hub --port 9000 serve` keeps 9000.
    d = (lambda v: argparse.SUPPRESS) if suppress else (lambda v: v)
    parser.add_argument("--host", default=d("127.0.0.1"), help="address to listen on (default 127.0.0.1; "
                        "0.0.0.0 for the whole LAN)")
    parser.add_argument("--port", type=int, default=d(8787), help="TCP port (default 8787)")
    parser.add_argument("--plain", action="store_true", default=d(False),
                        help="serve the bare contract only: no discovery, extensions or X-Server-Time")
    parser.add_argument("--smtp", metavar="URL", default=d(None),
                        help="SMTP server for order confirmations, e.g. smtp://127.0.0.1:8025?from=box@venue.example")
    parser.add_argument("--workers", type=int, default=d(1), metavar="N",
                        help="hub processes sharing the port (default 1; more than 1 needs a postgresql:// --db)")


def _hub_parent() -> argparse.ArgumentParser:
    """The common options (app.cli.main._add_common) with --db described as the hub's database."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                        help=f"hub database: SQLite file or postgresql:// URL (default: {default_hub_db()})")
    parent.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="machine-readable output (the contract's field names)")
    return parent


def register(subparsers, _parent) -> None:
    """Add `hub` (serve by default) with the sub-commands `serve` and `add-station`; their --db help names the
    hub database (fresh-user trial: it named the station ledger)."""
    parent = _hub_parent()
    hub = subparsers.add_parser("hub", parents=[parent], help="run the hub server and manage its stations",
                                description="Serve the ticketing contract over the hub database "
                                            f"(--db: SQLite file or postgresql:// URL; default {default_hub_db()}).")
    _serve_options(hub, suppress=False)
    hub.set_defaults(func=cmd_serve)
    sub = hub.add_subparsers(dest="hub_action", metavar="ACTION")
    serve = sub.add_parser("serve", parents=[parent], help="serve the contract (the default action)")
    _serve_options(serve, suppress=True)
    serve.set_defaults(func=cmd_serve)
    add = sub.add_parser("add-station", parents=[parent], help="register a station and print its new API key")
    add.add_argument("name", help="station name (shown on its check-ins and sales)")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--replace", action="store_true", help="issue a new key (and role) for an existing name")
    add.add_argument("--qr", metavar="FILE.png", help="also write a connect-code QR (URL + key + name) for the "
                     "station's set-up wizard to scan; needs --url. It holds the key: hand it over in person")
    add.add_argument("--url", metavar="URL", help="the hub's address as stations reach it, for --qr "
                     "(e.g. http://192.168.1.10:8787)")
    add.add_argument("--event", nargs="+", default=[], metavar="ID", help="limit the key to these event ids "
                     "(default: every event); the hub refuses calls naming another event")
    add.set_defaults(func=cmd_add_station)
    rev = sub.add_parser("revoke", parents=[parent], help="revoke a station's key (refused at once by every hub "
                         "process; add the station again for a new key)")
    rev.add_argument("who", metavar="STATION|KEY_ID", help="station name or key id (shown by add-station)")
    rev.set_defaults(func=cmd_revoke)


def hub_db(args) -> str:
    """The hub database of `args`: --db when given, else default_hub_db()."""
    if not getattr(args, "db_given", False) or not getattr(args, "db", None):
        return str(default_hub_db())
    return str(args.db)


def _shown(db: str) -> str:
    """The database location for messages, with any password hidden."""
    return make_url(ledger_url(db)).render_as_string(hide_password=True)


def cmd_serve(args) -> int:
    from sync.hub.mailer import SmtpConfig
    from sync.hub.server import check_workers, serve

    db = hub_db(args)
    if args.smtp:
        SmtpConfig.parse(args.smtp)  # ValueError → "error: …" before anything starts
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    workers = int(getattr(args, "workers", 1))
    check_workers(db, workers)  # WorkersRefused (a ValueError) → "error: …" before anything starts
    print(f"Tessera hub: http://{args.host}:{args.port} on {_shown(db)}"
          f"{' (plain contract)' if args.plain else ''}{f', {workers} processes' if workers > 1 else ''}",
          flush=True)
    serve(db, host=args.host, port=args.port, plain=bool(args.plain), smtp_url=args.smtp, workers=workers)
    return 0


def _in_hub(db: str, work):
    """Run `work(session)` in one committed hub transaction (hub unit of work: no outbox rows) on `db`."""
    ledger = Ledger.open(db)
    try:
        ensure_schema(ledger.engine)
        with ledger.uow(outbox=False) as uow:
            result = work(uow.session)
            uow.commit()
        return result
    finally:
        ledger.close()


def cmd_add_station(args) -> int:
    if args.qr and not args.url:
        raise CliError("--qr needs --url: the hub's address as the stations reach it")
    code = make_connect_code(args.url, "placeholder", args.name) if args.qr else None  # check the URL first
    db = hub_db(args)
    key = _in_hub(db, lambda s: add_station(s, args.name, args.role, replace=args.replace, events=args.event))
    if code is not None:
        _write_private(Path(args.qr).expanduser(), connect_code_png(make_connect_code(args.url, key, args.name)))
    kid = key_id(hash_key(key))
    scope = f", events {', '.join(args.event)}" if args.event else ""
    emit(args, {"station": args.name, "role": args.role, "key": key, "keyId": kid, "events": args.event},
         f"Station {args.name!r} ({args.role}{scope}) on {_shown(db)}, key id {kid}\n"
         f"API key (shown once, only its hash is stored):\n{key}"
         + (f"\nConnect code (URL + key + name) written to {args.qr}: scan it in the station's set-up wizard; "
            "it holds the key, hand it over in person" if args.qr else ""))
    return 0


def _write_private(path: Path, data: bytes) -> None:
    """Write `data` to a new 0600 file (it holds a key)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, 0o600)


def cmd_revoke(args) -> int:
    db = hub_db(args)
    name = _in_hub(db, lambda s: revoke(s, args.who))
    emit(args, {"station": name, "revoked": True}, f"Station {name!r}: key revoked on {_shown(db)}")
    return 0
