"""PNG charts of a report, in the style every Qatysu chart shares (:mod:`bot.barchart`).

Each chart is skipped when it would be empty, and says which sheet of the workbook it goes in.
Labels are in the reader's language. Drawn in the worker process
(:func:`bot.reports.summary.write_summary`); a poll's chart is the result chart of
:mod:`bot.polls.chart`, shared with the results broadcast when the counts are the same.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bot import barchart
from bot.barchart import Bars, Layout, Series
from bot.i18n import Translator
from bot.polls import chart as poll_chart
from bot.reports.data import ReportData
from bot.reports.sections import by_poll, plain

TOP_VILLAGES = 10  # a phone shows ten rows well: the villages with most residents
# Each poll got its own chart when it closed; the summary shows the period's most voted ones.
MAX_POLL_CHARTS = 3


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart drawn, and the sheet it belongs to."""

    path: Path
    sheet: str


def _share(tr: Translator, part: int, whole: int) -> str:
    return tr.percent(part / whole) if whole else "–"


def participation(tr: Translator, data: ReportData) -> Bars | None:
    """Registered residents, and the active ones among them, of the largest villages."""
    top = sorted(data.villages, key=lambda f: (-f.registered, f.village.code))[:TOP_VILLAGES]
    top = [f for f in top if f.registered]
    if not top:
        return None
    note = ""
    if len(data.villages) > TOP_VILLAGES:
        note = tr.nt("report.chart.top_villages", TOP_VILLAGES)
    return Bars(
        title=tr.t("report.chart.participation_period", period=data.period.label(tr)),
        labels=tuple(f.village.names.get(tr.language) for f in top),
        series=(
            Series(
                tr.t("report.col.registered_bot"),
                tuple(f.registered for f in top),
                barchart.LIGHT_BLUE,
            ),
            Series(tr.t("report.col.active"), tuple(f.active for f in top), barchart.BLUE),
        ),
        texts=tuple(
            tr.t(
                "report.chart.active_of",
                active=tr.number(f.active),
                registered=tr.number(f.registered),
                share=_share(tr, f.active, f.registered),
            )
            for f in top
        ),
        layout=Layout.OVERLAID,
        note=note,
    )


def categories(tr: Translator, data: ReportData) -> Bars | None:
    """Complaints and suggestions received in the period, per category, the most first."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for tally in data.appeals:
        counts[(tally.category, tally.kind)] += tally.count
    totals: dict[str, int] = defaultdict(int)
    for (category, _), count in counts.items():
        totals[category] += count
    if not totals:
        return None
    shown = sorted(totals, key=lambda c: (-totals[c], c))
    return Bars(
        title=tr.t("report.chart.categories_period", period=data.period.label(tr)),
        labels=tuple(plain(tr.t(f"appeal.category.{c}")) for c in shown),
        series=(
            Series(
                tr.t("report.col.complaints"),
                tuple(counts[(c, "complaint")] for c in shown),
                barchart.RED,
            ),
            Series(
                tr.t("report.col.suggestions"),
                tuple(counts[(c, "suggestion")] for c in shown),
                barchart.GREEN,
            ),
        ),
        texts=tuple(tr.number(totals[c]) for c in shown),
    )


def trend(tr: Translator, data: ReportData) -> Bars | None:
    """Complaints and suggestions received, and answered, in each of the last periods (from
    the first with any, so that the months before Qatysu began take no room)."""
    busy = [
        i for i, (_, p, a) in enumerate(data.trend) if p.complaints + p.suggestions + a.answered
    ]
    if not busy:
        return None
    shown = data.trend[busy[0] :]
    received = tuple(p.complaints + p.suggestions for _, p, _ in shown)
    answered = tuple(a.answered for _, _, a in shown)
    return Bars(
        title=tr.t("report.chart.trend"),
        labels=tuple(period.label(tr) for period, _, _ in shown),
        series=(
            Series(tr.t("report.col.received"), received, barchart.RED),
            Series(tr.t("report.col.answered"), answered, barchart.GREEN),
        ),
        texts=(*(tr.number(n) for n in received), *(tr.number(n) for n in answered)),
        layout=Layout.GROUPED,
    )


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
) -> list[Chart]:
    """Every chart that has something to show, as ``<stem>-<name>.png``, with its sheet."""
    drawn = []
    for name, sheet, bars in (("participation", "overview", participation(tr, data)),
                              ("categories", "appeals", categories(tr, data)),
                              ("trend", "trend", trend(tr, data))):  # fmt: skip
        if bars is not None:
            drawn.append(Chart(barchart.render(bars, Path(f"{stem}-{name}.png")), sheet))
    votes = {pid: sum(o.votes + o.paper_votes for o in lines)
             for pid, lines in by_poll(data.polls).items()}  # fmt: skip
    for pid in sorted(votes, key=lambda pid: (-votes[pid], pid))[:MAX_POLL_CHARTS]:
        path = poll(tr, data, pid, Path(f"{stem}-poll-{pid}.png"), poll_charts)
        if path is not None:
            drawn.append(Chart(path, "polls"))
    return drawn
