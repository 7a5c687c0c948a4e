"""PNG charts of a report, drawn with matplotlib's Agg canvas (no display, no pyplot state).

Each chart is skipped when it would be empty. Labels are in the reader's language. Drawn in
the worker process (:func:`bot.reports.summary.write_summary`); a poll's chart is the result chart
of :mod:`bot.polls.chart`, shared with the results broadcast when the counts are the same.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from bot.i18n import Translator
from bot.polls import chart as poll_chart
from bot.reports.data import ReportData
from bot.reports.sections import plain

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

TOP_VILLAGES = 25  # a chart of 500 bars is unreadable: show the villages with most residents
# Each poll got its own chart when it closed; the summary shows the week's most voted ones.
MAX_POLL_CHARTS = 3
_DPI = 110


def _figure(height: float) -> tuple[Figure, Axes]:
    """A figure on the Agg canvas with whole-number ticks (matplotlib is slow to import)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    # Fixed margins, room for long names on the left: constrained layout doubled the time.
    size = max(3.0, height)
    figure = Figure(figsize=(9, size), dpi=_DPI)
    figure.subplots_adjust(left=0.3, right=0.97, top=1 - 0.75 / size, bottom=0.45 / size)
    axes = figure.add_subplot()
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    return figure, axes


def participation(tr: Translator, data: ReportData, path: Path) -> Path | None:
    """Registered and active residents of the villages with the most residents."""
    top = sorted(data.villages, key=lambda f: (-f.registered, f.village.code))[:TOP_VILLAGES]
    top = [f for f in top if f.registered or f.active]
    if not top:
        return None
    top.reverse()  # the largest at the top of a horizontal bar chart
    figure, axes = _figure(0.35 * len(top) + 1.5)
    names = [f.village.names.get(tr.language) for f in top]
    positions = range(len(top))
    axes.barh([p + 0.2 for p in positions], [f.registered for f in top], height=0.4,
              label=tr.t("report.col.registered"), color="#4c78a8")  # fmt: skip
    axes.barh([p - 0.2 for p in positions], [f.active for f in top], height=0.4,
              label=tr.t("report.col.active"), color="#f58518")  # fmt: skip
    axes.set_yticks(list(positions), names)
    axes.legend(loc="lower right")
    title = tr.t("report.chart.participation", week=data.week.label(tr))
    if len(data.villages) > TOP_VILLAGES:
        title += "\n" + tr.nt("report.chart.top", TOP_VILLAGES)
    axes.set_title(title)
    figure.savefig(path)
    return path


def categories(tr: Translator, data: ReportData, path: Path) -> Path | None:
    """Complaints and suggestions received in the week, per category."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for tally in data.appeals:
        counts[(tally.category, tally.kind)] += tally.count
    totals: dict[str, int] = defaultdict(int)
    for (category, _), count in counts.items():
        totals[category] += count
    if not totals:
        return None
    # The most frequent category at the top of a horizontal bar chart.
    shown = sorted(totals, key=lambda c: (totals[c], c))
    figure, axes = _figure(0.4 * len(shown) + 1.5)
    complaints = [counts[(c, "complaint")] for c in shown]
    suggestions = [counts[(c, "suggestion")] for c in shown]
    names = [plain(tr.t(f"appeal.category.{c}")) for c in shown]
    axes.barh(names, complaints, label=tr.t("report.col.complaints"), color="#e45756")
    axes.barh(names, suggestions, left=complaints, label=tr.t("report.col.suggestions"),
              color="#54a24b")  # fmt: skip
    axes.legend(loc="lower right")
    axes.set_title(tr.t("report.chart.categories", week=data.week.label(tr)))
    figure.savefig(path)
    return path


def poll(tr: Translator, data: ReportData, poll_id: int, path: Path,
         cache: Path | None = None) -> Path | None:  # fmt: skip
    """One poll's options, votes in the bot and on paper stacked: the result chart residents got.

    With ``cache`` (the result charts' folder) a chart of the same counts is taken from there,
    or drawn there for the next caller, and copied to ``path``.
    """
    lines = sorted((p for p in data.polls if p.poll_id == poll_id), key=lambda p: p.position)
    if not lines:
        return None
    shown = poll_chart.picture(tr, lines[0].question, [line.label for line in lines],
                               [line.votes for line in lines],
                               [line.paper_votes for line in lines])  # fmt: skip
    if cache is None:
        return poll_chart.render(shown, path)
    drawn = poll_chart.draw(shown, poll_chart.path_of(cache, poll_id, tr.language, shown))
    shutil.copyfile(drawn, path)
    return path


def draw_all(
    tr: Translator, data: ReportData, stem: Path, poll_charts: Path | None = None
) -> list[Path]:
    """Every chart that has something to show, as ``<stem>-<name>.png``."""
    drawn = [
        participation(tr, data, Path(f"{stem}-participation.png")),
        categories(tr, data, Path(f"{stem}-categories.png")),
    ]
    votes: dict[int, int] = {}
    for line in data.polls:
        votes[line.poll_id] = votes.get(line.poll_id, 0) + line.votes + line.paper_votes
    poll_ids = sorted(votes, key=lambda pid: (-votes[pid], pid))[:MAX_POLL_CHARTS]
    drawn += [poll(tr, data, pid, Path(f"{stem}-poll-{pid}.png"), poll_charts) for pid in poll_ids]
    return [path for path in drawn if path is not None]
