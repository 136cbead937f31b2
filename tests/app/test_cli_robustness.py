"""`tessera` under bad input (product brief: a clear error, nothing lost): a full disk, broken QR images,
wrong ids / dates / amounts / currencies, a ledger that is not a database or cannot be written. Each case:
non-zero exit, one clear line on stderr (never a traceback, never the "unexpected error" fallback), nothing
half-stored, the ledger file never overwritten."""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import qrcode
from sqlalchemy.pool import Pool

from app.cli.main import main
from core.codes import check_in_url
from core.db import Ledger
from tests.core.ledger_audit import audit, make_shop, page_count, page_limit

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "ledger.db"


@pytest.fixture
def shop(db) -> dict:
    """The core's test shop (one event, "Standing" 25.00, a PAID order of 300 tickets) in the --db file."""
    ledger = Ledger.open(db)
    try:
        return make_shop(ledger)
    finally:
        ledger.close()


@pytest.fixture
def cli(db, capfd):
    """run(*args) -> (exit code, stdout, stderr) of `tessera ARGS --db DB --json`, in process; file-descriptor
    capture, so native libraries' (OpenCV, libpng) messages count too."""
    def run(*args, as_json=True):
        code = main([*args, "--db", str(db)] + (["--json"] if as_json else []))
        out, err = capfd.readouterr()
        return code, out, err
    return run


def clear_error(code: int, err: str, *, exit_code: int | None = None, lines: int | None = 1) -> str:
    """Assert a refused command: non-zero exit (or `exit_code`), `lines` lines on stderr (None: any number),
    no traceback and not the CLI's fallback for unexpected exceptions. Returns stderr."""
    assert code != 0 if exit_code is None else code == exit_code, (code, err)
    assert err.strip() and "Traceback" not in err and "TESSERA_DEBUG" not in err, err
    assert lines is None or len(err.strip().splitlines()) == lines, err
    return err


# -- 2. a full disk ------------------------------------------------------------------------------------

def test_scan_on_a_full_disk_is_one_clear_error_and_every_printed_scan_is_kept(cli, shop, db):
    """`tessera scan --code …` on a ledger that fills up: the verdicts printed before are stored, then one
    clear "database or disk is full" line and exit 1; the unprinted scan left nothing; with room again the
    same code is admitted."""
    with page_limit(Pool) as cap:
        cap["max"] = page_count(db) + 2  # a little room: some scans fit, then the disk is full
        code, out, err = cli("scan", "--code", *shop["tickets"], "--station", "Door A")
        clear_error(code, err, exit_code=1)
        assert "database or disk is full" in err and str(db) in err
        printed = [json.loads(line) for line in out.splitlines()]
        assert 0 < len(printed) < len(shop["tickets"])
        assert all(p["verdict"] == "OK" for p in printed)
        counts = audit(db)
        assert counts["checkins"] == len(printed)
        cap["max"] = None
        failed = shop["tickets"][len(printed)]
        code, out, err = cli("scan", "--code", failed)
    assert code == 0 and json.loads(out)["verdict"] == "OK", err
    assert audit(db)["checkins"] == len(printed) + 1


def test_sell_on_a_full_disk_is_one_clear_error_and_stores_nothing(cli, shop, db):
    """`tessera sell` until the ledger is full: the refused sale prints nothing on stdout, one clear line on
    stderr, and leaves no order, ticket, payment or outbox row; with room again it goes through."""
    sale = ("sell", "--ticket", "Standing=4", "--first-name", "Ana", "--last-name", "Moreira",
            "--payment", "cash", "--tendered", "100.00")
    with page_limit(Pool) as cap:
        cap["max"] = page_count(db)
        for _ in range(100):
            before = audit(db)
            code, out, err = cli(*sale)
            if code != 0:
                break
        else:
            pytest.fail("the capped ledger never filled up")
        clear_error(code, err, exit_code=1)
        assert "database or disk is full" in err and out == ""
        assert audit(db) == before
        cap["max"] = None
        code, out, err = cli(*sale)
    assert code == 0 and json.loads(out)["order"]["status"] == "PAID", err
    assert audit(db)["orders"] == before["orders"] + 1


def test_manual_check_in_on_a_full_disk_is_all_or_nothing(cli, shop, db):
    """`tessera tickets check-in` of 100 tickets is one transaction: on a full disk none is checked in."""
    with page_limit(Pool) as cap:
        cap["max"] = page_count(db)
        code, out, err = cli("tickets", "check-in", *shop["tickets"][:100])
        clear_error(code, err, exit_code=1)
        assert "full" in err and out == ""
        assert audit(db)["checkins"] == 0
        cap["max"] = None
        code, out, err = cli("tickets", "check-in", *shop["tickets"][:100])
    assert code == 0, err
    assert audit(db)["checkins"] == 100


