"""QR-only decoder adapters (zxing-cpp, zbar via pyzbar, OpenCV) behind one `read(gray)` shape.

Every adapter returns `Read`s whose text is the symbol's raw bytes decoded strictly as UTF-8: undecodable
bytes are dropped, never guessed (case BC-01), empty payloads and zero-area boxes are dropped (BC-02, BC-04).
Optional native libraries are imported lazily and guarded: a missing libzbar becomes a reason string in
`load_backends(...)[1]`, never a traceback (case BC-25).
"""
from __future__ import annotations

import logging
from ctypes import byref, c_int, c_void_p, cast
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

logger = logging.getLogger(__name__)

Point = tuple[float, float]
DEFAULT_ORDER = ("zxing", "zbar", "opencv")


@dataclass(frozen=True)
class Read:
    """One decoded QR symbol: `text` (valid UTF-8, non-empty), the `backend` name that read it, and its
    four corner `points` (x, y) in pixels of the array that was decoded."""

    text: str
    backend: str
    points: tuple[Point, ...]


def strict_text(data: bytes | None) -> str | None:
    """Raw symbol bytes → text, strictly UTF-8; None for undecodable or blank payloads (BC-01, BC-04)."""
    if not data:
        return None
    try:
        text = bytes(data).decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        return None
    return text if text.strip() else None


def polygon_area(points) -> float:
    """Area (px²) of the polygon `points` [(x, y), ...] by the shoelace formula (0 for < 3 points)."""
    pts = list(points)
    if len(pts) < 3:
        return 0.0
    acc = 0.0
    for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]):
        acc += x0 * y1 - x1 * y0
    return abs(acc) / 2.0


def _make_read(data: bytes | None, backend: str, points) -> Read | None:
    """A Read, or None when the payload is not strict UTF-8 / blank or the box has zero area (BC-02)."""
    text = strict_text(data)
    pts = tuple((float(x), float(y)) for x, y in points)
    if text is None or polygon_area(pts) < 1.0:
        return None
    return Read(text, backend, pts)


class Backend(Protocol):
    """A QR decoder: `read(gray) -> (reads, hints)`; hints are corner sets of QR-like candidates the
    backend found but could not decode (only zxing reports them)."""

    name: str
    tries_inverted: bool
    rotation_invariant: bool

    def read(self, gray: np.ndarray, hints: bool = True, invert: bool = True, thorough: bool = True
             ) -> tuple[list[Read], list[tuple[Point, ...]]]: ...


class ZxingBackend:
    """zxing-cpp restricted to QR (restricting formats is ~10× faster, STACK.md §3); tries inverted codes.
    `last_unreadable`: how many QR symbols the last read() decoded whose bytes are not UTF-8 text (BC-01:
    dropped, but the caller can say "a QR code was found but is unreadable" instead of "no QR code")."""

    name = "zxing"
    last_unreadable = 0
    tries_inverted = True
    rotation_invariant = True

    def __init__(self) -> None:
        import zxingcpp  # guarded by load_backends

        self._zx = zxingcpp
        self._fmt = zxingcpp.BarcodeFormat.QRCode

    def read(self, gray: np.ndarray, hints: bool = True, invert: bool = True, thorough: bool = True
             ) -> tuple[list[Read], list[tuple[Point, ...]]]:
        """Decode `gray` (2-D uint8). With `hints`, undecodable QR candidates are reported as corner sets;
        `invert=False` skips the inverted pass (zxing runs it even after a hit: ~35 % of the time)."""
        found = self._zx.read_barcodes(gray, formats=self._fmt, return_errors=bool(hints),
                                      try_invert=bool(invert))
        reads: list[Read] = []
        cands: list[tuple[Point, ...]] = []
        self.last_unreadable = 0
        for bc in found:
            pos = bc.position
            pts = [(p.x, p.y) for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)]
            read = _make_read(bc.bytes, self.name, pts) if bc.valid else None
            if read is not None:
                reads.append(read)
            elif bc.valid:  # decoded, but its bytes are not UTF-8 text (Latin-1, Shift-JIS): BC-01
                self.last_unreadable += int(bool(bc.bytes) and strict_text(bc.bytes) is None)
            elif polygon_area(pts) >= 1.0:
                cands.append(tuple((float(x), float(y)) for x, y in pts))
        return reads, cands


