"""rules/calendar.yaml as the working-day calendar reads it: entered years and overrides by date.

The file's shape and checks are in `schemas`; reading and reporting go through
`approval_core.yamlsource`, like every rule file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from approval_core.calendar.schemas import CalendarFile, DayKind, Override, Year
from approval_core.yamlsource import parse_yaml, validate

__all__ = ["CalendarConfig", "DayKind", "parse_calendar_config"]


@dataclass(frozen=True)
class CalendarConfig:
    years: Mapping[int, Year]
    overrides: Mapping[date, Override]

    def entered_days(self) -> dict[date, DayKind]:
        """Every date a year entry names: rest days of its spans and its make-up workdays."""
        days: dict[date, DayKind] = {}
        for entry in self.years.values():
            for span in entry.holidays:
                days.update(dict.fromkeys(span.days(), "holiday"))
            days.update(dict.fromkeys(entry.workdays, "workday"))
        return days


def parse_calendar_config(text: str, source: str) -> CalendarConfig:
    """Parse calendar.yaml text; raise ConfigError listing every problem as file:line:column."""
    found = validate(parse_yaml(text, source), CalendarFile)
    return CalendarConfig(found.years, {override.day: override for override in found.overrides})
