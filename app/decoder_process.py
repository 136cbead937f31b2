"""QR decoding in a child process (BC-23): zxing-cpp holds the GIL for the whole of each decode (15–40 ms on a
720p frame), which would delay the GUI thread's Python slots; in a separate process it cannot.

The camera's decoder thread sends one grey frame at a time over a pipe and waits for the texts; the child
runs core.decode.QrDecoder. It is started with the "spawn" method (never fork a Qt process) and stops
with its camera."""
from __future__ import annotations

import atexit
import logging
import multiprocessing as mp
import threading
import time
from typing import Callable

logger = logging.getLogger(__name__)


class DecoderUnavailable(RuntimeError):
    """The child process could not start or load any decoder."""


def serve(conn, backends) -> None:
    """Child process body: build QrDecoder(backends), report ("ready", info), then answer each (h, w) +
    frame bytes with the list of texts, until None arrives or the pipe closes."""
    import os

    import numpy as np

    try:
        os.nice(10)  # the door's GUI comes first: a busy decoder yields the CPU to it
    except (AttributeError, OSError):
        pass
    try:
        from core.decode import QrDecoder

        decoder = QrDecoder(backends)
    except Exception as exc:  # reported to the parent, which falls back to manual entry
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", {"backends": decoder.backends, "unavailable": dict(decoder.unavailable)}))
    while True:
        try:
            header = conn.recv()
        except (EOFError, OSError):
            return
        if header is None:
            return
        h, w = header
        frame = np.frombuffer(conn.recv_bytes(), dtype=np.uint8).reshape(h, w)
        try:
            conn.send(decoder.decode(frame))
        except Exception:  # one bad frame must not end the decoder
            conn.send([])


def _never() -> bool:
    return False


class DecoderProcess:
    """`.decode(frame) -> list[str]` answered by a child process; `.backends`, `.unavailable` as QrDecoder.

    `backends`: decoder names for the child (None = its defaults). `should_stop()` is polled while waiting
    for an answer, so a stopping camera never waits for a slow decode. Raises DecoderUnavailable when the
    child does not come up within `start_timeout_s` seconds or loads no decoder. One frame at a time:
    decode() calls are serialised by a lock."""

    def __init__(self, backends=None, *, start_timeout_s: float = 60.0, should_stop: Callable[[], bool] = _never):
        ctx = mp.get_context("spawn")
        self.requested = None if backends is None else tuple(backends)
        self._conn, child = ctx.Pipe()
        self._lock = threading.Lock()
        self._proc = ctx.Process(target=serve, args=(child, backends), name="tessera-qr-decoder", daemon=True)
        self._proc.start()
        child.close()
        reply = self._wait(start_timeout_s, should_stop)
        if reply is None or reply[0] != "ready":
            self.close(0.1)
            raise DecoderUnavailable(reply[1] if reply else "the decoder process did not start")
        self._owed = 0
        self.backends = reply[1]["backends"]
        self.unavailable = reply[1]["unavailable"]

    def _wait(self, timeout_s: float, should_stop: Callable[[], bool]):
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            if should_stop():
                return None
            try:
                if self._conn.poll(0.05):
                    return self._conn.recv()
            except (EOFError, OSError):
                return None
            if not self._proc.is_alive() and not self._conn.poll(0):
                return None
        return None

    def decode(self, frame, should_stop: Callable[[], bool] = _never) -> list[str]:
        """Texts of the QR codes in `frame` (BGR or grey). When `should_stop()` turns true meanwhile, returns
        [] at once and the late answer is skipped later. DecoderUnavailable when the child died."""
        from core.decode import to_gray

        gray = to_gray(frame)
        with self._lock:
            self._drain()
            try:
                self._conn.send(gray.shape[:2])
                self._conn.send_bytes(gray.tobytes())
            except (OSError, ValueError) as exc:
                raise DecoderUnavailable(f"the decoder process is gone: {exc}") from None
            self._owed += 1
            reply = self._wait(30.0, should_stop)
            if reply is None:
                if should_stop():
                    return []
                raise DecoderUnavailable("the decoder process stopped answering")
            self._owed -= 1
            return list(reply)

    def _drain(self) -> None:
        # Answers to frames whose caller stopped waiting arrive late: read and drop them first.
        while self._owed:
            reply = self._wait(30.0, _never)
            if reply is None:
                raise DecoderUnavailable("the decoder process stopped answering")
            self._owed -= 1

    def close(self, timeout_s: float = 0.5) -> None:
        """Stop the child (politely, then terminate) and close the pipe (≤ 2 × `timeout_s` seconds)."""
        try:
            self._conn.send(None)
        except (OSError, ValueError):
            pass
        self._proc.join(timeout_s)
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(timeout_s)
        self._conn.close()

    @property
    def alive(self) -> bool:
        """True while the child process runs."""
        return self._proc.is_alive()


_shared: DecoderProcess | None = None
_shared_lock = threading.Lock()
_start: dict = {}  # the start in progress: {"backends", "done": Event, "error": str}


def _start_shared(wanted, done: threading.Event) -> None:
    global _shared
    try:
        proc = DecoderProcess(None if wanted is None else list(wanted))
    except Exception as exc:
        with _shared_lock:
            _start["error"] = str(exc)
    else:
        with _shared_lock:
            _shared = proc
    finally:
        done.set()


def shared_decoder(backends=None, should_stop: Callable[[], bool] = _never,
                   timeout_s: float = 60.0) -> DecoderProcess:
    """The app's one decoder process, started on first use by a helper thread and reused afterwards
    (restarted when it died or other `backends` are asked for), so opening and closing the camera never
    pays the child's start-up again — not even when the camera closes before the child is ready.
    Waits at most `timeout_s` seconds, less when `should_stop()` turns true. Raises DecoderUnavailable."""
    global _shared
    wanted = None if backends is None else tuple(backends)
    with _shared_lock:
        if _shared is not None and _shared.alive and _shared.requested == wanted:
            return _shared
        if _shared is not None:
            _shared.close(0.2)
            _shared = None
        if not _start or _start["done"].is_set() or _start["backends"] != wanted:
            done = threading.Event()
            _start.clear()
            _start.update(backends=wanted, done=done, error="")
            threading.Thread(target=_start_shared, args=(wanted, done), name="qr-decoder-start",
                             daemon=True).start()
        done = _start["done"]
    end = time.monotonic() + timeout_s
    while not done.wait(0.05):
        if should_stop() or time.monotonic() > end:
            raise DecoderUnavailable("stopped before the decoder process was ready")
    with _shared_lock:
        if _shared is not None and _shared.requested == wanted:
            return _shared
        raise DecoderUnavailable(_start.get("error") or "the decoder process did not start")


def shutdown_shared() -> None:
    """Stop the shared decoder process (application exit)."""
    global _shared
    with _shared_lock:
        if _shared is not None:
            _shared.close(0.3)
            _shared = None


atexit.register(shutdown_shared)
