"""Render resources/icons/tessera.svg into the platform icon files the installers need.

Usage: python packaging/make_icons.py [OUT_DIR]   (default build/icons; run from anywhere in the clone)
Writes OUT_DIR/tessera.png (256 px), tessera.ico (Windows: 16–256 px) and tessera.icns (macOS), using Qt's SVG
renderer (PySide6-Essentials, already a dependency) and Pillow's ICO/ICNS writers. Exit code 0, or 1 on error.
"""
from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "tessera.svg"
SIZE = 1024  # the largest icns entry; the others are scaled down by Pillow


def render_png(svg: Path, out: Path, size: int = SIZE) -> Path:
    """Render `svg` to a square transparent PNG of `size` px at `out`; raises OSError when it cannot."""
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise OSError(f"not a valid SVG: {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    if not image.save(str(out)):
        raise OSError(f"cannot write {out}")
    return out


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0]) if argv else ROOT / "build" / "icons"
    out_dir.mkdir(parents=True, exist_ok=True)
    app = QGuiApplication.instance() or QGuiApplication(["make_icons", "-platform", "offscreen"])  # noqa: F841
    big = Image.open(render_png(SVG, out_dir / "tessera-1024.png"))
    big.resize((256, 256), Image.LANCZOS).save(out_dir / "tessera.png")
    big.save(out_dir / "tessera.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    big.save(out_dir / "tessera.icns")
    print(out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
