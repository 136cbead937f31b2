"""Debouncing scanner input: the same code read twice within a short window counts once."""
from __future__ import annotations

import threading
import time
from typing import Callable


class Debouncer:
    """Accepts a code unless the same code was seen less than `window_s` seconds ago.

    "Seen" is refreshed by every sighting, so a code held in front of the camera fires once and fires again
    only after it has been out of view for the window (then the door shows ALREADY_CHECKED_IN). Thread-safe:
    the camera's decoder thread and the GUI thread may both call accept()."""

    def __init__(self, window_s: float = 2.0, clock: Callable[[], float] = time.monotonic, max_codes: int = 256):
        self.window_s = float(window_s)
        self._clock = clock
        self._seen: dict[str, float] = {}
        self._max = max_codes
        self._lock = threading.Lock()

    def accept(self, code: str) -> bool:
        """True when `code` should be acted on now; every call records the sighting."""
        now = self._clock()
        with self._lock:
            last = self._seen.get(code)
            self._seen[code] = now
            if len(self._seen) > self._max:  # bounded memory: forget the stalest codes
                for old in sorted(self._seen, key=self._seen.get)[: len(self._seen) - self._max]:
                    del self._seen[old]
            return last is None or now - last > self.window_s

    def forget(self, code: str | None = None) -> None:
        """Forget one code (or all), e.g. after an undo so the next scan counts at once."""
        with self._lock:
            if code is None:
                self._seen.clear()
            else:
                self._seen.pop(code, None)
