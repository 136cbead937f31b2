"""Camera scanning: a capture worker on its own QThread, a latest-frame mailbox and a decoder thread (BC-23).

Pipeline: the capture loop reads frames from `cv2.VideoCapture(source)` (a device index, or a video file
that stands in for a webcam and loops) and puts each one in a mailbox that holds only the latest frame —
a frame not yet decoded when the next arrives is dropped, never queued. A decoder thread takes the latest
frame and decodes it (core.decode.QrDecoder), so decoding never runs on the GUI thread. Codes leave as
`barcode_scanned(str)`, debounced; a preview `frame_ready(QImage)` is emitted at a throttled rate and only
when the GUI has shown the previous one, so a busy GUI never accumulates images (acq4 #595, PySide #145).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtGui import QImage

from app.debounce import Debouncer

logger = logging.getLogger(__name__)

_orphans: list[QThread] = []  # threads that did not stop in time: kept referenced, never destroyed running


class LatestFrameMailbox:
    """A mailbox of one: `put` replaces the waiting frame (counting it as dropped); `take` empties it."""

    def __init__(self):
        self._cond = threading.Condition()
        self._item: Any = None
        self._closed = False
        self.dropped = 0
        self.put_count = 0

    def put(self, item: Any) -> None:
        """Leave `item` for the consumer, dropping any frame still waiting."""
        with self._cond:
            if self._item is not None:
                self.dropped += 1
            self._item = item
            self.put_count += 1
            self._cond.notify()

    def take(self, timeout_s: float = 0.1) -> Any:
        """The waiting frame (emptying the box), or None after `timeout_s` seconds or once closed."""
        with self._cond:
            if self._item is None and not self._closed:
                self._cond.wait(timeout_s)
            item, self._item = self._item, None
            return item

    def close(self) -> None:
        """Wake the consumer for good; later takes return what is left, then None."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def __len__(self) -> int:
        with self._cond:
            return 0 if self._item is None else 1


def parse_source(text: str | int) -> int | str:
    """A camera source for cv2.VideoCapture: a device index ("0" → 0) or a file path / URL unchanged."""
    if isinstance(text, int):
        return text
    return int(text) if str(text).strip().isdigit() else str(text)


MAX_CAMERA_INDEX = 5  # device indexes 0..4 are probed by the picker


def available_cameras(max_index: int = MAX_CAMERA_INDEX, opener=None) -> list[int]:
    """The camera device indexes OpenCV can open AND read a frame from (0..max_index-1), for the door's
    camera picker (issue 9 item 5). Blocking (up to a second per index): run it off the GUI thread.
    `opener(index)` returns a cv2.VideoCapture-like object (tests); default cv2.VideoCapture."""
    if opener is None:
        import cv2

        opener = cv2.VideoCapture
    found = []
    for index in range(max_index):
        cap = None
        try:
            cap = opener(index)
            if cap is not None and cap.isOpened() and cap.read()[0]:
                found.append(index)
        except Exception:  # noqa: BLE001 - a broken driver means "this camera does not work"
            logger.info("camera %d could not be opened", index, exc_info=True)
        finally:
            if cap is not None:
                cap.release()
    return found


