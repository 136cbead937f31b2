"""`tessera scan` with unseen input variants (BC-01, BC-02, WR-07): typed codes with spaces, a photo with a
ticket beside an advert, and a QR holding bytes that are not UTF-8 text (reported unreadable, never looked up)."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import qrcode

from app.cli.main import main
from core.codes import check_in_url
from tests.core.checkin_data import add_definition, add_event, add_order
from tests.synthetic_frames import modules, place, scene

ORDER = "TQ4M-88RA-KD"


@pytest.fixture
def db(ledger):
    with ledger.uow() as uow:
        ev = add_event(uow.session, time_zone="UTC")
        add_order(uow.session, ev, ORDER, tickets=2, definition=add_definition(uow.session, ev))
        uow.commit()
        return str(ledger.engine.url.database), ev.id


def _lines(capsys, *args: str, code: int = 0) -> list[dict]:
    capsys.readouterr()
    assert main(["scan", "--json", *args]) == code
    return [json.loads(line) for line in capsys.readouterr().out.strip().splitlines() if line]


def test_wr07_typed_codes_with_spaces_quotes_and_look_alikes(db, capsys):
    """WR-07 b: `--code` values are typed codes: spaces dropped, quotes dropped; a pretix secret is INVALID
    with "another ticket system" (no lookup). (`--code` records method SCAN, so look-alike letters are
    not corrected there: only the door's typed entry, method MANUAL, does that.)"""
    path, _ = db
    lines = _lines(capsys, "--db", path, "--code", "tq4m 88ra kd021", '"TQ4M-88RA-KD022"',
                   "abcdefghjkmnpqrstuvwxyz234567890")
    assert [(x["verdict"], x["ticketNumber"]) for x in lines] == \
        [("OK", ORDER + "021"), ("OK", ORDER + "022"), ("INVALID", None)]
    assert "another ticket system" in lines[2]["message"]


def test_bc02_photo_with_ticket_and_advert_checks_in_the_ticket_only(db, tmp_path, capsys):
    path, ev = db
    img = place(scene(np.random.default_rng(5)), modules("https://ads.example.com/promo"), 260, 330, 360)
    img = place(img, modules(check_in_url(ORDER + "021", ev)), 260, 950, 360)
    cv2.imwrite(str(tmp_path / "two.png"), np.clip(img, 0, 255).astype(np.uint8))
    [line] = _lines(capsys, "--db", path, "--image", str(tmp_path / "two.png"))
    assert (line["verdict"], line["ticketNumber"]) == ("OK", ORDER + "021")


def test_bc01_latin1_qr_is_reported_unreadable(db, tmp_path, capsys):
    """BC-01: a QR whose bytes are Latin-1 (not UTF-8) is named unreadable, not "no QR code found"."""
    path, _ = db
    q = qrcode.QRCode(border=4, box_size=8)
    q.add_data(qrcode.util.QRData("TQ4M-88RA-KD021 Núñez".encode("latin-1"), mode=qrcode.util.MODE_8BIT_BYTE))
    q.make(fit=True)
    q.make_image().save(str(tmp_path / "latin1.png"))
    capsys.readouterr()
    assert main(["scan", "--db", path, "--image", str(tmp_path / "latin1.png")]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "unreadable" in err and "no QR code found" not in err
