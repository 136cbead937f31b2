"""Test media: a video file with a real ticket QR, standing in for a webcam (STACK.md §6)."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import qrcode


def qr_image(payload: str, box: int = 6) -> np.ndarray:
    """A BGR image of the QR of `payload` with a 4-module quiet zone."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box, border=4)
    qr.add_data(payload)
    qr.make(fit=True)
    img = np.array(qr.make_image(fill_color="black", back_color="white").convert("RGB"))
    return cv2.cvtColor(img, cv2.COLOR_RGB2BGR)


def make_ticket_video(path: Path, payload: str, *, qr_frames: int = 30, blank_before: int = 15,
                      blank_after: int = 15, size: tuple[int, int] = (640, 480), fps: float = 30.0) -> Path:
    """Write an MJPG .avi: `blank_before` plain frames, `qr_frames` frames showing the QR of `payload`,
    then `blank_after` plain frames. Returns `path`."""
    w, h = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    assert writer.isOpened(), "cv2.VideoWriter could not open an MJPG .avi"
    background = np.full((h, w, 3), 90, np.uint8)
    cv2.rectangle(background, (20, 20), (w - 20, h - 20), (60, 120, 160), 4)
    code = qr_image(payload)
    qh, qw = code.shape[:2]
    with_qr = background.copy()
    y0, x0 = (h - qh) // 2, (w - qw) // 2
    with_qr[y0:y0 + qh, x0:x0 + qw] = code
    for i in range(blank_before + qr_frames + blank_after):
        writer.write(with_qr if blank_before <= i < blank_before + qr_frames else background)
    writer.release()
    return path
