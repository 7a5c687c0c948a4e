"""The staff digest: a few lines per village, in the reader's language, split to fit Telegram.

Rendering only: the figures come from :mod:`bot.reports.data` (the week that ended) and the
upcoming hearings from :mod:`storage.reports`. A village where nothing happened gets no block,
only a count at the end, so that a district's digest stays short.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.i18n import Translator, sort_key
from bot.reports import meetings as meeting_figures
from bot.reports import okrugs
from bot.reports.data import ReportData, VillageFigures
from bot.reports.sections import STATUSES, plain, share, village_order
from storage.meetings import MeetingLine
from storage.reports import AppealTally, HearingLine, PollLine

MAX_MESSAGE = 4000  # Telegram allows 4,096 characters; leave room
UPCOMING_SHOWN = 5


@dataclass(frozen=True, slots=True)
class VillageNews:
    """What the digest knows of one village."""

    figures: VillageFigures
    appeals: list[AppealTally]
    upcoming: list[HearingLine]
    polls: list[PollLine]
    meetings: list[MeetingLine] = field(default_factory=list)  # of the week, every kind

    @property
    def quiet(self) -> bool:
        """Nothing to tell."""
        f = self.figures
        return not (f.complaints or f.suggestions or f.overdue or f.new or f.departed
                    or f.messages or self.upcoming or self.polls or self.meetings)  # fmt: skip


def news_by_village(
    data: ReportData, upcoming: Sequence[HearingLine], codes: Iterable[str] | None = None
) -> list[VillageNews]:
    """The news of each village of ``codes`` (default: every village of ``data``)."""
    wanted = set(codes) if codes is not None else set(data.codes)
    appeals: dict[str, list[AppealTally]] = defaultdict(list)
    for tally in data.appeals:
        appeals[tally.village_code].append(tally)
    return [
        VillageNews(
            figures=f,
            appeals=appeals[f.village.code],
            upcoming=[h for h in upcoming if f.village.code in h.village_codes],
            polls=[p for p in data.polls if f.village.code in p.village_codes],
            meetings=[m for m in data.meetings if f.village.code in m.village_codes],
        )
        for f in data.villages
        if f.village.code in wanted
    ]


def _counted(tr: Translator, counts: Counter[str], label_key: str, order: Sequence[str]) -> str:
    """ "Roads 2, Water 1": the most first, then in ``order`` (or by name)."""
    labels = {code: plain(tr.t(label_key.format(code))) for code in counts}
    rank = {code: i for i, code in enumerate(order)}
    items = sorted(
        counts.items(),
        key=lambda item: (-item[1], rank.get(item[0], 99), sort_key(labels[item[0]])),
    )
    return ", ".join(f"{labels[code]} {tr.number(n)}" for code, n in items if n)


def _appeal_lines(tr: Translator, news: VillageNews) -> list[str]:
    lines = []
    for kind, total in (("complaint", news.figures.complaints),
                        ("suggestion", news.figures.suggestions)):  # fmt: skip
        if not total:
            continue
        by_category: Counter[str] = Counter()
        for tally in news.appeals:
            if tally.kind == kind:
                by_category[tally.category] += tally.count
        categories = _counted(tr, by_category, "appeal.category.{}", ())
        lines.append(f"{tr.nt(f'report.digest.{kind}s', total)}: {categories}")
    if news.figures.complaints or news.figures.suggestions:
        by_status: Counter[str] = Counter()
        for tally in news.appeals:
            by_status[tally.status] += tally.count
        statuses = _counted(tr, by_status, "appeal.status.{}", STATUSES)
        lines.append(tr.t("report.digest.by_status", statuses=statuses))
    if news.figures.overdue:
        lines.append(tr.nt("report.digest.overdue", news.figures.overdue))
    return lines


def _hearing_lines(tr: Translator, upcoming: Sequence[HearingLine]) -> list[str]:
    if not upcoming:
        return []
    lines = [tr.t("report.digest.upcoming")]
    lines += [
        tr.t("report.digest.hearing", when=tr.datetime(h.starts_at), topic=h.topic,
             coming=tr.nt("report.digest.coming", h.coming))
        for h in upcoming[:UPCOMING_SHOWN]
    ]  # fmt: skip
    return lines


def _poll_lines(tr: Translator, polls: Sequence[PollLine]) -> list[str]:
    by_poll: dict[int, list[PollLine]] = defaultdict(list)
    for line in polls:
        by_poll[line.poll_id].append(line)
    lines = []
    for options in by_poll.values():
        first = options[0]
        total = sum(o.votes + o.paper_votes for o in options)
        leader = max(options, key=lambda o: (o.votes + o.paper_votes, -o.position))
        lines.append(tr.t(
            f"report.digest.poll_{first.status}", question=first.question,
            leader=leader.label, share=tr.number(share(leader.votes + leader.paper_votes,
                                                       total) or 0),
            turnout=tr.number(share(first.voters, first.registered) or 0),
        ))  # fmt: skip
    return lines


def village_block(tr: Translator, news: VillageNews) -> str:
    """The digest's lines about one village."""
    f = news.figures
    village = f.village
    lines = [
        tr.t("report.digest.village", village=village.names.get(tr.language),
             district=village.district_names.get(tr.language)),
        *_appeal_lines(tr, news),
        *_hearing_lines(tr, news.upcoming),
        *meeting_figures.digest_lines(tr, news.meetings),
        *_poll_lines(tr, news.polls),
        tr.t("report.digest.residents", residents=tr.nt("residents.count", f.registered),
             new=tr.number(f.new), departed=tr.number(f.departed)),
    ]  # fmt: skip
    if f.messages:
        lines.append(tr.t("report.digest.reach", notices=tr.nt("report.digest.notices",
                          f.broadcasts), delivered=tr.number(f.delivered),
                          messages=tr.number(f.messages)))  # fmt: skip
    return "\n".join(lines)


