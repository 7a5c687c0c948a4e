"""The figures of one report: loaded with a handful of aggregate queries, held per village."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.reports.week import Week
from storage import meetings as meetings_repo
from storage import reports as repo
from storage import territory
from storage.db import Database
from storage.meetings import MeetingLine
from storage.models import Village
from storage.reports import AppealTally, HearingLine, OverdueTally, PollLine


@dataclass(slots=True)
class VillageFigures:
    """Everything the Overview and Participation sheets say about one village."""

    village: Village
    registered: int = 0
    new: int = 0
    departed: int = 0
    active: int = 0
    by_language: dict[str, int] = field(default_factory=dict)
    complaints: int = 0
    suggestions: int = 0
    overdue: int = 0
    hearings: int = 0
    coming: int = 0
    broadcasts: int = 0
    messages: int = 0
    delivered: int = 0
    poll_votes: int = 0


@dataclass(frozen=True, slots=True)
class ReportData:
    """One week of one scope."""

    week: Week
    start: datetime
    end: datetime
    villages: list[VillageFigures]
    appeals: list[AppealTally]
    overdue: list[OverdueTally]
    hearings: list[HearingLine]
    polls: list[PollLine]
    names: dict[str, Village]  # every village by code, to name a hearing's or poll's villages
    meetings: list[MeetingLine] = field(default_factory=list)  # of every kind, by start

    @property
    def codes(self) -> list[str]:
        """The codes of the villages in scope."""
        return [figures.village.code for figures in self.villages]


async def load(db: Database, villages: Sequence[Village], week: Week, zone: ZoneInfo) -> ReportData:
    """Read the figures of ``week`` for ``villages``."""
    start, end = week.bounds(zone)
    codes = [village.code for village in villages]
    figures = {village.code: VillageFigures(village) for village in villages}
    for tally in await repo.residents(db, codes, start, end):
        row = figures[tally.village_code]
        row.registered += tally.registered
        row.new += tally.new
        row.departed += tally.departed
        if tally.registered:
            row.by_language[tally.language] = tally.registered
    for code, count in (await repo.active(db, codes, start, end)).items():
        figures[code].active = count
    appeals = await repo.appeals_received(db, codes, start, end)
    for appeal in appeals:
        row = figures[appeal.village_code]
        if appeal.kind == "complaint":
            row.complaints += appeal.count
        else:
            row.suggestions += appeal.count
    overdue = await repo.appeals_overdue(db, codes, end, week.end_day)
    for late in overdue:
        figures[late.village_code].overdue += late.count
    for held in await repo.hearings_by_village(db, codes, start, end):
        figures[held.village_code].hearings = held.hearings
        figures[held.village_code].coming = held.coming
    for reached in await repo.reach(db, codes, start, end):
        row = figures[reached.village_code]
        row.broadcasts, row.messages, row.delivered = (
            reached.broadcasts, reached.messages, reached.delivered,
        )  # fmt: skip
    for code, votes in (await repo.poll_votes_by_village(db, codes, start, end)).items():
        figures[code].poll_votes = votes
    return ReportData(
        week=week,
        start=start,
        end=end,
        villages=list(figures.values()),
        appeals=appeals,
        overdue=overdue,
        hearings=await repo.hearings_between(db, codes, start, end),
        polls=await repo.poll_results(db, codes, start, end),
        names={village.code: village for village in await territory.list_villages(db)},
        meetings=await meetings_repo.between(db, codes, start, end),
    )
