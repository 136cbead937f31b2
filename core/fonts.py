"""The bundled fonts (resources/fonts, README.md there), one table for the ticket PDFs (core.pdf_text) and the
GUI (app.fonts): file per reportlab font name, in fallback order. No reportlab, no Qt: cheap to import."""
from __future__ import annotations

from pathlib import Path

FONTS_DIR = Path(__file__).resolve().parent.parent / "resources" / "fonts"
# reportlab font name -> file; after the two DejaVu faces the order is the fallback order.
FONT_FILES = {"Tessera-Sans": "DejaVuSans.ttf", "Tessera-Sans-Bold": "DejaVuSans-Bold.ttf",
              "Tessera-CJK": "DroidSansFallback.ttf", "Tessera-Arabic": "NotoSansArabic-Regular.ttf",
              "Tessera-Hebrew": "NotoSansHebrew-Regular.ttf", "Tessera-Thai": "NotoSansThai-Regular.ttf",
              "Tessera-Devanagari": "NotoSansDevanagari-Regular.ttf"}
FALLBACK_ORDER = ("Tessera-CJK", "Tessera-Arabic", "Tessera-Hebrew", "Tessera-Thai", "Tessera-Devanagari")
