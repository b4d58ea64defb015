"""Parsing and validation of rules/calendar.yaml (format documented in the file's header)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from yaml.nodes import Node, ScalarNode

from approval_core.calendar.statutory import MAX_YEAR, MIN_YEAR
from approval_core.calendar.yamlnodes import (
    Problems,
    compose,
    is_null,
    mapping_items,
    scalar_date,
    scalar_text,
    sequence_items,
)

DayKind = Literal["holiday", "workday"]

_TOP_KEYS = frozenset({"years", "overrides"})
_YEAR_KEYS = frozenset({"source", "holidays", "workdays"})
_HOLIDAY_KEYS = frozenset({"name", "from", "to"})
_OVERRIDE_KEYS = frozenset({"date", "kind", "reason"})


@dataclass(frozen=True)
class HolidaySpan:
    name: str
    start: date
    end: date  # inclusive


@dataclass(frozen=True)
class YearEntry:
    """One year's arrangement as the State Council announced it: rest spans and make-up days."""

    year: int
    source: str
    holidays: tuple[HolidaySpan, ...]
    workdays: tuple[date, ...]


@dataclass(frozen=True)
class DayOverride:
    day: date
    kind: DayKind
    reason: str


@dataclass(frozen=True)
class CalendarConfig:
    years: dict[int, YearEntry]
    overrides: dict[date, DayOverride]

    def entered_days(self) -> dict[date, DayKind]:
        """Every date a year entry names: rest days of its spans and its make-up workdays."""
        days: dict[date, DayKind] = {}
        for entry in self.years.values():
            for span in entry.holidays:
                day = span.start
                while day <= span.end:
                    days[day] = "holiday"
                    day += timedelta(days=1)
            for day in entry.workdays:
                days[day] = "workday"
        return days


