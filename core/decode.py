"""QR decoding of camera frames, image files and video sources: zxing-cpp first, zbar and OpenCV as fallbacks.

Why this order (STACK.md §3): zxing-cpp read every synthetic 720p cell, inverted codes included, 5–10× faster
than the others; pyzbar is a good second except on inverted codes; OpenCV is the last resort. The fast
path (region of the last read, then a downscaled frame, then the full frame) keeps a live camera's typical
frame near 1 ms; the expensive fallbacks (other decoders, a 180°-rotated copy: case BC-04 b) run when
zxing saw a QR it could not decode, on the first miss of a streak, and on every `fallback_every`-th miss.
Results are QR only (BC-02), strict UTF-8 (BC-01) and never empty (BC-04); see core.decode_backends.

A QrDecoder keeps per-stream state (the last region) and OpenCV detector objects: use one per thread.
"""
from __future__ import annotations

import io
import logging
import warnings
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from core.codes import prefer_ticket_codes
from core.decode_backends import Backend, Read, load_backends

logger = logging.getLogger(__name__)

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 (x1/y1 exclusive), full-frame pixels
# Image files: a 120 kB PNG can claim 100 megapixels (≈10 s and 1 GB to search a blank one), so larger
# images are refused from their header, and images above SEARCH_PIXELS are scaled down before the search.
MAX_IMAGE_PIXELS = 100_000_000
SEARCH_PIXELS = 16_000_000
PDF_DPI = 200         # ticket PDFs are rendered at this resolution to be scanned (QR modules ≥ 0.4 mm, BC-05)
MAX_PDF_PAGES = 200   # a larger PDF is not a ticket file


class CameraError(RuntimeError):
    """A camera or video source could not be opened (bad device index, missing file, no permission)."""


def to_gray(frame: np.ndarray) -> np.ndarray:
    """A 2-D uint8 grey copy/view of `frame`: BGR (h, w, 3), BGRA (h, w, 4), grey (h, w) or (h, w, 1).
    Non-uint8 input is clipped to 0..255. Raises ValueError for other shapes."""
    arr = np.asarray(frame)
    if arr.dtype != np.uint8:
        arr = np.clip(arr, 0, 255).astype(np.uint8)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim == 2:
        return np.ascontiguousarray(arr)
    if arr.ndim == 3 and arr.shape[2] == 3:
        return cv2.cvtColor(arr, cv2.COLOR_BGR2GRAY)
    if arr.ndim == 3 and arr.shape[2] == 4:
        return cv2.cvtColor(arr, cv2.COLOR_BGRA2GRAY)
    raise ValueError(f"not an image frame: shape {arr.shape}")


def _bbox(points, shape, margin: float, min_margin: int = 24) -> Box:
    """Bounding box of `points` grown by `margin` × its size (at least `min_margin` px), clipped to `shape`."""
    pts = np.asarray(points, dtype=np.float32).reshape(-1, 2)
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    grow = max(float(max(x1 - x0, y1 - y0)) * margin, float(min_margin))
    h, w = shape[:2]
    return (max(0, int(x0 - grow)), max(0, int(y0 - grow)),
            min(w, int(np.ceil(x1 + grow)) + 1), min(h, int(np.ceil(y1 + grow)) + 1))


def _moved(reads: list[Read], dx: float = 0.0, dy: float = 0.0, scale: float = 1.0,
           flip: tuple[int, int] | None = None) -> list[Read]:
    """Reads with points mapped back to full-frame pixels (undo a 180° flip of a (w, h) region, then
    divide by the downscale factor, then add the crop offset)."""
    out = []
    for r in reads:
        pts = []
        for x, y in r.points:
            if flip is not None:
                x, y = flip[0] - 1 - x, flip[1] - 1 - y
            pts.append((x / scale + dx, y / scale + dy))
        out.append(Read(r.text, r.backend, tuple(pts)))
    return out