def frame_to_qimage(frame, width: int) -> QImage:
    """A BGR (or gray) numpy frame scaled to `width` pixels wide as an RGB QImage that owns its pixels."""
    import cv2

    h, w = frame.shape[:2]
    if w > width:
        frame = cv2.resize(frame, (width, max(1, int(h * width / w))), interpolation=cv2.INTER_AREA)
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
    else:
        frame = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
    h, w = frame.shape[:2]
    # .copy(): the QImage must own its pixels, the numpy buffer is freed right after (PySide #145).
    return QImage(frame.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class _CaptureThread(QThread):
    """A QThread whose run() is the capture loop (no event loop needed: stopping is a threading.Event)."""

    def __init__(self, target):
        super().__init__()
        self._target = target

    def run(self) -> None:
        self._target()


class CaptureWorker(QObject):
    """Reads a camera (or looping video file) on its own QThread and decodes on a second thread.

    Signals: `barcode_scanned(str)` (debounced by `debounce_s` seconds), `frame_ready(QImage)` (≤ `preview_fps`
    per second), `camera_failed(str)` (the source could not be opened), `decoder_failed(str)`.
    `decoder` is any object with `.decode(frame) -> list[str]`; default the shared decoder child process
    (app.decoder_process: zxing-cpp holds the GIL, a child process cannot stall the GUI) running
    core.decode.QrDecoder(`backends`), else a QrDecoder in this process; at most `max_decode_fps` frames are decoded per second, the rest are dropped. Call start() once, stop() to release the camera (within `timeout_s`, default 1 s).

    The worker object itself stays on the GUI thread while its loop runs on a capture QThread and a decoder
    thread: every signal it emits from those threads is therefore queued to the GUI thread, whatever the
    receiver (bound slot or lambda)."""

    barcode_scanned = Signal(str)
    frame_ready = Signal(QImage)
    camera_failed = Signal(str)
    decoder_failed = Signal(str)

    def __init__(self, source: int | str, decoder=None, *, debounce_s: float = 2.0, preview_fps: float = 10.0,
                 preview_width: int = 640, loop_file: bool = True, max_decode_fps: float = 12.0,
                 backends: list[str] | None = None):
        super().__init__()
        self.source = parse_source(source)
        self._decoder = decoder
        self._backends = backends
        self._debouncer = Debouncer(debounce_s)
        self._preview_interval = 1.0 / preview_fps if preview_fps > 0 else None
        self._preview_width = preview_width
        self._loop_file = loop_file
        self._decode_period = 1.0 / max_decode_fps if max_decode_fps > 0 else 0.0
        self._stop = threading.Event()
        self._released = threading.Event()
        self._mailbox = LatestFrameMailbox()
        self._preview_pending_since: float | None = None
        self._thread: QThread | None = None
        self._decode_thread: threading.Thread | None = None
        self.frames_read = 0
        self.frames_skipped = 0  # grabbed but never decompressed: nobody needed them
        self.frames_decoded = 0
        self.max_decode_s = 0.0
        self.opened = False

    # ---- GUI-thread API -------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the capture QThread and the decoder thread (call once, from the GUI thread)."""
        if self._thread is not None:
            return
        self._thread = _CaptureThread(self._capture_loop)
        self._thread.setObjectName(f"capture-{self.source}")
        self._decode_thread = threading.Thread(target=self._decode_loop, name="qr-decoder", daemon=True)
        self._decode_thread.start()
        self._thread.start()

    def stop(self, timeout_s: float = 1.0) -> bool:
        """Stop both threads and release the camera; True when everything ended within `timeout_s` seconds."""
        self._stop.set()
        self._mailbox.close()
        deadline = time.monotonic() + timeout_s
        ok = True
        if self._thread is not None:
            ok = self._thread.wait(max(1, int(timeout_s * 1000))) and ok
            if not ok:
                _orphans.append(self._thread)
                logger.warning("capture thread for %s did not stop within %.1f s", self.source, timeout_s)
        if self._decode_thread is not None:
            self._decode_thread.join(max(0.0, deadline - time.monotonic()))
            ok = ok and not self._decode_thread.is_alive()
        return ok and (self._released.is_set() or not self.opened)

    def is_running(self) -> bool:
        """True while the capture thread runs."""
        return self._thread is not None and self._thread.isRunning()

    @property
    def released(self) -> bool:
        """True once the camera handle was released (or never opened)."""
        return self._released.is_set()

    def preview_shown(self) -> None:
        """The GUI calls this after painting a preview frame: the next one may be sent."""
        self._preview_pending_since = None

    def forget(self, code: str | None = None) -> None:
        """Let `code` (or every code) count again at its next sighting."""
        self._debouncer.forget(code)

    def stats(self) -> dict:
        """Counters: frames read, decoded, dropped (skipped before decompression or replaced in the mailbox:
        never queued), frames waiting (0 or 1), the slowest decode in seconds."""
        return {"read": self.frames_read, "decoded": self.frames_decoded,
                "dropped": self._mailbox.dropped + self.frames_skipped, "waiting": len(self._mailbox),
                "max_decode_s": self.max_decode_s}

    # ---- capture thread -------------------------------------------------------------------------------
    def _capture_loop(self) -> None:
        import cv2

        cap = None
        try:
            cap = cv2.VideoCapture(self.source)
            if not cap.isOpened():
                self.camera_failed.emit(f"Camera {self.source!s} is not available.")
                return
            self.opened = True
            self._read_frames(cap)
        except Exception as exc:  # task boundary: report, never crash the app
            logger.exception("capture loop failed")
            self.camera_failed.emit(f"Camera {self.source!s} failed: {exc}")
        finally:
            if cap is not None:
                cap.release()
            self._released.set()
            self._mailbox.close()

    def _read_frames(self, cap) -> None:
        import cv2

        is_file = isinstance(self.source, str) and os.path.isfile(self.source)
        fps = cap.get(cv2.CAP_PROP_FPS) if is_file else 0
        period = 1.0 / fps if is_file and 0 < fps < 240 else (1 / 30 if is_file else 0.0)
        next_at = time.monotonic()
        empty_reads = 0
        last_preview = last_put = 0.0
        while not self._stop.is_set():
            if not cap.grab():
                empty_reads += 1
                if is_file and self._loop_file and empty_reads < 3:
                    cap.set(cv2.CAP_PROP_POS_FRAMES, 0)  # a file stands in for a webcam: it never ends
                    continue
                if not is_file and empty_reads < 30:
                    self._stop.wait(0.03)
                    continue
                break
            empty_reads = 0
            self.frames_read += 1
            now = time.monotonic()
            preview_due = self._preview_interval is not None and now - last_preview >= self._preview_interval
            decode_due = now - last_put >= self._decode_period
            if preview_due or decode_due:
                # Only frames someone will use are decompressed (grab() alone is cheap); the rest are dropped.
                ok, frame = cap.retrieve()
                if ok and frame is not None:
                    if decode_due:
                        last_put = now
                        self._mailbox.put(frame)
                    if preview_due and self._may_send_preview(now):
                        last_preview = now
                        self.frame_ready.emit(frame_to_qimage(frame, self._preview_width))
            if not decode_due:
                self.frames_skipped += 1
            if period:
                next_at = max(next_at + period, now - period)
                self._stop.wait(max(0.0, next_at - time.monotonic()))

    def _may_send_preview(self, now: float) -> bool:
        # One preview in flight at a time (a stuck GUI gets at most one more per second).
        since = self._preview_pending_since
        if since is not None and now - since < 1.0:
            return False
        self._preview_pending_since = now
        return True

    # ---- decoder thread -------------------------------------------------------------------------------
    def _make_decoder(self):
        """The default decoder: the shared child process (app.decoder_process), else QrDecoder in this
        process when no child can be started. None (and decoder_failed) when there is no decoder at all."""
        from app.decoder_process import DecoderUnavailable, shared_decoder

        try:
            return shared_decoder(self._backends, self._stop.is_set)
        except DecoderUnavailable as exc:
            if self._stop.is_set():
                return None
            logger.warning("no decoder process (%s): decoding in this process", exc)
        try:
            from core.decode import QrDecoder

            return QrDecoder(self._backends)
        except Exception as exc:
            logger.exception("no QR decoder")
            self.decoder_failed.emit(f"QR decoder unavailable: {exc}")
            return None

    def _decode_loop(self) -> None:
        decoder = self._decoder if self._decoder is not None else self._make_decoder()
        if decoder is None:
            return
        while not self._stop.is_set():
            frame = self._mailbox.take(0.1)
            if frame is None:
                continue
            started = time.monotonic()
            self._decode_frame(decoder, frame, started)
            # zxing-cpp holds the GIL while it decodes: pacing the decoder leaves the GUI thread its share
            # (a QR is in view for far longer than 1/12 s, so nothing is missed).
            self._stop.wait(max(0.0, self._decode_period - (time.monotonic() - started)))

    def _decode_frame(self, decoder, frame, started: float) -> None:
        try:
            if hasattr(decoder, "requested"):  # the decoder process: stop waiting when the camera stops
                codes = decoder.decode(frame, self._stop.is_set)
            else:
                codes = decoder.decode(frame)
        except Exception:
            logger.exception("decoding a frame failed")
            codes = []
        self.max_decode_s = max(self.max_decode_s, time.monotonic() - started)
        self.frames_decoded += 1
        for code in codes:
            if code and self._debouncer.accept(code) and not self._stop.is_set():
                self.barcode_scanned.emit(code)
