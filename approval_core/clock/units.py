"""Units of legal periods: working days (行政许可法 Art. 82) or natural days with the rest-day rule.

Licensing periods count working days. Periods another statute sets in "日" (法律援助法's 七日, the
objection decision) follow the general rule for periods (民法典 Arts. 200-204, 行政诉讼法 Art. 83):
natural days, the start day not counted, and a period whose last day is a rest day (法定休假日: a
statutory holiday, or a Saturday or Sunday that is not a make-up working day) ends on the first
working day after it. Both units share one counting rule: a day counts iff the clock ran at its
00:00; only which days exist as "days" differs, and only natural periods move their end.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal, Protocol

from approval_core.calendar import WorkCalendar

DayUnit = Literal["working_days", "natural_days"]
DAY_UNITS: tuple[DayUnit, ...] = ("working_days", "natural_days")
DEFAULT_UNIT: DayUnit = "working_days"

# How each unit is written in texts shown to people (rule messages take {day_word}).
DAY_WORD: dict[DayUnit, str] = {"working_days": "个工作日", "natural_days": "日"}
DAY_WORD_EN: dict[DayUnit, str] = {"working_days": "working day(s)", "natural_days": "day(s)"}
UNIT_TEXT_ZH: dict[DayUnit, str] = {
    "working_days": "工作日（不含法定节假日）",
    "natural_days": "自然日（期间最后一日为法定休假日的，以休假日后第一个工作日为期间届满日）",
}
UNIT_TEXT_EN: dict[DayUnit, str] = {
    "working_days": "working days (public holidays excluded)",
    "natural_days": "calendar days (a period ending on a rest day ends on the next working day)",
}


class DayCounter(Protocol):
    """Counts the days of one unit; `calendar` says which days are working days."""

    unit: DayUnit

    def days_in(self, after: date, upto: date) -> int:
        """Days of the unit d with after < d <= upto (0 if upto <= after)."""
        ...

    def add_days(self, start: date, n: int) -> date:
        """The n-th day of the unit after `start` (`start` itself for n == 0); no end rule."""
        ...

    def period_end(self, last_day: date) -> date:
        """The day a period whose n-th counted day is `last_day` actually ends."""
        ...


class WorkingDays:
    """Working days: the n-th working day is the end; it can never fall on a rest day."""

    unit: DayUnit = "working_days"

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar

    def days_in(self, after: date, upto: date) -> int:
        return self.calendar.workdays_in(after, upto)

    def add_days(self, start: date, n: int) -> date:
        return self.calendar.add_workdays(start, n)

    def period_end(self, last_day: date) -> date:
        return last_day


class NaturalDays:
    """Natural days; a period whose last day is a rest day ends on the next working day.

    A make-up Saturday or Sunday (调休上班日) is a working day, so a period ending on it stays.
    """

    unit: DayUnit = "natural_days"

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar

    def days_in(self, after: date, upto: date) -> int:
        return max(0, (upto - after).days)

    def add_days(self, start: date, n: int) -> date:
        if n < 0:
            raise ValueError("add_days counts forward only")
        return start + timedelta(days=n)

    def period_end(self, last_day: date) -> date:
        if self.calendar.is_workday(last_day):
            return last_day
        return self.calendar.add_workdays(last_day, 1)


def counter_for(unit: DayUnit, calendar: WorkCalendar) -> DayCounter:
    """The counter of `unit` over `calendar`."""
    if unit == "natural_days":
        return NaturalDays(calendar)
    if unit == "working_days":
        return WorkingDays(calendar)
    raise ValueError(f"unknown day unit {unit!r}")


def period_end(start: date, n: int, unit: DayUnit, calendar: WorkCalendar) -> date:
    """The end of an uninterrupted period of `n` days of `unit` after `start` (start not counted).

    n == 0 ends on `start` itself (no period at all, so no end rule).
    """
    counter = counter_for(unit, calendar)
    if n <= 0:
        return start
    return counter.period_end(counter.add_days(start, n))
