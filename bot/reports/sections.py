"""The report's tables, one builder per sheet, in the reader's language.

:data:`SECTIONS` is the list of builders, in sheet order; each takes the translator and the
figures and returns a :class:`Table`. The workbook, the CSV files and the tests read tables
only, so a new sheet is one builder added here. No builder writes a name, a Telegram id or a
text a resident wrote: only counts, the territory's names and what staff wrote about hearings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.i18n import Translator, sort_key
from bot.reports import meetings as meeting_figures
from bot.reports import okrugs
from bot.reports.data import ReportData, VillageFigures
from storage.models import Village

Cell = str | int | float | datetime | None
KINDS = ("complaint", "suggestion")
STATUSES = ("new", "in_progress", "answered", "resolved", "rejected")
LANGUAGE_COLUMNS = ("kk", "ru", "en", "")


@dataclass(frozen=True, slots=True)
class Table:
    """One sheet: a stable key (for file names), a localized title, headers and rows."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]]
    percent_columns: frozenset[int] = frozenset()  # values are percentage points, 0-100

    def column(self, header: str) -> list[Cell]:
        """Every value under ``header``."""
        index = self.headers.index(header)
        return [row[index] for row in self.rows]


def plain(label: str) -> str:
    """A label without its leading icon: "🛣 Roads" → "Roads"."""
    start = next((i for i, ch in enumerate(label) if ch.isalnum()), 0)
    return label[start:].strip()


