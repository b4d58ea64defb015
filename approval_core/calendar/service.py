"""The working-day calendar (docs/DOMAIN.md §3): which dates are working days, and counting them.

Sources, most specific first:

1. `overrides` in rules/calendar.yaml (one date made a holiday or a workday, with a reason);
2. a year entered in rules/calendar.yaml (the State Council's notice: rest spans, 调休 workdays);
3. chinesecalendar, for the years its data covers (detected from its tables);
4. the statutory holidays of 《全国年节及纪念日放假办法》 (see `statutory`), without make-up
   workdays. Such a year is *provisional*: figures that depend on it must say so.

Counting is by per-year cumulative tables, so `workdays_in` and `add_workdays` cost a lookup and a
bisection, whatever the span.
"""

from __future__ import annotations

import hashlib
import threading
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import chinese_calendar
from chinese_calendar import constants as cc_constants

from approval_core.calendar.config import CalendarConfig, DayKind, parse_calendar_config
from approval_core.calendar.statutory import MAX_YEAR, MIN_YEAR, is_statutory_workday
from approval_core.errors import ConfigError
from approval_core.yamlsyntax import undecodable, unreadable

CALENDAR_FILE = "calendar.yaml"

_CC_HOLIDAYS: frozenset[date] = frozenset(cc_constants.holidays)
_CC_WORKDAYS: frozenset[date] = frozenset(cc_constants.workdays)
_CC_YEARS: frozenset[int] = frozenset(day.year for day in _CC_HOLIDAYS)
CHINESECALENDAR_VERSION: str = chinese_calendar.__version__


@dataclass(frozen=True)
class _YearTable:
    """cum[i] = working days among the first i days of the year; base = index before Jan 1."""

    first_ordinal: int
    cum: list[int]
    base: int

    @property
    def total(self) -> int:
        return self.cum[-1]


class WorkCalendar:
    """Working days for legal limits (行政许可法 Art. 82). Immutable once built; thread-safe."""

    def __init__(self, config: CalendarConfig, version: str) -> None:
        self.config = config
        self.version = version
        self._entered: dict[date, DayKind] = config.entered_days()
        self._tables: dict[int, _YearTable] = {}
        self._lock = threading.Lock()

    # -- which days ------------------------------------------------------------------------

    def is_covered_year(self, year: int) -> bool:
        """True if the year's real arrangement is known (chinesecalendar or calendar.yaml)."""
        return year in self.config.years or year in _CC_YEARS

    def is_provisional_year(self, year: int) -> bool:
        """True if the year falls back to the 办法's statutory holidays (no 调休 known)."""
        return not self.is_covered_year(year)

    def provisional_years(self, first: date, last: date) -> tuple[int, ...]:
        """The provisional years among those of the dates first..last."""
        return tuple(y for y in range(first.year, last.year + 1) if self.is_provisional_year(y))

    def is_workday(self, day: date) -> bool:
        table = self._table(day.year)
        i = day.toordinal() - table.first_ordinal
        return table.cum[i + 1] != table.cum[i]

    def _compute_is_workday(self, day: date) -> bool:
        override = self.config.overrides.get(day)
        if override is not None:
            return override.kind == "workday"
        entered = self._entered.get(day)
        if entered is not None:
            return entered == "workday"
        if day.year in self.config.years:
            return day.weekday() < 5
        if day.year in _CC_YEARS:
            return day in _CC_WORKDAYS or (day.weekday() < 5 and day not in _CC_HOLIDAYS)
        return is_statutory_workday(day)

    # -- counting --------------------------------------------------------------------------

    def index(self, day: date) -> int:
        """A running count of working days through `day` (inclusive), from an arbitrary origin."""
        table = self._table(day.year)
        return table.base + table.cum[day.toordinal() - table.first_ordinal + 1]

    def workdays_in(self, after: date, upto: date) -> int:
        """Working days d with after < d <= upto (0 if upto <= after)."""
        if upto <= after:
            return 0
        return self.index(upto) - self.index(after)

    def add_workdays(self, start: date, n: int) -> date:
        """The n-th working day after `start` (`start` itself for n == 0)."""
        if n < 0:
            raise ValueError("add_workdays counts forward only")
        if n == 0:
            return start
        target = self.index(start) + n
        year = start.year
        while True:
            table = self._table(year)
            if target <= table.base + table.total:
                i = bisect_left(table.cum, target - table.base)
                return date.fromordinal(table.first_ordinal + i - 1)
            year += 1

    # -- tables ----------------------------------------------------------------------------

    def _table(self, year: int) -> _YearTable:
        table = self._tables.get(year)
        if table is None:
            with self._lock:
                self._build_through(year)
            table = self._tables[year]
        return table

    def _build_through(self, year: int) -> None:
        """Build tables contiguously from those already built, so bases stay consistent."""
        if year in self._tables:
            return
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(f"the calendar handles years {MIN_YEAR}-{MAX_YEAR}, not {year}")
        if not self._tables:
            self._tables[year] = self._year_table(year, base=0)
            return
        low, high = min(self._tables), max(self._tables)
        for y in range(high + 1, year + 1):
            previous = self._tables[y - 1]
            self._tables[y] = self._year_table(y, previous.base + previous.total)
        for y in range(low - 1, year - 1, -1):
            table = self._year_table(y, base=0)
            self._tables[y] = _YearTable(
                table.first_ordinal, table.cum, self._tables[y + 1].base - table.total
            )

    def _year_table(self, year: int, base: int) -> _YearTable:
        first = date(year, 1, 1).toordinal()
        last = date(year, 12, 31).toordinal()
        cum = [0]
        for ordinal in range(first, last + 1):
            cum.append(cum[-1] + self._compute_is_workday(date.fromordinal(ordinal)))
        return _YearTable(first, cum, base)


def calendar_version(file_bytes: bytes) -> str:
    """The version every clock result records; it changes whenever calendar.yaml changes."""
    digest = hashlib.sha256(file_bytes).hexdigest()[:12]
    return f"chinesecalendar-{CHINESECALENDAR_VERSION}+calendar.yaml-{digest}"


def parse_calendar(data: bytes, source: str) -> WorkCalendar:
    """Build a calendar from the bytes of a calendar.yaml (`source` names it in errors)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError([undecodable(source, exc)]) from exc
    return WorkCalendar(parse_calendar_config(text, source), calendar_version(data))


def load_calendar(rules_dir: Path) -> WorkCalendar:
    """Read rules_dir/calendar.yaml; a missing or malformed file is a ConfigError."""
    path = rules_dir / CALENDAR_FILE
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError([unreadable(str(path), exc)]) from exc
    return parse_calendar(data, str(path))
