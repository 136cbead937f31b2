"""The demo end to end (README's first command): `tessera demo` builds the event, renders PDFs and PNGs, and
scans the PNGs through the real decoder; the verdicts include OK, UNPAID, CANCELED and ALREADY_CHECKED_IN."""
from __future__ import annotations

import json
import unicodedata

from PIL import Image
from sqlalchemy import func, select

from app.cli.main import main
from core.demo import build_demo, expected_verdicts
from core.events import get_event
from core.models import Order, Ticket
from core.timeutil import local

STATUSES = {"INITIATED", "PENDING", "OFFLINE_PENDING", "PAID", "FREE", "CANCELED", "DECLINED"}


def test_demo_command_end_to_end(tmp_path, capsys):
    out_dir, db = tmp_path / "demo-out", tmp_path / "demo.db"
    code = main(["demo", "--out", str(out_dir), "--db", str(db), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    body = json.loads(out)
    verdicts = [s["verdict"] for s in body["scans"]]
    assert verdicts == [v for _, v in expected_verdicts()]
    assert {"OK", "UNPAID", "CANCELED", "ALREADY_CHECKED_IN"} <= set(verdicts)
    assert body["scans"][0]["ticketNumber"] == body["scans"][-1]["ticketNumber"]  # the same image twice
    assert set(body["orders"]) == STATUSES
    assert 150 <= body["tickets"] <= 250
    assert len(body["pdfs"]) == sum(body["orders"].values())
    for path in body["pdfs"][:3]:
        assert open(path, "rb").read(5) == b"%PDF-"
    for path in body["pngs"].values():
        with Image.open(path) as img:  # A6 landscape at 150 dpi ≈ 875 × 620 px
            assert abs(img.width - 875) <= 3 and abs(img.height - 620) <= 3


def test_demo_human_output_prints_each_verdict(tmp_path, capsys):
    code = main(["demo", "--out", str(tmp_path / "o"), "--db", str(tmp_path / "d.db")])
    out = capsys.readouterr().out
    assert code == 0
    for verdict in ("OK", "UNPAID", "CANCELED", "ALREADY_CHECKED_IN"):
        assert verdict in out


def test_build_demo_data(session):
    demo = build_demo(session, seed=3)
    session.commit()
    ev = get_event(session, demo.event_id)
    assert (ev.title, ev.time_zone, ev.currency) == ("Tessera Demo Night", "Europe/Berlin", "EUR")
    starts = local(ev.start, ev.time_zone)
    assert (starts.hour, starts.minute) == (20, 0)
    statuses = set(session.scalars(select(Order.status).where(Order.event_id == ev.id)))
    assert statuses == STATUSES
    assert session.scalar(select(func.count()).select_from(Ticket)) == demo.tickets
    names = " ".join(session.scalars(select(Order.last_name)))
    scripts = {unicodedata.name(ch).split()[0] for ch in names if ch.isalpha()}
    assert {"LATIN", "GREEK", "CYRILLIC", "CJK"} <= scripts
    assert set(demo.definitions) == {"Standing", "Balcony", "Guest list"}
