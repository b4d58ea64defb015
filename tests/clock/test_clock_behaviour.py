"""Legal clock behaviour beyond single figures: segments, notes, 2027 entered later, speed."""

from __future__ import annotations

import time as stopwatch
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from approval_core.calendar import WorkCalendar, load_calendar
from approval_core.clock.schemas import ClockEvent, ClockEventKind, ClockPolicy, Segment
from approval_core.clock.service import compute_clock
from approval_core.timeutil import LEGAL_TZ

RULES = Path(__file__).resolve().parents[2] / "rules"
STOPS = frozenset({"supplement", "inspection", "expert_review", "hearing", "testing"})
POLICY = ClockPolicy(limit=20, promised_limit=10, clock_stop_types=STOPS)

# A plausible 2027 notice, modelled on the 2026 one: 元旦 Fri 1/1-Sun 1/3 without make-up;
# 春节 Fri 2/5 (除夕) to Sun 2/14, make-up Saturdays 1/30 and 2/20.
ENTERED_2027 = """\
years:
  2027:
    source: 国办发明电〔2026〕99号（测试用）
    holidays:
      - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
      - {name: 春节, from: 2027-02-05, to: 2027-02-14}
    workdays: [2027-01-30, 2027-02-20]
overrides: []
"""


def bj(day: str, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour, minute), tzinfo=LEGAL_TZ)


def ev(kind: ClockEventKind, day: str, **kw: Any) -> ClockEvent:
    return ClockEvent(kind, bj(day), **kw)


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return load_calendar(RULES)


def test_segments_alternate_with_stop_details(calendar: WorkCalendar) -> None:
    events = [
        ev("accepted", "2025-03-03"),
        ev("stop", "2025-03-07", stop_type="inspection", legal_basis="行政许可法第四十五条"),
        ev("resume", "2025-03-12"),
        ev("stop", "2025-03-14", stop_type="consultation"),
        ev("resume", "2025-03-18"),
        ev("supplement_requested", "2025-03-20", expected_days=5),
    ]
    result = compute_clock(events, POLICY, calendar, bj("2025-03-24", 12))
    assert result.segments == (
        Segment("running", date(2025, 3, 3), date(2025, 3, 7), 4),  # 3/4-7
        Segment(
            "stopped", date(2025, 3, 7), date(2025, 3, 12), 3, "inspection", "行政许可法第四十五条"
        ),
        Segment("running", date(2025, 3, 12), date(2025, 3, 14), 2),  # 3/13, 3/14
        Segment("stopped", date(2025, 3, 14), date(2025, 3, 18), 0, "consultation"),
        Segment("running", date(2025, 3, 18), date(2025, 3, 20), 2),  # 3/19, 3/20
        Segment("stopped", date(2025, 3, 20), None, 2, "supplement", None, 5),  # 3/21, 3/24
    )
    # 3/17, 3/18 ran during the consultation, which does not stop the clock.
    assert result.elapsed == 4 + 2 + 2 + 2
    assert result.stopped == 3 + 2
    assert result.phase == "stopped"
    assert any("consultation" in note for note in result.notes)


def test_notes_explain_ignored_extensions(calendar: WorkCalendar) -> None:
    events = [
        ev("accepted", "2025-03-03"),
        ev("extension_approved", "2025-03-25", days=15),
        ev("extension_approved", "2025-03-26", days=3),
    ]
    result = compute_clock(events, POLICY, calendar, bj("2025-03-27"))
    assert result.extension == 10
    assert any("capped" in note for note in result.notes)
    assert any("ignored: only 1 allowed" in note for note in result.notes)


def test_after_deadline_extension_is_noted(calendar: WorkCalendar) -> None:
    events = [ev("accepted", "2025-03-03"), ev("extension_approved", "2025-04-01", days=5)]
    result = compute_clock(events, POLICY, calendar, bj("2025-04-02"))
    assert result.extension == 0
    assert any("2025-03-31 passed" in note for note in result.notes)


def test_extension_with_cutoff_after_cutoff_is_too_late(calendar: WorkCalendar) -> None:
    policy = replace(POLICY, cutoff=time(17, 0))
    events = [
        ev("accepted", "2025-03-03"),
        ClockEvent("extension_approved", bj("2025-03-31", 18), days=5),
    ]
    assert compute_clock(events, policy, calendar, bj("2025-04-01")).extension == 0


def test_overdue_at_is_cutoff_or_midnight(calendar: WorkCalendar) -> None:
    events = [ev("accepted", "2025-03-03")]
    plain = compute_clock(events, POLICY, calendar, bj("2025-03-05"))
    assert plain.overdue_at == datetime(2025, 4, 1, tzinfo=LEGAL_TZ)
    cut = compute_clock(events, replace(POLICY, cutoff=time(17, 30)), calendar, bj("2025-03-05"))
    assert cut.overdue_at == datetime(2025, 3, 31, 17, 30, tzinfo=LEGAL_TZ)


def test_deemed_acceptance_is_noted(calendar: WorkCalendar) -> None:
    result = compute_clock([ev("received", "2025-03-03")], POLICY, calendar, bj("2025-03-11"))
    assert result.deemed_accepted
    assert any("deemed accepted" in note for note in result.notes)


