"""`tessera scan`: decode QR codes from images, a video file, a camera or typed text, and check each ticket in
through the door verdict (core.checkin); one verdict line per code (JSON lines with --json)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from app import config
from app.cli.common import add_station_options, ledger_of, operator_of, pick_event, station_of
from app.cli.output import CliError, json_line, warn
from app.debounce import Debouncer
from core.events import get_event

if TYPE_CHECKING:
    from core.checkin import ScanResult

# core.checkin / core.decode (OpenCV) are imported inside the handlers: `tessera --help` stays fast.

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
    p.add_argument("--every", type=int, default=1, metavar="N", help="decode every N-th video frame")
    p.add_argument("--max-frames", type=int, metavar="N", help="stop a video/camera after N frames")
    p.add_argument("--debounce", type=float, metavar="W",
                   help="a code seen again within W frames (video, default %d) or seconds (camera, default %s) "
                        "counts once" % (VIDEO_DEBOUNCE_FRAMES, config.get("scan_debounce_s")))
    p.add_argument("--provisional", action="store_true",
                   help="admit a ticket missing from the local list (offline, bought after the last sync) "
                        "provisionally; checked at the next sync (WR-13)")
    add_station_options(p)
    p.set_defaults(func=cmd_scan)


def verdict_line(result: "ScanResult", source: str = "") -> str:
    """One human line: '<source>  VERDICT  ticket  guest · type — message'."""
    who = " · ".join(x for x in (result.guest_name, result.definition_name) if x)
    parts = [source, f"{result.verdict.value:<18}", result.ticket_number or "-", who, f"— {result.message}"]
    return "  ".join(p for p in parts if p)


def print_result(args, result: "ScanResult", source: str) -> None:
    """Print one verdict: a JSON line (payload, ticketNumber, verdict, checkedInAt, station, …) or a text line."""
    if args.json:
        json_line(dict(result.to_json(), source=source))
    else:
        print(verdict_line(result, source), flush=True)


def _image_codes(paths: list[str]) -> Iterator[tuple[str, list[str] | None]]:
    """(path, codes) per image; codes None for a file that is not a readable image (reported on stderr,
    the other images are still scanned)."""
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
    if args.code:
        return [("code", list(args.code))]
    return _stream_codes(args)


def _admit(ledger, payload: str, event_id: str, station: str, operator: str):
    """WR-13 b: the unknown ticket admitted provisionally, in its own transaction (core.provisional)."""
    from core.provisional import admit_provisionally

    with ledger.uow() as uow:
        result = admit_provisionally(uow.session, payload, event_id=event_id, station=station, operator=operator)
        uow.commit()
    return result


def cmd_scan(args) -> int:
    from core.checkin import scan_and_commit

    with ledger_of(args) as ledger:
        with ledger.sessions() as session:
            event_ids = ([get_event(session, e).id for e in args.event] if args.event
                         else [pick_event(session, None).id])
        station, operator = station_of(args), operator_of(args)
        found, blank = 0, []
        try:
            for source, codes in _sources(args):
                if args.image and not codes:
                    blank.append(source)
                    if codes is not None:
                        warn(f"{source}: no QR code found")
                for payload in codes or []:
                    result = scan_and_commit(ledger, payload, event_ids=event_ids, station=station,
                                             operator=operator)
                    if args.provisional and result.verdict.value == "UNKNOWN" and len(event_ids) == 1:
                        result = _admit(ledger, payload, event_ids[0], station, operator)
                    print_result(args, result, source)
                    found += 1
        except KeyboardInterrupt:
            if args.camera is None:
                raise
        if blank or (not found and args.camera is None):
            if not blank:
                warn("no QR code found")
            return 1
    return 0
