"""What every tab needs to know about this station: the ledger, station/operator names, the event, sound."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.sound import SoundPlayer

if TYPE_CHECKING:  # app.queries imports SQLAlchemy and core: not before the window shows (issue 11)
    from app.queries import EventInfo


@dataclass
class StationContext:
    """Shared by the main window and its tabs (GUI thread only).

    `ledger` is a core.db.Ledger: background functions open their own session from it, never share one.
    `camera_source` is a device index or a video file path (None = no camera configured)."""

    ledger: object
    ledger_path: str
    station: str
    operator: str = ""
    event: EventInfo | None = None
    camera_source: int | str | None = None
    scan_debounce_s: float = 2.0
    clock_offset_s: float = 0.0  # server time − device time, from the last sync (BC-13); set by app.sync_wiring
    sound: SoundPlayer = field(default_factory=SoundPlayer)

    @property
    def event_id(self) -> str | None:
        """The current event's id, or None."""
        return self.event.id if self.event else None

    @property
    def time_zone(self) -> str:
        """The current event's IANA zone (UTC without an event)."""
        return self.event.time_zone if self.event else "UTC"
