"""`tessera station connect|show|conflicts|resolve`, `tessera sync [--watch]` and `tessera sync retry|dismiss`:
a station's server connection, sync runs and the changes the server refused (sync.station, sync.engine,
core.outbox: rows are never deleted, retry keeps the audit of why they were refused)."""
from __future__ import annotations

import argparse
import sys
import time

from app import config
from app.cli import review_cmd
from app.cli.common import ledger_of
from app.cli.output import CliError, emit, table, to_json, warn
from core.outbox import held_count, pending_count, rejected_count
from core.timeutil import shown, to_rfc3339


EXIT_HELP = """exit status (one per class of outcome, sync.outcome; `--json` prints it as outcome.kind):
  0  ok: everything went up and came down
  1  failed: the run stopped for another reason (a time/size bound, an unreadable answer)
  3  rejected: the server refused some changes; they are kept (`tessera sync rejected`, `retry`)
  4  offline: the server could not be reached; changes stay queued
  5  refused: the server answered 401/403 (unknown key, or a permission the role lacks: the endpoint and
     the missing permission are printed)
  6  server error: 5xx/429 or an intermediary's page; retried at the next run
  7  clock skew: the run worked but this computer's clock is off by more than clock_warn_s
  8  not connected: `tessera station connect URL --key KEY` first
  9  skipped: nothing was tried, a cool-down after a failed run is still on (`tessera sync --force` runs now)
  (2: bad usage)"""


