"""Shared helpers of the hand-checked clock tables: event builders and the one check they run.

Every expected figure below was counted by hand from the State Council's notices on the 2025
and 2026 holiday arrangements; the comment above each row lists the counted days.
Reminders: 2025 rest days 1/1; 1/28-2/4 (make-up 1/26 Sun, 2/8 Sat); 4/4-6; 5/1-5 (make-up 4/27
Sun); 5/31-6/2; 10/1-8 (make-up 9/28 Sun, 10/11 Sat). 2026 rest days 1/1-3 (make-up 1/4 Sun);
2/15-23 (make-up 2/14 Sat, 2/28 Sat); 4/4-6; 5/1-5 (make-up 5/9 Sat); 6/19-21; 9/25-27 (make-up
9/20 Sun); 10/1-7 (make-up 10/10 Sat).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from approval_core.calendar import WorkCalendar
from approval_core.clock.schemas import ClockEvent, ClockEventKind, ClockPolicy, ClockResult
from approval_core.clock.service import compute_clock
from approval_core.timeutil import LEGAL_TZ

RULES = Path(__file__).resolve().parents[2] / "rules"
STOPS = frozenset(
    {"supplement", "inspection", "expert_review", "hearing", "testing", "appraisal"}
    | {"quarantine", "tender", "auction"}
)
POLICY = ClockPolicy(limit=20, promised_limit=10, clock_stop_types=STOPS)


def at(when: str) -> datetime:
    """'2025-03-03' (10:00 Beijing), '2025-03-03 17:30' (Beijing) or '2025-03-02T16:30Z' (UTC)."""
    if when.endswith("Z"):
        return datetime.fromisoformat(when[:-1]).replace(tzinfo=UTC)
    if len(when) == 10:
        when += " 10:00"
    return datetime.fromisoformat(when).replace(tzinfo=LEGAL_TZ)


def ev(kind: ClockEventKind, when: str, **kw: Any) -> ClockEvent:
    return ClockEvent(kind=kind, at=at(when), **kw)


def as_of(when: str) -> datetime:
    return at(when + " 12:00") if len(when) == 10 else at(when)


def d(text: str) -> date:
    return date.fromisoformat(text)


def pick(result: ClockResult, key: str) -> Any:
    value: Any = result
    for part in key.split("."):
        value = getattr(value, part)
    return value


# Accepted Mon 2025-01-20, limit 20, across Spring Festival 2025 (used by several rows).
SPRING_2025 = [ev("accepted", "2025-01-20")]


def check_row(
    calendar: WorkCalendar,
    events: list[ClockEvent],
    when: str,
    policy: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    """Compute the clock for one table row and compare the listed fields."""
    result = compute_clock(events, replace(POLICY, **policy), calendar, as_of(when))
    actual = {key: pick(result, key) for key in expected}
    assert actual == expected
    assert result.calendar_version == calendar.version
