"""The report's tables, one builder per sheet, in the reader's language.

:data:`SECTIONS` is the list of builders, in sheet order; each takes the translator and the
figures and returns a :class:`Table`. The workbook, the CSV files and the tests read tables
only, so a new sheet is one builder added here. No builder writes a name, a Telegram id or a
text a resident wrote: only counts, the territory's names and what staff wrote (hearing topics
and decisions, poll questions, options and follow-ups). Every figure is defined on the cover.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.i18n import Translator, sort_key
from bot.reports import levels
from bot.reports import meetings as meeting_figures
from bot.reports.data import Counts, ReportData, VillageFigures, share
from bot.reports.scope import scope_title
from bot.share import SOURCES, UNTAGGED
from storage.behalf import CHANNELS, TELEGRAM
from storage.models import Village
from storage.reports import PollLine

Cell = str | int | float | datetime | None
KINDS = ("complaint", "suggestion")
STATUSES = ("new", "in_progress", "answered", "resolved", "rejected")
LANGUAGE_COLUMNS = ("kk", "ru", "en", "")
__all__ = ["KINDS", "SECTIONS", "STATUSES", "Cell", "Table", "plain", "share", "tables"]


@dataclass(frozen=True, slots=True)
class Table:
    """One sheet: a stable key (for file names), a localized title, headers and rows."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]]
    percent_columns: frozenset[int] = frozenset()  # values are percentage points, 0-100
    decimal_columns: frozenset[int] = frozenset()  # one decimal place (days)
    text_columns: frozenset[int] = frozenset()  # long text, wrapped in a wide column
    totals: int = 0  # the last rows that are totals

    def column(self, header: str) -> list[Cell]:
        """Every value under ``header``."""
        index = self.headers.index(header)
        return [row[index] for row in self.rows]


def plain(label: str) -> str:
    """A label without its leading icon: "🛣 Roads" → "Roads"."""
    start = next((i for i, ch in enumerate(label) if ch.isalnum()), 0)
    return label[start:].strip()


def village_order(tr: Translator, village: Village) -> tuple[object, ...]:
    """Villages sorted by district, then name, as a reader of ``tr``'s language expects."""
    return (
        sort_key(village.district_names.get(tr.language)),
        sort_key(village.names.get(tr.language)),
    )


def _sorted(tr: Translator, data: ReportData) -> list[VillageFigures]:
    return sorted(data.villages, key=lambda f: village_order(tr, f.village))


def _place(tr: Translator, village: Village) -> list[Cell]:
    return [village.names.get(tr.language), village.district_names.get(tr.language)]


def _col(tr: Translator, name: str) -> str:
    return tr.t(f"report.col.{name}")


def _local(tr: Translator, moment: datetime) -> datetime:
    """A moment as the local wall-clock time (spreadsheets hold no zone)."""
    return moment.astimezone(tr.zone).replace(tzinfo=None)


# --- the figures every level shares ---------------------------------------------------------------
Metric = tuple[str, Callable[[Counts], Cell], str]  # header key, value, format: n % d
METRICS: tuple[Metric, ...] = (
    ("population", lambda c: c.population or None, "n"),
    ("registered_bot", lambda c: c.registered, "n"),
    ("reach", lambda c: c.reach_share, "%"),
    ("new", lambda c: c.new, "n"),
    ("departed", lambda c: c.departed, "n"),
    ("active", lambda c: c.active, "n"),
    ("active_share", lambda c: c.active_share, "%"),
    ("complaints", lambda c: c.complaints, "n"),
    ("suggestions", lambda c: c.suggestions, "n"),
    ("answered", lambda c: c.answered, "n"),
    ("on_time", lambda c: c.on_time_share, "%"),
    ("median_days", lambda c: c.median_days, "d"),
    ("overdue_end", lambda c: c.overdue, "n"),
    ("hearings", lambda c: c.hearings, "n"),
    ("coming", lambda c: c.coming, "n"),
    ("attendance", lambda c: c.attended, "n"),
    ("delivered", lambda c: c.delivered, "n"),
    ("poll_votes", lambda c: c.poll_votes, "n"),
)


