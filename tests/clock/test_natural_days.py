"""Natural-day periods: the hand-counted table (table_natural.py) and properties (hypothesis).

A natural-day period never ends on a rest day: its end is the first working day on or after its
n-th counted day, and a make-up Saturday or Sunday is a working day.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from approval_core.calendar import WorkCalendar, load_calendar
from approval_core.clock.schemas import ClockEvent
from approval_core.clock.service import compute_clock
from approval_core.clock.units import counter_for, period_end
from approval_core.timeutil import LEGAL_TZ
from tests.clock import table_natural
from tests.clock.table_support import POLICY, RULES, check_row

CALENDAR: WorkCalendar = load_calendar(RULES)
SETTINGS = settings(max_examples=200, deadline=None)


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return CALENDAR


def test_the_table_covers_the_holidays() -> None:
    ids = " ".join(str(row.id) for row in table_natural.CASES)
    for needed in ("spring-festival", "labour-day", "national-day", "mid-autumn"):
        assert needed in ids
    assert "make-up-saturday" in ids
    assert "sunday-moved-to-monday" in ids
    assert len(table_natural.CASES) >= 15


@pytest.mark.parametrize(("events", "when", "policy", "expected"), table_natural.CASES)
def test_natural_day_case(
    calendar: WorkCalendar,
    events: list[ClockEvent],
    when: str,
    policy: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    check_row(calendar, events, when, policy, expected)


def test_period_end_by_unit() -> None:
    start = date(2026, 9, 30)
    assert period_end(start, 7, "natural_days", CALENDAR) == date(2026, 10, 8)
    assert period_end(start, 7, "working_days", CALENDAR) == date(2026, 10, 15)
    assert period_end(start, 0, "natural_days", CALENDAR) == start
    with pytest.raises(ValueError, match="unknown day unit"):
        counter_for("fortnights", CALENDAR)  # type: ignore[arg-type]


def _moment(day: date, minutes: int) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=LEGAL_TZ) + timedelta(minutes=minutes)


@st.composite
def natural_cases(draw: st.DrawFn) -> tuple[list[ClockEvent], int, datetime]:
    start = draw(st.dates(date(2025, 1, 1), date(2026, 12, 31)))
    limit = draw(st.integers(1, 40))
    events = [ClockEvent("received", _moment(start, draw(st.integers(0, 1439))))]
    cursor = events[0].at
    for _ in range(draw(st.integers(0, 2))):
        begin = cursor + timedelta(days=draw(st.integers(0, 15)), minutes=1)
        events.append(ClockEvent("stop", begin, stop_type="expert_review", expected_days=3))
        cursor = begin + timedelta(days=draw(st.integers(0, 20)), minutes=1)
        if draw(st.booleans()):
            events.append(ClockEvent("resume", cursor))
        else:
            break
    as_of = cursor + timedelta(days=draw(st.integers(0, 60)))
    return events, limit, as_of


@SETTINGS
@given(natural_cases())
def test_a_natural_period_never_ends_on_a_rest_day(
    case: tuple[list[ClockEvent], int, datetime],
) -> None:
    events, limit, as_of = case
    policy = replace(
        POLICY,
        unit="natural_days",
        limit=limit,
        promised_limit=limit,
        limit_from="receipt",
        acceptance_window=0,
    )
    clock = compute_clock(events, policy, CALENDAR, as_of)
    assert clock.due_date is not None
    assert clock.promised is not None
    assert CALENDAR.is_workday(clock.due_date)
    assert clock.promised.due_date is not None
    assert CALENDAR.is_workday(clock.promised.due_date)
    # remaining counts down to the due date, which lies on or after the limit's last day.
    assert clock.remaining + clock.elapsed >= limit
    # The day before a moved end is a rest day (the end only moves over rest days).
    if clock.remaining + clock.elapsed > limit:
        assert not CALENDAR.is_workday(clock.due_date - timedelta(days=1))
    assert clock.overdue == max(0, -clock.remaining)


@SETTINGS
@given(st.dates(date(2025, 1, 1), date(2026, 12, 31)), st.integers(1, 60))
def test_natural_period_end_is_the_first_working_day_on_or_after_the_nth_day(
    start: date, n: int
) -> None:
    end = period_end(start, n, "natural_days", CALENDAR)
    nth = start + timedelta(days=n)
    assert end >= nth
    assert CALENDAR.is_workday(end)
    assert all(not CALENDAR.is_workday(nth + timedelta(days=k)) for k in range((end - nth).days))
    # A working-day period of the same length is never shorter than the natural one's n-th day.
    assert period_end(start, n, "working_days", CALENDAR) >= nth
