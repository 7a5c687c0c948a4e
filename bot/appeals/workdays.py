"""Working days in Kazakhstan: weekends and public holidays are not counted towards deadlines."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

# Fixed public holidays (Labour Code, Law "On holidays"): New Year, Orthodox Christmas, Women's
# Day, Nauryz, Unity Day, Defender's Day, Victory Day, Capital Day, Constitution Day, Republic
# Day, Independence Day. Movable ones (Kurban ait) and transfers come from PUBLIC_HOLIDAYS.
FIXED_HOLIDAYS: frozenset[tuple[int, int]] = frozenset(
    {
        (1, 1), (1, 2), (1, 7), (3, 8), (3, 21), (3, 22), (3, 23),
        (5, 1), (5, 7), (5, 9), (7, 6), (8, 30), (10, 25), (12, 16),
    }
)  # fmt: skip
# Administrative Procedural Code, Art. 76: an appeal is answered within 15 working days.
ANSWER_WORKING_DAYS = 15


class WorkCalendar:
    """Which days are working days; counts deadlines in working days."""

    def __init__(self, extra_holidays: Iterable[date] = ()) -> None:
        self._extra = frozenset(extra_holidays)

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday, and neither a fixed nor a configured holiday."""
        if day.weekday() >= 5 or (day.month, day.day) in FIXED_HOLIDAYS:
            return False
        return day not in self._extra

    def add_working_days(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start`` (``start`` itself is not counted)."""
        day = start
        while count > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def due_date(self, filed_on: date) -> date:
        """The day by which an appeal filed on ``filed_on`` must be answered."""
        return self.add_working_days(filed_on, ANSWER_WORKING_DAYS)
