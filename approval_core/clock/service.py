"""The legal clock (docs/DOMAIN.md section 3): figures of a case as of any moment, from its events.

`compute_clock` is pure: the same events, policy, calendar and as-of moment always give the same
result, and events after the as-of moment are ignored, so the clock of any past moment can be
recomputed (以供事后查证).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from approval_core.calendar import WorkCalendar
from approval_core.clock.counting import (
    StopSpan,
    counted_days,
    due_day,
    excluded_days,
    overdue_moment,
    remaining_days,
)
from approval_core.clock.schemas import (
    ClockEvent,
    ClockPolicy,
    ClockResult,
    Phase,
    PromisedClock,
    Segment,
    StepClock,
)
from approval_core.clock.timeline import Replay, Timeline
from approval_core.clock.units import DayCounter, counter_for
from approval_core.timeutil import ensure_aware, legal_date


@dataclass(frozen=True)
class _Frame:
    """What the figures are computed against: the timeline and the last date that counts."""

    calendar: WorkCalendar
    days: DayCounter  # the item's unit over the calendar
    policy: ClockPolicy
    tl: Timeline
    as_of: datetime
    bound: date  # the as-of date, or the end date once the case ended
    moment: datetime  # the as-of moment, or the end moment once the case ended

    def counted(self, after: date) -> int:
        return counted_days(self.days, after, self.bound, self.tl.stops, self.bound)

    def due(self, start: date, total: int) -> tuple[date, int]:
        """The due date of `total` days from `start`, and the days a rest-day end added."""
        return due_day(self.days, start, self.tl.stops, self.bound, total)


def compute_clock(
    events: Sequence[ClockEvent], policy: ClockPolicy, calendar: WorkCalendar, as_of: datetime
) -> ClockResult:
    """The clock of one case as of `as_of` (an aware datetime; dates are Asia/Shanghai dates).

    - The review clock starts on acceptance (or, if deemed accepted under Art. 32, on the receipt
      or supplement-received date); the start day never counts, and a working day counts iff the
      clock was running at its 00:00. A stop from S to R excludes the working days in (S, R].
    - `elapsed` counts days through the as-of date (or through the end date once concluded,
      rejected or withdrawn; the figures are then frozen).
    - `due_date` is the working day on which counted days reach limit + extension. While a stop
      is open it is projected as if the clock resumed on the as-of date; after the end, as if the
      clock had run on from the end date. Before the review clock starts it is None.
    - Days are the policy's unit: working days, or natural days whose period, when its last day
      is a rest day, ends on the next working day (the days moved over count as part of it).
    - With a cut-off time, a case not concluded by the cut-off of its due date has overdue >= 1.
    """
    as_of = ensure_aware(as_of)
    considered = sorted((e for e in events if e.at <= as_of), key=lambda e: e.at)
    tl = Replay(policy, calendar).run(considered, as_of)
    as_of_date = legal_date(as_of)
    bound = tl.end_on if tl.end_on is not None else as_of_date
    days = counter_for(policy.unit, calendar)
    frame = _Frame(calendar, days, policy, tl, as_of, bound, tl.end_at or as_of)
    if tl.started_on is None:
        return _before_review(frame)
    return _in_review(frame, tl.started_on)


def _before_review(frame: _Frame) -> ClockResult:
    tl, policy = frame.tl, frame.policy
    last = max(d for d in (frame.bound, tl.acceptance_due) if d is not None)
    years = _provisional_years(frame, last)
    return ClockResult(
        as_of=frame.as_of,
        phase="ended" if tl.end_on is not None else "acceptance",
        limit=policy.limit,
        extension=tl.extension,
        elapsed=0,
        remaining=policy.limit,
        overdue=0,
        stopped=0,
        started_on=None,
        due_date=None,
        deemed_accepted=False,
        running=False,
        calendar_version=frame.calendar.version,
        provisional=bool(years),
        provisional_years=years,
        received_on=tl.received_on,
        acceptance_due_date=tl.acceptance_due,
        stop_type=None,
        overdue_at=None,
        promised=PromisedClock(policy.promised_limit, policy.promised_limit, 0, None),
        step=_step_clock(frame),
        segments=(),
        notes=tuple(tl.notes),
        unit=policy.unit,
    )


def _in_review(frame: _Frame, started_on: date) -> ClockResult:
    tl, policy = frame.tl, frame.policy
    elapsed = frame.counted(started_on)
    due, moved = frame.due(started_on, policy.limit + tl.extension)
    total = policy.limit + tl.extension + moved
    overdue_at = overdue_moment(due, policy.cutoff)
    remaining = remaining_days(total, elapsed, policy.cutoff, frame.moment, overdue_at)
    promised = _promised(frame, started_on, elapsed)
    open_stop = tl.open_stop
    phase = _phase(tl, open_stop)
    last = max(d for d in (frame.bound, due, tl.acceptance_due, promised.due_date) if d)
    years = _provisional_years(frame, last)
    return ClockResult(
        as_of=frame.as_of,
        phase=phase,
        limit=policy.limit,
        extension=tl.extension,
        elapsed=elapsed,
        remaining=remaining,
        overdue=max(0, -remaining),
        stopped=excluded_days(frame.days, started_on, frame.bound, tl.stops, frame.bound),
        started_on=started_on,
        due_date=due,
        deemed_accepted=tl.deemed,
        running=phase == "review",
        calendar_version=frame.calendar.version,
        provisional=bool(years),
        provisional_years=years,
        received_on=tl.received_on,
        acceptance_due_date=tl.acceptance_due,
        stop_type=open_stop.stop_type if phase == "stopped" and open_stop else None,
        overdue_at=overdue_at,
        promised=promised,
        step=_step_clock(frame),
        segments=_segments(frame, started_on),
        notes=tuple(tl.notes),
        unit=policy.unit,
    )


def _phase(tl: Timeline, open_stop: StopSpan | None) -> Phase:
    if tl.end_on is not None:
        return "ended"
    if open_stop is not None and open_stop.effective:
        return "stopped"
    return "review"


def _promised(frame: _Frame, started_on: date, elapsed: int) -> PromisedClock:
    """The promised limit (承诺时限): same counting, no extension."""
    limit = frame.policy.promised_limit
    due, moved = frame.due(started_on, limit)
    overdue_at = overdue_moment(due, frame.policy.cutoff)
    total = limit + moved
    remaining = remaining_days(total, elapsed, frame.policy.cutoff, frame.moment, overdue_at)
    return PromisedClock(limit=limit, remaining=remaining, overdue=max(0, -remaining), due_date=due)


def _step_clock(frame: _Frame) -> StepClock | None:
    """The current step (环节): days since it was entered, by the same counting rule and unit."""
    tl = frame.tl
    if tl.step_on is None or tl.step_name is None:
        return None
    elapsed = frame.counted(tl.step_on)
    limit = frame.policy.step_limits.get(tl.step_name)
    over = max(0, elapsed - limit) if limit is not None else 0
    return StepClock(tl.step_name, tl.step_on, elapsed, limit, over)


def _segments(frame: _Frame, started_on: date) -> tuple[Segment, ...]:
    """Alternating running / stopped stretches of the review clock.

    A stop whose type does not stop the clock is a stopped segment excluding 0 days; the working
    days inside it still count toward `elapsed` but belong to no running segment.
    """
    days, bound = frame.days, frame.bound
    segments: list[Segment] = []
    cursor: date | None = started_on
    for stop in frame.tl.stops:
        start = cursor if cursor is not None else stop.start
        counted = days.days_in(start, min(stop.start, bound))
        segments.append(Segment("running", start, stop.start, counted))
        excluded = 0
        if stop.effective:
            excluded = days.days_in(stop.start, min(stop.end or bound, bound))
        segments.append(
            Segment(
                "stopped",
                stop.start,
                stop.end,
                excluded,
                stop.stop_type,
                stop.legal_basis,
                stop.expected_days,
            )
        )
        cursor = None if stop.closed_by_end else stop.end
    if cursor is not None:  # None after a stop still open or closed by the end
        segments.append(Segment("running", cursor, frame.tl.end_on, days.days_in(cursor, bound)))
    return tuple(segments)


def _provisional_years(frame: _Frame, last: date) -> tuple[int, ...]:
    """Years, from the first event through `last`, that the calendar does not cover yet."""
    first = frame.tl.first_on
    if first is None:
        return ()
    return frame.calendar.provisional_years(first, max(first, last))
