"""The GUI uses the bundled fonts (issue 9 item 6): a Korean + Arabic (and Hebrew, Thai, Devanagari) name has
a glyph for every character in the application font's family list, and a label drawing it in the real window
uses that list."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics, QRawFont
from PySide6.QtWidgets import QLabel

from app.fonts import bundled_families, install_fonts, missing_chars

NAME = "김민수 محمد عبد الله"
OTHERS = "שלום כהן สมชาย किरण शर्मा Nguyễn Σοφία Жанна 李小龍"


def test_bundled_families_are_loaded(qapp):
    families = bundled_families()
    assert {"DejaVu Sans", "Droid Sans Fallback", "Noto Sans Arabic", "Noto Sans Hebrew", "Noto Sans Thai",
            "Noto Sans Devanagari"} <= set(families)


@pytest.fixture
def app_font(qapp):
    """install_fonts on the session's QApplication; the previous application font is restored after."""
    before = qapp.font()
    yield install_fonts(qapp)
    qapp.setFont(before)


def test_korean_and_arabic_name_has_every_glyph(qapp, qtbot, app_font):
    font = app_font
    assert qapp.font().families()[-len(bundled_families()):] == bundled_families()
    assert missing_chars(NAME, font) == [] and missing_chars(OTHERS, font) == []
    assert missing_chars("\U0001F984", font) == ["\U0001F984"]  # the check does see a missing glyph
    label = QLabel(NAME)
    qtbot.addWidget(label)
    assert label.font().families() == font.families()
    korean = QRawFont.fromFont(QFont("Droid Sans Fallback"), QFontDatabase.WritingSystem.Korean)
    arabic = QRawFont.fromFont(QFont("Noto Sans Arabic"), QFontDatabase.WritingSystem.Arabic)
    assert all(korean.supportsCharacter(ord(ch)) for ch in "김민수")
    assert all(arabic.supportsCharacter(ord(ch)) for ch in "محمد عبد الله" if not ch.isspace())
    assert QFontMetrics(QFont("Droid Sans Fallback")).inFontUcs4(ord("김"))
