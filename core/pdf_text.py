"""Text on ticket PDFs: the bundled fonts, per-script font choice, HarfBuzz shaping, right-to-left runs and
line fitting (issue 9 item 6: every script renders, no character is ever a silent box).

Fonts (resources/fonts, README.md there): DejaVu Sans for Latin/Greek/Cyrillic/Vietnamese, Droid Sans
Fallback for CJK and Hangul, Noto Sans Arabic/Hebrew/Thai/Devanagari. A character of one of those four
scripts goes to its Noto font; any other to the first font that has its glyph (DejaVu, then CJK, then the
Noto fonts); whitespace, punctuation and combining marks stay in the run they follow when its font
has them. Runs of the four complex scripts
are shaped by HarfBuzz (reportlab >= 4.1 with uharfbuzz: joined Arabic, Thai marks, Devanagari conjuncts)
and come out in visual order. A line is ordered by a small bidi rule: its base direction is that of its
first strong character; runs of the opposite direction are reversed as a group (enough for names, titles
and prices; not the full UAX #9). A character no bundled font has (an emoji, a rare ideograph) raises
MissingGlyph before anything is drawn. Qt-free, thread-safe registration.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

from reportlab.lib.colors import HexColor
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, shapeStr
from reportlab.pdfgen.canvas import Canvas

from core.errors import InvalidArgument
from core.fonts import FALLBACK_ORDER, FONT_FILES, FONTS_DIR

# Unicode blocks whose characters always use their own (shaped) font, whatever DejaVu also has.
SCRIPT_FONTS = (
    ("Tessera-Arabic", ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))),
    ("Tessera-Hebrew", ((0x0590, 0x05FF), (0xFB1D, 0xFB4F))),
    ("Tessera-Thai", ((0x0E00, 0x0E7F),)),
    ("Tessera-Devanagari", ((0x0900, 0x097F), (0xA8E0, 0xA8FF))),
)
SHAPED = frozenset(name for name, _ in SCRIPT_FONTS)
RTL = frozenset({"Tessera-Arabic", "Tessera-Hebrew"})
JOINERS = frozenset("\u200c\u200d")  # ZWNJ/ZWJ steer shaping (Persian, Devanagari): kept, unlike other Cf
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0002fa1f]")

_lock = threading.Lock()
_cmaps: dict[str, dict[int, int]] = {}


class MissingGlyph(InvalidArgument):
    """A character no bundled font can draw (code MISSING_GLYPH): printing it would give a box."""

    def __init__(self, ch: str):
        name = unicodedata.name(ch, "unnamed character")
        super().__init__(f"cannot print {ch!r} (U+{ord(ch):04X} {name}): no bundled font has it",
                         code="MISSING_GLYPH")
        self.char = ch


def register_fonts(fonts_dir: Path | None = None) -> list[str]:
    """Register the bundled TrueType fonts with reportlab (once per process; thread-safe). Returns the
    registered font names. Raises FileNotFoundError when a font file is missing."""
    with _lock:
        if not _cmaps:
            base = Path(fonts_dir or FONTS_DIR)
            for name, file in FONT_FILES.items():
                font = TTFont(name, str(base / file), shapable=name in SHAPED)
                pdfmetrics.registerFont(font)
                _cmaps[name] = font.face.charToGlyph
    return list(FONT_FILES)


def _has(font: str, ch: str) -> bool:
    return _cmaps[font].get(ord(ch), 0) != 0


def _script_font(ch: str) -> str | None:
    cp = ord(ch)
    for name, ranges in SCRIPT_FONTS:
        if any(lo <= cp <= hi for lo, hi in ranges):
            return name
    return None


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Mc", "Me") or ch in JOINERS


def _is_neutral(ch: str) -> bool:
    """Punctuation and separators (bidi classes CS, ON, ET, ES): they keep the font of the run they follow."""
    return unicodedata.bidirectional(ch) in ("CS", "ON", "ET", "ES")


@lru_cache(maxsize=65536)
def _font_of(ch: str, primary: str, current: str | None) -> str:
    """The font for `ch` (rules in the module docstring). Raises MissingGlyph."""
    if current and (ch.isspace() or _is_mark(ch) or _is_neutral(ch)) and \
            (_has(current, ch) or ch in JOINERS or ch.isspace()):
        return current
    script = _script_font(ch)
    if script and _has(script, ch):
        return script
    for name in (primary, *FALLBACK_ORDER):
        if _has(name, ch):
            return name
    if ch.isspace() or ch in JOINERS:
        return current or primary
    raise MissingGlyph(ch)


def runs(text: str, bold: bool = False) -> list[tuple[str, str]]:
    """`text` split into (font name, substring) runs in logical order. Raises MissingGlyph."""
    return list(_runs(text, bold))


@lru_cache(maxsize=8192)
def _runs(text: str, bold: bool) -> tuple[tuple[str, str], ...]:
    register_fonts()
    primary = "Tessera-Sans-Bold" if bold else "Tessera-Sans"
    out: list[tuple[str, str]] = []
    for ch in text:
        font = _font_of(ch, primary, out[-1][0] if out else None)
        if out and out[-1][0] == font:
            out[-1] = (font, out[-1][1] + ch)
        else:
            out.append((font, ch))
    return tuple(out)


def _rtl_first(text: str) -> bool:
    """True when the first strong character of `text` is right-to-left (its base direction)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def _edges_apart(run: tuple[str, str], base_rtl: bool) -> list[tuple[str, str]]:
    """A run against the base direction with its leading/trailing whitespace split off: that whitespace
    lies between it and its neighbours, so it is placed in the base direction."""
    font, s = run
    if (font in RTL) == base_rtl or not s.strip():
        return [run]
    core_ = s.strip()
    lead, trail = s[:len(s) - len(s.lstrip())], s[len(s.rstrip()):]
    return [(font, p) for p in (lead, core_, trail) if p]