def test_events_are_sorted_before_replay(calendar: WorkCalendar) -> None:
    ordered = [ev("accepted", "2025-03-03"), ev("stop", "2025-03-07", stop_type="testing")]
    a = compute_clock(ordered, POLICY, calendar, bj("2025-03-14"))
    b = compute_clock(list(reversed(ordered)), POLICY, calendar, bj("2025-03-14"))
    assert a == b


def test_naive_as_of_is_refused(calendar: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="time zone"):
        compute_clock([], POLICY, calendar, datetime(2025, 3, 3))


def test_no_events_is_an_empty_acceptance_phase(calendar: WorkCalendar) -> None:
    result = compute_clock([], POLICY, calendar, bj("2027-06-01"))
    assert result.phase == "acceptance"
    assert not result.provisional
    assert result.as_dict()["due_date"] is None


def test_concluded_2026_case_seen_in_2027_is_not_provisional(calendar: WorkCalendar) -> None:
    """Frozen figures depend on dates through the end only."""
    events = [ev("accepted", "2026-03-02"), ev("concluded", "2026-03-20")]
    assert not compute_clock(events, POLICY, calendar, bj("2027-03-01")).provisional


def test_entering_2027_makes_the_case_final(tmp_path: Path, calendar: WorkCalendar) -> None:
    events = [ev("accepted", "2026-12-15")]
    as_of = bj("2026-12-20")
    before = compute_clock(events, replace(POLICY, limit=40), calendar, as_of)
    assert before.provisional
    assert before.provisional_years == (2027,)
    assert before.due_date == date(2027, 2, 16)
    (tmp_path / "calendar.yaml").write_text(ENTERED_2027, encoding="utf-8")
    entered = load_calendar(tmp_path)
    assert not entered.is_provisional_year(2027)
    after = compute_clock(events, replace(POLICY, limit=40), entered, as_of)
    # 12/16-18 (3), 12/21-25 (8), 12/28-31 (12), rest 1/1-3, 1/4-8 (17), 1/11-15 (22),
    # 1/18-22 (27), 1/25-29 (32), 1/30 Sat make-up (33), 2/1-4 (37), rest 2/5-14,
    # 2/15 (38), 2/16 (39), 2/17 (40).
    assert after.due_date == date(2027, 2, 17)
    assert not after.provisional
    assert after.provisional_years == ()
    assert after.calendar_version != before.calendar_version
    short = compute_clock(events, POLICY, entered, as_of)  # limit 20: 1/4-8, 1/11-13
    assert (short.due_date, short.provisional) == (date(2027, 1, 13), False)


def test_a_long_case_is_fast(calendar: WorkCalendar) -> None:
    events = [
        ev("received", "2025-01-06"),
        ev("accepted", "2025-01-08"),
        ev("step", "2025-01-09", step="handle"),
        ev("stop", "2025-01-24", stop_type="expert_review"),
        ev("resume", "2025-02-20"),
        ev("extension_approved", "2025-03-20", days=10),
        ev("supplement_requested", "2025-04-01"),
        ev("supplement_received", "2025-05-20"),
    ]
    as_of = bj("2025-09-30")
    compute_clock(events, POLICY, calendar, as_of)  # warm the year tables
    runs = 2000
    started = stopwatch.perf_counter()
    for _ in range(runs):
        compute_clock(events, POLICY, calendar, as_of)
    per_case = (stopwatch.perf_counter() - started) / runs
    assert per_case < 0.001


RECEIPT_POLICY = ClockPolicy(
    limit=7, promised_limit=5, acceptance_window=0, limit_from="receipt", clock_stop_types=STOPS
)


def test_limit_counted_from_receipt_runs_without_acceptance(calendar: WorkCalendar) -> None:
    """法律援助法 Art. 43: 7 days from receipt. Received Mon 2026-03-02; days 3,4,5,6,9,10,11."""
    events = [ev("received", "2026-03-02"), ev("accepted", "2026-03-04")]
    result = compute_clock(events, RECEIPT_POLICY, calendar, bj("2026-03-11", 18))
    assert (result.started_on, result.deemed_accepted) == (date(2026, 3, 2), False)
    assert (result.elapsed, result.remaining, result.due_date) == (7, 0, date(2026, 3, 11))
    assert result.notes == ()
    before = compute_clock(events[:1], RECEIPT_POLICY, calendar, bj("2026-03-03", 18))
    assert (before.phase, before.elapsed, before.deemed_accepted) == ("review", 1, False)


def test_limit_from_receipt_stops_for_missing_materials(calendar: WorkCalendar) -> None:
    """A supplement notice on 03-03 stops it until 03-06: (03-03, 03-06] excluded; 9, 10 count."""
    events = [
        ev("received", "2026-03-02"),
        ev("supplement_requested", "2026-03-03", stop_type="supplement"),
        ev("supplement_received", "2026-03-06"),
    ]
    result = compute_clock(events, RECEIPT_POLICY, calendar, bj("2026-03-10", 18))
    assert (result.elapsed, result.stopped, result.remaining) == (3, 3, 4)
