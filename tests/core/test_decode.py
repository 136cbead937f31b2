"""QR decoding with real decoders on generated frames: hard set, BC-01 (UTF-8 or dropped), BC-02 (no QR in
linear barcodes), BC-04 (empty = no read; 180°), BC-25 (zbar missing), image files and a video file."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import zxingcpp

from core.decode import CameraError, QrDecoder, decode_image, iter_video
from core.decode_backends import polygon_area, strict_text
from tests.synthetic_frames import modules, place, scene

ROOT = Path(__file__).resolve().parents[2]
PAY = "https://www.wixevents.com/check-in/FNVL-NIJT-WP021,ad18d12e-a6a9-4c17-abfa-6ff119479be2"


def frame(rng, data=PAY, blur=0.0, noise=0.0, size=220, **kw) -> np.ndarray:
    """A 1280×720 BGR uint8 frame with one QR (or none when data is None)."""
    img = scene(rng)
    if data is not None:
        img = place(img, modules(data), size, int(rng.integers(300, 980)), int(rng.integers(200, 520)), **kw)
    if blur:
        img = cv2.GaussianBlur(img, (0, 0), blur)
    if noise:
        img = img + rng.normal(0, noise, img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


HARD = {
    "small": dict(size=120), "rotated": dict(angle=25), "blurred": dict(blur=1.6), "skewed": dict(skew=0.12),
    "low_contrast": dict(dark=95, light=150), "inverted": dict(dark=230, light=30),
    "rotated_180": dict(angle=180), "noise": dict(noise=25),
}


@pytest.mark.parametrize("variant", sorted(HARD))
def test_hard_set_decodes(variant):
    rng = np.random.default_rng(sorted(HARD).index(variant))
    decoder = QrDecoder(fallback_every=1)
    for _ in range(2):
        img = frame(rng, **HARD[variant])
        assert decoder.decode(img) == [PAY]
        assert decoder.decode(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)) == [PAY]


def test_backends_reported_and_unknown_name_refused():
    d = QrDecoder()
    assert d.backends == ["zxing", "zbar", "opencv"] and d.unavailable == {}
    with pytest.raises(ValueError):
        QrDecoder(backends=["nope"])


@pytest.mark.parametrize("backend", ["zxing", "zbar", "opencv"])
def test_bc01_utf8_payload_is_exact_or_dropped_never_mojibake(backend):
    """BC-01: 'T-7781/Łucja Ørsted-Núñez' and 'ℳ' decode byte for byte or not at all, with every backend."""
    decoder = QrDecoder(backends=[backend], fallback_every=1)
    for text in ("T-7781/Łucja Ørsted-Núñez", "ℳ"):
        img = cv2.resize(modules(text.encode("utf-8")), None, fx=6, fy=6, interpolation=cv2.INTER_NEAREST)
        got = decoder.decode(img)
        assert got in ([text], []), got
        assert all(g.encode("utf-8") == text.encode("utf-8") for g in got)
    # Shift-JIS bytes are not UTF-8: dropped, never turned into '日本' or anything else
    sjis = cv2.resize(modules("日本".encode("shift_jis")), None, fx=6, fy=6, interpolation=cv2.INTER_NEAREST)
    assert decoder.decode(sjis) == []


def test_bc01_default_chain_reads_utf8_exactly():
    """BC-01: the default chain (zxing first, zbar in binary mode) returns the exact text."""
    for text in ("T-7781/Łucja Ørsted-Núñez", "ℳ"):
        img = cv2.resize(modules(text.encode("utf-8")), None, fx=6, fy=6, interpolation=cv2.INTER_NEAREST)
        assert QrDecoder(fallback_every=1).decode(img) == [text]
        assert QrDecoder(backends=["zbar"]).decode(img) == [text]  # libzbar 0.23 has qrcode.binary


def test_strict_text_and_zero_area_helpers():
    assert strict_text("ℳ".encode("utf-8")) == "ℳ"
    assert strict_text(b"\x93\xfa\x96{") is None
    assert strict_text(b"") is None and strict_text(b" \t") is None
    assert polygon_area([(0, 0), (10, 0), (10, 10), (0, 10)]) == 100
    assert polygon_area([(5, 5), (5, 5), (5, 5), (5, 5)]) == 0


# --- BC-02: linear barcodes are never reported -----------------------------------------------------------
_EAN_L = ["0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011", "0110111",
          "0001011"]
_EAN_PARITY = ["LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL"]


def ean13_bits(digits: str) -> str:
    """Module pattern (1 = bar) of an EAN-13 code with its check digit computed."""
    d = [int(c) for c in digits[:12]]
    d.append((10 - sum(v * (3 if i % 2 else 1) for i, v in enumerate(d)) % 10) % 10)
    left = ""
    for v, par in zip(d[1:7], _EAN_PARITY[d[0]]):
        code = _EAN_L[v]
        left += code if par == "L" else "".join("1" if c == "0" else "0" for c in code)[::-1]
    right = "".join("".join("1" if c == "0" else "0" for c in _EAN_L[v]) for v in d[7:])
    return "101" + left + "01010" + right + "101"


def i2of5_bits(digits: str) -> str:
    """Interleaved 2 of 5 (narrow 1, wide 3 modules) of an even-length digit string."""
    wide = ["00110", "10001", "01001", "11000", "00101", "10100", "01100", "00011", "10010", "01010"]
    out = "1010"
    for a, b in zip(digits[::2], digits[1::2]):
        for bar, space in zip(wide[int(a)], wide[int(b)]):
            out += "1" * (3 if bar == "1" else 1) + "0" * (3 if space == "1" else 1)
    return out + "111" + "0" + "1"


def barcode_frame(bits: str, rng) -> np.ndarray:
    img = scene(rng)
    strip = np.where(np.array([c == "1" for c in bits]), 20, 235).astype(np.float32)
    strip = np.concatenate([np.full(10, 235, np.float32), strip, np.full(10, 235, np.float32)])
    bars = cv2.resize(strip[None, :], (strip.size * 4, 160), interpolation=cv2.INTER_NEAREST)
    img[200:360, 300:300 + bars.shape[1]] = bars[..., None]
    return np.clip(img, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("bits, fmt", [(ean13_bits("400638133393"), "EAN-13"), (i2of5_bits("045398"), "ITF")],
                         ids=["ean13", "i2of5"])
def test_bc02_linear_barcode_without_qr_gives_no_codes(bits, fmt):
    """BC-02: a lanyard EAN-13 / I2of5 strip (really readable as such) yields no code at all."""
    img = barcode_frame(bits, np.random.default_rng(7))
    any_format = zxingcpp.read_barcodes(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY))
    assert any(fmt in str(b.format) for b in any_format)  # the strip is a genuine barcode
    decoder = QrDecoder(fallback_every=1)
    for _ in range(3):
        assert decoder.decode(img) == []


def test_bc04_empty_payload_and_destroyed_data_are_no_read():
    """BC-04 a: a QR whose payload is empty or blank, or whose data area is destroyed, is 'no read'."""
    for data in ("", "   "):
        img = cv2.resize(modules(data), None, fx=8, fy=8, interpolation=cv2.INTER_NEAREST)
        assert QrDecoder(fallback_every=1).decode(img) == []
    mods = modules(PAY)
    n = mods.shape[0]
    mods[4 + 9:n - 4 - 9, 4 + 9:n - 4 - 9] = np.random.default_rng(3).choice([0, 255], (n - 26, n - 26))
    img = cv2.resize(mods, None, fx=8, fy=8, interpolation=cv2.INTER_NEAREST)
    for backend in ("zxing", "zbar", "opencv"):
        assert QrDecoder(backends=[backend], fallback_every=1).read(img) == []


@pytest.mark.parametrize("backend", [None, "zxing", "zbar", "opencv"])
def test_bc04_ticket_rotated_180_degrees(backend):
    """BC-04 b: the same ticket upside down decodes, and the reported corners lie on the symbol."""
    rng = np.random.default_rng(11)
    img = scene(rng)
    img = np.clip(place(img, modules(PAY), 260, 640, 360, angle=180), 0, 255).astype(np.uint8)
    reads = QrDecoder(backends=[backend] if backend else None, fallback_every=1).read(img)
    assert [r.text for r in reads] == [PAY]
    for x, y in reads[0].points:
        assert 640 - 140 <= x <= 640 + 140 and 360 - 140 <= y <= 360 + 140


def test_two_codes_in_one_frame():
    rng = np.random.default_rng(5)
    other = PAY.replace("WP021", "WP022")
    img = place(place(scene(rng), modules(PAY), 220, 330, 360), modules(other), 220, 950, 360)
    assert sorted(QrDecoder(fallback_every=1).decode(np.clip(img, 0, 255).astype(np.uint8))) == sorted([PAY, other])


@pytest.mark.parametrize("colours", [(30.0, 230.0), (230.0, 30.0)], ids=["normal", "inverted"])
def test_live_sequence_uses_roi_fast_path(colours):
    """A code held in front of the camera is re-read from the last region (an inverted one from frame 3)."""
    rng = np.random.default_rng(9)
    base = scene(rng)
    decoder = QrDecoder()
    stages = []
    for i in range(6):
        img = place(base, modules(PAY), 150, 500 + 4 * i, 300 + 2 * i, dark=colours[0], light=colours[1])
        assert decoder.decode(np.clip(img, 0, 255).astype(np.uint8)) == [PAY]
        stages.append(decoder.last_stage)
    assert stages[0] in ("downscale", "full") and set(stages[2:]) == {"roi"}
    assert decoder.decode(np.clip(base, 0, 255).astype(np.uint8)) == [] and decoder.last_stage == ""


def test_bc25_missing_zbar_library_reported_and_decoding_still_works(tmp_path):
    """BC-25: with find_library('zbar') → None, no traceback; zbar unavailable; zxing/OpenCV still read."""
    png = tmp_path / "t.png"
    cv2.imwrite(str(png), cv2.resize(modules(PAY), None, fx=6, fy=6, interpolation=cv2.INTER_NEAREST))
    script = (
        "import ctypes.util, json, sys\n"
        "real = ctypes.util.find_library\n"
        "ctypes.util.find_library = lambda name: None if 'zbar' in name else real(name)\n"
        "from core.decode import QrDecoder, decode_image\n"
        "d = QrDecoder(fallback_every=1)\n"
        "only = QrDecoder(backends=['zbar', 'opencv'])\n"
        f"print(json.dumps({{'backends': d.backends, 'unavailable': d.unavailable, 'only': only.backends,"
        f" 'codes': decode_image({str(png)!r}, d), 'opencv': decode_image({str(png)!r}, only)}}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["backends"] == ["zxing", "opencv"] and out["only"] == ["opencv"]
    assert out["unavailable"]["zbar"].startswith("QR decoder (zbar) unavailable: ")
    assert out["codes"] == [PAY] and out["opencv"] == [PAY]


def test_decode_image_files(tmp_path):
    path = tmp_path / "ticket ü.png"  # non-ASCII path on purpose
    ok, buf = cv2.imencode(".png", frame(np.random.default_rng(2)))
    path.write_bytes(buf.tobytes())
    assert decode_image(path) == [PAY]
    (tmp_path / "x.png").write_bytes(b"not an image")
    with pytest.raises(ValueError):
        decode_image(tmp_path / "x.png")
    with pytest.raises(FileNotFoundError):
        decode_image(tmp_path / "missing.png")


def test_iter_video_reads_an_mjpg_avi(tmp_path):
    """A generated MJPG .avi stands in for the camera (STACK.md §6): codes exactly in frames 10..19."""
    path = tmp_path / "door.avi"
    rng = np.random.default_rng(4)
    base = scene(rng, 640, 360)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (640, 360))
    assert writer.isOpened()
    for i in range(30):
        img = place(base, modules(PAY), 180, 300 + i, 180) if 10 <= i < 20 else base
        writer.write(np.clip(img, 0, 255).astype(np.uint8))
    writer.release()
    got = list(iter_video(str(path)))
    assert [i for i, _ in got] == list(range(30))
    assert [i for i, codes in got if codes] == list(range(10, 20))
    assert all(codes == [PAY] for i, codes in got if codes)
    assert [i for i, _ in iter_video(path, every=3, max_frames=10)] == [0, 3, 6, 9]


def test_iter_video_unopenable_sources_raise_camera_error(tmp_path):
    with pytest.raises(CameraError):
        next(iter_video(str(tmp_path / "missing.avi")))
    with pytest.raises(CameraError):
        next(iter_video(97))
