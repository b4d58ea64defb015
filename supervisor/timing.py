"""When a case must next be looked at: the next moment a time-based rule may change its verdict.

Thresholds come from the rules in force (the literal values compared with time-varying fields),
so a sweep costs in proportion to what is due, not to the number of open cases. The answer
may be early (a case woken when nothing changes) but never late.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta

from approval_core.calendar import WorkCalendar
from approval_core.clock.schemas import ClockResult
from approval_core.clock.units import DayCounter, counter_for
from approval_core.timeutil import legal_date, start_of_legal_day
from supervisor.rulebook.compiled import AllOf, AnyOf, Compare, Condition, RuleSet

# Fields that change as days (of the case's unit) pass.
TIME_FIELDS = (
    "remaining",
    "overdue",
    "elapsed",
    "promised_remaining",
    "promised_overdue",
    "step_elapsed",
    "step_over",
    "yellow_unanswered_days",
)
Thresholds = dict[str, frozenset[int]]


def _compares(condition: Condition) -> Iterator[Compare]:
    if isinstance(condition, Compare):
        yield condition
    elif isinstance(condition, AllOf | AnyOf):
        for part in condition.parts:
            yield from _compares(part)


def thresholds(ruleset: RuleSet) -> Thresholds:
    """The integer literals each time-varying field is compared with, over all rules."""
    found: dict[str, set[int]] = {name: set() for name in TIME_FIELDS}
    for rule in ruleset.rules:
        for cmp in _compares(rule.condition):
            if cmp.field in found and cmp.other is None:
                values = cmp.value if isinstance(cmp.value, list | tuple) else [cmp.value]
                found[cmp.field].update(int(v) for v in values if isinstance(v, int | float))
    return {name: frozenset(values) for name, values in found.items()}


def _targets(values: Iterable[int], base: int, sign: int) -> set[int]:
    """Counts at which `base + sign * t` passes a threshold t (both sides of the boundary)."""
    out: set[int] = set()
    for t in values:
        point = base + sign * t
        out.update({point, point + 1})
    return out


def _review_targets(clock: ClockResult, th: Thresholds) -> set[int]:
    # elapsed + remaining is the period in days up to the due date: limit + extension, plus
    # the days a natural-day period's rest-day end added (a cut-off can only make it earlier).
    total = clock.elapsed + clock.remaining
    targets = _targets(th["remaining"], total, -1) | _targets(th["overdue"], total, 1)
    targets |= _targets(th["elapsed"], 0, 1)
    if clock.promised is not None:
        promised = clock.elapsed + clock.promised.remaining
        targets |= _targets(th["promised_remaining"], promised, -1)
        targets |= _targets(th["promised_overdue"], promised, 1)
    return targets


def _after(days: DayCounter, today: date, current: int, targets: set[int]) -> date | None:
    ahead = [t - current for t in targets if t > current]
    return days.add_days(today, min(ahead)) if ahead else None


def next_due_at(
    clock: ClockResult,
    th: Thresholds,
    calendar: WorkCalendar,
    now: datetime,
    yellow_opened: Iterable[date] = (),
) -> datetime | None:
    """The earliest moment after `now` at which a time-based rule could change its verdict."""
    today = legal_date(now)
    unit = counter_for(clock.unit, calendar)  # the case's figures count days of its unit
    days: list[date | None] = []
    if clock.running:
        days.append(_after(unit, today, clock.elapsed, _review_targets(clock, th)))
    step = clock.step
    if step is not None and clock.phase in ("acceptance", "review"):
        limit = step.limit or 0
        step_targets = _targets(th["step_elapsed"], 0, 1) | (
            _targets(th["step_over"], limit, 1) if step.limit else set()
        )
        days.append(_after(unit, today, step.elapsed, step_targets))
    if clock.phase == "acceptance" and clock.acceptance_due_date is not None:
        days.append(clock.acceptance_due_date + timedelta(days=1))
    for opened in yellow_opened:
        for t in th["yellow_unanswered_days"]:
            days.extend([calendar.add_workdays(opened, t), calendar.add_workdays(opened, t + 1)])
    moments = [start_of_legal_day(d) for d in days if d is not None]
    if clock.running and clock.overdue_at is not None:
        moments.append(clock.overdue_at)
    future = [m for m in moments if m > now]
    return min(future) if future else None
