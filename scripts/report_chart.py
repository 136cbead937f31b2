"""Make docs/arrivals.png: the demo ledger (core.demo) with an evening at the doors played on it — entrances
"Main" and "Side" and an "Exit", the settled tickets scanned at times spread over the hour and a half around
doors opening (seeded: the same shape every run; the demo's own 15 check-ins, made "now", are the early
birds, so doors open on the second full hour after the run), a few guests leaving — then the arrivals report
(core.report_times.arrivals) drawn by core.report_chart, exactly what `tessera report arrivals --format png`
writes. Usage: python scripts/report_chart.py [OUT.png]   (a scratch ledger in a temporary folder)."""
from __future__ import annotations

import random
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.checkin_merge import EXIT  # noqa: E402
from core.db import Ledger  # noqa: E402
from core.demo import build_demo  # noqa: E402
from core.door import Door, scan  # noqa: E402
from core.entrances import create_entrance  # noqa: E402
from core.report_chart import chart_png  # noqa: E402
from core.report_data import door_list  # noqa: E402
from core.report_times import arrivals  # noqa: E402



def play_evening(ledger: Ledger, event_id: str, start: datetime, rng: random.Random) -> None:
    """Scan every settled ticket not yet inside, at Main (2 in 3) or Side, from 45 minutes before `start`
    to an hour after it (most around `start`); one in eight leaves by the Exit half an hour later."""
    with ledger.uow() as uow:
        s = uow.session
        doors = {name: create_entrance(s, event_id, name) for name in ("Main", "Side")}
        out = create_entrance(s, event_id, "Exit", direction=EXIT)
        tickets = [row[1] for row in door_list(s, event_id).rows if row[3] in ("PAID", "FREE") and not row[4]]
        uow.commit()
    for number in tickets:
        minutes = min(max(rng.gauss(5, 22), -45), 60)
        door = Door((event_id,), "Door", entrance=doors["Main" if rng.random() < 0.66 else "Side"])
        when = start + timedelta(minutes=minutes)
        scan(ledger, door, number, now=when)
        if rng.random() < 0.125:
            scan(ledger, Door((event_id,), "Exit", entrance=out), number, now=when + timedelta(minutes=30))


def main(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Ledger.open(Path(tmp) / "demo.db")
        try:
            with ledger.uow() as uow:
                demo = build_demo(uow.session)
                uow.commit()
            now = datetime.now(timezone.utc)
            start = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
            play_evening(ledger, demo.event_id, start, random.Random(11))
            with ledger.uow() as uow:
                table = arrivals(uow.session, demo.event_id)
        finally:
            ledger.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(chart_png(table))
    print(f"wrote {out} ({sum(r[-1] for r in table.rows)} arrivals)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "arrivals.png")