def _metric_table(
    tr: Translator, key: str, leading: Sequence[str], rows: list[list[Cell]]
) -> Table:
    """A table of ``leading`` columns, then every metric."""
    headers = [*(_col(tr, name) for name in leading), *(_col(tr, m[0]) for m in METRICS)]
    offset = len(leading)
    formats = {offset + index: m[2] for index, m in enumerate(METRICS)}
    return Table(
        key, tr.t(f"report.sheet.{key}"), headers, rows,
        percent_columns=frozenset(i for i, f in formats.items() if f == "%"),
        decimal_columns=frozenset(i for i, f in formats.items() if f == "d"),
        totals=1,
    )  # fmt: skip


def _metrics(counts: Counts) -> list[Cell]:
    return [value(counts) for _, value, _ in METRICS]


def overview(tr: Translator, data: ReportData) -> Table:
    """One row per village: residents, activity, complaints and answers, hearings, votes."""
    rows: list[list[Cell]] = []
    for f in _sorted(tr, data):
        row = [*_place(tr, f.village), *_metrics(f)]
        row[2] = f.village.population  # unknown is empty, not 0
        rows.append(row)
    rows.append([tr.t("report.total"), None, *_metrics(data.total())])
    return _metric_table(tr, "overview", ("village", "district"), rows)


def totals(tr: Translator, data: ReportData) -> Table:
    """The figures of every region, district and rural okrug of the scope, and of the scope."""
    rows: list[list[Cell]] = [
        [tr.t(f"report.level.{unit.level.key}"), unit.names.get(tr.language), unit.villages,
         *_metrics(unit)]
        for unit in levels.totals(tr, data.villages)
    ]  # fmt: skip
    rows.append([tr.t("report.total"), None, len(data.villages), *_metrics(data.total())])
    return _metric_table(tr, "totals", ("level", "name", "villages_count"), rows)


# --- complaints and suggestions -------------------------------------------------------------------
def appeals(tr: Translator, data: ReportData) -> Table:
    """Complaints and suggestions received in the period per village, kind and category."""
    counts: dict[tuple[str, str, str], dict[str, int]] = defaultdict(dict)
    for tally in data.appeals:
        counts[(tally.village_code, tally.kind, tally.category)][tally.status] = tally.count
    for late in data.overdue:
        counts[(late.village_code, late.kind, late.category)]["overdue"] = late.count
    order = {f.village.code: i for i, f in enumerate(_sorted(tr, data))}
    known = {f.village.code: f.village for f in data.villages}
    labels = {k[2]: plain(tr.t(f"appeal.category.{k[2]}")) for k in counts}
    ranks = {category: sort_key(label) for category, label in labels.items()}  # once each
    kinds = {kind: tr.t(f"appeal.kind.{kind}") for kind in KINDS}
    keys = sorted(counts, key=lambda k: (order[k[0]], KINDS.index(k[1]), ranks[k[2]]))
    rows: list[list[Cell]] = []
    for code, kind, category in keys:
        by_status = counts[(code, kind, category)]
        received = sum(by_status.get(status, 0) for status in STATUSES)
        rows.append([
            *_place(tr, known[code]), kinds[kind],
            labels[category], received,
            *(by_status.get(status, 0) for status in STATUSES),
            share(by_status.get("resolved", 0), received), by_status.get("overdue", 0),
        ])  # fmt: skip
    headers = [_col(tr, "village"), _col(tr, "district"), _col(tr, "kind"), _col(tr, "category"),
               _col(tr, "received"), *(plain(tr.t(f"appeal.status.{s}")) for s in STATUSES),
               _col(tr, "resolved_share"), _col(tr, "overdue_end")]  # fmt: skip
    total = _total_row(tr, rows, len(headers))
    total[10] = share(_count(total[8]), _count(total[4]))
    rows.append(total)
    return Table("appeals", tr.t("report.sheet.appeals"), headers, rows, frozenset({10}),
                 totals=1)  # fmt: skip


