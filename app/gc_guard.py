"""Python's cyclic garbage collector, run on the GUI thread only.

Why: Qt objects caught in reference cycles must be destroyed on the thread that owns them. With automatic
collection, an allocation in a worker thread (a SQLAlchemy query in app.tasks) can trigger a collection that
destroys a dead dialog's wrappers there, and the process segfaults (seen in the GUI test suite). So automatic
collection is switched off and a GUI-thread timer collects the generations that are due, by the same
allocation counts Python would have used (the pattern Calibre and other PyQt apps use).
"""
from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class GarbageCollector(QObject):
    """Disables automatic gc and collects on the GUI thread every `interval_ms` milliseconds when due.
    `stop()` restores automatic collection."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = 250):
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> None:
        """Collect generation 0 (and older ones in turn) when their allocation counts passed the thresholds."""
        count0, count1, count2 = gc.get_count()
        if count0 > self.threshold[0]:
            gc.collect(0)
            if count1 > self.threshold[1]:
                gc.collect(1)
                if count2 > self.threshold[2]:
                    gc.collect(2)

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()
