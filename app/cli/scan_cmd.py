"""`tessera scan`: decode QR codes from images, a video file, a camera or typed text, and check each ticket in
through the door use case (core.door — the same as the GUI door), with the clock offset measured by sync
(sync.door.clock_offset) and the unknown-ticket path of sync.door (ask the server, then offer provisional
admission); one verdict line per code (JSON lines with --json). `--undo` undoes check-ins (core.door.undo);
`--group` admits the rest of each admitted ticket's order too (core.door.admit_group, issue 9 item 10)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from app import config
from app.cli.common import add_station_options, ledger_of, operator_of, pick_event, station_of
from app.cli.output import CliError, json_line, warn
from app.debounce import Debouncer
from core.codes import normalise_typed
from core.events import get_event
from core.timeutil import to_rfc3339

if TYPE_CHECKING:
    from core.checkin import ScanResult

# core.door / sync.door / core.decode (OpenCV) are imported inside the handlers: `tessera --help` stays fast.

VIDEO_DEBOUNCE_FRAMES = 30  # one second of a 30 fps file


def register(subparsers, parent) -> None:
    """Add `scan` to the CLI."""
    p = subparsers.add_parser("scan", parents=[parent], help="scan ticket QR codes and check them in")
    p.add_argument("--event", action="append", metavar="ID",
                   help="event this door admits (repeatable; default: the only event in the ledger)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--image", nargs="+", metavar="FILE", help="image files (PNG, JPEG…)")
    src.add_argument("--video", metavar="FILE", help="a video file (each code counts once while in view)")
    src.add_argument("--camera", type=int, metavar="N", help="camera device index (Ctrl-C stops)")
    src.add_argument("--code", nargs="+", metavar="TEXT", help="typed payloads or ticket numbers")
    src.add_argument("--undo", nargs="+", metavar="TICKET_NUMBER",
                     help="undo these tickets' check-ins (also a provisional admission)")
    p.add_argument("--every", type=int, default=1, metavar="N", help="decode every N-th video frame")
    p.add_argument("--max-frames", type=int, metavar="N", help="stop a video/camera after N frames")
    p.add_argument("--debounce", type=float, metavar="W",
                   help="a code seen again within W frames (video, default %d) or seconds (camera, default %s) "
                        "counts once" % (VIDEO_DEBOUNCE_FRAMES, config.get("scan_debounce_s")))
    p.add_argument("--provisional", action="store_true",
                   help="admit a ticket missing from the local list provisionally when the server cannot be "
                        "asked (offline, or not connected); checked at the next sync (WR-13)")
    p.add_argument("--group", action="store_true",
                   help="whole-order check-in: after a ticket is admitted (or already in), admit the other "
                        "admissible tickets of its order too, each as its own check-in")
    p.add_argument("--entrance", metavar="NAME",
                   help="the entrance this door works at, by name or id (`tessera entrances list`): it admits "
                        "only its ticket definitions; at an exit scans record people leaving (default: none)")
    p.add_argument("--exit", action="store_true", help="exit mode: scans record people leaving (issue 9)")
    add_station_options(p)
    p.set_defaults(func=cmd_scan)


def verdict_line(result: "ScanResult", source: str = "") -> str:
    """One human line: '<source>  VERDICT  ticket  guest · type — message'."""
    who = " · ".join(x for x in (result.guest_name, result.definition_name) if x)
    label = "EXIT" if result.admitted and result.direction == "EXIT" else result.verdict.value
    parts = [source, f"{label:<18}", result.ticket_number or "-", who, f"— {result.message}"]
    return "  ".join(p for p in parts if p)


def print_result(args, result: "ScanResult", source: str) -> None:
    """Print one verdict: a JSON line (payload, ticketNumber, verdict, checkedInAt, station, …) or a text line."""
    if args.json:
        json_line(dict(result.to_json(), source=source))
    else:
        print(verdict_line(result, source), flush=True)


def _image_codes(paths: list[str]) -> Iterator[tuple[str, list[str] | None]]:
    """(path, codes) per image; codes None for a file that is not a readable image, or whose only QR code
    holds no UTF-8 text (BC-01: "unreadable", never looked up) — reported on stderr, the other images are
    still scanned."""
    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        raise CliError("image file not found: " + ", ".join(missing))
    _quiet_opencv()
    from core.decode import QrDecoder, decode_image

    decoder = QrDecoder(fallback_every=1)
    for path in paths:
        try:
            codes = decode_image(path, decoder)
        except (OSError, ValueError) as exc:
            warn(f"error: {exc}")
            codes = None
        if codes == [] and decoder.unreadable:
            warn(f"{path}: a QR code was found but it is unreadable (it holds no UTF-8 text): "
                 "not a Wix/Tessera ticket")
            codes = None
        yield path, codes


def _stream_codes(args) -> Iterator[tuple[str, list[str]]]:
    """(source label, newly presented codes) per decoded frame, debounced."""
    camera = args.camera is not None
    if not camera and not Path(args.video).is_file():
        raise CliError(f"video file not found: {args.video}")
    window = args.debounce if args.debounce is not None else (
        config.get("scan_debounce_s") if camera else VIDEO_DEBOUNCE_FRAMES)
    frame = [0]  # a video file's clock is its frame index (it is decoded faster than real time)
    debounce = Debouncer(window) if camera else Debouncer(window, clock=lambda: frame[0])
    _quiet_opencv()
    from core.decode import CameraError, iter_video

    try:
        for index, codes in iter_video(args.camera if camera else args.video, every=args.every,
                                       max_frames=args.max_frames):
            frame[0] = index
            fresh = [c for c in codes if debounce.accept(c)]
            yield f"frame {index}", fresh
    except CameraError as exc:
        raise CliError(f"{exc} (is a camera connected and allowed?)" if camera else str(exc)) from None


def _quiet_opencv() -> None:
    """Keep OpenCV's V4L2/FFMPEG warnings off the terminal: a missing camera is reported as one clear line."""
    import cv2

    logging_mod = getattr(getattr(cv2, "utils", None), "logging", None)
    if logging_mod is not None:
        logging_mod.setLogLevel(logging_mod.LOG_LEVEL_ERROR)