# -- 3. broken QR images -------------------------------------------------------------------------------

def _png(payload: str) -> bytes:
    ok, buf = cv2.imencode(".png", np.array(qrcode.make(payload, box_size=8, border=4).convert("L")))
    assert ok
    return buf.tobytes()


def _bomb_png(width: int, height: int) -> bytes:
    """A valid PNG signature and header claiming width × height, with a few bytes of pixel data."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


BROKEN = {
    "truncated.png": lambda good: good[: len(good) // 2],
    "header-only.png": lambda good: good[:40],
    "zero-bytes.png": lambda good: b"",
    "text.png": lambda good: b"this is not an image\n" * 20,
    "renamed.pdf.png": lambda good: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
    "random.jpg": lambda good: random.Random(7).randbytes(4096),
    "jpeg-head.jpg": lambda good: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + random.Random(8).randbytes(100),
    "bomb-30gpx.png": lambda good: _bomb_png(200_000, 150_000),
    "bomb-400mpx.png": lambda good: _bomb_png(20_000, 20_000),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_image_is_a_clear_error_and_checks_nothing_in(cli, shop, db, tmp_path, name):
    """A truncated/zero-byte/non-image file or a header claiming gigapixels: one clear "error: … <path>"
    line, exit 1, no OpenCV log lines, nothing stored. (libjpeg may add its own "Warning: …" line on fd 2:
    native output we do not control.)"""
    path = tmp_path / name
    path.write_bytes(BROKEN[name](_png(check_in_url(shop["tickets"][0], shop["event"]))))
    before = audit(db)
    code, out, err = cli("scan", "--image", str(path))
    clear_error(code, err, exit_code=1, lines=None)
    ours = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(ours) == 1 and str(path) in ours[0] and "[ WARN" not in err, err
    assert ("too large" if name.startswith("bomb") else "not a readable image") in ours[0]
    assert out == "" and audit(db) == before


def test_a_broken_image_among_good_ones_stops_nothing(cli, shop, db, tmp_path):
    """Good, broken, good: both good codes are checked in and printed, the broken file is reported, exit 1."""
    first, second = (tmp_path / "a.png", tmp_path / "c.png")
    first.write_bytes(_png(check_in_url(shop["tickets"][0], shop["event"])))
    second.write_bytes(_png(check_in_url(shop["tickets"][1], shop["event"])))
    broken = tmp_path / "b.png"
    broken.write_bytes(first.read_bytes()[:100])
    code, out, err = cli("scan", "--image", str(first), str(broken), str(second))
    clear_error(code, err, exit_code=1)
    assert str(broken) in err
    assert [json.loads(line)["verdict"] for line in out.splitlines()] == ["OK", "OK"]
    assert audit(db)["checkins"] == 2


def test_huge_blank_image_is_refused_from_its_header(cli, shop, db, tmp_path):
    """A real 144-megapixel blank PNG (≈170 kB on disk, ≈15 s and 1.6 GB to search before): refused at
    once from its header with a clear message."""
    path = tmp_path / "blank.png"
    assert cv2.imwrite(str(path), np.full((12_000, 12_000), 255, np.uint8))
    code, out, err = cli("scan", "--image", str(path))
    clear_error(code, err, exit_code=1)
    assert "too large" in err and "144 megapixels" in err and out == ""


def test_big_photo_is_scaled_down_and_still_read(cli, shop, db, tmp_path):
    """A 6000×4500 (27 MP) blank photo gives "no QR code found"; the same photo with a ticket's QR in a
    corner is read after the scale-down and admitted."""
    blank = tmp_path / "blank.png"
    photo = np.full((4500, 6000), 230, np.uint8)
    assert cv2.imwrite(str(blank), photo)
    code, out, err = cli("scan", "--image", str(blank))
    clear_error(code, err, exit_code=1)
    assert "no QR code found" in err and out == ""
    qr = cv2.imdecode(np.frombuffer(_png(check_in_url(shop["tickets"][5], shop["event"])), np.uint8), 0)
    qr = cv2.resize(qr, (qr.shape[1] * 2, qr.shape[0] * 2), interpolation=cv2.INTER_NEAREST)
    photo[3000:3000 + qr.shape[0], 4000:4000 + qr.shape[1]] = qr
    with_code = tmp_path / "photo.jpg"
    assert cv2.imwrite(str(with_code), photo)
    code, out, err = cli("scan", "--image", str(with_code))
    assert code == 0 and json.loads(out)["verdict"] == "OK", err


def test_undecodable_bytes_on_the_command_line_give_invalid_and_valid_json(shop, db):
    """BC-01: a payload with bytes that are not UTF-8 (argv decoded with surrogate escapes) is INVALID, the
    JSON line stays valid UTF-8, and the codes after it are still scanned."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), LC_ALL="C.UTF-8", PYTHONIOENCODING="utf-8")
    good = check_in_url(shop["tickets"][7], shop["event"]).encode()
    proc = subprocess.run([sys.executable, "-m", "app.cli.main", "scan", "--db", str(db), "--json", "--code",
                           b"\xff\xfe\xc3(", b"ABCD-\x80\x81-EF021", good],
                          capture_output=True, cwd=ROOT, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    assert [x["verdict"] for x in lines] == ["INVALID", "INVALID", "OK"]


# -- 3. wrong ids, dates, amounts, currencies --------------------------------------------------------

GUID = "0b0c6b1e-2b1f-4b5e-9a57-1c2d3e4f5a6b"
NEW_EVENT = ["events", "create", "--title", "X", "--time-zone", "UTC", "--currency", "EUR"]
SELL = ["sell", "--ticket", "Standing=1", "--first-name", "A", "--last-name", "B"]
BIG = "99999999999999999999999"
BAD_ARGS = [
    (["events", "get", GUID], "NOT_FOUND"),
    (["definitions", "get", "nope"], "NOT_FOUND"),
    (["definitions", "update", "nope", "--price", "1"], "NOT_FOUND"),
    (["orders", "get", "NOPE-NOPE-NO"], "NOT_FOUND"),
    (["orders", "complete", "NOPE-NOPE-NO", "--payment", "card"], "NOT_FOUND"),
    (["orders", "update", "NOPE-NOPE-NO", "--email", "x@example.org"], "NOT_FOUND"),
    (["tickets", "get", "NOPE-NOPE-NO021"], "NOT_FOUND"),
    (["tickets", "undo-check-in", "NOPE-NOPE-NO021"], "NOT_FOUND"),
    (["sell", "--event", GUID, *SELL[1:]], "NOT_FOUND"),
    (["scan", "--event", "bogus", "--code", "X"], "NOT_FOUND"),
    (["orders", "list", "--event", "bogus"], "NOT_FOUND"),
    ([*NEW_EVENT, "--id", "not a guid"], "GUID"),
    ([*NEW_EVENT, "--id", GUID + "0"], "GUID"),
    ([*NEW_EVENT, "--start", "2025-02-30 20:00"], "not a date-time"),
    ([*NEW_EVENT, "--start", "2025-10-26 25:00"], "not a date-time"),
    ([*NEW_EVENT, "--start", "tomorrow"], "not a date-time"),
    ([*NEW_EVENT, "--start", "99999-01-01"], "not a date-time"),
    ([*NEW_EVENT, "--start", "2030-01-02 20:00", "--end", "2030-01-01 20:00"], "before"),
    (["events", "create", "--title", "X", "--time-zone", "../../etc/passwd", "--currency", "EUR"], "time zone"),
    (["events", "create", "--title", "X", "--time-zone", "UTC", "--currency", "XYZ"], "currency"),
    (["events", "create", "--title", "X", "--time-zone", "UTC", "--currency", "€"], "currency"),
    (["definitions", "create", "--name", "Kid", "--sale-start", "not a date"], "not a date-time"),
    (["definitions", "create", "--name", "Kid", "--sale-start", "2031-01-01", "--sale-end", "2030-01-01"], "before"),
    (["definitions", "create", "--name", "Kid", "--price", "12.345"], "decimals"),
    (["definitions", "create", "--name", "Kid", "--price", "12.5000001"], "decimals"),
    (["definitions", "create", "--name", "Kid", "--price", "12,50"], "not a decimal"),
    (["definitions", "create", "--name", "Kid", "--price", "NaN"], "finite"),
    (["definitions", "create", "--name", "Kid", "--price", "-5"], "negative"),
    (["definitions", "create", "--name", "Kid", "--price", "1e400"], "too large"),
    (["definitions", "create", "--name", "Kid", "--price", BIG], "too large"),
    (["definitions", "create", "--name", "Kid", "--quantity", BIG], "quantity"),
    (["definitions", "create", "--name", "Kid", "--order-index", BIG], "orderIndex"),
    (["definitions", "change-currency", "XYZ"], "currency"),
    (["orders", "list", "--offset", BIG], "offset"),
    (["tickets", "list", "--offset", BIG], "offset"),
    (["definitions", "list", "--offset", BIG], "offset"),
    ([*SELL, "--payment", "cash", "--tendered", "50.001"], "decimals"),
    ([*SELL, "--payment", "cash", "--tendered", "1e999999999999"], "too large"),
    ([*SELL, "--payment", "cash", "--tendered", "abc"], "not a decimal"),
    ([*SELL, "--payment", "cash"], "tendered"),
    (["sell", "--ticket", "Standing=1.5", "--first-name", "A", "--last-name", "B"], "whole number"),
    (["sell", "--ticket", "Standing=0", "--first-name", "A", "--last-name", "B"], "at least 1"),
    (["sell", "--ticket", f"Standing={BIG}", "--first-name", "A", "--last-name", "B"], "at most"),
    (["sell", "--ticket", "Gold=1", "--first-name", "A", "--last-name", "B"], "unknown ticket definition"),
]


@pytest.mark.parametrize("args, message", BAD_ARGS,
                         ids=[f"{i:02d}-{a[0]}-{m.replace(' ', '_')}" for i, (a, m) in enumerate(BAD_ARGS)])
def test_bad_arguments_are_one_clear_error_and_change_nothing(cli, shop, db, args, message):
    """Wrong ids, nonsense dates, amounts with too many decimals or too large, unknown currencies: exit 1/2,
    one line on stderr naming the problem, nothing on stdout, nothing stored."""
    before = audit(db)
    code, out, err = cli(*args)
    clear_error(code, err)
    assert code in (1, 2) and message.lower() in err.lower() and out == ""
    assert audit(db) == before


# -- 4. a ledger that is not a database, or cannot be written ------------------------------------------

def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


NOT_A_DB = {
    "random": lambda: os.urandom(8192),
    "text": lambda: b"Guest list\nAna Moreira\nMira Castell\n" * 50,
    "tiny": lambda: b"hi",
    "sqlite-magic-then-garbage": lambda: b"SQLite format 3\x00" + os.urandom(8192 - 16),
    "truncated-ledger": None,  # a real ledger cut to its first 1500 bytes
}


@pytest.mark.parametrize("kind", list(NOT_A_DB))
@pytest.mark.parametrize("command", [["events", "list"], SELL, ["scan", "--code", "ABCD-EFGH-JK021"],
                                     ["tickets", "check-in", "ABCD-EFGH-JK021"]])
def test_a_file_that_is_not_a_ledger_is_a_clear_error_and_never_overwritten(cli, db, tmp_path, kind, command):
    """--db pointing at garbage (or a cut-off ledger): one clear "error: ledger …" line, exit 1, and the
    file's bytes are exactly as before (no WAL/SHM files left either)."""
    if NOT_A_DB[kind] is None:
        Ledger.open(tmp_path / "real.db").close()
        db.write_bytes((tmp_path / "real.db").read_bytes()[:1500])
    else:
        db.write_bytes(NOT_A_DB[kind]())
    digest = _sha(db)
    code, out, err = cli(*command)
    clear_error(code, err, exit_code=1)
    assert "ledger" in err and str(db) in err and out == ""
    assert _sha(db) == digest
    assert sorted(p.name for p in db.parent.iterdir() if p.name.startswith(db.name)) == [db.name]


@pytest.fixture
def read_only(db):
    """make(path): the file becomes unwritable even for root (chattr +i), or for others chmod 0444;
    undone at teardown. Skips when neither works here."""
    done = []

    def make(path: Path) -> None:
        if os.geteuid() != 0:
            path.chmod(0o444)
            done.append(lambda: path.chmod(0o644))
            return
        if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
            pytest.skip("cannot make a file read-only for root here (chattr +i)")
        done.append(lambda: subprocess.run(["chattr", "-i", str(path)], check=True))

    yield make
    for undo in done:
        undo()


def test_a_read_only_ledger_is_a_clear_error_for_writes_and_is_never_changed(cli, shop, db, read_only):
    """A ledger that cannot be written (read-only medium, wrong permissions): reading works or fails
    clearly; a sale, a scan and a manual check-in each give one clear line and exit 1; the bytes stay."""
    read_only(db)
    digest = _sha(db)
    code, out, err = cli("events", "list")
    assert code == 0 or clear_error(code, err, exit_code=1)
    for args in (SELL, ["scan", "--code", shop["tickets"][0]], ["tickets", "check-in", shop["tickets"][1]]):
        code, out, err = cli(*args)
        clear_error(code, err, exit_code=1)
        assert "readonly" in err.replace("-", "").replace(" ", "") and str(db) in err and out == ""
    assert _sha(db) == digest