def title(tr: Translator, data: ReportData) -> str:
    """The digest's first line: which week."""
    return tr.t("report.digest.title", dates=tr.date_range(data.week.monday, data.week.sunday))


def okrug_block(tr: Translator, news: Sequence[VillageNews]) -> str | None:
    """One line per rural okrug with several of the reader's villages: their totals."""
    found = [t for t in okrugs.totals(n.figures for n in news) if t.villages > 1]
    if not found:
        return None
    lines = [tr.t("report.digest.okrugs")]
    for total in sorted(found, key=lambda t: sort_key(t.names.get(tr.language))):
        s = total.sums
        lines.append(tr.t(
            "report.digest.okrug", okrug=total.names.get(tr.language),
            villages=tr.nt("picker.count", total.villages),
            residents=tr.nt("residents.count", s["registered"]), new=tr.number(s["new"]),
            departed=tr.number(s["departed"]), complaints=tr.number(s["complaints"]),
            suggestions=tr.number(s["suggestions"]), overdue=tr.number(s["overdue"]),
        ))  # fmt: skip
    return "\n".join(lines)


def render(tr: Translator, data: ReportData, news: Sequence[VillageNews]) -> list[str]:
    """The digest as messages under Telegram's limit, split between villages; totals per
    rural okrug first."""
    ordered = sorted(news, key=lambda n: village_order(tr, n.figures.village))
    villages = [village_block(tr, n) for n in ordered if not n.quiet]
    quiet = [n.figures.village.names.get(tr.language) for n in ordered if n.quiet]
    okrug_totals = okrug_block(tr, news)
    blocks = [title(tr, data), *([okrug_totals] if okrug_totals else [])]
    blocks += villages or [tr.t("report.digest.nothing")]
    if villages and quiet:
        names = ", ".join(sorted(quiet, key=sort_key))
        blocks.append(tr.nt("report.digest.quiet", len(quiet), villages=names))
    return split(blocks)


def split(blocks: Sequence[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Join blocks with blank lines into messages of at most ``limit`` characters."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        block = block if len(block) <= limit else block[: limit - 1].rstrip() + "…"
        joined = f"{current}\n\n{block}" if current else block
        if len(joined) <= limit:
            current = joined
            continue
        messages.append(current)
        current = block
    if current:
        messages.append(current)
    return messages
