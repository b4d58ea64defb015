"""The legal clock day by day: which dates counted toward the limit, which a stop excluded, why.

Follows the counting rule of docs/DOMAIN.md section 3 as `approval_core.clock` applies it: the start
day never counts; a working day counts if the clock ran at its 00:00, so a stop from S to R
excludes the working days in (S, R]; a stop whose type does not stop the clock (by
rules/timeliness.yaml) excludes nothing. Days after the as-of date are the projection the due
date rests on (an open stop taken as resumed on the as-of date). The running total on the
as-of date equals the clock's `elapsed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from approval_core.calendar import WorkCalendar
from approval_core.clock.schemas import ClockResult, Segment
from approval_core.timeutil import legal_date

DayKind = Literal["workday", "weekend", "holiday", "makeup"]
DayStatus = Literal[
    "before",  # before the clock starts (acceptance window)
    "start",  # the start day: never counted
    "counted",
    "stopped",  # a working day excluded by a stop that stops the clock
    "not_working",  # weekend or holiday
    "projected",  # after the as-of date: counted if the clock runs on
    "after_end",  # after the case ended
]
MAX_DAYS = 120


@dataclass(frozen=True)
class ClockDay:
    day: date
    kind: DayKind
    status: DayStatus
    total: int  # counted days through this date (projected ones included after the as-of date)
    stop_type: str | None = None  # the stop in effect that day (even one that does not stop time)
    # received, acceptance_due, started, stop (a stop began), resumed, due, ended, as_of
    marks: tuple[str, ...] = ()
    note: str = ""  # the calendar override's reason, if one decided the day


def day_kind(calendar: WorkCalendar, day: date) -> DayKind:
    weekend = day.weekday() >= 5
    if calendar.is_workday(day):
        return "makeup" if weekend else "workday"
    return "weekend" if weekend else "holiday"


def ended_on(clock: ClockResult) -> date | None:
    """The date the case ended (concluded, rejected, withdrawn), if it has."""
    if clock.phase != "ended":
        return None
    return clock.segments[-1].end if clock.segments else legal_date(clock.as_of)


def clock_days(
    clock: ClockResult, calendar: WorkCalendar, stop_types: frozenset[str]
) -> list[ClockDay]:
    """Every date from receipt (or the start) through the as-of date or the due date."""
    as_of = legal_date(clock.as_of)
    first = min(d for d in (clock.received_on, clock.started_on, as_of) if d is not None)
    last = max(as_of, clock.due_date or as_of)
    end = ended_on(clock)
    stops = [s for s in clock.segments if s.kind == "stopped"]
    days: list[ClockDay] = []
    total = 0
    day = first
    while day <= last:
        kind = day_kind(calendar, day)
        stop = _stop_on(stops, day, as_of)
        status = _status(clock, day, kind, stop, stop_types, as_of, end)
        total += status in ("counted", "projected")
        override = calendar.config.overrides.get(day)
        days.append(
            ClockDay(
                day=day,
                kind=kind,
                status=status,
                total=total,
                stop_type=stop.stop_type if stop is not None else None,
                marks=_marks(clock, stops, day, as_of, end),
                note=override.reason if override is not None else "",
            )
        )
        day += timedelta(days=1)
    return days


def _stop_on(stops: list[Segment], day: date, as_of: date) -> Segment | None:
    """The stop covering `day` in the sense of the counting rule: start < day <= end."""
    for stop in stops:
        end = stop.end if stop.end is not None else as_of
        if stop.start < day <= end:
            return stop
    return None


def _status(
    clock: ClockResult,
    day: date,
    kind: DayKind,
    stop: Segment | None,
    stop_types: frozenset[str],
    as_of: date,
    end: date | None,
) -> DayStatus:
    start = clock.started_on
    if start is None or day < start:
        return "before"
    if day == start:
        return "start"
    if end is not None and day > end:
        return "after_end"
    if kind in ("weekend", "holiday"):
        return "not_working"
    if day > as_of:
        return "projected"
    if stop is not None and stop.stop_type in stop_types:
        return "stopped"
    return "counted"


def _marks(
    clock: ClockResult, stops: list[Segment], day: date, as_of: date, end: date | None
) -> tuple[str, ...]:
    named = (
        ("received", clock.received_on),
        ("acceptance_due", clock.acceptance_due_date if clock.started_on is None else None),
        ("started", clock.started_on),
        *(("stop", s.start) for s in stops),
        *(("resumed", s.end) for s in stops if s.end != end),
        ("due", clock.due_date),
        ("ended", end),
        ("as_of", as_of),
    )
    return tuple(name for name, when in named if when == day)


def trimmed(
    days: list[ClockDay], cap: int = MAX_DAYS
) -> tuple[list[ClockDay], int, list[ClockDay]]:
    """At most `cap` days: (the first ones, how many are left out, the last ones)."""
    if len(days) <= cap:
        return days, 0, []
    head = cap // 4
    tail = cap - head
    return days[:head], len(days) - cap, days[-tail:]
