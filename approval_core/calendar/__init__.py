"""Working-day calendar for legal limits: chinesecalendar, calendar.yaml, the 办法 fallback."""

from approval_core.calendar.service import (
    WorkCalendar,
    calendar_version,
    load_calendar,
    parse_calendar,
)
from approval_core.calendar.statutory import statutory_holidays

__all__ = [
    "WorkCalendar",
    "calendar_version",
    "load_calendar",
    "parse_calendar",
    "statutory_holidays",
]
