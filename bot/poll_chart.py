"""The results bar chart: a PNG per poll and language, drawn with matplotlib (Agg, no display).

Drawing takes a moment of CPU, so :func:`chart` runs it in a thread; the object-oriented API
(``Figure`` and its Agg canvas, no ``pyplot`` state) is safe there.
"""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path

from bot.i18n import Translator
from storage.polls import Poll, Results

LABEL_WIDTH = 28  # characters per line of an option's label
BOT_COLOUR = "#1f77b4"
PAPER_COLOUR = "#ff9f40"


def _draw(path: Path, title: str, labels: list[str], bot: list[int], paper: list[int],
          legend: tuple[str, str], axis: str, values: list[str]) -> None:  # fmt: skip
    # Imported here: matplotlib takes a moment to load, and only a closing poll needs it.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(8, 1.6 + 0.75 * len(labels)), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    rows = list(range(len(labels)))[::-1]  # the first option on top
    axes.barh(rows, bot, color=BOT_COLOUR, label=legend[0])
    axes.barh(rows, paper, left=bot, color=PAPER_COLOUR, label=legend[1])
    axes.set_yticks(rows, labels)
    axes.set_xlabel(axis)
    axes.set_title(title, loc="left", fontsize=11)
    peak = max([b + p for b, p in zip(bot, paper, strict=True)] + [1])
    axes.set_xlim(0, peak * 1.25)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # votes are whole
    for row, total, text in zip(rows, [b + p for b, p in zip(bot, paper, strict=True)], values,
                                strict=True):  # fmt: skip
        axes.text(total + peak * 0.01, row, text, va="center", fontsize=9)
    axes.spines[["top", "right"]].set_visible(False)
    if any(paper):
        axes.legend(loc="lower right", frameon=False)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    figure.savefig(partial, format="png")
    partial.replace(path)  # a reader never sees half a file


async def chart(folder: Path, tr: Translator, poll: Poll, results: Results) -> Path:
    """Draw (once) the poll's results chart in ``tr``'s language; return the file."""
    path = folder / f"poll-{poll.id}-{tr.language}.png"
    if path.is_file():
        return path
    labels = [
        textwrap.fill(f"{n}. {option}", LABEL_WIDTH, max_lines=3, placeholder="…")
        for n, option in enumerate(poll.options, 1)
    ]
    values = [
        f"{tr.number(total)} ({tr.percent(results.share(position))})"
        for position, total in enumerate(results.totals)
    ]
    title = textwrap.fill(poll.question, 70, max_lines=2, placeholder="…")
    legend = (tr.t("poll.chart_bot"), tr.t("poll.chart_paper"))
    await asyncio.to_thread(
        _draw, path, title, labels, list(results.bot), list(results.paper), legend,
        tr.t("poll.chart_votes"), values,
    )  # fmt: skip
    return path
