"""Verdict sounds: one distinct WAV per verdict class, played without QtMultimedia, mutable.

QtMultimedia is not part of pyside6-essentials, so a WAV is played by the platform's own player in a
subprocess (`paplay`, `pw-play` or `aplay` on Linux, `afplay` on macOS, winsound on Windows), started from a
short-lived thread so the GUI never waits; with no player at all, QApplication.beep(). The files come from
scripts/make_sounds.py (resources/sounds/{ok,warn,error}.wav)."""
from __future__ import annotations

import collections
import logging
import shutil
import subprocess
import sys
import threading
from pathlib import Path

logger = logging.getLogger(__name__)

SOUNDS_DIR = Path(__file__).resolve().parent.parent / "resources" / "sounds"
KINDS = ("ok", "warn", "error")
# (command, extra args before the file); the first one found on PATH is used.
PLAYERS = (("paplay", ()), ("pw-play", ()), ("aplay", ("-q",)), ("afplay", ()))


def find_player() -> list[str] | None:
    """The argv prefix of the first WAV player on PATH, or None (winsound is handled separately)."""
    for name, args in PLAYERS:
        path = shutil.which(name)
        if path:
            return [path, *args]
    return None


class SoundPlayer:
    """Plays `ok` / `warn` / `error`. `muted` silences it; `history` keeps the last (kind, how) pairs played.

    `player`: argv prefix of a WAV player; default found on PATH. A newer sound cuts the previous one off."""

    def __init__(self, sounds_dir: Path | None = None, *, muted: bool = False, player: list[str] | None = None,
                 use_beep: bool = True):
        self.sounds_dir = Path(sounds_dir) if sounds_dir else SOUNDS_DIR
        self.muted = muted
        self._player = player if player is not None else find_player()
        self._use_beep = use_beep
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self.history: collections.deque[tuple[str, str]] = collections.deque(maxlen=50)

    @property
    def method(self) -> str:
        """How sounds are played here: the player's name, "winsound" or "beep"."""
        if self._player:
            return Path(self._player[0]).name
        return "winsound" if sys.platform == "win32" else "beep"

    def path(self, kind: str) -> Path:
        """The WAV file of `kind` (ok, warn or error)."""
        if kind not in KINDS:
            raise ValueError(f"unknown sound {kind!r}")
        return self.sounds_dir / f"{kind}.wav"

    def set_muted(self, muted: bool) -> None:
        """Mute or unmute."""
        self.muted = bool(muted)

    def play(self, kind: str) -> str:
        """Play `kind` without blocking; returns how: "muted", the player name, "winsound" or "beep"."""
        wav = self.path(kind)
        if self.muted:
            how = "muted"
        elif self._player and wav.exists():
            how = self.method
            threading.Thread(target=self._spawn, args=([*self._player, str(wav)],), daemon=True).start()
        elif sys.platform == "win32" and wav.exists():
            how = "winsound"
            import winsound

            winsound.PlaySound(str(wav), winsound.SND_FILENAME | winsound.SND_ASYNC)
        else:
            how = "beep"
            if self._use_beep:
                from PySide6.QtWidgets import QApplication

                QApplication.beep()
        self.history.append((kind, how))
        return how

    def _spawn(self, argv: list[str]) -> None:
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                self._proc.terminate()  # the newest verdict wins
                try:
                    self._proc.wait(timeout=1)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
            try:
                self._proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL)
            except OSError:
                logger.warning("could not start %s", argv[0])
                self._proc = None

    def close(self) -> None:
        """Stop a sound still playing (application exit)."""
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                self._proc.terminate()
            self._proc = None