def handed_on(tr: Translator, data: ReportData) -> Table | None:
    """The complaints and suggestions sent on in the period, one line each: the other body it
    was handed to, a formal appeal advised, its eOtinish registration number; none without."""
    if not data.handoffs:
        return None
    names = ["number", "village", "district", "kind", "category", "status", "body", "formal",
             "eotinish"]  # fmt: skip
    rows: list[list[Cell]] = []
    for line in data.handoffs:
        village = data.names.get(line.village_code)
        place = _place(tr, village) if village else [line.village_code, None]
        rows.append([
            line.number, *place, tr.t(f"appeal.kind.{line.kind}"),
            plain(tr.t(f"appeal.category.{line.category}")),
            plain(tr.t(f"appeal.status.{line.status}")),
            line.body.get(tr.language) if line.body else None,
            tr.t("report.handed.yes") if line.formal else None, line.registration,
        ])  # fmt: skip
    headers = [tr.t(f"report.handed.col.{name}") for name in names]
    return Table("handed_on", tr.t("report.sheet.handed_on"), headers, rows)


def _total_row(tr: Translator, rows: list[list[Cell]], width: int) -> list[Cell]:
    """The "Total" row: sums of the columns holding whole numbers."""
    sums: list[Cell] = [sum(_count(row[index]) for row in rows) for index in range(width)]
    return [tr.t("report.total"), *([None] * 3), *sums[4:]]


def _count(cell: Cell) -> int:
    return cell if isinstance(cell, int) else 0


# --- polls ----------------------------------------------------------------------------------------
def _village_names(tr: Translator, data: ReportData, codes: Iterable[str]) -> str:
    named = [data.names[c].names.get(tr.language) if c in data.names else c for c in codes]
    return ", ".join(sorted(named, key=sort_key))


@dataclass(frozen=True, slots=True)
class Turnout:
    """A poll's turnout three ways, over the villages of the scope."""

    voters: int  # in the bot
    registered: int  # in the bot, at the close
    ballots: int  # on paper: the paper votes of a single-choice poll, else its largest option's
    population: int | None  # of the poll's villages, when each has one

    @property
    def bot(self) -> float | None:
        """Residents who voted in the bot per 100 registered in it."""
        return share(self.voters, self.registered)

    @property
    def paper(self) -> float | None:
        """Paper ballots per 100 of the population."""
        return share(self.ballots, self.population) if self.population else None

    @property
    def combined(self) -> float | None:
        """Voters in the bot and on paper per 100 of the population."""
        return share(self.voters + self.ballots, self.population) if self.population else None


def turnout(data: ReportData, options: Sequence[PollLine]) -> Turnout:
    """The turnout of one poll (its option lines), within the scope."""
    first = options[0]
    papers = [o.paper_votes for o in options]
    ballots = sum(papers) if first.max_choices == 1 else max(papers, default=0)
    places = [data.names.get(code) for code in first.village_codes]
    known = [v.population for v in places if v is not None and v.population is not None]
    population = sum(known) if len(known) == len(places) else None
    return Turnout(first.voters, first.registered, ballots, population)


def by_poll(lines: Iterable[PollLine]) -> dict[int, list[PollLine]]:
    """Each poll's option lines, in order of the options."""
    found: dict[int, list[PollLine]] = defaultdict(list)
    for line in sorted(lines, key=lambda p: (p.closes_at, p.poll_id, p.position)):
        found[line.poll_id].append(line)
    return found


def polls(tr: Translator, data: ReportData) -> Table:
    """One row per option of each poll: votes in the bot (of verified residents and of others)
    and on paper apart, turnout three ways."""
    names = ["question", "villages", "status", "closed", "option", "votes", "verified_votes",
             "unverified_votes", "paper_votes",
             "total_votes", "vote_share", "voters", "registered_bot", "turnout_bot",
             "paper_ballots", "population", "turnout_paper", "turnout_combined"]  # fmt: skip
    rows: list[list[Cell]] = []
    for options in by_poll(data.polls).values():
        total = sum(o.votes + o.paper_votes for o in options)
        turned = turnout(data, options)
        first = options[0]
        for line in options:
            votes = line.votes + line.paper_votes
            rows.append([line.question, _village_names(tr, data, line.village_codes),
                         tr.t(f"report.poll_status.{line.status}"), _local(tr, line.closes_at),
                         line.label, line.votes, line.verified_votes,
                         line.votes - line.verified_votes, line.paper_votes, votes,
                         share(votes, total),
                         first.voters, first.registered, turned.bot, turned.ballots,
                         turned.population, turned.paper, turned.combined])  # fmt: skip
    return Table("polls", tr.t("report.sheet.polls"), [_col(tr, n) for n in names], rows,
                 frozenset({10, 13, 16, 17}), text_columns=frozenset({0}))  # fmt: skip


