"""The shape of rules/calendar.yaml (format documented in the file's header) and its checks.

Read through `approval_core.yamlsource`, so every fault is reported at once as "file:line:column:
中文 / English". Models are strict and refuse unknown keys. A check on one value (a real date, a
make-up workday on a weekend, from <= to) lives on that value and is reported whatever else is
wrong; checks across dates run once all years (or all overrides) are well formed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from approval_core.calendar.statutory import MAX_YEAR, MIN_YEAR
from approval_core.yamlsource import Loc, Problem, RuleViolation

DayKind = Literal["holiday", "workday"]

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _day_as_written(value: Any) -> Any:
    """A quoted "2027-01-01" as the date YAML makes of the unquoted one.

    Anything else is left to strict validation, which takes only a date (not a datetime, not a
    number). YAML keeps a date it cannot build, like 2027-02-30, as text: it is named here.
    """
    if not (isinstance(value, str) and _ISO_DAY.fullmatch(value)):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        zh = f"字段 {{field}} 的日期 {value} 不存在"
        raise RuleViolation.one((), zh, f"field {{field}}: there is no date {value}") from None


def _on_weekend(day: date) -> date:
    if day.weekday() < 5:
        raise RuleViolation.one(
            (),
            f"调休上班日 {day} 应为周六或周日",
            f"make-up workday {day} is not a Saturday/Sunday",
        )
    return day


Day = Annotated[date, BeforeValidator(_day_as_written)]  # YYYY-MM-DD, quoted or not
MakeUpDay = Annotated[Day, AfterValidator(_on_weekend)]  # 调休上班日
YearNumber = Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


class CalendarModel(BaseModel):
    """Base of the calendar records: strict, unknown keys refused, immutable once loaded."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_default(cls, data: Any) -> Any:
        # `workdays:` with nothing after it is null in YAML, and staff mean "none".
        if not isinstance(data, dict):
            return data
        fields = cls.model_fields.items()
        optional = {info.alias or name for name, info in fields if not info.is_required()}
        return {
            key: value for key, value in data.items() if value is not None or key not in optional
        }


class Holiday(CalendarModel):
    """A rest span of the notice (放假), both ends included; `to` may be left out for one day."""

    name: Text
    start: Day = Field(alias="from")
    end: Day | None = Field(default=None, alias="to")

    @property
    def last(self) -> date:
        return self.start if self.end is None else self.end

    def days(self) -> Iterator[date]:
        day = self.start
        while day <= self.last:
            yield day
            day += timedelta(days=1)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.last < self.start:
            raise RuleViolation.one(
                ("to",),
                f"起止颠倒：from {self.start} 晚于 to {self.last}",
                f"from {self.start} is after to {self.last}",
            )
        return self


class Year(CalendarModel):
    """One year's arrangement as the State Council announced it: rest spans and make-up days."""

    source: Text  # the notice, e.g. 国办发明电〔2026〕X号
    holidays: list[Holiday] = []
    workdays: list[MakeUpDay] = []


class Override(CalendarModel):
    """One date made a holiday or a workday, whatever the other sources say."""

    day: Day = Field(alias="date")
    kind: DayKind
    reason: Text  # the notice or legal basis


class CalendarFile(CalendarModel):
    """rules/calendar.yaml. An empty file is valid: no year entered, no override."""

    years: dict[YearNumber, Year] = {}
    overrides: list[Override] = []

    @model_validator(mode="before")
    @classmethod
    def _empty_file(cls, data: Any) -> Any:
        return {} if data is None else data

    @field_validator("years")
    @classmethod
    def _dates_agree(cls, years: dict[int, Year]) -> dict[int, Year]:
        problems = _outside_year(years)
        spans, rest = _rest_days(years)
        problems += spans + _workday_clashes(years, rest)
        if problems:
            raise RuleViolation(problems)
        return years

    @field_validator("overrides")
    @classmethod
    def _one_per_date(cls, overrides: list[Override]) -> list[Override]:
        first: dict[date, int] = {}
        problems: list[Problem] = []
        for index, override in enumerate(overrides):
            earlier = first.setdefault(override.day, index)
            if earlier != index:
                problems.append(
                    Problem(
                        (index,),
                        f"日期 {override.day} 的更正重复（同 overrides[{earlier}]）",
                        f"override for {override.day} given twice (same as overrides[{earlier}])",
                    )
                )
        if problems:
            raise RuleViolation(problems)
        return overrides


# --- checks across dates (paths relative to `years`) -----------------------------------------
def _in_reach(year: int, day: date) -> bool:
    """A year's notice names dates of that year, sometimes of the adjacent December / January."""
    return date(year - 1, 12, 1) <= day <= date(year + 1, 1, 31)


def _outside_year(years: Mapping[int, Year]) -> list[Problem]:
    problems: list[Problem] = []
    for year, entry in years.items():
        dated: list[tuple[Loc, date]] = [
            ((year, "workdays", i), day) for i, day in enumerate(entry.workdays)
        ]
        for i, span in enumerate(entry.holidays):
            dated.append(((year, "holidays", i, "from"), span.start))
            if span.end is not None:
                dated.append(((year, "holidays", i, "to"), span.end))
        problems += [
            Problem(loc, f"日期 {day} 不属于 {year} 年", f"date {day} is outside year {year}")
            for loc, day in dated
            if not _in_reach(year, day)
        ]
    return problems


def _rest_days(years: Mapping[int, Year]) -> tuple[list[Problem], dict[date, tuple[int, str]]]:
    """Problems for a date in two holiday spans, and each rest day's (year, holiday name).

    A span with a date outside its year (reported on its own) is left out.
    """
    problems: list[Problem] = []
    rest: dict[date, tuple[int, str]] = {}
    for year, entry in years.items():
        for i, span in enumerate(entry.holidays):
            if not (_in_reach(year, span.start) and _in_reach(year, span.last)):
                continue
            taken = next((day for day in span.days() if day in rest), None)
            if taken is None:
                rest.update(dict.fromkeys(span.days(), (year, span.name)))
                continue
            where = (year, "holidays", i)
            problems.append(_in_holiday(where, f"放假日 {taken}", f"rest day {taken}", rest[taken]))
    return problems, rest


def _workday_clashes(
    years: Mapping[int, Year], rest: Mapping[date, tuple[int, str]]
) -> list[Problem]:
    """Problems for a make-up workday listed twice or also a rest day."""
    problems: list[Problem] = []
    listed: dict[date, tuple[int, int]] = {}  # day -> (year, index) where first listed
    for year, entry in years.items():
        for i, day in enumerate(entry.workdays):
            if not _in_reach(year, day):
                continue
            first = listed.setdefault(day, (year, i))
            if first != (year, i):
                problems.append(
                    Problem(
                        (year, "workdays", i),
                        f"调休上班日 {day} 重复（同 {first[0]} 年 workdays[{first[1]}]）",
                        f"make-up workday {day} listed twice (same as workdays[{first[1]}] "
                        f"of {first[0]})",
                    )
                )
            elif day in rest:
                what_zh, what_en = f"调休上班日 {day}", f"make-up workday {day}"
                problems.append(_in_holiday((year, "workdays", i), what_zh, what_en, rest[day]))
    return problems


def _in_holiday(loc: Loc, what_zh: str, what_en: str, holiday: tuple[int, str]) -> Problem:
    """A date (`what_*` names it) that a holiday span, (year, name), already makes a rest day."""
    year, name = holiday
    zh = f"{what_zh} 已在 {year} 年{name}的放假区间内"
    return Problem(loc, zh, f"{what_en} is already in holiday {name} ({year})")