def _is_rtl(run: tuple[str, str], base_rtl: bool) -> bool:
    return base_rtl if not run[1].strip() else run[0] in RTL


@lru_cache(maxsize=8192)
def visual_runs(text: str, bold: bool = False) -> tuple[tuple[str, str], ...]:
    """The runs of `text` in drawing order, left to right (module docstring's bidi rule); each RTL run is
    still logical inside (HarfBuzz reverses it when shaping)."""
    base_rtl = _rtl_first(text)
    groups: list[list[tuple[str, str]]] = []
    for run in (part for r in _runs(text, bold) for part in _edges_apart(r, base_rtl)):
        if groups and _is_rtl(run, base_rtl) == _is_rtl(groups[-1][0], base_rtl):
            groups[-1].append(run)
        else:
            groups.append([run])
    ordered = [list(reversed(g)) if _is_rtl(g[0], base_rtl) else g for g in groups]
    if base_rtl:
        ordered.reverse()
    return tuple(run for g in ordered for run in g)


@lru_cache(maxsize=8192)
def _shaped(s: str, font: str, size: float):
    """`s` shaped by HarfBuzz in `font` (a reportlab ShapedStr, visual order). Raises MissingGlyph when a
    shaped glyph is the font's .notdef."""
    shaped = shapeStr(s, font, size, force=True)
    face = pdfmetrics.getFont(font).face
    for ch in shaped:
        if face.charToGlyph.get(ord(ch), 0) == 0:
            raise MissingGlyph(next((c for c in s if not _has(font, c)), ch))
    return shaped


def _run_width(font: str, s: str, size: float) -> float:
    if font in SHAPED:
        return sum(d.x_advance for d in _shaped(s, font, size).__shapeData__) * size / 1000
    return pdfmetrics.stringWidth(s, font, size)


@lru_cache(maxsize=8192)
def width(text: str, bold: bool, size: float) -> float:
    """Width in points of `text` as drawn (shaped runs measured after shaping). Raises MissingGlyph."""
    return sum(_run_width(f, s, size) for f, s in _runs(text, bold))


def glyph_ids(text: str, bold: bool = False, size: float = 10) -> list[tuple[str, int]]:
    """(font, glyph id) of every glyph drawn for `text`, in drawing order; glyph id 0 would be .notdef (for
    tests and checks; never 0 since MissingGlyph is raised first)."""
    out = []
    for font, s in visual_runs(text, bold):
        drawn = _shaped(s, font, size) if font in SHAPED else s
        out.extend((font, _cmaps[font].get(ord(ch), 0)) for ch in drawn)
    return out