class QrDecoder:
    """Decode QR codes in frames: `decode(frame) -> list[str]` (distinct texts, in reading order).

    `backends`: names in order of preference (default zxing, zbar, opencv); `.backends` lists those that
    loaded, `.unavailable` maps the others to a reason ("QR decoder (zbar) unavailable: …", case BC-25).
    `fallback_every`: 1 runs every fallback on every miss (still images); N > 1 runs them on the first miss
    and on every N-th consecutive miss, plus whenever zxing saw an undecodable QR (live video).
    `downscale_width`: frames wider than 1.5× this are first tried at this width.
    Raises RuntimeError when no backend at all could be loaded."""

    def __init__(self, backends=None, *, fallback_every: int = 30, downscale_width: int = 640,
                 roi_margin: float = 0.6, roi_ttl: int = 30):
        self._chain, self.unavailable = load_backends(backends)
        if not self._chain:
            raise RuntimeError("no QR decoder available: " + "; ".join(self.unavailable.values()))
        self.backends = [b.name for b in self._chain]
        self.fallback_every = max(1, int(fallback_every))
        self.downscale_width = int(downscale_width)
        self.roi_margin = roi_margin
        self.roi_ttl = roi_ttl
        self.last_stage = ""  # which stage produced the last result: roi, downscale, full, fallback, ""
        self._roi: Box | None = None
        self._roi_invert = False
        self._roi_age = 0
        self._shape: tuple[int, int] | None = None
        self._misses = 0
        self.unreadable = 0  # QR codes the last read() saw whose bytes are not UTF-8 text (BC-01)

    @property
    def primary(self) -> Backend:
        return self._chain[0]

    def reset(self) -> None:
        """Forget the stream state (last region, miss counter), e.g. when the camera changes."""
        self._roi, self._roi_invert, self._roi_age, self._misses, self._shape = None, False, 0, 0, None

    def decode(self, frame: np.ndarray) -> list[str]:
        """Distinct QR texts in `frame` (BGR or grey uint8 array); [] when nothing was read. When some are
        ticket codes, only those (core.codes.prefer_ticket_codes: an advert's QR beside the ticket is
        dropped). `self.unreadable` then tells how many QR codes were seen but hold no UTF-8 text."""
        seen: dict[str, None] = {}
        for r in self.read(frame):
            seen.setdefault(r.text, None)
        return prefer_ticket_codes(list(seen)) if len(seen) > 1 else list(seen)

    def read(self, frame: np.ndarray) -> list[Read]:
        """Like decode() but returns Read(text, backend, points) with points in `frame` pixels."""
        arr = np.asarray(frame)
        shape = arr.shape[:2]
        if self._shape != shape:
            self.reset()
            self._shape = shape
        old_roi = self._roi
        self.unreadable = 0
        reads = self._try_roi(arr)
        if reads:
            return self._hit("roi", reads, shape)
        gray = to_gray(arr)
        hints: list = []
        for stage, attempt in (("downscale", self._try_downscale), ("full", self._try_full)):
            reads = attempt(gray, hints)
            if reads:
                return self._hit(stage, reads, shape, old_roi)
        if hints or self._misses % self.fallback_every == 0:
            reads = self._fallbacks(gray, hints)
            if reads:
                return self._hit("fallback", reads, shape, old_roi)
        self._misses += 1
        self.last_stage = ""
        if self._roi is not None:
            self._roi_age += 1
            if self._roi_age > self.roi_ttl:
                self._roi, self._roi_invert = None, False
        return []

    # -- stages -------------------------------------------------------------------------------------

    def _try_roi(self, arr: np.ndarray) -> list[Read]:
        """The primary decoder on the region of the last read, converting only that crop to grey; the
        inverted pass is skipped unless the code there turned out to be inverted."""
        if self._roi is None:
            return []
        x0, y0, x1, y1 = self._roi
        crop = to_gray(arr[y0:y1, x0:x1])
        reads, _ = self.primary.read(crop, hints=False, invert=self._roi_invert, thorough=False)
        return _moved(reads, x0, y0)

    def _try_downscale(self, gray: np.ndarray, hints: list) -> list[Read]:
        h, w = gray.shape
        if w <= self.downscale_width * 1.5:
            return []
        scale = self.downscale_width / w
        small = cv2.resize(gray, (self.downscale_width, max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
        reads, cands = self.primary.read(small, thorough=self.fallback_every == 1)
        self._note_unreadable()
        hints.extend(tuple((x / scale, y / scale) for x, y in c) for c in cands)
        return _moved(reads, scale=scale)

    def _try_full(self, gray: np.ndarray, hints: list) -> list[Read]:
        reads, cands = self.primary.read(gray, thorough=self.fallback_every == 1)
        self._note_unreadable()
        hints.extend(cands)
        return reads

    def _note_unreadable(self) -> None:
        """Keep the primary decoder's count of QR symbols whose bytes are not UTF-8 text (BC-01)."""
        self.unreadable = max(self.unreadable, getattr(self.primary, "last_unreadable", 0))

    def _fallbacks(self, gray: np.ndarray, hints: list) -> list[Read]:
        """The other decoders; then a 180°-rotated copy for decoders that are not rotation-invariant
        (OpenCV, BC-04 b); then an inverted copy if no decoder inverts by itself. They run on the
        candidates' region when zxing saw one, else on the whole frame. OpenCV's slow classic detector
        (~250 ms on an empty 720p frame) joins only on a candidate region or in still-image mode."""
        if hints:
            x0, y0, x1, y1 = _bbox(np.concatenate([np.asarray(c) for c in hints]), gray.shape, 0.5)
        else:
            x0, y0, x1, y1 = 0, 0, gray.shape[1], gray.shape[0]
        thorough = bool(hints) or self.fallback_every == 1
        region = np.ascontiguousarray(gray[y0:y1, x0:x1])
        size = (region.shape[1], region.shape[0])
        passes = [(b, region, None) for b in self._chain[1:]]
        flipped = [b for b in self._chain if not b.rotation_invariant]
        if flipped:
            turned = cv2.rotate(region, cv2.ROTATE_180)
            passes += [(b, turned, size) for b in flipped]
        if not any(b.tries_inverted for b in self._chain):
            passes += [(b, cv2.bitwise_not(region), None) for b in self._chain]
        for backend, image, flip in passes:
            reads, _ = backend.read(image, hints=False, thorough=thorough)
            if reads:
                return _moved(reads, x0, y0, flip=flip)
        return []

    def _hit(self, stage: str, reads: list[Read], shape, old_roi: Box | None = None) -> list[Read]:
        """Record a read: its region becomes the next frame's ROI. A code found by a later stage inside
        the ROI that the (non-inverting) ROI pass just missed is taken as inverted: invert there next."""
        self.last_stage = stage
        self._misses = 0
        if old_roi is not None:
            cx, cy = np.mean(np.asarray(reads[0].points), axis=0)
            self._roi_invert = bool(old_roi[0] <= cx < old_roi[2] and old_roi[1] <= cy < old_roi[3])
        self._roi = _bbox(reads[0].points, shape, self.roi_margin)
        self._roi_age = 0
        return reads


def decode_image(path: str | Path, decoder: QrDecoder | None = None) -> list[str]:
    """Distinct QR texts in the image file at `path` (any format OpenCV reads, or a ticket PDF: every page;
    non-ASCII paths work).

    Uses a thorough decoder (every fallback on a miss) unless one is given. Images larger than
    SEARCH_PIXELS are scaled down first. Raises FileNotFoundError for a missing file and ValueError for a
    file that is not a readable image (empty, truncated, another format) or claims more than
    MAX_IMAGE_PIXELS."""
    data = np.fromfile(str(path), dtype=np.uint8)  # FileNotFoundError; also works for non-ASCII paths
    if data.size == 0:
        raise ValueError(f"not a readable image (empty file): {path}")
    if data[:5].tobytes() == b"%PDF-":  # an e-mailed ticket PDF: every page rendered at PDF_DPI, then decoded
        return _decode_pdf(data.tobytes(), path, decoder or QrDecoder(fallback_every=1))
    pixels = _header_pixels(data)
    if pixels > MAX_IMAGE_PIXELS:
        raise ValueError(f"image too large ({pixels / 1e6:.0f} megapixels, at most "
                         f"{MAX_IMAGE_PIXELS // 1_000_000}): {path}")
    try:
        image = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    except cv2.error:  # OpenCV asserts on some headers (e.g. beyond its own pixel limit)
        image = None
    if image is None:
        raise ValueError(f"not a readable image: {path}")
    return (decoder or QrDecoder(fallback_every=1)).decode(_fit(image, SEARCH_PIXELS))


def _decode_pdf(pdf: bytes, path, decoder: QrDecoder) -> list[str]:
    """Distinct QR texts on the pages of a PDF (core.pdf.rasterize_pdf at PDF_DPI). ValueError for a PDF that
    cannot be rendered or has more than MAX_PDF_PAGES pages."""
    from core.pdf import rasterize_pdf  # here, not at the top: the camera's decoder process never needs reportlab

    try:
        pages = rasterize_pdf(pdf, dpi=PDF_DPI, max_pages=MAX_PDF_PAGES)
    except Exception as exc:  # pypdfium2 raises its own PdfiumError for damaged files
        raise ValueError(f"not a readable image (a damaged PDF: {exc}): {path}") from None
    if not pages:
        raise ValueError(f"not a readable image (a PDF without pages): {path}")
    found: list[str] = []
    for page in pages:
        grey = cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2GRAY)
        found.extend(t for t in decoder.decode(_fit(grey, SEARCH_PIXELS)) if t not in found)
    return found


def _header_pixels(data: np.ndarray) -> int:
    """Width × height the file's header claims (read by Pillow without decoding); 0 when Pillow cannot
    tell (OpenCV then decides whether the file is an image)."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data.tobytes())) as im:
                width, height = im.size
    except Image.DecompressionBombError:
        return MAX_IMAGE_PIXELS + 1
    except (OSError, ValueError, SyntaxError):  # not an image Pillow knows, or a broken header
        return 0
    return width * height


def _fit(gray: np.ndarray, pixels: int) -> np.ndarray:
    """`gray` scaled down (INTER_AREA) to at most `pixels` pixels, or unchanged when it is not larger."""
    h, w = gray.shape[:2]
    if h * w <= pixels:
        return gray
    scale = (pixels / (h * w)) ** 0.5
    return cv2.resize(gray, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA)


def iter_video(source: int | str, every: int = 1, max_frames: int | None = None,
               decoder: QrDecoder | None = None) -> Iterator[tuple[int, list[str]]]:
    """Yield (frame_index, codes) for every `every`-th frame of `source` through cv2.VideoCapture.

    `source`: a camera index (int, or a digit string like "0"), a video file path or a stream URL.
    `max_frames` bounds the number of frames read (None = until the source ends). frame_index counts
    from 0 over all frames read. Raises CameraError when the source cannot be opened (STACK.md §6)."""
    if isinstance(source, str) and source.strip().isdigit():
        source = int(source.strip())
    elif isinstance(source, Path):
        source = str(source)
    cap = cv2.VideoCapture(source)
    try:
        if not cap.isOpened():
            raise CameraError(f"cannot open camera or video source {source!r}")
        decoder = decoder or QrDecoder()
        step = max(1, int(every))
        index = 0
        while max_frames is None or index < max_frames:
            ok, frame = cap.read()
            if not ok or frame is None:
                break
            if index % step == 0:
                yield index, decoder.decode(frame)
            index += 1
    finally:
        cap.release()
