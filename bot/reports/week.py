"""ISO weeks in the configured zone: Monday 00:00 to Monday 00:00 local time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import Translator

_WEEK_RE = re.compile(r"^(\d{4})-?W(\d{2})$")


@dataclass(frozen=True, slots=True, order=True)
class Week:
    """One ISO week, e.g. 2026-W48."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Week:
        """Read ``2026-W48`` (or ``2026W48``); raise ValueError when it is not a week."""
        match = _WEEK_RE.match(text.strip().upper())
        if not match:
            raise ValueError(f"{text!r} is not an ISO week like 2026-W48")
        year, number = int(match.group(1)), int(match.group(2))
        try:
            date.fromisocalendar(year, number, 1)
        except ValueError:
            raise ValueError(f"{year} has no week {number}") from None
        return cls(year, number)

    @classmethod
    def of(cls, day: date) -> Week:
        """The week a calendar day belongs to."""
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def containing(cls, moment: datetime, zone: ZoneInfo) -> Week:
        """The week a moment belongs to, in ``zone``."""
        return cls.of(moment.astimezone(zone).date())

    def __str__(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def token(self) -> str:
        """A compact form for callback data: ``2026W48``."""
        return f"{self.year}W{self.number:02d}"

    @property
    def monday(self) -> date:
        """Its first day."""
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> date:
        """Its last day."""
        return self.monday + timedelta(days=6)

    @property
    def end_day(self) -> date:
        """The Monday after it: items due before this day were due within or before the week."""
        return self.monday + timedelta(days=7)

    def shifted(self, weeks: int) -> Week:
        """The week ``weeks`` later (earlier when negative)."""
        return Week.of(self.monday + timedelta(weeks=weeks))

    def label(self, tr: Translator) -> str:
        """The week as people read it: «48-я неделя (23—29 нояб. 2026 г.)», not «2026-W48»."""
        return tr.t(
            "report.week", number=self.number, dates=tr.date_range(self.monday, self.sunday)
        )

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """``[start, end)`` in UTC: local Monday 00:00 to the next Monday 00:00."""
        start = datetime.combine(self.monday, time(0), tzinfo=zone)
        end = datetime.combine(self.monday + timedelta(days=7), time(0), tzinfo=zone)
        return start.astimezone(UTC), end.astimezone(UTC)
