"""The decoder child process: real decoding out of the GUI process, backends passed through, clean stops."""
from __future__ import annotations

import time

import pytest

from app.decoder_process import DecoderProcess, DecoderUnavailable, shared_decoder
from core.codes import check_in_url
from tests.app.media import qr_image

PAYLOAD = check_in_url("TQ4M-88RA-KD021", "5b0c7e2a-1111-4c2d-9e0f-0a1b2c3d4e5f")


def test_child_decodes_a_real_qr_and_closes():
    import numpy as np

    proc = DecoderProcess(["zxing", "opencv"])
    try:
        assert proc.backends == ["zxing", "opencv"] and proc.alive
        assert proc.decode(qr_image(PAYLOAD)) == [PAYLOAD]
        assert proc.decode(np.zeros((480, 640, 3), np.uint8)) == []
    finally:
        proc.close()
    assert not proc.alive


def test_stop_while_waiting_returns_at_once_and_late_answer_is_skipped():
    import numpy as np

    proc = DecoderProcess()
    try:
        big = np.random.default_rng(0).integers(0, 255, (2160, 3840, 3), dtype=np.uint8)
        started = time.monotonic()
        assert proc.decode(big, should_stop=lambda: time.monotonic() - started > 0.01) == []
        assert proc.decode(qr_image(PAYLOAD)) == [PAYLOAD], "the late answer was drained, not taken as this one"
    finally:
        proc.close()


def test_unknown_backend_only_is_unavailable():
    with pytest.raises(DecoderUnavailable):
        DecoderProcess(["nonesuch"], start_timeout_s=60)


def test_shared_decoder_is_reused():
    first = shared_decoder(["zxing"])
    assert shared_decoder(["zxing"]) is first and first.decode(qr_image(PAYLOAD)) == [PAYLOAD]
    with pytest.raises(DecoderUnavailable):
        shared_decoder(["opencv"], should_stop=lambda: True)
