"""The results bar chart: a PNG per poll, language and set of counts.

The serving process only translates and formats what the chart shows (a :class:`Picture`);
matplotlib (Agg, no display) draws it in the worker process (:mod:`bot.workers`), where it does
not hold up other residents' taps, in the style every chart shares (:mod:`bot.barchart`). Each
chart is cached on disk under a name carrying a digest of everything it shows, counts included:
the results broadcast, the results shown to staff and residents, a publication after a restart
and the summary reuse one picture, drawn once (concurrent callers await the same drawing), and
a chart of other counts, such as a poll's while it was open, can never be taken for the final
one.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from pathlib import Path

from bot import barchart, workers
from bot.i18n import Translator
from storage.polls import Poll, Results

DESIGN = 2  # part of every chart's name: raise it when the drawing changes
STALE_AFTER = 86_400.0  # seconds before a chart of other counts of the same poll is removed
# Drawings under way, by file: a second caller awaits the first one's (single flight).
_DRAWING: dict[Path, asyncio.Task[Path]] = {}


@dataclass(frozen=True, slots=True)
class Picture:
    """Everything one chart shows, already in the reader's language: what the worker draws."""

    title: str
    labels: tuple[str, ...]
    bot: tuple[int, ...]
    paper: tuple[int, ...]
    legend: tuple[str, str]
    values: tuple[str, ...]

    @property
    def key(self) -> str:
        """A digest of the drawing and all it shows: equal keys, equal pictures."""
        shown = json.dumps([DESIGN, *astuple(self)], ensure_ascii=False)
        return hashlib.sha256(shown.encode()).hexdigest()[:16]

    @property
    def bars(self) -> barchart.Bars:
        """The chart in the house style: votes in the bot and on paper stacked per option."""
        return barchart.Bars(
            title=self.title,
            labels=self.labels,
            series=(
                barchart.Series(self.legend[0], self.bot, barchart.BLUE),
                barchart.Series(self.legend[1], self.paper, barchart.ORANGE),
            ),
            texts=self.values,
            legend=any(self.paper),  # without paper votes every bar is the bot's
        )


def picture(
    tr: Translator, question: str, options: Sequence[str], bot: Sequence[int],
    paper: Sequence[int],
) -> Picture:  # fmt: skip
    """What the chart of these counts shows in ``tr``'s language."""
    totals = [b + p for b, p in zip(bot, paper, strict=True)]
    votes = sum(totals)
    return Picture(
        title=question,
        labels=tuple(f"{n}. {option}" for n, option in enumerate(options, 1)),
        bot=tuple(bot),
        paper=tuple(paper),
        legend=(tr.t("poll.chart_bot"), tr.t("poll.chart_paper")),
        values=tuple(
            f"{tr.number(total)} ({tr.percent(total / votes if votes else 0.0)})"
            for total in totals
        ),
    )


def folder_of(database: Path) -> Path:
    """Where result charts are kept: next to the database."""
    return database.parent / "charts"


def path_of(folder: Path, poll_id: int, language: str, shown: Picture) -> Path:
    """The file of one chart: ``poll-7-kk-<digest>.png``."""
    return folder / f"poll-{poll_id}-{language}-{shown.key}.png"


async def chart(folder: Path, tr: Translator, poll: Poll, results: Results) -> Path:
    """The chart of ``results`` in ``tr``'s language: drawn once, then taken from ``folder``."""
    poll = poll.read_in(tr.language)
    shown = picture(tr, poll.question, poll.options, results.bot, results.paper)
    return await cached(path_of(folder, poll.id, tr.language, shown), shown)


async def cached(path: Path, shown: Picture) -> Path:
    """``path`` once it holds ``shown``: drawn in the worker unless it is there or under way."""
    drawing = _DRAWING.get(path) or _start_drawing(path, shown)
    if drawing is None:
        return path
    # Shielded: one caller giving up (a cancelled update) does not stop the others' drawing.
    return await asyncio.shield(drawing)


def _start_drawing(path: Path, shown: Picture) -> asyncio.Task[Path] | None:
    """Start drawing ``path``, or None when it is on disk already.

    Synchronous on purpose, a stat of a local file: between looking at the drawings under way
    and at the disk no other caller runs, and a drawing leaves the former only once its file
    is written, so no chart is ever drawn twice.
    """
    if path.is_file():
        return None
    drawing = asyncio.ensure_future(workers.run(draw, shown, path))
    _DRAWING[path] = drawing
    drawing.add_done_callback(lambda _: _DRAWING.pop(path, None))
    return drawing


def draw(shown: Picture, path: Path) -> Path:
    """Draw ``shown`` into the cached ``path`` unless it is there (in the worker process)."""
    if not path.is_file():
        render(shown, path)
        _remove_stale(path)
    return path


def render(shown: Picture, path: Path) -> Path:
    """Draw ``shown`` into ``path``, replacing what is there (in the worker process)."""
    return barchart.render(shown.bars, path)


def _remove_stale(path: Path) -> None:
    """Remove day-old charts of other counts of the same poll and language (interim ones).

    A day is long past any upload of them; one still wanted is simply drawn again.
    """
    poll_and_language = path.name.rsplit("-", 1)[0]
    cutoff = time.time() - STALE_AFTER
    for other in path.parent.glob(f"{poll_and_language}-*.png"):
        try:
            if other != path and other.stat().st_mtime < cutoff:
                other.unlink()
        except FileNotFoundError:  # removed meanwhile
            continue