def font_for(text: str, bold: bool = False) -> str:
    """The single font that has every glyph of `text` (DejaVu first, then the fallbacks); the primary if
    none does."""
    register_fonts()
    primary = "Tessera-Sans-Bold" if bold else "Tessera-Sans"
    for name in (primary, *FALLBACK_ORDER):
        if all(ch.isspace() or _has(name, ch) for ch in text):
            return name
    return primary


def clean(text: str) -> str:
    """NFC-normalised `text` without control/format characters (a stray CR, a bidi mark or a zero-width
    char must not print as a box; ZWNJ/ZWJ stay, they steer shaping)."""
    text = unicodedata.normalize("NFC", text or "")
    return "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in JOINERS).strip()


def ellipsize(text: str, bold: bool, size: float, room: float) -> str:
    """`text`, shortened with '…' until it fits `room` points."""
    if width(text, bold, size) <= room:
        return text
    while text and width(text + "…", bold, size) > room:
        text = text[:-1]
    return text.rstrip() + "…"


def fit(text: str, bold: bool, room: float, size: float, min_size: float) -> tuple[str, float]:
    """Shrink from `size` down to `min_size` (0.5 pt steps) to fit one line of `room` points; then
    ellipsize. Returns (line, size)."""
    text = clean(text)
    while size > min_size and width(text, bold, size) > room:
        size -= 0.5
    return ellipsize(text, bold, size, room), size


def _units(paragraph: str) -> list[str]:
    """Breakable units: words, single whitespace runs, and single CJK characters (no spaces in CJK)."""
    return re.findall(r"\s+|" + _CJK.pattern + r"|[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+",
                      paragraph)


def _clusters(unit: str) -> list[str]:
    """`unit` cut into base characters with their combining marks (a mark never starts a line)."""
    out: list[str] = []
    for ch in unit:
        if out and _is_mark(ch):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def wrap(text: str, bold: bool, size: float, room: float, max_lines: int) -> list[str]:
    """Greedy line wrap of `text` to `room` points, honouring newlines, breaking over-long words between
    clusters; at most `max_lines` lines, the last one ends with '…' when text was cut."""
    lines: list[str] = []
    for paragraph in (text or "").replace("\r\n", "\n").split("\n"):
        line, line_w = "", 0.0
        for unit in _units(clean(paragraph)):
            if len(lines) > max_lines:
                break  # enough to know the text is cut
            unit_w = width(unit, bold, size)
            pieces = [(unit, unit_w)] if unit_w <= room else [(c, width(c, bold, size)) for c in _clusters(unit)]
            for piece, piece_w in pieces:
                if line_w + piece_w <= room:
                    line, line_w = line + piece, line_w + piece_w
                elif not piece.isspace():
                    lines.append(line.rstrip())
                    line, line_w = piece, piece_w
        if line.strip():
            lines.append(line.rstrip())
    lines = [ln for ln in lines if ln]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = ellipsize(lines[-1] + "…", bold, size, room)
    return lines


def draw(c: Canvas, x: float, y: float, text: str, bold: bool, size: float, color: str,
         align: str = "left") -> None:
    """Draw `text` at baseline y, runs in visual order, complex scripts shaped; align left, centre or right
    of x. Raises MissingGlyph (nothing of `text` drawn then)."""
    placed = [(f, _shaped(s, f, size) if f in SHAPED else s, _run_width(f, s, size), s)
              for f, s in visual_runs(text, bold)]
    if align != "left":
        w = sum(p[2] for p in placed)
        x -= w if align == "right" else w / 2
    c.setFillColor(HexColor(color))
    for font, s, run_w, logical in placed:
        c.setFont(font, size)
        marked = font in SHAPED and font not in RTL  # Thai, Devanagari: glyph order is not the logical order
        if marked:  # extractors read the run's logical text (/ActualText, PDF 32000 §14.9.4); RTL runs are
            # left to the extractor's own bidi pass, which would reverse a logical ActualText again
            c._code.append(f"/Span <</ActualText <FEFF{logical.encode('utf-16-be').hex().upper()}>>> BDC")
        c.drawString(x, y, s)
        if marked:
            c._code.append("EMC")
        x += run_w