def winners(options: Sequence[PollLine]) -> list[PollLine]:
    """The options with the most votes (bot and paper): one, or those tied."""
    most = max(o.votes + o.paper_votes for o in options)
    return [o for o in options if o.votes + o.paper_votes == most] if most else []


# --- hearings -------------------------------------------------------------------------------------
def hearings(tr: Translator, data: ReportData) -> Table:
    """The period's public hearings: when, topic, villages, who said they would come, who came."""
    names = ["when", "topic", "villages", "status", "coming", "attendance", "questions",
             "decisions"]  # fmt: skip
    rows: list[list[Cell]] = [
        [_local(tr, h.starts_at), h.topic, _village_names(tr, data, h.village_codes),
         tr.t(f"report.hearing_status.{h.status}"), h.coming, h.attendance, h.questions,
         h.decisions]
        for h in data.hearings
    ]  # fmt: skip
    return Table("hearings", tr.t("report.sheet.hearings"), [_col(tr, n) for n in names], rows,
                 text_columns=frozenset({1, 7}))  # fmt: skip


def participation(tr: Translator, data: ReportData) -> Table:
    """Residents per village at the period's end, joined, departed, active, by language; with the
    village's rural okrug (empty for a village of none)."""
    names = ["village", "okrug", "district", "registered_bot", "new", "departed", "active",
             "active_share", "lang_kk", "lang_ru", "lang_en", "lang_none"]  # fmt: skip
    rows: list[list[Cell]] = []
    for f in [*_sorted(tr, data), None]:
        counts = f or data.total()
        place: list[Cell] = [tr.t("report.total"), None, None]
        if f is not None:
            okrug = f.village.okrug_names
            place = [f.village.names.get(tr.language), okrug.get(tr.language) if okrug else None,
                     f.village.district_names.get(tr.language)]  # fmt: skip
        rows.append([*place, counts.registered, counts.new, counts.departed, counts.active,
                     counts.active_share,
                     *(counts.by_language.get(code, 0) for code in LANGUAGE_COLUMNS)])  # fmt: skip
    return Table("participation", tr.t("report.sheet.participation"),
                 [_col(tr, n) for n in names], rows, frozenset({7}), totals=1)  # fmt: skip


# --- you said, we did -----------------------------------------------------------------------------
def _decided_polls(tr: Translator, data: ReportData) -> dict[str, list[str]]:
    """Per village: each poll closed in the period, its winner and what was done."""
    found: dict[str, list[str]] = defaultdict(list)
    for options in by_poll(data.polls).values():
        first = options[0]
        if first.status != "closed" or not data.start <= first.closes_at < data.end:
            continue
        total = sum(o.votes + o.paper_votes for o in options)
        chosen = " / ".join(
            f"{o.label} ({tr.percent((o.votes + o.paper_votes) / total)})" for o in winners(options)
        )  # fmt: skip
        text = tr.t("report.said.poll", question=first.question,
                    winner=chosen or tr.t("report.said.no_votes"))  # fmt: skip
        done = first.follow_up or tr.t("report.said.not_recorded")
        text += "\n" + tr.t("report.said.done", done=done)
        for code in first.village_codes:
            found[code].append(text)
    return found


