"""PNG charts of a report, drawn with matplotlib's Agg canvas (no display, no pyplot state).

Each chart is skipped when it would be empty. Labels are in the reader's language.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from bot.i18n import Translator
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
    title = tr.t("report.chart.participation", week=str(data.week))
    if len(data.villages) > TOP_VILLAGES:
        title += "\n" + tr.t("report.chart.top", count=tr.number(TOP_VILLAGES))
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
    axes.set_title(tr.t("report.chart.categories", week=str(data.week)))
    figure.savefig(path)
    return path


def poll(tr: Translator, data: ReportData, poll_id: int, path: Path) -> Path | None:
    """One poll's options: votes in the bot and on paper, stacked."""
    lines = sorted((p for p in data.polls if p.poll_id == poll_id), key=lambda p: -p.position)
    if not lines:
        return None
    figure, axes = _figure(0.45 * len(lines) + 1.5)
    labels = [line.label[:40] for line in lines]
    online = [line.votes for line in lines]
    axes.barh(labels, online, label=tr.t("report.col.votes"), color="#4c78a8")
    axes.barh(labels, [line.paper_votes for line in lines], left=online,
              label=tr.t("report.col.paper_votes"), color="#b279a2")  # fmt: skip
    axes.legend(loc="lower right")
    axes.set_title(lines[0].question[:80])
    figure.savefig(path)
    return path


def draw_all(tr: Translator, data: ReportData, stem: Path) -> list[Path]:
    """Every chart that has something to show, as ``<stem>-<name>.png``."""
    drawn = [
        participation(tr, data, Path(f"{stem}-participation.png")),
        categories(tr, data, Path(f"{stem}-categories.png")),
    ]
    votes: dict[int, int] = {}
    for line in data.polls:
        votes[line.poll_id] = votes.get(line.poll_id, 0) + line.votes + line.paper_votes
    poll_ids = sorted(votes, key=lambda pid: (-votes[pid], pid))[:MAX_POLL_CHARTS]
    drawn += [poll(tr, data, pid, Path(f"{stem}-poll-{pid}.png")) for pid in poll_ids]
    return [path for path in drawn if path is not None]
