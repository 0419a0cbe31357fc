"""Claimed vs measured, drawn for chat code blocks, mail and the web.

`text_chart` is a monospace bar chart for chat code blocks and the console.
`png_chart` (mail and chat attachments) and `svg_chart` (the ledger's pages)
are drawn with matplotlib (Agg, no display): one row per claimed score, the
claim as a grey hatched bar, the measurement as a marker with its 95%
interval as an error bar, in red when the measurement falls short of the
claim (beyond the tolerance) and green when it holds it up; each row also
carries a text mark (✘ below claim, ✔ consistent, … not measured yet) so the
chart reads without colour. matplotlib is imported on first use (it costs
~0.3 s), and drawing is serialised: its settings are process-wide.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from typing import Any

from hypewatch.bot.threads import ChartBar, fmt_num

BAR_WIDTH = 20


def _scale(bars: Sequence[ChartBar]) -> float:
    values = [b.claimed for b in bars] + [b.measured for b in bars if b.measured is not None]
    top = max(values, default=1.0)
    return 100.0 if 0 <= top <= 100 else max(top, 1e-9)


def _bar(value: float, top: float) -> str:
    filled = round(max(0.0, min(1.0, value / top)) * BAR_WIDTH)
    return "█" * filled + "░" * (BAR_WIDTH - filled)


def text_chart(bars: Sequence[ChartBar]) -> list[str]:
    """Lines of a bar chart; labels must not contain backticks (they live in code blocks)."""
    if not bars:
        return []
    top = _scale(bars)
    width = min(24, max(len(b.label) for b in bars))
    lines: list[str] = []
    for b in bars:
        label = b.label.replace("`", "'")[:width].ljust(width)
        lines.append(f"{label} claimed  {_bar(b.claimed, top)} {fmt_num(b.claimed)}")
        if b.measured is None:
            lines.append(f"{'':{width}} measured {'·' * BAR_WIDTH} not yet")
            continue
        ci = ""
        if b.low is not None and b.high is not None:
            ci = f" [{fmt_num(b.low)}–{fmt_num(b.high)}]"
        lines.append(f"{'':{width}} measured {_bar(b.measured, top)} {fmt_num(b.measured)}{ci}")
    return lines


# -- matplotlib ------------------------------------------------------------------

CLAIMED = "#90a4ae"
MEASURED_OK = "#2e7d32"
MEASURED_LOW = "#c62828"
PENDING = "#757575"
INK = "#212121"
MAX_BARS = 12

_LOCK = threading.Lock()
_RC: dict[str, Any] = {
    "text.parse_math": False,  # a label with '$' is text, never mathtext
    "svg.fonttype": "none",  # SVG text as <text>: selectable, searchable, small
    "svg.hashsalt": "hypewatch",  # stable ids in the SVG
    "font.family": "DejaVu Sans",  # bundled with matplotlib: has ✔ ✘ …
    "font.size": 10,
}


def verdict_mark(bar: ChartBar, tolerance: float = 2.0) -> tuple[str, str]:
    """(text mark, colour) of a row: below the claim, consistent with it, or not measured."""
    if bar.measured is None:
        return "… not measured yet", PENDING
    top = bar.high if bar.high is not None else bar.measured
    if top < bar.claimed - tolerance:
        return "✘ below claim", MEASURED_LOW
    return "✔ consistent", MEASURED_OK


def _figure(bars: Sequence[ChartBar], tolerance: float) -> Any:
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    rows = list(bars)[:MAX_BARS]
    height = 1.1 + 0.5 * max(1, len(rows))
    fig = Figure(figsize=(8.0, height), dpi=100)
    ax = fig.add_axes((0.17, 0.9 / height, 0.45, 1 - 1.35 / height))
    top = _scale(rows)
    ys = list(range(len(rows)))[::-1]
    ax.barh(ys, [b.claimed for b in rows], height=0.55, color=CLAIMED, hatch="//",
            edgecolor="#607d8b", linewidth=0.6, zorder=1)  # fmt: skip
    for y, b in zip(ys, rows, strict=True):
        mark, colour = verdict_mark(b, tolerance)
        summary = f"claimed {fmt_num(b.claimed)}"
        if b.measured is not None:
            lo = b.low if b.low is not None else b.measured
            hi = b.high if b.high is not None else b.measured
            marker = "X" if colour == MEASURED_LOW else "o"
            xerr = [[b.measured - lo], [hi - b.measured]]
            ax.errorbar([b.measured], [y], xerr=xerr, fmt=marker, color=colour, ecolor=colour,
                        elinewidth=2.5, capsize=5, capthick=2.5, markersize=8,
                        zorder=3)  # fmt: skip
            summary = f"measured {fmt_num(b.measured)}"
            if b.low is not None and b.high is not None:
                summary += f" [{fmt_num(b.low)}–{fmt_num(b.high)}]"
            summary += f" vs {fmt_num(b.claimed)}"
        ax.text(1.02, y, f"{mark}\n{summary}", transform=ax.get_yaxis_transform(),
                va="center", ha="left", color=colour, fontsize=9)  # fmt: skip
    ax.set_yticks(ys, [b.label[:28] for b in rows])
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlim(0, top * 1.02)
    ax.set_xlabel("score (%)" if top == 100.0 else "score")
    ax.set_ylabel("benchmark")
    ax.grid(axis="x", color="#e0e0e0", zorder=0)
    ax.set_axisbelow(True)
    ax.set_title("Claimed vs measured (error bar: 95% interval)", fontsize=10, loc="left")
    legend = [
        Patch(facecolor=CLAIMED, hatch="//", edgecolor="#607d8b", label="claimed"),
        Patch(facecolor=MEASURED_OK, label="measured ✔"),
        Patch(facecolor=MEASURED_LOW, label="measured ✘"),
    ]
    fig.legend(handles=legend, loc="lower right", ncols=3, fontsize=8, frameon=False)
    return fig


def _render(bars: Sequence[ChartBar], fmt: str, tolerance: float) -> bytes:
    import matplotlib

    buffer = io.BytesIO()
    with _LOCK, matplotlib.rc_context(_RC):  # type: ignore[arg-type]
        fig = _figure(bars, tolerance)
        metadata = {"Date": None} if fmt == "svg" else {"Software": "hypewatch"}
        fig.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def png_chart(bars: Sequence[ChartBar], tolerance: float = 2.0) -> bytes:
    """The chart as PNG (mail's inline image, chat attachments)."""
    return _render(bars, "png", tolerance)


def svg_chart(bars: Sequence[ChartBar], tolerance: float = 2.0) -> bytes:
    """The chart as SVG with its text as <text> (the ledger's pages)."""
    return _render(bars, "svg", tolerance)
