"""The bundled fonts in the GUI (issue 9 item 6: Korean names were boxes). Every TrueType file of
resources/fonts — the ones core.pdf_text embeds in ticket PDFs, so the GUI covers every script the PDF
covers (Latin/Greek/Cyrillic/Vietnamese, CJK and Hangul, Arabic, Hebrew, Thai, Devanagari) — is added to Qt's
font database at start, and the application font becomes a family list: the platform's UI font first, then
the bundled families in core.fonts' fallback order. Qt draws each character in the first family of the
list that has it, so a name mixing scripts renders whatever fonts the machine has.
"""
from __future__ import annotations

import logging

from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics
from PySide6.QtWidgets import QApplication

from core.fonts import FONT_FILES, FONTS_DIR

logger = logging.getLogger(__name__)

# Bold weights come from the regular files; the separate DejaVu Bold file only adds its own style.
_ORDER = tuple(dict.fromkeys(FONT_FILES.values()))
_loaded: dict[str, int] = {}  # file name -> Qt's application font id (-1: could not be loaded)


def bundled_families() -> list[str]:
    """Add every bundled font file to Qt's database (once per file and process) and return their family names
    in fallback order. A file Qt cannot load is logged and skipped."""
    families: list[str] = []
    for file in _ORDER:
        path = FONTS_DIR / file
        font_id = _loaded.get(file)
        if font_id is None:
            font_id = _loaded[file] = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            logger.warning("font %s could not be loaded", path)
            continue
        for family in QFontDatabase.applicationFontFamilies(font_id):
            if family not in families:
                families.append(family)
    return families


def install_fonts(app: QApplication) -> QFont:
    """Make the application font the platform UI font followed by the bundled families (idempotent).
    Returns the font set."""
    font = QFont(app.font())
    primary = [f for f in font.families() if f not in bundled_families()] or [font.family()]
    font.setFamilies(primary + bundled_families())
    app.setFont(font)
    return font


def missing_chars(text: str, font: QFont) -> list[str]:
    """The characters of `text` (whitespace aside) that no family of `font`'s list has a glyph for: what
    would print as a box. [] when everything renders."""
    metrics = [QFontMetrics(QFont(family)) for family in font.families()]
    return [ch for ch in text if not ch.isspace() and not any(m.inFontUcs4(ord(ch)) for m in metrics)]
