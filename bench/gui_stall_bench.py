"""GUI stall and memory benchmark (case BC-23): the real main window on a 100,000-ticket ledger, the door's
camera fed by a looping video file, guest searches every half second — while a QTimer probe measures the
worst gap of the GUI event loop and RSS is sampled.

Targets: worst stall ≤ 100 ms, RSS growth ≤ 50 MB over the run (after a warm-up).
Usage: .venv/bin/python bench/gui_stall_bench.py [--seconds 300] [--tickets 100000] [--json]
Runs offscreen unless a display is set. Exit code 0 when both targets are met, 1 otherwise."""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STALL_TARGET_MS, GROWTH_TARGET_MB = 100.0, 50.0
WARMUP_S = 5.0
SURNAMES = ("Moreira", "Müller", "Castell", "Dvořák", "Peña", "Lefèvre", "Brontë", "Yılmaz", "Иванова", "山田")


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux /proc; 0 elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def build_ledger(path: Path, tickets: int) -> tuple[str, list[str]]:
    """An event with 2 definitions and `tickets` tickets in PAID orders of 4, bulk-inserted as core.models
    rows (the services would take minutes for 100k). Returns (event id, a sample of ticket numbers)."""
    from sqlalchemy import insert

    from core import codes
    from core.db import Ledger
    from core.definitions import create_definition
    from core.events import create_event
    from core.models import Order, Ticket
    from core.timeutil import utcnow

    ledger = Ledger.open(path)
    rng = random.Random(5)
    now = utcnow()
    with ledger.uow() as uow:
        ev = create_event(uow.session, title="Stall bench", time_zone="Europe/Berlin", currency="EUR")
        defs = [create_definition(uow.session, ev.id, {"name": n, "price": {"value": p, "currency": "EUR"}})
                for n, p in (("Standing", "25.00"), ("Balcony", "39.50"))]
        uow.commit()
    orders, rows, sample = [], [], []
    for i in range((tickets + 3) // 4):
        number = f"B{i:07d}-{uuid.uuid4().hex[:4].upper()}"
        first, last = f"Guest{i}", rng.choice(SURNAMES)
        orders.append(dict(order_number=number, event_id=ev.id, status="PAID", first_name=first, last_name=last,
                           email=f"guest{i}@example.org", checkout_form=[], method="creditCard",
                           total_minor=10000, currency="EUR", archived=False, channel="ONLINE", station="",
                           created=now - timedelta(minutes=i), updated=now))
        for k in range(min(4, tickets - 4 * i)):
            d = defs[k % 2]
            tn = codes.ticket_number_for(number, k)
            rows.append(dict(ticket_number=tn, order_number=number, event_id=ev.id, definition_id=d.id,
                             name=d.name, price_minor=d.price_minor, currency="EUR", guest_first_name=first,
                             guest_last_name=last, guest_email=f"guest{i}@example.org", guest_form=[],
                             archived=False, canceled=False, created=now))
            if rng.random() < 0.001:
                sample.append(tn)
    with ledger.engine.begin() as conn:
        conn.execute(insert(Order), orders)
        conn.execute(insert(Ticket), rows)
    ledger.close()
    return ev.id, sample or [rows[0]["ticket_number"]]


def make_video(path: Path, payload: str) -> Path:
    """A 1280×720 MJPG .avi of 3 s at 30 fps: 1 s empty, 1 s showing the QR of `payload`, 1 s empty."""
    import cv2
    import numpy as np
    import qrcode

    qr = qrcode.QRCode(box_size=6, border=4)
    qr.add_data(payload)
    qr.make(fit=True)
    code = cv2.cvtColor(np.array(qr.make_image().convert("RGB")), cv2.COLOR_RGB2BGR)
    w, h = 1280, 720
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (w, h))
    noise = np.random.default_rng(1).integers(60, 120, (h, w, 3), dtype=np.uint8)
    shown = noise.copy()
    y, x = (h - code.shape[0]) // 2, (w - code.shape[1]) // 2
    shown[y:y + code.shape[0], x:x + code.shape[1]] = code
    for i in range(90):
        writer.write(shown if 30 <= i < 60 else noise)
    writer.release()
    return path


class GcWatch:
    """Durations of the cyclic garbage collector's passes (a full pass stops every thread, the GUI's too)."""

    def __init__(self):
        import gc

        self.worst_ms = {0: 0.0, 1: 0.0, 2: 0.0}
        self._t = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._t = time.perf_counter()
        else:
            gen = info.get("generation", 0)
            self.worst_ms[gen] = max(self.worst_ms[gen], round((time.perf_counter() - self._t) * 1000, 1))


