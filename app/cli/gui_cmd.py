"""`tessera gui` (also what `tessera` with no command runs): the desktop app on the local ledger.

Options: --event ID (default: the ledger's first event), --camera N (a webcam index) or --camera-file VIDEO
(a video file that stands in for a webcam), --station / --operator, --mute. PySide6 is imported only
inside the command, so the other commands never load Qt."""
from __future__ import annotations

import argparse
import logging
import logging.handlers


def register(subparsers, parent: argparse.ArgumentParser) -> None:
    """Add the `gui` command (parents=[parent] gives --db and --json)."""
    p = subparsers.add_parser("gui", parents=[parent], help="open the desktop app (the default command)",
                              description="Open the Tessera desktop app: door, box office, ticket definitions, "
                                          "orders.")
    p.add_argument("--event", metavar="ID", help="event to open (default: the first event in the ledger)")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--camera", metavar="N", type=int, help="webcam device index for the door scanner")
    source.add_argument("--camera-file", metavar="VIDEO", help="a video file standing in for a webcam")
    p.add_argument("--station", help="station name (default: this computer's name)")
    p.add_argument("--operator", help="operator name written on check-ins")
    p.add_argument("--mute", action="store_true", help="start with the verdict sounds muted")
    p.set_defaults(func=run)


def camera_source(args) -> int | str | None:
    """The scanner source from --camera / --camera-file, else the station's `camera` setting (an index or a
    device path, saved by the set-up wizard or `tessera settings set camera N`); None: no camera."""
    if getattr(args, "camera_file", None):
        return str(args.camera_file)
    if getattr(args, "camera", None) is not None:
        return args.camera
    from app import config

    saved = str(config.get("camera") or "").strip()
    return int(saved) if saved.isdigit() else (saved or None)


def init_logging() -> None:
    """Warnings and errors to a rotating file in the station's log dir (and stderr); quiet third parties."""
    from app import config

    root = logging.getLogger()
    if root.handlers:
        return
    root.setLevel(logging.INFO)
    try:
        log_dir = config.log_dir()
        log_dir.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            log_dir / "tessera-gui.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    root.addHandler(console)
    for noisy in ("sqlalchemy", "alembic", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def run(args) -> int:
    """Start the GUI and block until its window closes; returns the Qt exit code."""
    import os
    import sys

    if os.environ.get("DISPLAY") is None and os.environ.get("WAYLAND_DISPLAY") is None \
            and sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM"):
        from app.cli.output import CliError

        raise CliError("no display: run it on a desktop, under xvfb-run, or with QT_QPA_PLATFORM=offscreen")
    init_logging()
    from app.main_window import create_window
    from app.startup import surely_has_event

    # First start of an installed station (no event, no hub): the "set up this station" wizard. A ledger that
    # surely holds an event skips the check (and its imports) so the window shows sooner (issue 11).
    setup = None
    if not args.event and not surely_has_event(args.db):
        from app.dialogs.setup_wizard import first_start

        setup = first_start(args.db, station=args.station or "")
    source = camera_source(args) if setup is None or camera_source(args) is not None else setup.camera
    app, window, ledger = create_window(args.db, event_id=args.event or (setup and setup.event_id),
                                        camera_source=source,
                                        station=args.station or "", operator=args.operator or "",
                                        muted=args.mute)
    if setup is not None:
        from app.dialogs.setup_wizard import open_role_tab

        open_role_tab(window, setup.role)
    try:
        return int(app.exec())
    finally:
        ledger.close()
