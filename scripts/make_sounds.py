"""Generate the door's verdict sounds (small 16-bit mono WAV files) into resources/sounds/.

Run: .venv/bin/python scripts/make_sounds.py [OUT_DIR]. Three classes, distinct by ear (DESIGN.md, Door):
ok.wav (bright rising two-note chime), warn.wav (two equal mid beeps: already checked in),
error.wav (low buzz: refused)."""
from __future__ import annotations

import math
import struct
import sys
import wave
from pathlib import Path

RATE = 22050
OUT = Path(__file__).resolve().parent.parent / "resources" / "sounds"


def tone(freq: float, seconds: float, *, volume: float = 0.5, square: bool = False) -> list[float]:
    """Samples in -1..1 of one note with 8 ms fade-in/out (no clicks); `square` adds odd harmonics (buzz)."""
    n = int(RATE * seconds)
    fade = int(RATE * 0.008)
    out = []
    for i in range(n):
        t = i / RATE
        s = math.sin(2 * math.pi * freq * t)
        if square:
            s = sum(math.sin(2 * math.pi * freq * k * t) / k for k in (1, 3, 5, 7)) * 0.8
        env = min(1.0, i / fade if fade else 1.0, (n - i) / fade if fade else 1.0)
        out.append(s * env * volume)
    return out


def silence(seconds: float) -> list[float]:
    """Silent samples for `seconds`."""
    return [0.0] * int(RATE * seconds)


SOUNDS = {
    "ok": lambda: tone(880, 0.09) + tone(1320, 0.14),
    "warn": lambda: tone(660, 0.12) + silence(0.07) + tone(660, 0.12),
    "error": lambda: tone(196, 0.45, volume=0.45, square=True),
}


def write_wav(path: Path, samples: list[float]) -> None:
    """Write mono 16-bit PCM at RATE Hz."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(struct.pack("<h", int(max(-1.0, min(1.0, s)) * 32767)) for s in samples))


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else OUT
    out.mkdir(parents=True, exist_ok=True)
    for name, make in SOUNDS.items():
        write_wav(out / f"{name}.wav", make())
        print(out / f"{name}.wav")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
