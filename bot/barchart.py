"""The one look of every chart Qatysu draws: horizontal bars that read on a phone.

Poll results (:mod:`bot.polls.chart`) and the report's charts (:mod:`bot.reports.charts`)
describe what they show as :class:`Bars`, already in the reader's language; :func:`render`
draws it with matplotlib's Agg canvas in the worker process (:mod:`bot.workers`), never in the
serving one. The style is made for a phone: 1,200 pixels wide (Telegram keeps photos up to
1,280 on their longer side, so charts stay near that height too), type about 33 pixels tall,
each row's label on its own line above its bar so that long names keep the full width, the
value written at the end of every bar, and the legend under the title, clear of the bars.
"""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH_PX = 1200
DPI = 100
TITLE_PT = 28
LABEL_PT = 23
VALUE_PT = 23
LEGEND_PT = 21
NOTE_PT = 20
LABEL_CHARACTERS = 52  # characters per line of a row's label at LABEL_PT on WIDTH_PX
TITLE_CHARACTERS = 40
LABEL_LINES = 2  # a longer label is cut with "…"
# Heights in inches (at DPI): one line of a label, one bar, the space between rows.
_LINE = 0.42
_BAR = 0.46
_GAP = 0.26
_CHAR_WIDTH = 0.175  # inches per character of a value label, generously
BLUE = "#1f5fa8"
ORANGE = "#f28e2b"
GREEN = "#3a923a"
RED = "#c8453c"
LIGHT_BLUE = "#a9c6e8"
GREY = "#555555"


class Layout(StrEnum):
    """How a row's series stand to each other."""

    STACKED = "stacked"  # end to end: parts of one whole (votes in the bot and on paper)
    GROUPED = "grouped"  # one bar each, under each other
    OVERLAID = "overlaid"  # from zero on one bar: each a part of the one before (active of all)


@dataclass(frozen=True, slots=True)
class Series:
    """One kind of count, a value per row."""

    name: str
    values: tuple[float, ...]
    colour: str


@dataclass(frozen=True, slots=True)
class Bars:
    """Everything one chart shows, already in the reader's language."""

    title: str
    labels: tuple[str, ...]  # one per row, top down
    series: tuple[Series, ...]
    # What is written at the end of each row: one text per row; for GROUPED, one per series
    # and row, series after series.
    texts: tuple[str, ...]
    layout: Layout = Layout.STACKED
    note: str = ""  # a smaller line under the title
    legend: bool = True


def wrap(text: str, width: int = LABEL_CHARACTERS, lines: int = LABEL_LINES) -> str:
    """``text`` on at most ``lines`` lines of ``width`` characters, cut with "…"."""
    return textwrap.fill(text, width, max_lines=lines, placeholder="…")


def _row_height(bars: Bars, label: str) -> float:
    count = len(bars.series) if bars.layout is Layout.GROUPED else 1
    return (label.count("\n") + 1) * _LINE + count * _BAR + _GAP


def _header_height(bars: Bars, title: str) -> float:
    height = 0.35 + (title.count("\n") + 1) * 0.5
    if bars.note:
        height += 0.4
    if bars.legend and bars.series:
        height += 0.55
    return height


def figure(bars: Bars) -> Figure:
    """The chart as a matplotlib figure on the Agg canvas (imported here, in the worker)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    title = wrap(bars.title, TITLE_CHARACTERS, 3)
    labels = [wrap(label) for label in bars.labels] or [""]
    rows = [_row_height(bars, label) for label in labels]
    header, footer = _header_height(bars, title), 0.3
    plot = sum(rows)
    height = header + plot + footer
    width = WIDTH_PX / DPI
    shown = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(shown)
    top = 1 - 0.3 / height
    shown.text(0.02, top, title, fontsize=TITLE_PT, fontweight="bold", va="top", ha="left")
    below = top - (title.count("\n") + 1) * 0.5 / height
    if bars.note:
        shown.text(0.02, below - 0.05 / height, bars.note, fontsize=NOTE_PT, color=GREY,
                   va="top", ha="left")  # fmt: skip
        below -= 0.4 / height
    if bars.legend and bars.series:
        handles = [Patch(color=s.colour, label=s.name) for s in bars.series]
        shown.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.01, below),
                     ncols=len(handles), frameon=False, fontsize=LEGEND_PT,
                     handlelength=1.2, columnspacing=1.5, borderaxespad=0)  # fmt: skip
    axes = shown.add_axes((0.02, footer / height, 0.96, plot / height))
    _draw_rows(axes, bars, labels, rows, width * 0.96)
    return shown


def _peak(bars: Bars) -> float:
    if bars.layout is Layout.STACKED:
        totals = [sum(s.values[row] for s in bars.series) for row in range(len(bars.labels))]
    else:
        totals = [value for s in bars.series for value in s.values]
    return max([*totals, 0]) or 1.0


def _draw_rows(axes: Axes, bars: Bars, labels: list[str], rows: list[float], inches: float) -> None:
    """Each row: its label on top, its bars under it, each bar's value at its end."""
    longest = max((len(text) for text in bars.texts), default=0)
    room = min(0.55, 0.03 + longest * _CHAR_WIDTH / inches)  # the share left for the values
    peak = _peak(bars)
    axes.set_xlim(0, peak / (1 - room))
    axes.set_ylim(sum(rows), 0)  # one unit is one inch, top down
    axes.set_axis_off()
    y = 0.0
    for row, label in enumerate(labels[: len(bars.labels)]):
        axes.text(0, y, label, fontsize=LABEL_PT, va="top", ha="left")
        y += (label.count("\n") + 1) * _LINE
        if bars.layout is Layout.GROUPED:
            for index, series in enumerate(bars.series):
                value = series.values[row]
                axes.barh(y + _BAR * 0.45, value, height=_BAR * 0.8, color=series.colour)
                _value(axes, value, y + _BAR * 0.45, bars.texts[index * len(labels) + row])
                y += _BAR
        else:
            left = 0.0
            for series in bars.series:
                value = series.values[row]
                start = left if bars.layout is Layout.STACKED else 0.0
                axes.barh(y + _BAR * 0.45, value, left=start, height=_BAR * 0.8,
                          color=series.colour)  # fmt: skip
                left += value
            end = left if bars.layout is Layout.STACKED else max(s.values[row] for s in bars.series)
            _value(axes, end, y + _BAR * 0.45, bars.texts[row] if row < len(bars.texts) else "")
            y += _BAR
        y += _GAP


def _value(axes: Axes, end: float, y: float, text: str) -> None:
    """The value written just after the bar's end."""
    left, right = axes.get_xlim()
    axes.text(end + (right - left) * 0.008, y, text, fontsize=VALUE_PT, fontweight="bold",
              va="center", ha="left")  # fmt: skip


def render(bars: Bars, path: Path) -> Path:
    """Draw ``bars`` into ``path`` as a PNG, replacing what is there; a reader never sees half."""
    shown = figure(bars)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")
    shown.savefig(partial, format="png")
    partial.replace(path)
    return path
