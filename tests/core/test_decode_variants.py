"""core.decode: unseen image variants of the scanning fault classes (BC-01, BC-02, BC-04), decoded from real
image files with the real decoders (decode_image: zxing-cpp, zbar, OpenCV), as `tessera scan --image` does."""
import cv2
import numpy as np
import pytest
import qrcode
import zxingcpp

from core.codes import parse_payload
from core.decode import QrDecoder, decode_image
from tests.synthetic_frames import modules, place, scene

EV = "5b0c7e2a-1111-4c2d-9e0f-0a1b2c3d4e5f"
URL = f"https://www.wixevents.com/check-in/TQ4M-88RA-KD021,{EV}"


def _frame(rng, data=URL, size=300, **kw):
    return place(scene(rng), modules(data), size, 640, 360, **kw)


def _glare(rng):
    img = _frame(rng, dark=40, light=200)
    for x in range(100, 1280, 260):  # bright bands of a phone screen's reflection
        img[:, x:x + 60] = np.minimum(255, img[:, x:x + 60] + 120)
    return img


def _tiny_in_photo(rng):
    return place(scene(rng, 2400, 1800), modules(URL), 90, 1700, 1300)


VARIANTS = {
    "inverted (dark mode)": lambda rng: 255 - _frame(rng),
    "mirrored (selfie camera)": lambda rng: _frame(rng)[:, ::-1],
    "rotated 90": lambda rng: np.rot90(_frame(rng)),
    "rotated 270": lambda rng: np.rot90(_frame(rng), 3),
    "rotated 45": lambda rng: _frame(rng, angle=45),
    "tiny in a large photo": _tiny_in_photo,
    "low contrast": lambda rng: _frame(rng, dark=110, light=150),
    "slight blur": lambda rng: cv2.GaussianBlur(_frame(rng), (0, 0), 2.0),
    "perspective tilt": lambda rng: _frame(rng, skew=0.3, angle=10),
    "phone screen with glare bands": _glare,
}


def _save(tmp_path, name, img) -> str:
    path = tmp_path / f"{name.replace(' ', '_')}.png"
    cv2.imwrite(str(path), np.clip(img, 0, 255).astype(np.uint8))
    return str(path)


def _big(mods, k=8):
    return cv2.resize(mods, (mods.shape[1] * k, mods.shape[0] * k), interpolation=cv2.INTER_NEAREST)


def _raw_qr(data: bytes) -> np.ndarray:
    """A QR in byte mode holding exactly `data` (no ECI, as a foreign generator might write it)."""
    q = qrcode.QRCode(border=4, box_size=1)
    q.add_data(qrcode.util.QRData(data, mode=qrcode.util.MODE_8BIT_BYTE))
    q.make(fit=True)
    return _big(np.where(np.asarray(q.get_matrix(), dtype=bool), 0, 255).astype(np.uint8))


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_bc04_bc01_hard_photos_read_the_exact_payload(tmp_path, variant):
    """BC-04/BC-01: inverted, mirrored, rotated, tiny, faint, blurred, tilted and glare photos of a ticket."""
    img = VARIANTS[variant](np.random.default_rng(7))
    assert decode_image(_save(tmp_path, variant, img)) == [URL]


def test_bc02_ticket_and_advert_in_one_frame_gives_the_ticket(tmp_path):
    """BC-02: a poster's QR beside the ticket is dropped; the door sees the ticket only."""
    img = place(scene(np.random.default_rng(3)), modules("https://ads.example.com/promo?c=summer"), 260, 330, 360)
    img = place(img, modules(URL), 260, 950, 360)
    assert decode_image(_save(tmp_path, "two", img)) == [URL]


@pytest.mark.parametrize("payload", ["\ufeff" + URL, URL + "\r\n", URL + "\n"])
def test_bc01_bom_or_trailing_newline_in_the_qr_still_parses(tmp_path, payload):
    [text] = decode_image(_save(tmp_path, "bom", _big(_raw_qr(payload.encode("utf-8")))))
    assert text == payload and parse_payload(text).ticket_number == "TQ4M-88RA-KD021"


def test_bc01_utf8_emoji_and_cjk_are_exact_then_invalid(tmp_path):
    """BC-01: UTF-8 emoji / CJK come back byte-exact (never mojibake) and are not ticket codes."""
    text = "T-1 🎉 チケット Łucja"
    assert decode_image(_save(tmp_path, "utf8", _big(modules(text.encode("utf-8"))))) == [text]
    assert parse_payload(text) is None


@pytest.mark.parametrize("data", ["T-7781/Łucja Ørsted".encode("latin-1", "replace"),
                                  "TQ4M-88RA-KD021 Núñez".encode("latin-1"), "日本".encode("shift_jis")])
def test_bc01_non_utf8_bytes_are_dropped_and_reported_unreadable(tmp_path, data):
    """BC-01: Latin-1 / Shift-JIS bytes are never guessed at; the decoder says it saw an unreadable QR."""
    decoder = QrDecoder(fallback_every=1)
    assert decode_image(_save(tmp_path, "latin1", _raw_qr(data)), decoder) == []
    assert decoder.unreadable == 1


@pytest.mark.parametrize("fmt,data", [("EAN13", "4006381333931"), ("Code128", "TQ4M-88RA-KD021"),
                                      ("DataMatrix", URL), ("PDF417", URL)])
def test_bc02_other_symbologies_are_not_read(tmp_path, fmt, data):
    """BC-02: only QR codes are decoded — an EAN-13, Code-128, DataMatrix or PDF417 in frame gives nothing."""
    symbol = zxingcpp.create_barcode(data, getattr(zxingcpp.BarcodeFormat, fmt)) \
        if hasattr(zxingcpp, "create_barcode") else None
    img = np.asarray(zxingcpp.write_barcode_to_image(symbol, scale=4)) if symbol is not None else \
        np.asarray(zxingcpp.write_barcode(getattr(zxingcpp.BarcodeFormat, fmt), data, width=600, height=300))
    img = cv2.copyMakeBorder(img, 60, 60, 60, 60, cv2.BORDER_CONSTANT, value=255)
    decoder = QrDecoder(fallback_every=1)
    assert decode_image(_save(tmp_path, fmt, img), decoder) == [] and decoder.unreadable == 0


@pytest.mark.parametrize("payload", ["", "A" * 2000])
def test_bc04_empty_and_huge_qr(tmp_path, payload):
    """BC-04: an empty QR is no read; a 2,000-character one is read and then INVALID (no lookup)."""
    found = decode_image(_save(tmp_path, "q", _big(_raw_qr(payload.encode()), 4)))
    assert found == ([payload] if payload else [])
    assert all(parse_payload(t) is None for t in found)
