"""The arrivals chart (issue 10 item 5): stacked bars of arrivals per bucket per entrance, from the
"arrivals" table of core.report_times, as PNG or PDF bytes.

matplotlib through its object API only (matplotlib.figure.Figure + the Agg canvas): no pyplot, no global
backend, no Qt — safe in a worker thread and in core. The GUI (app.tabs.reports_tab) draws the same figure
with `draw_arrivals` on matplotlib's QtAgg canvas. Times on the axis are the event's wall clock (the table's
`time_zone`). Entrance names in any script: the bundled fonts (core.fonts) are registered as fallbacks.
"""
from __future__ import annotations

import io
import threading

from matplotlib import font_manager, rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from core.fonts import FALLBACK_ORDER, FONT_FILES, FONTS_DIR
from core.report_table import DATETIME, INT, ReportTable

COLORS = ("#1f6feb", "#d97706", "#059669", "#7c3aed", "#dc2626", "#0891b2", "#65a30d", "#db2777")
SIZE_IN = (10, 4.5)
_lock = threading.Lock()
_families: list[str] = []


def font_families() -> list[str]:
    """matplotlib family names of the bundled fonts, DejaVu first (registered once, thread-safe)."""
    with _lock:
        if not _families:
            for name in ("Tessera-Sans", *FALLBACK_ORDER):
                path = FONTS_DIR / FONT_FILES[name]
                if path.exists():
                    font_manager.fontManager.addfont(str(path))
                    family = font_manager.FontProperties(fname=str(path)).get_name()
                    if family not in _families:
                        _families.append(family)
        return list(_families) or ["DejaVu Sans"]


def _series(table: ReportTable) -> tuple[list, list[tuple[str, list[int]]]]:
    """(bucket starts in the table's zone, [(entrance name, counts)]) — the int columns but "Total"."""
    if not table.columns or table.columns[0].kind != DATETIME:
        raise ValueError(f"{table.title} is not an arrivals table")
    starts = [table.local(row[0]) for row in table.rows]
    series = [(col.name, [row[j] for row in table.rows]) for j, col in enumerate(table.columns)
              if col.kind == INT and col.name != "Total"]
    return starts, series


def draw_arrivals(fig: Figure, table: ReportTable) -> None:
    """Draw the arrivals `table` on `fig` (cleared first): one stacked bar per bucket, a colour per entrance,
    event-local "HH:MM" ticks (the day added where it changes)."""
    starts, series = _series(table)
    with rc_context({"font.family": font_families()}):
        fig.clear()
        ax = fig.add_subplot(1, 1, 1)
        ax.set_title(table.title, fontsize=11)
        ax.set_ylabel("Arrivals")
        if not starts:
            ax.text(0.5, 0.5, "No arrivals yet", ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            return
        xs = list(range(len(starts)))
        bottom = [0] * len(starts)
        for i, (name, counts) in enumerate(series):
            ax.bar(xs, counts, bottom=bottom, width=0.85, label=name, color=COLORS[i % len(COLORS)])
            bottom = [b + c for b, c in zip(bottom, counts)]
        ax.set_xlim(-0.6, max(len(xs), 8) - 0.4)  # a few buckets stay bars, not walls
        ax.set_ylim(0, max(bottom) * 1.15 + 1)  # room above the highest bar (and the legend)
        step = max(1, len(xs) // 12)
        ticks = xs[::step]
        ax.set_xticks(ticks)
        ax.set_xticklabels([_tick(starts, i) for i in ticks], rotation=0, fontsize=8)
        ax.set_xlabel(f"Time ({table.time_zone})")
        ax.yaxis.get_major_locator().set_params(integer=True)
        if len(series) > 1:
            ax.legend(fontsize=8, loc="upper right")
        fig.tight_layout()


def _tick(starts: list, i: int) -> str:
    t = starts[i]
    if i == 0 or starts[i - 1].date() != t.date():
        return t.strftime("%d %b\n%H:%M")
    return t.strftime("%H:%M")


def _render(table: ReportTable, fmt: str, dpi: int) -> bytes:
    fig = Figure(figsize=SIZE_IN, dpi=dpi)
    FigureCanvasAgg(fig)
    draw_arrivals(fig, table)
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi, metadata={"Creator": "Tessera"} if fmt == "pdf" else None)
    return buf.getvalue()


def chart_png(table: ReportTable, *, dpi: int = 120) -> bytes:
    """The arrivals chart as PNG bytes (10 × 4.5 in at `dpi`)."""
    return _render(table, "png", dpi)


def chart_pdf(table: ReportTable) -> bytes:
    """The arrivals chart as a one-page PDF (vector)."""
    return _render(table, "pdf", 72)
