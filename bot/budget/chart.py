"""The results chart of a budget cycle: votes per project, the funded ones in colour.

As for polls (:mod:`bot.polls.chart`), the serving process only translates what the chart shows
(a :class:`Picture`); matplotlib draws it in the worker process (:mod:`bot.workers`), once per
cycle, language and set of counts, cached in ``charts/`` under a digest of what it shows.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import textwrap
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from pathlib import Path

from bot import workers
from bot.polls.chart import folder_of

__all__ = ["Picture", "chart", "folder_of", "picture"]
LABEL_WIDTH = 30
FUNDED_COLOUR, PASSED_COLOUR = "#2ca02c", "#b0b0b0"
PAPER_HATCH = "///"  # paper votes: the same colour, hatched, after the bot's
DESIGN = 2
_DRAWING: dict[Path, asyncio.Task[Path]] = {}


@dataclass(frozen=True, slots=True)
class Picture:
    """Everything one chart shows, already in the reader's language."""

    title: str
    labels: tuple[str, ...]
    bot: tuple[int, ...]
    paper: tuple[int, ...]
    funded: tuple[bool, ...]
    legend: tuple[str, str, str]  # funded, not funded, on paper
    axis: str

    @property
    def key(self) -> str:
        """A digest of the drawing and all it shows."""
        shown = json.dumps([DESIGN, *astuple(self)], ensure_ascii=False)
        return hashlib.sha256(shown.encode()).hexdigest()[:16]


def picture(
    title: str,
    labels: Sequence[str],
    bot: Sequence[int],
    paper: Sequence[int],
    funded: Sequence[bool],
    legend: tuple[str, str, str],
    axis: str,
) -> Picture:
    """What the chart shows, labels wrapped to fit."""
    return Picture(
        title=textwrap.fill(title, 70, max_lines=2, placeholder="…"),
        labels=tuple(
            textwrap.fill(label, LABEL_WIDTH, max_lines=3, placeholder="…") for label in labels
        ),
        bot=tuple(bot),
        paper=tuple(paper),
        funded=tuple(funded),
        legend=legend,
        axis=axis,
    )


async def chart(folder: Path, cycle_id: int, language: str, shown: Picture) -> Path:
    """The chart's file: drawn once in the worker, then taken from ``folder``."""
    path = folder / f"budget-{cycle_id}-{language}-{shown.key}.png"
    drawing = _DRAWING.get(path)
    if drawing is None:
        if path.is_file():
            return path
        drawing = asyncio.ensure_future(workers.run(draw, shown, path))
        _DRAWING[path] = drawing
        drawing.add_done_callback(lambda _: _DRAWING.pop(path, None))
    return await asyncio.shield(drawing)


def draw(shown: Picture, path: Path) -> Path:
    """Draw ``shown`` into ``path`` unless it is there (in the worker process)."""
    if path.is_file():
        return path
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(8, 2.1 + 0.75 * len(shown.labels)), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    rows = list(range(len(shown.labels)))[::-1]  # the first project on top
    colours = [FUNDED_COLOUR if funded else PASSED_COLOUR for funded in shown.funded]
    axes.barh(rows, shown.bot, color=colours)
    axes.barh(rows, shown.paper, left=shown.bot, color=colours, alpha=0.55, hatch=PAPER_HATCH,
              edgecolor="white")  # fmt: skip
    axes.set_yticks(rows, shown.labels)
    axes.set_xlabel(shown.axis)
    axes.set_title(shown.title, loc="left", fontsize=11)
    totals = [b + p for b, p in zip(shown.bot, shown.paper, strict=True)]
    peak = max([*totals, 1])
    axes.set_xlim(0, peak * 1.15)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    for row, count in zip(rows, totals, strict=True):
        axes.text(count + peak * 0.01, row, str(count), va="center", fontsize=9)
    axes.spines[["top", "right"]].set_visible(False)
    handles = [
        Patch(color=FUNDED_COLOUR, label=shown.legend[0]),
        Patch(color=PASSED_COLOUR, label=shown.legend[1]),
    ]
    if any(shown.paper):
        handles.append(Patch(facecolor="white", edgecolor="#555555", hatch=PAPER_HATCH,
                             label=shown.legend[2]))  # fmt: skip
    axes.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.18),
                ncol=len(handles), frameon=False)  # fmt: skip
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")
    figure.savefig(partial, format="png")
    partial.replace(path)
    return path