class _Parser:
    """Walks the node tree once, collecting values and every problem with its position."""

    def __init__(self, source: str) -> None:
        self.problems = Problems(source)
        self.years: dict[int, YearEntry] = {}
        self.overrides: dict[date, DayOverride] = {}
        self.rest_days: dict[date, Node] = {}  # day -> node that made it a rest day
        self.workday_nodes: list[tuple[date, Node]] = []

    def parse(self, root: Node | None) -> CalendarConfig:
        if root is not None and not is_null(root):
            pairs = mapping_items(root, self.problems, "calendar.yaml", _TOP_KEYS) or []
            for key, value in pairs:
                if key.value == "years":
                    self._years(value)
                else:
                    self._overrides(value)
        self._check_workdays()
        self.problems.raise_if_any()
        return CalendarConfig(years=self.years, overrides=self.overrides)

    def _years(self, node: Node) -> None:
        if is_null(node):
            return
        for key, value in mapping_items(node, self.problems, "years") or []:
            year = self._year_key(key)
            if year is not None:
                self._year_entry(year, value)

    def _year_key(self, key: ScalarNode) -> int | None:
        try:
            year = int(key.value)
        except ValueError:
            year = None
        if year is None or not MIN_YEAR <= year <= MAX_YEAR:
            self.problems.add(key, f"年份无效 / bad year {key.value!r} ({MIN_YEAR}-{MAX_YEAR})")
            return None
        if year in self.years:
            self.problems.add(key, f"年份重复 / year {year} entered twice")
            return None
        return year

    def _fields(self, node: Node, what: str, allowed: frozenset[str]) -> dict[str, Node]:
        return {k.value: v for k, v in mapping_items(node, self.problems, what, allowed) or []}

    def _items(self, fields: dict[str, Node], key: str, what: str) -> list[Node]:
        return sequence_items(fields[key], self.problems, what) if key in fields else []

    def _year_entry(self, year: int, node: Node) -> None:
        what = f"year {year}"
        fields = self._fields(node, what, _YEAR_KEYS)
        if "source" not in fields:
            self.problems.add(
                node, f"缺少 source / {what} needs `source` (the State Council notice)"
            )
            return
        source = scalar_text(fields["source"], self.problems, f"{what} source") or ""
        holidays: list[HolidaySpan] = []
        for item in self._items(fields, "holidays", f"{what} holidays"):
            span = self._holiday(year, item)
            if span is not None:
                holidays.append(span)
        workdays: list[date] = []
        for item in self._items(fields, "workdays", f"{what} workdays"):
            day = self._day_in_year(year, item, f"{what} workday")
            if day is not None:
                workdays.append(day)
                self.workday_nodes.append((day, item))
        self.years[year] = YearEntry(year, source, tuple(holidays), tuple(workdays))

    def _holiday(self, year: int, node: Node) -> HolidaySpan | None:
        what = f"year {year} holiday"
        pairs = self._fields(node, what, _HOLIDAY_KEYS)
        if "name" not in pairs or "from" not in pairs:
            self.problems.add(node, f"缺少 name 或 from / {what} needs `name` and `from`")
            return None
        name = scalar_text(pairs["name"], self.problems, f"{what} name")
        start = self._day_in_year(year, pairs["from"], f"{what} from")
        end = self._day_in_year(year, pairs["to"], f"{what} to") if "to" in pairs else start
        if name is None or start is None or end is None:
            return None
        if start > end:
            self.problems.add(
                pairs["to"], f"起止颠倒 / {what} {name}: from {start} is after to {end}"
            )
            return None
        day = start
        while day <= end:
            if day in self.rest_days:
                first = self.rest_days[day].start_mark.line + 1
                self.problems.add(node, f"日期重复 / {day} is already a rest day (line {first})")
                return None
            day += timedelta(days=1)
        day = start
        while day <= end:
            self.rest_days[day] = node
            day += timedelta(days=1)
        return HolidaySpan(name, start, end)

    def _day_in_year(self, year: int, node: Node, what: str) -> date | None:
        """A date of the year's notice: in the year, or in the adjacent December/January."""
        day = scalar_date(node, self.problems, what)
        if day is None:
            return None
        if not date(year - 1, 12, 1) <= day <= date(year + 1, 1, 31):
            self.problems.add(node, f"日期不属于该年 / {what} {day} is outside year {year}")
            return None
        return day

    def _check_workdays(self) -> None:
        seen: dict[date, Node] = {}
        for day, node in self.workday_nodes:
            if day in seen:
                first = seen[day].start_mark.line + 1
                self.problems.add(node, f"日期重复 / workday {day} listed twice (line {first})")
            elif day in self.rest_days:
                line = self.rest_days[day].start_mark.line + 1
                self.problems.add(node, f"冲突 / workday {day} is also a holiday (line {line})")
            elif day.weekday() < 5:
                self.problems.add(
                    node,
                    f"调休上班日应为周六或周日 / make-up workday {day} is not a Saturday/Sunday",
                )
            seen[day] = node

    def _overrides(self, node: Node) -> None:
        if is_null(node):
            return
        for item in sequence_items(node, self.problems, "overrides"):
            override = self._override(item)
            if override is None:
                continue
            if override.day in self.overrides:
                self.problems.add(item, f"日期重复 / override for {override.day} given twice")
                continue
            self.overrides[override.day] = override

    def _override(self, node: Node) -> DayOverride | None:
        fields = self._fields(node, "override", _OVERRIDE_KEYS)
        missing = [k for k in ("date", "kind", "reason") if k not in fields]
        if missing:
            self.problems.add(node, f"缺少字段 / override needs {', '.join(missing)}")
            return None
        day = scalar_date(fields["date"], self.problems, "override date")
        kind = scalar_text(fields["kind"], self.problems, "override kind")
        reason = scalar_text(fields["reason"], self.problems, "override reason")
        if kind is not None and kind not in ("holiday", "workday"):
            self.problems.add(fields["kind"], f"类型无效 / unknown kind {kind!r} (holiday|workday)")
            return None
        if day is None or kind is None or reason is None:
            return None
        return DayOverride(day, "holiday" if kind == "holiday" else "workday", reason)


def parse_calendar_config(text: str, source: str) -> CalendarConfig:
    """Parse calendar.yaml text; raise ConfigError listing every problem as file:line:column."""
    return _Parser(source).parse(compose(text, source))