class ZbarBackend:
    """zbar through pyzbar's ctypes wrapper, QR only, in binary mode (`qrcode.binary=1`) so zbar hands back
    the raw bytes instead of guessing Shift-JIS (case BC-01, pyzbar #14/#95). If this libzbar cannot
    switch binary mode on, only ASCII payloads are accepted (anything else could be mojibake)."""

    name = "zbar"
    tries_inverted = False
    rotation_invariant = True
    _L800 = 808466521  # FOURCC 'Y800' grey, as pyzbar uses

    def __init__(self) -> None:
        from pyzbar import pyzbar, wrapper  # raises ImportError when libzbar is missing (BC-25)

        self._w = wrapper
        self._pz = pyzbar
        self._qr = int(wrapper.ZBarSymbol.QRCODE)
        sym, cfg, val = c_int(), c_int(), c_int()
        ok = wrapper.zbar_parse_config(b"qrcode.binary=1", byref(sym), byref(cfg), byref(val)) == 0
        self._binary = (sym.value, cfg.value, val.value) if ok else None

    def _configure(self, scanner) -> bool:
        w = self._w
        w.zbar_image_scanner_set_config(scanner, 0, int(w.ZBarConfig.CFG_ENABLE), 0)  # all symbologies off
        w.zbar_image_scanner_set_config(scanner, self._qr, int(w.ZBarConfig.CFG_ENABLE), 1)
        if self._binary is None:
            return False
        return w.zbar_image_scanner_set_config(scanner, *self._binary) == 0

    def read(self, gray: np.ndarray, hints: bool = True, invert: bool = True, thorough: bool = True
             ) -> tuple[list[Read], list[tuple[Point, ...]]]:
        """Decode `gray` (2-D uint8); zbar reports no candidates and never inverts."""
        w, pz = self._w, self._pz
        h, wd = gray.shape[:2]
        pixels = np.ascontiguousarray(gray).tobytes()
        reads: list[Read] = []
        with pz._image_scanner() as scanner:
            binary = self._configure(scanner)
            with pz._image() as img:
                w.zbar_image_set_format(img, self._L800)
                w.zbar_image_set_size(img, wd, h)
                w.zbar_image_set_data(img, cast(pixels, c_void_p), len(pixels), None)
                if w.zbar_scan_image(scanner, img) <= 0:
                    return [], []
                for sym in pz._decode_symbols(pz._symbols_for_image(img)):
                    if not binary and not sym.data.isascii():
                        continue  # could be zbar's charset guess: never pass on mojibake (BC-01)
                    read = _make_read(sym.data, self.name, [(p.x, p.y) for p in sym.polygon])
                    if read is not None:
                        reads.append(read)
        return reads, []


class OpenCvBackend:
    """OpenCV's QRCodeDetectorAruco, then the classic QRCodeDetector. An empty payload with points is a
    miss (case BC-04 a). `detectAndDecodeBytes` is not raw: bytes that are not UTF-8 come back re-encoded
    from ISO-8859-1 (Shift-JIS '日本' → '\x93ú\x96{'), so only ASCII payloads are accepted here (BC-01);
    tickets carry ASCII checkInUrls, and zxing/zbar read the rest byte-exact."""

    name = "opencv"
    tries_inverted = False
    rotation_invariant = False  # opencv #24679: a code missed upright can be found at 180°

    def __init__(self) -> None:
        self._detectors = []
        for cls_name in ("QRCodeDetectorAruco", "QRCodeDetector"):
            cls = getattr(cv2, cls_name, None)
            if cls is not None and hasattr(cls(), "detectAndDecodeBytes"):
                self._detectors.append(cls())
        if not self._detectors:
            raise ImportError("this OpenCV has no QRCodeDetector.detectAndDecodeBytes")

    def read(self, gray: np.ndarray, hints: bool = True, invert: bool = True, thorough: bool = True
             ) -> tuple[list[Read], list[tuple[Point, ...]]]:
        """Decode `gray` (2-D uint8) with each OpenCV detector until one gives a non-empty payload;
        without `thorough` only the Aruco detector runs (the classic one can take 250 ms on a miss)."""
        for det in self._detectors if thorough else self._detectors[:1]:
            try:
                data, points, _ = det.detectAndDecodeBytes(gray)
            except cv2.error:  # OpenCV raises on some degenerate detections; that is a miss
                continue
            if data and points is not None:
                read = _make_read(data, self.name, points.reshape(-1, 2).tolist())
                if read is not None and read.text.isascii():
                    return [read], []
        return [], []


_FACTORIES = {"zxing": ZxingBackend, "zbar": ZbarBackend, "opencv": OpenCvBackend}


def load_backends(names=None) -> tuple[list[Backend], dict[str, str]]:
    """Instantiate the named backends (default zxing, zbar, opencv, in that order of preference).

    Returns (available backends, {name: "QR decoder (name) unavailable: reason"}). A missing native
    library (ImportError/OSError at import) is reported, never raised (case BC-25). Unknown names raise
    ValueError."""
    ready: list[Backend] = []
    missing: dict[str, str] = {}
    for name in names or DEFAULT_ORDER:
        factory = _FACTORIES.get(name)
        if factory is None:
            raise ValueError(f"unknown QR decoder backend {name!r} (known: {', '.join(_FACTORIES)})")
        try:
            ready.append(factory())
        except (ImportError, OSError) as exc:
            missing[name] = f"QR decoder ({name}) unavailable: {exc}"
            logger.info("%s", missing[name])
    return ready, missing
