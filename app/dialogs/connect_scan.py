"""Reading a connect code (core.connect_code: hub URL + station key + name) for the set-up wizard's hub page
(issue 12): from the webcam, or from an image file (a PNG from `tessera hub add-station --qr`, a photo, a
PDF). Decoding runs off the GUI thread (core.decode); the first code that parses wins; a ticket's QR or any
other code is ignored while scanning and reported when it is all an image holds."""
from __future__ import annotations

import time

from core.connect_code import ConnectCode, parse_connect_code
from core.decode import decode_image, iter_video
from core.errors import InvalidArgument

SCAN_SECONDS = 20.0
SCAN_MAX_FRAMES = 900


def code_from_image(path: str) -> ConnectCode:
    """Worker body: the connect code in the image (or PDF) at `path`. Raises InvalidArgument when none of its
    codes is a connect code (saying what was read), ValueError/FileNotFoundError for an unreadable file."""
    texts = decode_image(path)
    for text in texts:
        try:
            return parse_connect_code(text)
        except InvalidArgument:
            continue
    if texts:
        raise InvalidArgument(f"that image holds no connect code (it reads {texts[0][:60]!r})", field="connect_code")
    raise InvalidArgument("no QR code found in that image", field="connect_code")


def code_from_camera(source: int | str, *, seconds: float = SCAN_SECONDS,
                     max_frames: int = SCAN_MAX_FRAMES) -> ConnectCode:
    """Worker body: read frames from `source` (a webcam index or a video) until a connect code is seen,
    for at most `seconds` and `max_frames`. Raises core.decode.CameraError when the camera cannot be
    opened, InvalidArgument when no connect code was seen in time."""
    deadline = time.monotonic() + seconds
    seen = ""
    for _index, texts in iter_video(source, max_frames=max_frames):
        for text in texts:
            try:
                return parse_connect_code(text)
            except InvalidArgument:
                seen = seen or text
        if time.monotonic() > deadline:
            break
    more = f" (saw {seen[:60]!r}, which is not one)" if seen else ""
    raise InvalidArgument(f"no connect code seen by the camera{more}: hold the organiser's code steady in front "
                          "of it, or load it as an image", field="connect_code")
