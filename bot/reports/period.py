"""What time a report covers: a week, a month, a quarter, a year or any run of days.

A period is whole local days in the configured zone: from its first day's 00:00 to the 00:00
after its last day (stored times being UTC, :meth:`Period.bounds` converts). It reads from the
command line as ``2026-W48``, ``2026-11``, ``2026-Q4``, ``2026`` or ``2026-11-01..2026-11-30``,
travels in callback data as a shorter token (``2026W48``, ``2026M11``, ``2026Q4``, ``2026Y``,
``20261101-20261130``), and is named to people in words in their language ("48-я неделя,
23–29 ноября 2026", "November 2026").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.i18n import Translator

MAX_DAYS = 3 * 366  # a longer range is refused: a report of everything is not a report
TREND = 8  # periods in a trend, the reported one last


class PeriodKind(StrEnum):
    """How a period was chosen; it says how to step to the one before."""

    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    RANGE = "range"


_FORMS: tuple[tuple[re.Pattern[str], PeriodKind], ...] = (
    (re.compile(r"^(\d{4})-?W(\d{1,2})$"), PeriodKind.WEEK),
    (re.compile(r"^(\d{4})(?:-|M)(\d{1,2})$"), PeriodKind.MONTH),
    (re.compile(r"^(\d{4})-?Q(\d)$"), PeriodKind.QUARTER),
    (re.compile(r"^(\d{4})Y?$"), PeriodKind.YEAR),
)
_RANGE = re.compile(r"^(\d{4}-?\d{2}-?\d{2})(?:\.\.|-)(\d{4}-?\d{2}-?\d{2})$")
USAGE = "a period like 2026-W48, 2026-11, 2026-Q4, 2026 or 2026-11-01..2026-11-30"


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """Whole local days from ``first`` to ``last``, both included."""

    first: date
    last: date
    kind: PeriodKind = PeriodKind.RANGE

    # --- making one ---------------------------------------------------------------------------
    @classmethod
    def week(cls, year: int, number: int) -> Period:
        """ISO week ``number`` of ``year`` (Monday to Sunday)."""
        monday = date.fromisocalendar(year, number, 1)
        return cls(monday, monday + timedelta(days=6), PeriodKind.WEEK)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """A calendar month."""
        first = _month_start(year, month)
        return cls(first, _month_start(year, month + 1) - timedelta(days=1), PeriodKind.MONTH)

    @classmethod
    def quarter(cls, year: int, number: int) -> Period:
        """Quarter 1-4 of ``year``."""
        if not 1 <= number <= 4:
            raise ValueError(f"a year has quarters 1 to 4, not {number}")
        first = date(year, 3 * number - 2, 1)
        return cls(
            first, _month_start(year, 3 * number + 1) - timedelta(days=1), PeriodKind.QUARTER
        )

    @classmethod
    def year(cls, year: int) -> Period:
        """A calendar year."""
        return cls(date(year, 1, 1), date(year, 12, 31), PeriodKind.YEAR)

    @classmethod
    def days(cls, first: date, last: date) -> Period:
        """Any run of whole days, ``first`` to ``last`` included."""
        if last < first:
            raise ValueError(f"{last} is before {first}")
        if (last - first).days >= MAX_DAYS:
            raise ValueError(f"a period of at most {MAX_DAYS} days, please")
        return cls(first, last, PeriodKind.RANGE)

    @classmethod
    def of(cls, kind: PeriodKind, day: date) -> Period:
        """The period of ``kind`` a calendar day belongs to (a range: that day alone)."""
        match kind:
            case PeriodKind.WEEK:
                iso = day.isocalendar()
                return cls.week(iso.year, iso.week)
            case PeriodKind.MONTH:
                return cls.month(day.year, day.month)
            case PeriodKind.QUARTER:
                return cls.quarter(day.year, (day.month - 1) // 3 + 1)
            case PeriodKind.YEAR:
                return cls.year(day.year)
        return cls.days(day, day)

    @classmethod
    def containing(cls, kind: PeriodKind, moment: datetime, zone: ZoneInfo) -> Period:
        """The period of ``kind`` a moment belongs to, in ``zone``."""
        return cls.of(kind, moment.astimezone(zone).date())

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read a period as the command line or callback data writes it; ValueError if not one."""
        cleaned = text.strip().upper()
        for pattern, kind in _FORMS:
            match = pattern.match(cleaned)
            if match:
                return cls._made(kind, *(int(group) for group in match.groups()))
        match = _RANGE.match(cleaned)
        if match:
            try:
                first, last = (date.fromisoformat(_dashed(g)) for g in match.groups())
            except ValueError:
                raise ValueError(f"{text!r}: no such day") from None
            return cls.days(first, last)
        raise ValueError(f"{text!r} is not {USAGE}")

    @classmethod
    def _made(cls, kind: PeriodKind, year: int, number: int = 0) -> Period:
        try:
            match kind:
                case PeriodKind.WEEK:
                    return cls.week(year, number)
                case PeriodKind.MONTH if 1 <= number <= 12:
                    return cls.month(year, number)
                case PeriodKind.MONTH:
                    raise ValueError(number)
                case PeriodKind.QUARTER:
                    return cls.quarter(year, number)
            return cls.year(year)
        except ValueError:
            raise ValueError(f"{year} has no {kind.value} {number}") from None

    # --- what it is -------------------------------------------------------------------------
    def __str__(self) -> str:
        """As the command line takes it: ``2026-W48``, ``2026-11``, ``2026-Q4``, ``2026``..."""
        match self.kind:
            case PeriodKind.WEEK:
                iso = self.first.isocalendar()
                return f"{iso.year}-W{iso.week:02d}"
            case PeriodKind.MONTH:
                return f"{self.first:%Y-%m}"
            case PeriodKind.QUARTER:
                return f"{self.first.year}-Q{self.number}"
            case PeriodKind.YEAR:
                return str(self.first.year)
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    @property
    def token(self) -> str:
        """A compact form for callback data: ``2026W48``, ``2026M11``, ``2026Q4``, ``2026Y``."""
        match self.kind:
            case PeriodKind.MONTH:
                return f"{self.first.year}M{self.first.month:02d}"
            case PeriodKind.YEAR:
                return f"{self.first.year}Y"
            case PeriodKind.RANGE:
                return f"{self.first:%Y%m%d}-{self.last:%Y%m%d}"
        return str(self).replace("-", "")

    @property
    def slug(self) -> str:
        """For file names: ``2026-W48``, ``2026-11``, ``2026-11-01_2026-11-30``."""
        return str(self).replace("..", "_")

    @property
    def number(self) -> int:
        """The week's, month's or quarter's number in its year; 0 for years and ranges."""
        match self.kind:
            case PeriodKind.WEEK:
                return self.first.isocalendar().week
            case PeriodKind.MONTH:
                return self.first.month
            case PeriodKind.QUARTER:
                return (self.first.month - 1) // 3 + 1
        return 0

    @property
    def end_day(self) -> date:
        """The day after it: items due before this day were due within or before the period."""
        return self.last + timedelta(days=1)

    @property
    def length(self) -> int:
        """Its number of days."""
        return (self.last - self.first).days + 1

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """``[start, end)`` in UTC: local 00:00 of the first day to 00:00 after the last."""
        start = datetime.combine(self.first, time(0), tzinfo=zone)
        end = datetime.combine(self.end_day, time(0), tzinfo=zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    def shifted(self, count: int) -> Period:
        """The period of the same kind ``count`` steps later (earlier when negative)."""
        match self.kind:
            case PeriodKind.WEEK:
                return Period.of(self.kind, self.first + timedelta(weeks=count))
            case PeriodKind.MONTH:
                first = _month_start(self.first.year, self.first.month + count)
                return Period.month(first.year, first.month)
            case PeriodKind.QUARTER:
                first = _month_start(self.first.year, self.first.month + 3 * count)
                return Period.of(self.kind, first)
            case PeriodKind.YEAR:
                return Period.year(self.first.year + count)
        step = timedelta(days=self.length * count)
        return Period(self.first + step, self.last + step, self.kind)

    def trend(self, count: int = TREND) -> list[Period]:
        """The ``count`` periods of its kind up to and including it, oldest first."""
        return [self.shifted(step) for step in range(1 - count, 1)]

    def has_begun(self, now: datetime, zone: ZoneInfo) -> bool:
        """Whether its first day has come."""
        return self.first <= now.astimezone(zone).date()

    # --- in words ---------------------------------------------------------------------------
    def label(self, tr: Translator) -> str:
        """In words, in ``tr``'s language: "48-апта, 23–29 қараша 2026", "November 2026"."""
        match self.kind:
            case PeriodKind.WEEK:
                return tr.t("report.period.week", number=self.number, days=self.days_label(tr))
            case PeriodKind.MONTH:
                name = str(format_date(self.first, "LLLL", locale=tr.language)).lower()
                return _capital(tr.t("report.period.month", month=name, year=self.first.year))
            case PeriodKind.QUARTER:
                return tr.t("report.period.quarter", number=self.number, year=self.first.year)
            case PeriodKind.YEAR:
                return tr.t("report.period.year", year=self.first.year)
        return self.days_label(tr)

    def days_label(self, tr: Translator) -> str:
        """Its days, the year and month said once: "23–29 ноября 2026", "1 Oct – 31 Dec 2026"."""
        language = tr.language
        last = str(format_date(self.last, "d MMMM y", locale=language))
        if self.first == self.last:
            return last
        if (self.first.year, self.first.month) == (self.last.year, self.last.month):
            return f"{self.first.day}–{last}"
        pattern = "d MMMM" if self.first.year == self.last.year else "d MMMM y"
        return f"{format_date(self.first, pattern, locale=language)} – {last}"


def _dashed(text: str) -> str:
    """``20261101`` or ``2026-11-01`` as ``2026-11-01``."""
    digits = text.replace("-", "")
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"


def _capital(text: str) -> str:
    """The first letter in capitals (month names are lower case in kk and ru)."""
    return text[:1].upper() + text[1:]


def last_ended(kind: PeriodKind, now: datetime, zone: ZoneInfo) -> Period:
    """The latest period of ``kind`` that has ended by ``now``."""
    return Period.containing(kind, now, zone).shifted(-1)
