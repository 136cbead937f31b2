"""Verdict sounds: three distinct WAV files from scripts/make_sounds.py, mutable, never blocking."""
from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

import pytest

from app.sound import KINDS, SOUNDS_DIR, SoundPlayer

ROOT = Path(__file__).resolve().parents[2]


def test_script_generates_three_distinct_wavs(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_sounds.py"), str(tmp_path)], check=True,
                   capture_output=True, timeout=60)
    payloads = set()
    for kind in KINDS:
        with wave.open(str(tmp_path / f"{kind}.wav")) as w:
            assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
            assert 0.1 < w.getnframes() / w.getframerate() < 1.0
            payloads.add(w.readframes(w.getnframes()))
    assert len(payloads) == 3
    for kind in KINDS:
        assert (SOUNDS_DIR / f"{kind}.wav").exists(), "the generated sounds are shipped in resources/sounds"


def test_player_command_gets_the_wav(tmp_path):
    log = tmp_path / "played.txt"
    fake = tmp_path / "player.sh"
    fake.write_text(f"#!/bin/sh\necho \"$@\" >> {log}\n")
    fake.chmod(0o755)
    player = SoundPlayer(player=[str(fake)])
    assert player.play("warn") == "player.sh"
    import time

    for _ in range(100):
        if log.exists():
            break
        time.sleep(0.02)
    assert log.read_text().strip().endswith("warn.wav")
    player.close()


def test_muted_plays_nothing_and_beep_fallback(qapp):
    player = SoundPlayer(player=[], use_beep=False)
    assert player.play("ok") == "beep"
    player.set_muted(True)
    assert player.play("error") == "muted"
    assert list(player.history) == [("ok", "beep"), ("error", "muted")]
    with pytest.raises(ValueError):
        player.play("fanfare")