def _decided_hearings(tr: Translator, data: ReportData) -> dict[str, list[str]]:
    """Per village: each hearing held in the period with its decisions."""
    found: dict[str, list[str]] = defaultdict(list)
    for h in data.hearings:
        if h.status != "held":
            continue
        decisions = h.decisions or tr.t("report.said.not_recorded")
        text = tr.t("report.said.hearing", day=tr.date(h.starts_at), topic=h.topic,
                    decisions=decisions)  # fmt: skip
        for code in h.village_codes:
            found[code].append(text)
    return found


def said_did(tr: Translator, data: ReportData) -> Table:
    """ "You said, we did": per village, what residents raised and what became of it."""
    names = ["village", "district", "received", "answered", "median_days", "on_time",
             "said_polls", "said_hearings"]  # fmt: skip
    decided, held = _decided_polls(tr, data), _decided_hearings(tr, data)
    rows: list[list[Cell]] = []
    for f in _sorted(tr, data):
        code = f.village.code
        if not (f.complaints or f.suggestions or f.answered or decided[code] or held[code]):
            continue
        rows.append([*_place(tr, f.village), f.complaints + f.suggestions, f.answered,
                     f.median_days, f.on_time_share, "\n\n".join(decided[code]) or None,
                     "\n\n".join(held[code]) or None])  # fmt: skip
    whole = data.total()
    rows.append([tr.t("report.total"), None, whole.complaints + whole.suggestions, whole.answered,
                 whole.median_days, whole.on_time_share, None, None])  # fmt: skip
    return Table("said", tr.t("report.sheet.said"), [_col(tr, n) for n in names], rows,
                 frozenset({5}), frozenset({4}), frozenset({6, 7}), totals=1)  # fmt: skip


# --- meetings -----------------------------------------------------------------------------------
def meetings(tr: Translator, data: ReportData) -> Table | None:
    """Meetings by kind (:mod:`bot.reports.meetings`); public hearings alone have their sheet,
    so this one appears once the period had a meeting of another kind."""
    if all(line.kind == "hearing" for line in data.meetings):
        return None
    headers, rows = meeting_figures.table(tr, data.meetings)
    return Table(
        "meetings", tr.t("report.sheet.meetings"), headers, rows, frozenset({10}), totals=1
    )


# --- trend ----------------------------------------------------------------------------------------
def trend(tr: Translator, data: ReportData) -> Table:
    """The scope's main figures in each of the last periods, the reported one last."""
    names = ["period", "registered_end", "new", "complaints", "suggestions", "answered", "on_time",
             "median_days", "hearings", "coming", "attendance"]  # fmt: skip
    rows: list[list[Cell]] = [
        [period.label(tr), point.registered, point.joined, point.complaints, point.suggestions,
         answers.answered, answers.on_time_share, answers.median_days, point.hearings,
         point.coming, point.attended]
        for period, point, answers in data.trend
    ]  # fmt: skip
    return Table("trend", tr.t("report.sheet.trend"), [_col(tr, n) for n in names], rows,
                 frozenset({6}), frozenset({7}))  # fmt: skip


# --- the cover ------------------------------------------------------------------------------------
DEFINED = ("registered_bot", "population", "reach", "new", "departed", "active", "active_share",
           "complaints", "answered", "on_time", "median_days", "overdue_end", "hearings",
           "coming", "attendance", "poll_votes", "turnout_bot", "paper_ballots",
           "turnout_paper", "turnout_combined", "levels")  # fmt: skip


def cover(tr: Translator, data: ReportData) -> Table:
    """What the report covers, when it was made, and what each figure means."""
    start, end = data.start.astimezone(tr.zone), data.end.astimezone(tr.zone)
    rows: list[list[Cell]] = [
        [tr.t("report.cover.area"), scope_title(tr, data.scopes, data.names.values())],
        [tr.t("report.cover.period"), data.period.label(tr)],
        [tr.t("report.cover.from"), start.replace(tzinfo=None)],
        [tr.t("report.cover.until"), end.replace(tzinfo=None)],
        [tr.t("report.cover.zone"), str(tr.zone)],
        [tr.t("report.cover.villages"), len(data.villages)],
        [tr.t("report.cover.generated"),
         _local(tr, data.generated) if data.generated else None],
        [None, None],
        [tr.t("report.cover.definitions"), None],
    ]  # fmt: skip
    for name in DEFINED:
        term = tr.t("report.cover.levels_term") if name == "levels" else _col(tr, name)
        rows.append([term, tr.t(f"report.define.{name}")])
    headers = [tr.t("report.cover.title"), data.period.label(tr)]
    return Table("cover", tr.t("report.sheet.cover"), headers, rows, text_columns=frozenset({1}))