def register(subparsers, parent: argparse.ArgumentParser) -> None:
    """Add the `station` and `sync` commands."""
    st = subparsers.add_parser("station", parents=[parent], help="connect this station to a hub or the central API")
    sub = st.add_subparsers(dest="station_command", metavar="ACTION", required=True)
    con = sub.add_parser("connect", parents=[parent], help="check a key against a server and save the connection")
    con.add_argument("url", help="server base URL, e.g. http://192.168.1.10:8787 (a Tessera hub) or https://www.wixapis.com")
    con.add_argument("--key", default=None, help="the station's API key (stored in the OS keyring); `-` reads it "
                     "from stdin; left out, it is asked for without echo (a key on the command line shows in ps)")
    con.add_argument("--site-id", default="", help="wix-site-id header (central Wix API)")
    con.add_argument("--event", nargs="+", default=[], metavar="ID", help="event id(s) to sync (hub: default all)")
    con.add_argument("--name", default="", help="station name when the server does not name it (plain server)")
    con.add_argument("--title", default="", help="plain server: the event's title, when the server does not say it")
    con.add_argument("--time-zone", default="", metavar="ZONE",
                     help="plain server: the event's IANA time zone (e.g. Europe/Zurich), when the server does not "
                     "say it")
    con.add_argument("--currency", default="", help="plain server: the event's currency (e.g. EUR), when the server "
                     "does not say it")
    con.set_defaults(func=_connect)
    show = sub.add_parser("show", parents=[parent], help="the saved connection and sync state (never the key)")
    show.set_defaults(func=_show)
    conf = sub.add_parser("conflicts", parents=[parent], help="ticket-definition and order edits that clash with "
                          "the server (the same field changed here and centrally)")
    conf.set_defaults(func=_conflicts)
    res = sub.add_parser("resolve", parents=[parent], help="resolve a definition or order conflict")
    res.add_argument("definition_id", metavar="ID", help="the definition id or order number (see `station conflicts`)")
    res.add_argument("--keep", choices=("mine", "theirs"), required=True)
    res.set_defaults(func=_resolve)

    sy = subparsers.add_parser("sync", parents=[parent], help="push local changes, then pull the server's",
                               description="Push local changes, then pull the server's.",
                               epilog=EXIT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    sy.add_argument("--watch", action="store_true", help="keep syncing every --interval seconds (Ctrl+C stops)")
    sy.add_argument("--interval", type=float, default=None, metavar="S",
                    help="seconds between runs with --watch (default: setting sync_interval_s)")
    sy.add_argument("--runs", type=int, default=0, metavar="N", help="with --watch: stop after N runs (0 = never)")
    sy.add_argument("--force", action="store_true", help="ignore the cool-down after a failure")
    sy.set_defaults(func=_sync)
    acts = sy.add_subparsers(dest="sync_command", metavar="ACTION", required=False)
    ret = acts.add_parser("retry", parents=[parent], help="queue changes the server refused again (oldest first)")
    ret.add_argument("ids", nargs="*", type=int, metavar="ID", help="outbox ids (see `tessera sync rejected`)")
    ret.add_argument("--all", action="store_true", help="every refused change")
    ret.set_defaults(func=_retry)
    dis = acts.add_parser("dismiss", parents=[parent], help="give up refused changes (kept for audit)")
    dis.add_argument("ids", nargs="+", type=int, metavar="ID")
    dis.set_defaults(func=_dismiss)
    rej = acts.add_parser("rejected", parents=[parent], help="the changes the server refused, with the reason")
    rej.set_defaults(func=_rejected)
    review_cmd.add_parser(acts, parent)
    lea = acts.add_parser("leases", parents=[parent], help="the seats leased to this box office for offline sale")
    lea.add_argument("--event", metavar="ID", help="event id (default: every event this station syncs)")
    lea.add_argument("--release", action="store_true", help="hand the unused leased seats back to the hub")
    lea.set_defaults(func=_leases)


def _connect(args) -> int:
    from core.errors import DomainError
    from sync.errors import SyncError
    from sync.plain_events import EventDetailsNeeded
    from sync.station import connect

    key = read_key(args.key)
    info = {"title": args.title, "timeZone": args.time_zone, "currency": args.currency}
    with ledger_of(args) as ledger, ledger.uow() as uow:
        for attempt in range(2):
            try:
                cfg = connect(uow.session, args.url, key, site_id=args.site_id, event_ids=args.event,
                              station=args.name or config.default_station(), event_info=info)
                break
            except EventDetailsNeeded as exc:
                if attempt or args.key == "-" or not sys.stdin.isatty():
                    raise CliError(f"cannot connect to {args.url}: {exc.message}") from None
                info = ask_event_details(exc, info)
            except (SyncError, DomainError) as exc:
                raise CliError(f"cannot connect to {args.url}: {exc.message}") from None
        uow.commit()
    probes = _self_test(args)
    kind = f"hub, role {cfg.role}" if cfg.extensions else "plain contract server (full re-list, no extensions)"
    emit(args, {"url": cfg.url, "station": cfg.station, "role": cfg.role, "eventIds": cfg.event_ids,
                "extensions": cfg.extensions, "keyStorage": cfg.key_storage,
                "selfTest": [{"permission": p.permission, "call": p.call, "ok": p.ok, "detail": p.detail}
                             for p in probes], "missing": sorted({p.permission for p in probes if not p.ok})},
         f"connected to {cfg.url} as {cfg.station!r} ({kind}); events: {', '.join(cfg.event_ids)}\n"
         f"key stored in {cfg.key_storage}")
    if cfg.key_storage.startswith("file"):
        warn("note: no OS keyring is available; the key is in a file readable only by you")
    missing = [p for p in probes if not p.ok]
    warn(f"permission self-test: {len(probes) - len(missing)} of {len(probes)} check(s) passed")
    for p in missing:
        warn(f"  missing {p.permission}: {p.call} — {p.detail}")
    return 0


def ask_event_details(needed, info: dict) -> dict:
    """Ask the organiser once, at the terminal, for what a plain server does not say of its event (issue 8
    item 9): the fields of `needed.missing`. Returns `info` completed."""
    labels = {"title": "Event title", "timeZone": "Time zone (IANA, e.g. Europe/Zurich)",
              "currency": "Currency (ISO 4217, e.g. EUR)"}
    print("This server does not say everything about the event; please give it once:", file=sys.stderr)
    info = dict(info)
    for field in dict.fromkeys(f for fields in needed.missing.values() for f in fields):
        info[field] = input(f"{labels[field]}: ").strip()
    return info
def _self_test(args) -> list:
    """The permission self-test after connect (sync.connection.check_saved: a read-only call per read
    permission, the hub's stated permissions for the rest). Missing permissions are reported, not fatal: the
    connection is saved and the station works for everything else."""
    from sync.connection import check_saved

    with ledger_of(args) as ledger:
        return check_saved(ledger)


def read_key(flag: str | None) -> str:
    """The station key: `flag` itself, the first line of stdin when `flag` is `-`, else a no-echo prompt
    (getpass). CliError when it is empty."""
    if flag == "-":
        key = sys.stdin.readline()
    elif flag is None:
        import getpass  # lazy: only `station connect` without --key needs it

        key = getpass.getpass("station API key: ")
    else:
        key = flag
    key = (key or "").strip()
    if not key:
        raise CliError("no station key given (--key KEY, --key - for stdin, or type it at the prompt)")
    return key


def _show(args) -> int:
    from core.events import zone_of
    from sync import clock, state
    from sync.conflicts import list_conflicts
    from sync.station import load_config

    with ledger_of(args) as ledger, ledger.uow() as uow:
        s = uow.session
        cfg = load_config(s)
        if cfg is None:
            raise CliError("this station is not connected: run `tessera station connect URL --key KEY`")
        last = state.last_success(s)
        success = {k: to_rfc3339(v) for k, v in last.items()}
        tz = zone_of(s, cfg.event_ids[0] if cfg.event_ids else None)  # text shows the event's time (BC-11)
        shown_success = {k: shown(v, tz, seconds=True) for k, v in last.items()}
        health = state.engine_health(s)
        scope = state.role_scope(s)  # the role and event scope the hub stated (issue 8 item 5)
        offset = clock.load(s, float(config.get("clock_warn_s")))
        data = {"url": cfg.url, "siteId": cfg.site_id, "station": cfg.station, "role": state.station_role(s),
                "eventIds": cfg.event_ids, "extensions": cfg.extensions, "keyStorage": cfg.key_storage,
                "pending": pending_count(s), "rejected": rejected_count(s), "waiting": held_count(s),
                "setAside": len(state.aside(s)),
                "conflicts": len(list_conflicts(s)), "lastSuccess": success, "lastError": health.last_error,
                "clockOffsetS": offset.offset_s if offset.measured_at else None, "clockWarning": offset.warning,
                "keyEvents": list(scope.events) if scope else [], "lastOutcome": state.last_outcome(s)}
    lines = [f"{k}: {v}" for k, v in data.items() if k not in ("lastSuccess", "lastOutcome")]
    last = data["lastOutcome"] or {}
    lines += [f"last sync: {last.get('kind')} {last.get('message') or ''}".rstrip()] if last else []
    lines += [f"last success {r}: {t}" for r, t in sorted(shown_success.items())]
    emit(args, data, "\n".join(lines))
    return 0


def _conflicts(args) -> int:
    from sync.conflicts import list_conflicts

    with ledger_of(args) as ledger, ledger.uow() as uow:
        found = list_conflicts(uow.session)
    data = [{"kind": c.kind, "key": c.key, "definitionId": c.key, "eventId": c.event_id, "name": c.name,
             "fields": c.fields} for c in found]
    rows = [(c.kind, c.key, c.name, path, v.get("mine"), v.get("theirs"))
            for c in found for path, v in c.fields.items()]
    emit(args, data, table(["kind", "id", "name", "field", "mine", "theirs"], rows))
    return 0


def _resolve(args) -> int:
    from sync.conflicts import KEEP_MINE, TAKE_THEIRS, resolve

    with ledger_of(args) as ledger, ledger.uow() as uow:
        resolve(uow.session, args.definition_id, KEEP_MINE if args.keep == "mine" else TAKE_THEIRS)
        uow.commit()
    emit(args, {"definitionId": args.definition_id, "kept": args.keep},
         f"conflict of {args.definition_id} resolved: kept {args.keep}")
    return 0


def _rejected(args) -> int:
    from core.outbox import rejected_entries

    with ledger_of(args) as ledger, ledger.uow() as uow:
        rows = rejected_entries(uow.session)
    data = [{**r, "created": to_rfc3339(r["created"])} for r in rows]
    emit(args, data, table(["id", "kind", "entity", "error"], [(r["id"], r["kind"], r["entity"], r["error"])
                                                                for r in rows]))
    return 0


def _retry(args) -> int:
    """REJECTED → PENDING for the ids (or --all), in outbox order; the next sync sends them."""
    from core.outbox import retry, retry_all

    if bool(args.all) == bool(args.ids):
        raise CliError("give outbox ids or --all (see `tessera sync rejected`)")
    with ledger_of(args) as ledger, ledger.uow() as uow:
        done = retry_all(uow.session) if args.all else sorted(args.ids)
        if not args.all:
            for entry_id in done:
                retry(uow.session, entry_id)
        uow.commit()
    emit(args, {"retried": done}, f"{len(done)} change(s) queued again; they go up at the next sync")
    return 0


def _dismiss(args) -> int:
    """REJECTED → DISMISSED (kept for audit); the changes that waited for them go up at the next sync."""
    from core.outbox import dismiss

    with ledger_of(args) as ledger, ledger.uow() as uow:
        for entry_id in args.ids:
            dismiss(uow.session, entry_id)
        uow.commit()
    emit(args, {"dismissed": list(args.ids)}, f"{len(args.ids)} change(s) dismissed (kept for audit)")
    return 0


def _report_json(report) -> dict:
    return {"ok": report.ok, "skipped": report.skipped, "mode": report.mode, "pushed": report.pushed,
            "rejected": report.rejected, "waiting": report.waiting, "setAside": report.set_aside,
            "pulled": report.pulled, "pulledBy": report.pulled_by,
            "conflicts": report.conflicts, "oversold": report.oversold, "duplicates": report.duplicates,
            "localOnly": report.local_only, "clockOffsetS": report.clock_offset_s, "warnings": report.warnings,
            "pending": report.pending, "error": report.error, "outcome": report.outcome.to_json(),
            "refused": report.refused, "reviewNew": report.review_new, "reviewOpen": report.review_open,
            "lastSuccess": {k: to_rfc3339(v) for k, v in report.last_success.items()},
            "lastSync": to_rfc3339(max(report.last_success.values(), default=None))}


def _progress(args):
    """Progress lines on stderr (one updating line on a terminal). The run's closing summary is left out:
    the command prints it once on stdout."""
    if args.json:
        return None
    tty = sys.stderr.isatty()

    def say(message: str) -> None:
        if message.startswith(("sync ok", "sync done", "sync failed", "sync skipped")):
            return
        if tty:
            print("\r\033[K" + message[:120], end="", file=sys.stderr, flush=True)
        else:
            print(message, file=sys.stderr, flush=True)
    return say


def _sync(args) -> int:
    from sync.connection import NotConnected, station_engine
    from sync.outcome import NOT_CONNECTED, SyncOutcome

    with ledger_of(args) as ledger:
        try:
            engine = station_engine(ledger, clock_warn_s=float(config.get("clock_warn_s")))
        except NotConnected as exc:
            outcome = SyncOutcome(NOT_CONNECTED, exc.message)
            if args.json:
                print(to_json({"ok": False, "outcome": outcome.to_json(), "error": exc.message}, pretty=False))
            warn(f"error: {exc.message}")
            return outcome.exit_code
        interval = args.interval if args.interval is not None else float(config.get("sync_interval_s"))
        runs, code = 0, 0
        try:
            while True:
                report = engine.run_once(progress=_progress(args), force=args.force and runs == 0)
                runs += 1
                if sys.stderr.isatty() and not args.json:
                    print(file=sys.stderr)
                print(to_json(_report_json(report), pretty=False) if args.json else report.summary(), flush=True)
                for line in report.warnings:
                    warn(f"warning: {line}")
                code = report.outcome.exit_code  # one code per class (EXIT_HELP, sync.outcome)
                if report.outcome.kind not in ("ok", "skipped") and not report.ok:
                    warn(f"{report.outcome.text()}")
                elif report.outcome.kind == "refused":
                    warn(f"warning: {report.outcome.text()}: the rest went on; ask the organiser for a key "
                         "whose role allows it, or dismiss the change (`tessera sync rejected`)")
                if report.rejected:  # refused changes are kept and shown, but the run is not "all good"
                    warn(f"warning: {len(report.rejected)} change(s) rejected by the server and kept: "
                         "see `tessera sync rejected` / the Sync tab; `tessera sync retry --all` sends them again")
                if not args.watch or (args.runs and runs >= args.runs):
                    break
                time.sleep(max(0.5, interval))
        finally:
            engine.api.http.close()
    return code


def _leases(args) -> int:
    """Show (and with --release hand back) this station's capacity leases (sync.leases)."""
    from core.events import zone_of
    from sync import leases
    from sync.connection import NotConnected, station_engine

    with ledger_of(args) as ledger:
        try:
            engine = station_engine(ledger, clock_warn_s=float(config.get("clock_warn_s")))
        except NotConnected as exc:
            raise CliError(exc.message) from None
        try:
            event_ids = [args.event] if args.event else list(engine.event_ids)
            released = {ev: leases.release(ledger, engine.api, ev) for ev in event_ids} if args.release else {}
            rows = [dict(r, eventId=ev) for ev in event_ids for r in leases.held_rows(ledger, ev, engine.now())]
            with ledger.uow() as uow:
                zones = {ev: zone_of(uow.session, ev) for ev in event_ids}
        finally:
            engine.api.http.close()
    body = {"leases": [dict(r, expires=to_rfc3339(r["expires"]), synced=to_rfc3339(r["synced"])) for r in rows],
            "released": released}
    head = "".join(f"Released {n} seat(s) of event {ev}.\n" for ev, n in released.items())
    emit(args, body, lambda: head + table(
        ["EVENT", "DEFINITION", "LEASED", "SOLD OFFLINE", "SELLABLE", "EXPIRES"],
        [[r["eventId"], r["definitionId"], r["seats"], r["unsent"], r["sellable"],
          shown(r["expires"], zones[r["eventId"]])] for r in rows],
        empty="No seats leased to this station (sync with a hub to lease)."))
    return 0


def release_leases(args, event_id: str) -> int | None:
    """At till close-out: hand this station's unused leased seats of the event back to the hub (sync.leases).
    Returns the seats handed back, or None when the station holds no lease or is not connected; a hub that
    cannot be reached is a warning on stderr (the lease then expires on the hub by itself)."""
    from core import leases as core_leases
    from core.events import zone_of
    from sync import leases
    from sync.connection import NotConnected, station_engine
    from sync.errors import SyncError

    with ledger_of(args) as ledger:
        with ledger.uow() as uow:
            if not core_leases.held(uow.session, event_id):
                return None
        try:
            engine = station_engine(ledger, clock_warn_s=float(config.get("clock_warn_s")))
        except NotConnected:
            return None
        try:
            back = leases.release(ledger, engine.api, event_id)
        except SyncError as exc:
            warn(f"warning: leased seats not handed back (they return to the pool when the lease expires): "
                 f"{exc.message}")
            return None
        finally:
            engine.api.http.close()
    print(f"Handed {back} leased seat(s) back to the hub.", file=sys.stderr)
    return back
