"""Synthetic camera frames with QR codes (shared by tests/core/test_decode.py and bench/decode_bench.py):
a camera-like background, a QR symbol warped onto it (size, rotation, keystone, contrast)."""
from __future__ import annotations

import math

import cv2
import numpy as np
import qrcode


def modules(data: str | bytes, border: int = 4) -> np.ndarray:
    """QR modules as a uint8 array (255 light, 0 dark), one pixel per module, EC level M."""
    q = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=border)
    q.add_data(data)
    q.make(fit=True)
    return np.where(np.asarray(q.get_matrix(), dtype=bool), 0, 255).astype(np.uint8)


def scene(rng, w=1280, h=720, noise: float = 6.0) -> np.ndarray:
    """A float32 BGR camera-like background: gradient, coloured boxes, Gaussian sensor noise of `noise` σ."""
    img = np.broadcast_to(np.linspace(60, 200, w, dtype=np.float32)[None, :, None], (h, w, 3)).copy()
    for _ in range(6):
        x, y = int(rng.integers(0, w - 100)), int(rng.integers(0, h - 100))
        color = tuple(float(v) for v in rng.integers(0, 255, 3))
        cv2.rectangle(img, (x, y), (x + int(rng.integers(40, 300)), y + int(rng.integers(40, 200))), color, -1)
    return img + rng.normal(0, noise, img.shape).astype(np.float32) if noise else img


def place(img, mods, size, cx, cy, angle=0.0, dark=30.0, light=230.0, skew=0.0) -> np.ndarray:
    """Warp the symbol `mods` (with its quiet zone) to `size` px at (cx, cy), rotated/keystoned."""
    sym = cv2.resize(mods, (mods.shape[0] * 8,) * 2, interpolation=cv2.INTER_NEAREST).astype(np.float32)
    sym = dark + sym / 255.0 * (light - dark)
    s, half = sym.shape[0], size / 2
    pts = np.float32([[-half, -half], [half, -half], [half, half], [-half, half]])
    pts[0, 0] += skew * size
    pts[3, 0] += skew * size
    a = math.radians(angle)
    rot = np.float32([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    m = cv2.getPerspectiveTransform(np.float32([[0, 0], [s, 0], [s, s], [0, s]]),
                                    (pts @ rot.T + np.float32([cx, cy])).astype(np.float32))
    h, w = img.shape[:2]
    warped = cv2.warpPerspective(sym, m, (w, h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.ones_like(sym), m, (w, h), flags=cv2.INTER_LINEAR)[..., None]
    return img * (1 - mask) + warped[..., None] * mask
