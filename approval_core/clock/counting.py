"""Counting rules of the legal clock: a day of the unit counts iff the clock ran at its 00:00."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from approval_core.clock.units import DayCounter
from approval_core.timeutil import LEGAL_TZ, start_of_legal_day


@dataclass
class StopSpan:
    """One stop of the review clock, from `start` (date S) to `end` (date R, None while open).

    It excludes the days (of the unit) in (S, R] if `effective` (its type stops the clock by rule).
    """

    start: date
    end: date | None
    stop_type: str
    legal_basis: str | None
    expected_days: int | None
    effective: bool
    closed_by_end: bool = False  # closed because the case ended during it


def stop_end(stop: StopSpan, open_end: date) -> date:
    """The end of a stop; a stop still open is treated as ending on `open_end`."""
    return stop.end if stop.end is not None else open_end


def excluded_days(
    days: DayCounter, after: date, upto: date, stops: Sequence[StopSpan], open_end: date
) -> int:
    """Days in (after, upto] that effective stops exclude."""
    total = 0
    for stop in stops:
        if not stop.effective:
            continue
        low = max(stop.start, after)
        high = min(stop_end(stop, open_end), upto)
        if high > low:
            total += days.days_in(low, high)
    return total


def counted_days(
    days: DayCounter, after: date, upto: date, stops: Sequence[StopSpan], open_end: date
) -> int:
    """Days in (after, upto] on whose 00:00 the clock was running."""
    if upto <= after:
        return 0
    return days.days_in(after, upto) - excluded_days(days, after, upto, stops, open_end)


def nth_counted_day(
    days: DayCounter, start: date, stops: Sequence[StopSpan], open_end: date, n: int
) -> date:
    """The date on which the n-th counted day after `start` falls (no rest-day end rule).

    Stops are taken as they are known; a stop still open is treated as resumed on `open_end`,
    and after the last stop the clock is projected to run without interruption.
    """
    if n <= 0:
        return start
    cursor, need = start, n
    for stop in stops:
        end = stop_end(stop, open_end)
        if not stop.effective or end <= cursor:
            continue
        if stop.start > cursor:
            available = days.days_in(cursor, stop.start)
            if available >= need:
                return days.add_days(cursor, need)
            need -= available
        cursor = end
    return days.add_days(cursor, need)


def due_day(
    days: DayCounter, start: date, stops: Sequence[StopSpan], open_end: date, n: int
) -> tuple[date, int]:
    """The day a period of n counted days after `start` ends, and the days its end rule added.

    For natural days whose n-th counted day is a rest day, the end moves to the next working day
    (the days moved over are returned so that the figures can count them as part of the period);
    working days never move.
    """
    last = nth_counted_day(days, start, stops, open_end, n)
    if n <= 0:
        return last, 0
    end = days.period_end(last)
    return end, counted_days(days, last, end, stops, open_end)


def overdue_moment(due_date: date, cutoff: time | None) -> datetime:
    """The moment a case not concluded by then is overdue: the cut-off on the due date, or 24:00."""
    if cutoff is None:
        return start_of_legal_day(due_date + timedelta(days=1))
    return datetime.combine(due_date, cutoff.replace(tzinfo=None), tzinfo=LEGAL_TZ)


def remaining_days(
    total: int, elapsed: int, cutoff: time | None, moment: datetime, overdue_at: datetime
) -> int:
    """total - elapsed, but at most -1 once a cut-off has passed without conclusion.

    With a cut-off, a case still open at (or concluded after) the cut-off of its due date is
    overdue by at least one day even though the due date itself still counts as in time.
    """
    remaining = total - elapsed
    if cutoff is not None and moment >= overdue_at:
        return min(remaining, -1)
    return remaining