def _sources(args) -> Iterable[tuple[str, list[str]]]:
    if args.image:
        return _image_codes(args.image)
    if args.code:  # typed: spaces between groups are dropped as at the door's typed entry (core.codes)
        return [("code", [normalise_typed(c) for c in args.code])]
    return _stream_codes(args)


class _Engine:
    """The station's SyncEngine for unknown-ticket lookups, built on first use (sync.door.station_engine);
    a missing connection is remembered (NotConnected again, no second attempt)."""

    def __init__(self, ledger):
        self.ledger, self.engine, self.error = ledger, None, None

    def __call__(self):
        from sync.door import NotConnected, station_engine

        if self.error is not None:
            raise self.error
        if self.engine is None:
            try:
                self.engine = station_engine(self.ledger, clock_warn_s=float(config.get("clock_warn_s")))
            except NotConnected as exc:  # remembered; sync.door.lookup turns it into NOT_CONNECTED
                self.error = exc
                raise
        return self.engine

    def close(self) -> None:
        if self.engine is not None:
            self.engine.api.http.close()


def _door(args, ledger):
    """(core.door.Door, the event's time zone): events, station, operator, entrance and the clock offset
    measured by the last sync (a warning on stderr when it is large or was never measured)."""
    from core.door import Door
    from core.entrances import find_entrance
    from sync.door import clock_offset, last_ticket_sync

    with ledger.sessions() as session:
        events = [get_event(session, e) for e in args.event] if args.event else [pick_event(session, None)]
        measured = clock_offset(session, float(config.get("clock_warn_s")))
        snapshot = last_ticket_sync(session)  # a refusal resting on it is flagged stale (issue 9)
        station = station_of(args, session)  # a connected station scans under the name the hub knows it by
        entrance = find_entrance(session, [e.id for e in events], args.entrance) if args.entrance else None
    if measured.warning:
        warn(f"warning: {measured.warning}")
    door = Door(tuple(e.id for e in events), station, operator_of(args), entrance, measured.offset_s, snapshot,
                exit_mode=bool(args.exit))
    return door, events[0].time_zone


def _undo(args, ledger, door) -> int:
    from core.door import undo

    for tn in args.undo:
        done = undo(ledger, door, tn)
        if args.json:
            json_line({"ticketNumber": done.ticket_number, "undone": done.undone,
                       "undoneAt": to_rfc3339(done.undone_at), "message": done.message})
        else:
            print(f"{'UNDONE' if done.undone else 'NOT CHECKED IN':<18}  {done.ticket_number}  — {done.message}",
                  flush=True)
    return 0


def _admit_rest(args, ledger, door, result) -> None:
    """--group: after `result` (OK or ALREADY_CHECKED_IN), admit the other tickets of its order that are not
    in yet and not void (core.door.order_group / admit_group); one verdict line each, source "group"."""
    from core.checkin import Verdict
    from core.door import admit_group, order_group

    if not result.order_number or result.verdict not in (Verdict.OK, Verdict.ALREADY_CHECKED_IN):
        return
    rest = [t.ticket_number for t in order_group(ledger, door, result.order_number)
            if t.ticket_number != result.ticket_number and not t.checked_in and not t.void]
    if rest:
        for other in admit_group(ledger, door, result.order_number, rest, method="SCAN").results:
            print_result(args, other, "group")


def cmd_scan(args) -> int:
    from core import door as core_door
    from sync.door import resolve_unknown

    with ledger_of(args) as ledger:
        door, time_zone = _door(args, ledger)
        if args.undo:
            return _undo(args, ledger, door)
        engine = _Engine(ledger)
        found, blank = 0, []
        try:
            for source, codes in _sources(args):
                if args.image and not codes:
                    blank.append(source)
                    if codes is not None:
                        warn(f"{source}: no QR code found")
                for payload in codes or []:
                    result = core_door.scan(ledger, door, payload)
                    if len(door.event_ids) == 1:  # WR-13: ask the server, then (offline) provisional
                        result = resolve_unknown(ledger, door, result, engine, provisional=args.provisional,
                                                 time_zone=time_zone)
                    print_result(args, result, source)
                    if args.group:
                        _admit_rest(args, ledger, door, result)
                    found += 1
        except KeyboardInterrupt:
            if args.camera is None:
                raise
        finally:
            engine.close()
        if blank or (not found and args.camera is None):
            if not blank:
                warn("no QR code found")
            return 1
    return 0
