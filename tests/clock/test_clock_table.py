"""The hand-checked legal-clock table: every row of table_calendar.py (holidays, make-up days,
stops, extensions), table_acceptance.py (the acceptance window, as-of moments, the end of a case)
and table_deadline.py (cut-off, time zones, steps, the promised limit, 2027) in one test."""

from __future__ import annotations

from typing import Any

import pytest

from approval_core.calendar import WorkCalendar, load_calendar
from approval_core.clock.schemas import ClockEvent
from tests.clock import table_acceptance, table_calendar, table_deadline
from tests.clock.table_support import RULES, check_row

ROWS = [*table_calendar.CASES, *table_acceptance.CASES, *table_deadline.CASES]


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return load_calendar(RULES)


def test_the_table_has_enough_rows() -> None:
    assert len(ROWS) >= 40


@pytest.mark.parametrize(("events", "when", "policy", "expected"), ROWS)
def test_clock_case(
    calendar: WorkCalendar,
    events: list[ClockEvent],
    when: str,
    policy: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    check_row(calendar, events, when, policy, expected)
