"""The figures of one report: loaded with a handful of aggregate queries, held per village.

:class:`Counts` are the figures that add up from villages to any total (a district, a region,
the scope), and the shares, medians and turnouts derived from them; :class:`VillageFigures`
are one village's. Every share is a part of its whole by construction (the active residents
are registered ones, an answer on time is an answer), so none exceeds 100%.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.reports.period import Period
from storage import budget, people, territory
from storage import meetings as meetings_repo
from storage import reports as repo
from storage.budget import ProjectLine
from storage.db import Database
from storage.meetings import MeetingLine
from storage.models import Scope, Village
from storage.reports import (
    Answer,
    AppealTally,
    HandOff,
    HearingLine,
    OverdueTally,
    PollLine,
    TrendPoint,
)

HOURS_PER_DAY = 24.0


def share(part: float, whole: float) -> float | None:
    """``part`` of ``whole`` in percentage points, to one decimal; None when ``whole`` is 0.

    A part larger than its whole means the whole is out of date (a population figure older
    than the registrations): no share is given rather than one above 100.
    """
    if not whole or part > whole:
        return None
    return round(100 * part / whole, 1)


@dataclass(slots=True)
class Counts:
    """Figures that add up across villages, and what is derived from them."""

    population: int = 0  # of the villages whose population the territory file gives
    registered_counted: int = 0  # registered residents of those villages (for the reach)
    registered: int = 0  # at the period's end, not erased by then
    new: int = 0
    departed: int = 0  # erased their data, or blocked the bot, during the period
    active: int = 0  # registered residents who did anything in the period
    by_language: dict[str, int] = field(default_factory=dict)
    complaints: int = 0
    suggestions: int = 0
    overdue: int = 0  # past due and not answered at the period's end
    answer_days: list[float] = field(default_factory=list)  # first answers in the period
    on_time: int = 0  # of those, answered by the end of their due date
    hearing_attendance: dict[int, int] = field(default_factory=dict)  # hearing -> attended
    coming: int = 0
    messages: int = 0
    delivered: int = 0
    poll_votes: int = 0  # cast in the bot in the period

    def add(self, other: Counts) -> None:
        """Add ``other``'s figures to these (a hearing of several villages stays one)."""
        for name in ("population", "registered_counted", "registered", "new", "departed",
                     "active", "complaints", "suggestions", "overdue", "on_time", "coming",
                     "messages", "delivered", "poll_votes"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for language, count in other.by_language.items():
            self.by_language[language] = self.by_language.get(language, 0) + count
        self.answer_days.extend(other.answer_days)
        self.hearing_attendance.update(other.hearing_attendance)

    @property
    def reach_share(self) -> float | None:
        """Registered residents per 100 of the population, over villages that give one."""
        return share(self.registered_counted, self.population)

    @property
    def active_share(self) -> float | None:
        """Active residents per 100 registered."""
        return share(self.active, self.registered)

    @property
    def answered(self) -> int:
        """Complaints and suggestions first answered in the period."""
        return len(self.answer_days)

    @property
    def on_time_share(self) -> float | None:
        """Of those answered in the period, the share answered by their due date."""
        return share(self.on_time, self.answered)

    @property
    def median_days(self) -> float | None:
        """Median days from receipt to the first answer, to one decimal."""
        return round(statistics.median(self.answer_days), 1) if self.answer_days else None

    @property
    def hearings(self) -> int:
        """Public hearings (not cancelled) in the period."""
        return len(self.hearing_attendance)

    @property
    def attended(self) -> int:
        """Residents recorded at those hearings (each hearing once)."""
        return sum(self.hearing_attendance.values())


@dataclass(slots=True)
class VillageFigures(Counts):
    """Everything the sheets say about one village."""

    village: Village = field(kw_only=True)
    broadcasts: int = 0  # notices that reached its residents (not summed: a notice goes to many)


@dataclass(frozen=True, slots=True)
class ReportData:
    """One period of one scope."""

    period: Period
    start: datetime
    end: datetime
    villages: list[VillageFigures]
    appeals: list[AppealTally]
    overdue: list[OverdueTally]
    hearings: list[HearingLine]
    polls: list[PollLine]
    names: dict[str, Village]  # every village by code, to name a hearing's or poll's villages
    trend: list[tuple[Period, TrendPoint, Counts]] = field(default_factory=list)
    scopes: tuple[Scope, ...] = ()  # what was asked for, to name it
    generated: datetime | None = None
    meetings: list[MeetingLine] = field(default_factory=list)  # of every kind, by start
    projects: list[ProjectLine] = field(default_factory=list)  # funded by participatory budgets
    # residents of each village by the channel of the link they joined by (None: no link)
    channels: dict[str, dict[str | None, int]] = field(default_factory=dict)
    # complaints and suggestions of each village by the channel they came by (telegram, phone…)
    item_channels: dict[str, dict[str, int]] = field(default_factory=dict)
    # items sent on in the period: to another body, to eOtinish (with its number)
    handoffs: list[HandOff] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        """The codes of the villages in scope."""
        return [figures.village.code for figures in self.villages]

    def total(self) -> Counts:
        """The scope's figures: every village added up."""
        whole = Counts()
        for figures in self.villages:
            whole.add(figures)
        return whole


def _answers(
    answers: Sequence[Answer], zone: ZoneInfo, into: dict[str, Counts] | None = None
) -> dict[str, Counts]:
    """Days to answer and answers on time, per village."""
    found: dict[str, Counts] = into if into is not None else {}
    for answer in answers:
        counts = found.setdefault(answer.village_code, Counts())
        taken = answer.answered_at - answer.received_at
        counts.answer_days.append(taken.total_seconds() / 3600 / HOURS_PER_DAY)
        deadline = datetime.combine(answer.due_on + timedelta(days=1), time(0), tzinfo=zone)
        counts.on_time += answer.answered_at < deadline
    return found


@dataclass(frozen=True, slots=True)
class _Rows:
    """What the queries of :func:`load` return, before it is turned into figures."""

    residents: list[repo.LanguageTally]
    appeals: list[AppealTally]
    overdue: list[OverdueTally]
    hearings: list[HearingLine]
    coming: list[repo.VillageHearings]
    reach: list[repo.Reach]
    votes: dict[str, int]
    polls: list[PollLine]
    meetings: list[MeetingLine]


async def _rows(db: Database, codes: list[str], period: Period, zone: ZoneInfo) -> _Rows:
    start, end = period.bounds(zone)
    return _Rows(
        residents=await repo.residents(db, codes, start, end),
        appeals=await repo.appeals_received(db, codes, start, end),
        overdue=await repo.appeals_overdue(db, codes, end, period.end_day),
        hearings=await repo.hearings_between(db, codes, start, end),
        coming=await repo.hearings_by_village(db, codes, start, end),
        reach=await repo.reach(db, codes, start, end),
        votes=await repo.poll_votes_by_village(db, codes, start, end),
        polls=await repo.poll_results(db, codes, start, end),
        meetings=await meetings_repo.between(db, codes, start, end),
    )


@dataclass(frozen=True, slots=True)
class _Activity:
    """What the heaviest queries return (see :func:`_activity`)."""

    active: dict[str, int]
    points: list[TrendPoint]
    answers: list[Answer]


async def _activity(
    db: Database, codes: list[str], period: Period, zone: ZoneInfo, periods: Sequence[Period],
    since: datetime,
) -> _Activity:  # fmt: skip
    """The heaviest queries: active residents, the trend's counts, and the answers since
    ``since`` (the trend's start) for its medians."""
    start, end = period.bounds(zone)
    active = await repo.active(db, codes, start, end)
    bounds = [p.bounds(zone) for p in periods]
    points = await repo.trend(db, codes, bounds) if bounds else []
    return _Activity(active, points, await repo.answers(db, codes, since, end))


async def load(
    db: Database, villages: Sequence[Village], period: Period, zone: ZoneInfo, *,
    trend: int = 0, spare: Database | None = None,
) -> ReportData:  # fmt: skip
    """Read the figures of ``period`` for ``villages``; with ``trend``, that many periods up to
    it too (the scope's totals in each). With a ``spare`` connection to the same database the
    heaviest queries run on it meanwhile (SQLite works outside the GIL: two cores, two
    queries)."""
    start, end = period.bounds(zone)
    codes = [village.code for village in villages]
    periods = period.trend(trend) if trend else [period]
    since = periods[0].bounds(zone)[0]
    activity, rows = await asyncio.gather(
        _activity(spare or db, codes, period, zone, periods if trend else [], since),
        _rows(db, codes, period, zone),
    )
    figures = {village.code: VillageFigures(village=village) for village in villages}
    for village in villages:
        figures[village.code].population = village.population or 0
    for tally in rows.residents:
        row = figures[tally.village_code]
        row.registered += tally.registered
        row.new += tally.new
        row.departed += tally.departed
        if tally.registered:
            row.by_language[tally.language] = tally.registered
    for row in figures.values():
        if row.village.population is not None:
            row.registered_counted = row.registered
    for code, count in activity.active.items():
        figures[code].active = count
    for appeal in rows.appeals:
        row = figures[appeal.village_code]
        if appeal.kind == "complaint":
            row.complaints += appeal.count
        else:
            row.suggestions += appeal.count
    for late in rows.overdue:
        figures[late.village_code].overdue += late.count
    targets: dict[str, Counts] = dict(figures)
    _answers([a for a in activity.answers if a.answered_at >= start], zone, targets)
    for hearing in rows.hearings:
        if hearing.status == "cancelled":
            continue
        for code in hearing.village_codes:
            if code in figures:
                figures[code].hearing_attendance[hearing.id] = hearing.attendance or 0
    for held in rows.coming:
        figures[held.village_code].coming = held.coming
    for reached in rows.reach:
        row = figures[reached.village_code]
        row.broadcasts, row.messages, row.delivered = (
            reached.broadcasts, reached.messages, reached.delivered,
        )  # fmt: skip
    for code, votes in rows.votes.items():
        figures[code].poll_votes = votes
    return ReportData(
        period=period,
        start=start,
        end=end,
        villages=list(figures.values()),
        appeals=rows.appeals,
        overdue=rows.overdue,
        hearings=rows.hearings,
        polls=rows.polls,
        names={village.code: village for village in await territory.list_villages(db)},
        trend=_trend(periods, activity.points, activity.answers, zone) if trend else [],
        meetings=rows.meetings,
        projects=await budget.project_lines(db, codes),
        channels=await people.count_by_village_and_source(db, codes),
        item_channels=await repo.appeals_by_channel(db, codes, start, end),
        handoffs=await repo.handoffs(db, codes, start, end),
    )


def _trend(
    periods: Sequence[Period], points: Sequence[TrendPoint], answered: Sequence[Answer],
    zone: ZoneInfo,
) -> list[tuple[Period, TrendPoint, Counts]]:  # fmt: skip
    """Each period's totals, and its answers (medians and on time), oldest first."""
    answers: list[Counts] = []
    for period in periods:
        start, end = period.bounds(zone)
        whole = Counts()
        for counts in _answers(
            [a for a in answered if start <= a.answered_at < end], zone
        ).values():
            whole.add(counts)
        answers.append(whole)
    return list(zip(periods, points, answers, strict=True))
