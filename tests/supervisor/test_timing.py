"""next_due_at: the next moment a time rule may flip, from the thresholds of the rules."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from approval_core.calendar import WorkCalendar, load_calendar
from approval_core.clock.schemas import ClockEvent, ClockPolicy
from approval_core.clock.service import compute_clock
from supervisor.rulebook.compiled import AllOf, Compare, CompiledRule, RuleSet
from supervisor.timing import next_due_at, thresholds
from tests.conftest import RULES
from tests.support import bj

POLICY = ClockPolicy(
    limit=20,
    promised_limit=15,
    clock_stop_types=frozenset({"expert_review"}),
    step_limits={"handle": 8},
)


def _rule(rule_id: str, field: str, op: str, value: int) -> CompiledRule:
    return CompiledRule(
        id=rule_id,
        level="warning",
        title_zh=rule_id,
        title_en=rule_id,
        legal_basis="-",
        concerns=("handler",),
        condition=AllOf((Compare("running", "eq", True), Compare(field, op, value))),  # type: ignore[arg-type]
    )


LADDER = RuleSet(
    "test",
    (
        _rule("W", "remaining", "lte", 3),
        _rule("Y", "overdue", "gte", 1),
        _rule("R", "overdue", "gte", 5),
        _rule("S", "step_over", "gte", 1),
        _rule("U", "yellow_unanswered_days", "gte", 3),
    ),
)


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return load_calendar(RULES)


def _clock(calendar: WorkCalendar, events: list[ClockEvent], now: datetime):  # type: ignore[no-untyped-def]
    return compute_clock(events, POLICY, calendar, now)


def test_thresholds_are_read_from_the_rules() -> None:
    th = thresholds(LADDER)
    assert th["remaining"] == {3}
    assert th["overdue"] == {1, 5}
    assert th["step_over"] == {1}


def test_next_look_is_the_warning_day(calendar: WorkCalendar) -> None:
    """Accepted Mon 2026-03-02, limit 20: counted 3/3.. ; remaining 3 when elapsed 17."""
    now = bj(2026, 3, 4, 12)
    events = [ClockEvent("received", bj(2026, 3, 2, 9)), ClockEvent("accepted", bj(2026, 3, 2, 10))]
    clock = _clock(calendar, events, now)
    assert clock.elapsed == 2  # 3/3, 3/4
    due = next_due_at(clock, thresholds(LADDER), calendar, now)
    # elapsed 17 (remaining 3) is reached on the 15th working day after 3/4: 3/25 (Wed).
    # Days 3/5,6,9..13,16..20,23,24,25 -> 15 working days; at its 00:00 the warning may open.
    assert due == bj(2026, 3, 25, 0)


def test_after_the_warning_the_next_look_is_the_overdue_moment(calendar: WorkCalendar) -> None:
    now = bj(2026, 3, 26, 12)  # elapsed 18, remaining 2
    events = [ClockEvent("received", bj(2026, 3, 2, 9)), ClockEvent("accepted", bj(2026, 3, 2, 10))]
    clock = _clock(calendar, events, now)
    assert clock.remaining == 2
    due = next_due_at(clock, thresholds(LADDER), calendar, now)
    # Elapsed 18 (3/3-6, 9-13, 16-20, 23-26). The warning's boundaries (17, 18) are behind;
    # the next is overdue 1 at elapsed 21: 3/27 (19), 3/30 (20, the due date), 3/31 (21).
    assert due == bj(2026, 3, 31, 0)
    assert due == clock.overdue_at


def test_a_stopped_clock_waits_for_nothing(calendar: WorkCalendar) -> None:
    now = bj(2026, 3, 10, 12)
    events = [
        ClockEvent("received", bj(2026, 3, 2, 9)),
        ClockEvent("accepted", bj(2026, 3, 2, 10)),
        ClockEvent("stop", bj(2026, 3, 5, 10), stop_type="expert_review"),
    ]
    clock = _clock(calendar, events, now)
    assert clock.running is False
    assert next_due_at(clock, thresholds(LADDER), calendar, now) is None


def test_unanswered_yellow_card_is_looked_at_when_it_is_due(calendar: WorkCalendar) -> None:
    now = bj(2026, 3, 10, 12)
    events = [
        ClockEvent("received", bj(2026, 3, 2, 9)),
        ClockEvent("accepted", bj(2026, 3, 2, 10)),
        ClockEvent("stop", bj(2026, 3, 5, 10), stop_type="expert_review"),
    ]
    clock = _clock(calendar, events, now)
    due = next_due_at(clock, thresholds(LADDER), calendar, now, [date(2026, 3, 9)])
    assert due == bj(2026, 3, 12, 0)  # 3 working days after Mon 3/9: 10, 11, 12


def test_acceptance_window_end_is_a_moment_to_look(calendar: WorkCalendar) -> None:
    now = bj(2026, 3, 3, 12)
    clock = _clock(calendar, [ClockEvent("received", bj(2026, 3, 2, 9))], now)
    assert clock.acceptance_due_date == date(2026, 3, 9)
    # Received Mon 3/2; the window's last day is 3/9; deemed acceptance may start on 3/10.
    assert next_due_at(clock, thresholds(LADDER), calendar, now) == bj(2026, 3, 10, 0)