def share(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percentage points, to one decimal; None when ``whole`` is 0."""
    return round(100 * part / whole, 1) if whole else None


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


def overview(tr: Translator, data: ReportData) -> Table:
    """One row per village: residents, activity, complaints, hearings, notices, votes."""
    names = ["village", "district", "registered", "new", "departed", "active", "active_share",
             "complaints", "suggestions", "overdue", "hearings", "coming", "delivered",
             "poll_votes"]  # fmt: skip
    rows: list[list[Cell]] = []
    for f in _sorted(tr, data):
        rows.append([*_place(tr, f.village), f.registered, f.new, f.departed, f.active,
                     share(f.active, f.registered), f.complaints, f.suggestions, f.overdue,
                     f.hearings, f.coming, f.delivered, f.poll_votes])  # fmt: skip
    rows.append(_total_row(tr, rows, len(names), ratios={6: (5, 2)}))
    return Table("overview", tr.t("report.sheet.overview"), [_col(tr, n) for n in names], rows,
                 frozenset({6}))  # fmt: skip


def _total_row(
    tr: Translator,
    rows: list[list[Cell]],
    width: int,
    ratios: dict[int, tuple[int, int]],
    names: int = 2,
) -> list[Cell]:
    """The "Total" row: sums of the numeric columns after the first ``names`` (the place's
    names); ``ratios`` recomputed from the sums."""
    sums = [sum(_count(row[index]) for row in rows) for index in range(width)]
    total: list[Cell] = [tr.t("report.total"), *[None] * (names - 1), *sums[names:]]
    for index, (part, whole) in ratios.items():
        total[index] = share(sums[part], sums[whole])
    return total


def _count(cell: Cell) -> int:
    return cell if isinstance(cell, int) else 0


def appeals(tr: Translator, data: ReportData) -> Table:
    """Complaints and suggestions received in the week per village, kind and category."""
    counts: dict[tuple[str, str, str], dict[str, int]] = defaultdict(dict)
    for tally in data.appeals:
        counts[(tally.village_code, tally.kind, tally.category)][tally.status] = tally.count
    for late in data.overdue:
        counts[(late.village_code, late.kind, late.category)]["overdue"] = late.count
    order = {f.village.code: i for i, f in enumerate(_sorted(tr, data))}
    known = {f.village.code: f.village for f in data.villages}
    labels = {k[2]: plain(tr.t(f"appeal.category.{k[2]}")) for k in counts}
    keys = sorted(counts, key=lambda k: (order[k[0]], KINDS.index(k[1]), sort_key(labels[k[2]])))
    rows: list[list[Cell]] = []
    for code, kind, category in keys:
        by_status = counts[(code, kind, category)]
        received = sum(by_status.get(status, 0) for status in STATUSES)
        rows.append([
            *_place(tr, known[code]), tr.t(f"appeal.kind.{kind}"),
            labels[category], received,
            *(by_status.get(status, 0) for status in STATUSES),
            share(by_status.get("resolved", 0), received), by_status.get("overdue", 0),
        ])  # fmt: skip
    headers = [_col(tr, "village"), _col(tr, "district"), _col(tr, "kind"), _col(tr, "category"),
               _col(tr, "received"), *(plain(tr.t(f"appeal.status.{s}")) for s in STATUSES),
               _col(tr, "resolved_share"), _col(tr, "overdue")]  # fmt: skip
    total = _total_row(tr, rows, len(headers), ratios={10: (8, 4)})
    total[2] = total[3] = None
    rows.append(total)
    return Table("appeals", tr.t("report.sheet.appeals"), headers, rows, frozenset({10}))


def _village_names(tr: Translator, data: ReportData, codes: Iterable[str]) -> str:
    named = [data.names[c].names.get(tr.language) if c in data.names else c for c in codes]
    return ", ".join(sorted(named, key=sort_key))


def polls(tr: Translator, data: ReportData) -> Table:
    """One row per option of each poll: votes in the bot (of verified residents and of others)
    and on paper apart, and turnout."""
    names = ["question", "closes", "status", "villages", "option", "votes", "verified_votes",
             "unverified_votes", "paper_votes", "total_votes", "vote_share", "voters",
             "registered", "turnout"]  # fmt: skip
    totals: dict[int, int] = defaultdict(int)
    for line in data.polls:
        totals[line.poll_id] += line.votes + line.paper_votes
    rows: list[list[Cell]] = []
    for line in sorted(data.polls, key=lambda p: (p.closes_at, p.poll_id, p.position)):
        votes = line.votes + line.paper_votes
        rows.append([line.question, _local(tr, line.closes_at),
                     tr.t(f"report.poll_status.{line.status}"),
                     _village_names(tr, data, line.village_codes), line.label, line.votes,
                     line.verified_votes, line.votes - line.verified_votes, line.paper_votes,
                     votes, share(votes, totals[line.poll_id]), line.voters, line.registered,
                     share(line.voters, line.registered)])  # fmt: skip
    return Table("polls", tr.t("report.sheet.polls"), [_col(tr, n) for n in names], rows,
                 frozenset({10, 13}))  # fmt: skip


def _local(tr: Translator, moment: datetime) -> datetime:
    """A moment as the local wall-clock time (spreadsheets hold no zone)."""
    return moment.astimezone(tr.zone).replace(tzinfo=None)


def hearings(tr: Translator, data: ReportData) -> Table:
    """The week's public hearings: when, topic, villages, who will come, questions, outcome."""
    names = ["when", "topic", "villages", "status", "coming", "questions", "attendance",
             "decisions"]  # fmt: skip
    rows: list[list[Cell]] = [
        [_local(tr, h.starts_at), h.topic, _village_names(tr, data, h.village_codes),
         tr.t(f"report.hearing_status.{h.status}"), h.coming, h.questions, h.attendance,
         h.decisions]
        for h in data.hearings
    ]  # fmt: skip
    return Table("hearings", tr.t("report.sheet.hearings"), [_col(tr, n) for n in names], rows)


def participation(tr: Translator, data: ReportData) -> Table:
    """Residents per village at the week's end, joined, departed, active, by language; with the
    village's rural okrug (empty for a village of none)."""
    names = ["village", "okrug", "district", "registered", "new", "departed", "active",
             "active_share", "lang_kk", "lang_ru", "lang_en", "lang_none"]  # fmt: skip
    rows: list[list[Cell]] = []
    for f in _sorted(tr, data):
        okrug = f.village.okrug_names.get(tr.language) if f.village.okrug_names else None
        rows.append([f.village.names.get(tr.language), okrug,
                     f.village.district_names.get(tr.language), f.registered, f.new,
                     f.departed, f.active, share(f.active, f.registered),
                     *(f.by_language.get(code, 0) for code in LANGUAGE_COLUMNS)])  # fmt: skip
    rows.append(_total_row(tr, rows, len(names), ratios={7: (6, 3)}, names=3))
    return Table("participation", tr.t("report.sheet.participation"),
                 [_col(tr, n) for n in names], rows, frozenset({7}))  # fmt: skip


def okrug_totals(tr: Translator, data: ReportData) -> Table | None:
    """One row per rural okrug: the sums of its villages' Overview rows; none without okrugs."""
    found = okrugs.totals(data.villages)
    if not found:
        return None
    names = ["okrug", "district", "villages", "registered", "new", "departed", "active",
             "active_share", "complaints", "suggestions", "overdue", "hearings", "coming",
             "delivered", "poll_votes"]  # fmt: skip
    ordered = sorted(found, key=lambda t: (sort_key(t.district_names.get(tr.language)),
                                          sort_key(t.names.get(tr.language))))  # fmt: skip
    rows: list[list[Cell]] = []
    for total in ordered:
        s = total.sums
        rows.append([total.names.get(tr.language), total.district_names.get(tr.language),
                     total.villages, s["registered"], s["new"], s["departed"], s["active"],
                     share(s["active"], s["registered"]),
                     *(s[key] for key in names[8:])])  # fmt: skip
    rows.append(_total_row(tr, rows, len(names), ratios={7: (6, 3)}))
    return Table("okrugs", tr.t("report.sheet.okrugs"), [_col(tr, n) for n in names], rows,
                 frozenset({7}))  # fmt: skip


def meetings(tr: Translator, data: ReportData) -> Table | None:
    """Meetings by kind (:mod:`bot.reports.meetings`); public hearings alone have their sheet,
    so this one appears once the week had a meeting of another kind."""
    if all(line.kind == "hearing" for line in data.meetings):
        return None
    headers, rows = meeting_figures.table(tr, data.meetings)
    return Table("meetings", tr.t("report.sheet.meetings"), headers, rows, frozenset({10}))


Section = Callable[[Translator, ReportData], Table | None]
# The sheets, in order; a section without rows to show (no okrugs in scope) gives None.
SECTIONS: tuple[Section, ...] = (
    overview, appeals, polls, hearings, meetings, participation, okrug_totals,
)  # fmt: skip


def tables(tr: Translator, data: ReportData) -> list[Table]:
    """Every section's table."""
    return [table for section in SECTIONS if (table := section(tr, data)) is not None]
