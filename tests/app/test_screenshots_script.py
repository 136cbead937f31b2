"""scripts/screenshots.py (the README's screenshots, issue 9 "Done when"): run offscreen on a fresh demo ledger,
it saves every screen, including the full-screen door, the UNPAID verdict with "Take payment & admit" and the
entrance picker (door and set-up wizard)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]
# (the offscreen platform's screen is 800×800: the full-screen door is that big there)
WANTED = {"door-fullscreen": (600, 400), "door-unpaid": (1000, 600), "door-entrance": (1000, 600),
          "setup-entrance": (400, 300)}


def test_screenshots_script_saves_the_door_screens(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "screenshots.py"), str(tmp_path)], env=env,
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-2000:]
    for name, (min_w, min_h) in WANTED.items():
        image = QImage(str(tmp_path / f"{name}.png"))
        assert not image.isNull(), name
        assert image.width() >= min_w and image.height() >= min_h, (name, image.size())