class Probe:
    """A 10 ms QTimer; records the worst gap between ticks after the warm-up, and RSS every second."""

    def __init__(self, started: float):
        from PySide6.QtCore import QElapsedTimer, QTimer

        self.started = started
        self.worst_ms = 0.0
        self.gaps_over_50 = 0
        self.long_gaps: list[tuple[float, int]] = []
        self.rss: list[tuple[float, float]] = []
        self._clock = QElapsedTimer()
        self._clock.start()
        self._last_rss = 0.0
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self.tick)
        self.timer.start()

    def tick(self) -> None:
        gap = self._clock.restart()
        now = time.monotonic() - self.started
        if now > WARMUP_S:
            self.worst_ms = max(self.worst_ms, float(gap))
            self.gaps_over_50 += gap > 50
            if gap > 50:
                self.long_gaps.append((round(now, 2), gap))
        if now - self._last_rss >= 1.0:
            self._last_rss = now
            self.rss.append((now, rss_mb()))


def _buckets(gaps: list[tuple[float, int]], seconds: float) -> list[int]:
    """How many long gaps fell in each 10 s of the run (start-up effects vs steady state)."""
    out = [0] * (int(seconds // 10) + 2)
    for t, _gap in gaps:
        out[min(len(out) - 1, int(t // 10))] += 1
    return out


def run(seconds: float, tickets: int, *, camera_on: bool = True, search_every_s: float = 0.5) -> dict:
    """Build the ledger, start the real window, drive searches for `seconds`; return the measurements."""
    from app.main_window import create_window
    from core.codes import check_in_url

    work = Path(tempfile.mkdtemp(prefix="tessera-bench-"))
    t0 = time.monotonic()
    event_id, sample = build_ledger(work / "bench.db", tickets)
    built_s = time.monotonic() - t0
    video = make_video(work / "camera.avi", check_in_url(sample[0], event_id))
    app, window, ledger = create_window(str(work / "bench.db"), event_id=event_id,
                                        camera_source=str(video) if camera_on else None,
                                        station="Bench door", muted=True)
    try:
        result = _measure(app, window, seconds, tickets, sample, search_every_s)
    finally:
        ledger.close()
    return dict(result, ledgerBuildSeconds=round(built_s, 1))


def _measure(app, window, seconds: float, tickets: int, sample: list[str], search_every_s: float) -> dict:
    """Drive guest searches every `search_every_s` s while the probe runs; close the window after `seconds`."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.question = staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)  # unattended close
    search, rng, searches, scans, camera = window.door.search, random.Random(9), [0], [], {}

    def next_search():
        kind = rng.random()
        text = rng.choice(sample)[-4:] if kind < 0.4 else rng.choice(SURNAMES) if kind < 0.7 \
            else f"guest{rng.randrange(tickets // 4)}@"
        search.search_edit.setText(text)
        search.search()
        searches[0] += 1

    driver = QTimer()
    driver.setInterval(max(1, int(search_every_s * 1000)))
    driver.timeout.connect(next_search)
    if search_every_s > 0:
        driver.start()
    window.door.scanned.connect(lambda r: scans.append(r.verdict.value))
    probe = Probe(time.monotonic())
    gc_watch = GcWatch()

    def finish():
        if window.door.worker is not None:
            camera.update(window.door.worker.stats())
        driver.stop()
        probe.timer.stop()  # closing waits for running queries: not a stall of the running app
        window.close()

    QTimer.singleShot(int(seconds * 1000), finish)
    app.exec()
    after = [mb for t, mb in probe.rss if t >= WARMUP_S]
    base = after[0] if after else rss_mb()
    growth = (max(after[-5:]) - base) if after else 0.0
    return {"seconds": seconds, "tickets": tickets, "worstStallMs": probe.worst_ms,
            "gapsOver50ms": probe.gaps_over_50, "rssBaselineMb": round(base, 1),
            "rssPeakMb": round(max(after, default=base), 1), "rssGrowthMb": round(growth, 1),
            "searches": searches[0], "scans": scans[:5] + (["…"] if len(scans) > 5 else []), "camera": camera,
            "longGaps": probe.long_gaps[:20], "gcWorstMsByGeneration": gc_watch.worst_ms, "gapsPer10s": _buckets(probe.long_gaps, seconds),
            "stallTargetMs": STALL_TARGET_MS, "growthTargetMb": GROWTH_TARGET_MB,
            "ok": probe.worst_ms <= STALL_TARGET_MS and growth <= GROWTH_TARGET_MB}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="GUI stall / RSS benchmark (BC-23)")
    parser.add_argument("--seconds", type=float, default=300.0, help="run time after start-up (default 300)")
    parser.add_argument("--tickets", type=int, default=100_000, help="tickets in the ledger (default 100000)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--no-camera", action="store_true", help="diagnosis: run without the camera")
    parser.add_argument("--search-every", type=float, default=0.5, metavar="S",
                        help="seconds between guest searches (0 = none; default 0.5)")
    args = parser.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(relativeCreated)8.0f ms %(name)s: %(message)s")
    if not os.environ.get("DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    result = run(args.seconds, args.tickets, camera_on=not args.no_camera, search_every_s=args.search_every)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:>20}: {value}")
        print("PASS" if result["ok"] else "FAIL: targets are stall ≤ 100 ms and RSS growth ≤ 50 MB")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