def projects(tr: Translator, data: ReportData) -> Table | None:
    """The projects participatory budgets of the scope funded, and where each stands; none
    without a budget decided."""
    if not data.projects:
        return None
    names = ["budget", "villages", "project", "cost", "votes", "progress", "updated"]
    rows: list[list[Cell]] = [
        [line.cycle_title, _village_names(tr, data, line.village_codes),
         f"{line.number}. {line.title}", line.cost, line.votes,
         plain(tr.t(f"budget.progress.{line.progress.value}")) if line.progress else None,
         _local(tr, line.updated_at) if line.updated_at else None]
        for line in data.projects
    ]  # fmt: skip
    headers = [tr.t(f"budget.report.col.{name}") for name in names]
    return Table("projects", tr.t("budget.report.sheet"), headers, rows)


def joined_from(tr: Translator, data: ReportData) -> Table | None:
    """Residents of each village by where they found Qatysu (paper QR code, WhatsApp, another
    link, by themselves); none while nobody joined by a tagged link."""
    sources: tuple[str | None, ...] = (*SOURCES, UNTAGGED, None)
    if not any(counts.get(s) for counts in data.channels.values() for s in (*SOURCES, UNTAGGED)):
        return None
    rows: list[list[Cell]] = []
    totals = [0] * (len(sources) + 1)
    for f in _sorted(tr, data):
        counts = data.channels.get(f.village.code, {})
        figures = [counts.get(source, 0) for source in sources]
        figures.append(sum(figures))
        totals = [a + b for a, b in zip(totals, figures, strict=True)]
        rows.append([*_place(tr, f.village), *figures])
    rows.append([tr.t("report.total"), None, *totals])
    headers = [_col(tr, "village"), _col(tr, "district")]
    headers += [tr.t(f"report.channel.{source or 'none'}") for source in sources]
    headers.append(tr.t("report.channel.total"))
    return Table("joined", tr.t("report.sheet.joined"), headers, rows, totals=1)


def by_channel(tr: Translator, data: ReportData) -> Table | None:
    """Complaints and suggestions of each village by the channel they came by: Telegram, or
    entered by staff for a resident without it (phone, visit, meeting, paper); none while every
    item of the period came by Telegram."""
    channels = (TELEGRAM, *CHANNELS)
    if not any(counts.get(c) for counts in data.item_channels.values() for c in CHANNELS):
        return None
    rows: list[list[Cell]] = []
    totals = [0] * (len(channels) + 1)
    for f in _sorted(tr, data):
        counts = data.item_channels.get(f.village.code, {})
        figures = [counts.get(channel, 0) for channel in channels]
        figures.append(sum(figures))
        totals = [a + b for a, b in zip(totals, figures, strict=True)]
        rows.append([*_place(tr, f.village), *figures])
    rows.append([tr.t("report.total"), None, *totals])
    headers = [_col(tr, "village"), _col(tr, "district")]
    headers += [plain(tr.t(f"report.item_channel.{channel}")) for channel in channels]
    headers.append(tr.t("report.channel.total"))
    return Table("channels", tr.t("report.sheet.channels"), headers, rows, totals=1)


Section = Callable[[Translator, ReportData], Table | None]
# The sheets, in order: what an akim reads first comes first; a section with nothing to show
# (no meeting but public hearings) gives None.
SECTIONS: tuple[Section, ...] = (
    cover, totals, trend, said_did, overview, appeals, handed_on, polls, hearings, meetings,
    participation, joined_from, by_channel, projects,
)  # fmt: skip


def tables(tr: Translator, data: ReportData) -> list[Table]:
    """Every section's table."""
    return [table for section in SECTIONS if (table := section(tr, data)) is not None]
