"""Properties of the legal clock and the calendar over random cases in 2025-2026 (hypothesis)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from approval_core.calendar import WorkCalendar, load_calendar
from approval_core.clock.schemas import ClockEvent, ClockPolicy, ClockResult
from approval_core.clock.service import compute_clock
from approval_core.timeutil import LEGAL_TZ, legal_date

RULES = Path(__file__).resolve().parents[2] / "rules"
CALENDAR: WorkCalendar = load_calendar(RULES)
STOPS = frozenset({"supplement", "inspection", "expert_review"})
SETTINGS = settings(max_examples=200, deadline=None)


@dataclass(frozen=True)
class Scenario:
    policy: ClockPolicy
    accepted: ClockEvent
    stops: tuple[ClockEvent, ...]  # stop / resume pairs (the last may be unpaired)
    extension: tuple[ClockEvent, ...]
    conclusion: tuple[ClockEvent, ...]
    as_of: datetime

    @property
    def events(self) -> list[ClockEvent]:
        return [self.accepted, *self.stops, *self.extension, *self.conclusion]

    def without_stops(self) -> list[ClockEvent]:
        return [self.accepted, *self.extension, *self.conclusion]


def moment(day: date, minutes: int) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=LEGAL_TZ) + timedelta(minutes=minutes)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    start = draw(st.dates(date(2025, 1, 1), date(2026, 12, 31)))
    limit = draw(st.integers(1, 60))
    policy = ClockPolicy(
        limit=limit, promised_limit=draw(st.integers(1, limit)), clock_stop_types=STOPS
    )
    minute = st.integers(0, 24 * 60 - 1)
    accepted = ClockEvent("accepted", moment(start, draw(minute)))
    stops: list[ClockEvent] = []
    cursor = accepted.at
    for _ in range(draw(st.integers(0, 3))):
        begin = cursor + timedelta(days=draw(st.integers(0, 30)), minutes=draw(st.integers(1, 600)))
        kind = draw(st.sampled_from(["inspection", "expert_review", "consultation"]))
        stops.append(ClockEvent("stop", begin, stop_type=kind))
        cursor = begin + timedelta(days=draw(st.integers(0, 40)), minutes=draw(st.integers(1, 600)))
        if draw(st.booleans()) or len(stops) < 3:
            stops.append(ClockEvent("resume", cursor))
    extension: list[ClockEvent] = []
    if draw(st.booleans()):
        when = accepted.at + timedelta(days=draw(st.integers(0, 90)), minutes=draw(minute))
        extension.append(ClockEvent("extension_approved", when, days=draw(st.integers(0, 15))))
    conclusion: list[ClockEvent] = []
    if draw(st.booleans()):
        when = accepted.at + timedelta(days=draw(st.integers(0, 150)), minutes=draw(minute))
        conclusion.append(ClockEvent("concluded", when))
    as_of = accepted.at + timedelta(days=draw(st.integers(0, 200)), minutes=draw(minute))
    return Scenario(policy, accepted, tuple(stops), tuple(extension), tuple(conclusion), as_of)


def clock(events: list[ClockEvent], scenario: Scenario, as_of: datetime) -> ClockResult:
    return compute_clock(events, scenario.policy, CALENDAR, as_of)


@SETTINGS
@given(scenarios())
def test_stops_never_make_the_due_date_earlier(s: Scenario) -> None:
    with_stops = clock(s.events, s, s.as_of)
    without = clock(s.without_stops(), s, s.as_of)
    assert with_stops.due_date is not None
    assert without.due_date is not None
    assert with_stops.due_date >= without.due_date


@SETTINGS
@given(scenarios())
def test_elapsed_is_bounded_by_working_days_since_start(s: Scenario) -> None:
    result = clock(s.events, s, s.as_of)
    assert result.started_on is not None
    available = CALENDAR.workdays_in(result.started_on, legal_date(s.as_of))
    assert 0 <= result.elapsed <= available
    assert result.elapsed + result.stopped <= available


@SETTINGS
@given(scenarios(), st.integers(0, 60 * 24 * 90))
def test_elapsed_is_monotone_in_as_of(s: Scenario, later_by: int) -> None:
    earlier = clock(s.events, s, s.as_of)
    later = clock(s.events, s, s.as_of + timedelta(minutes=later_by))
    assert earlier.elapsed <= later.elapsed
    assert earlier.overdue <= later.overdue


@SETTINGS
@given(scenarios())
def test_remaining_overdue_identities(s: Scenario) -> None:
    result = clock(s.events, s, s.as_of)
    assert result.remaining + result.elapsed == result.limit + result.extension
    assert result.overdue == max(0, -result.remaining)
    assert 0 <= result.extension <= s.policy.max_extension_days
    assert result.promised is not None
    assert result.promised.remaining == s.policy.promised_limit - result.elapsed


@SETTINGS
@given(scenarios(), st.sampled_from([time(17, 0), time(12, 0), time(23, 59)]))
def test_cutoff_only_adds_overdue(s: Scenario, cutoff: time) -> None:
    plain = clock(s.events, s, s.as_of)
    cut = compute_clock(s.events, replace(s.policy, cutoff=cutoff), CALENDAR, s.as_of)
    assert cut.elapsed == plain.elapsed
    # An earlier overdue moment can only make a late extension ineffective, never the reverse.
    assert cut.extension <= plain.extension
    if cut.extension == plain.extension:
        assert cut.overdue in (plain.overdue, plain.overdue + 1)


@SETTINGS
@given(scenarios(), st.integers(0, 60 * 24 * 120))
def test_later_events_do_not_change_the_past(s: Scenario, earlier_by: int) -> None:
    as_of = max(s.accepted.at, s.as_of - timedelta(minutes=earlier_by))
    known_then = [e for e in s.events if e.at <= as_of]
    assert clock(s.events, s, as_of) == clock(known_then, s, as_of)


@SETTINGS
@given(st.dates(date(2025, 1, 1), date(2026, 12, 31)), st.integers(0, 400))
def test_add_workdays_inverts_workdays_in(start: date, n: int) -> None:
    end = CALENDAR.add_workdays(start, n)
    assert CALENDAR.workdays_in(start, end) == n
    if n > 0:
        assert CALENDAR.is_workday(end)
        assert CALENDAR.workdays_in(start, end - timedelta(days=1)) == n - 1
