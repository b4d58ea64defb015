"""The working-day calendar: chinesecalendar years, the 办法 fallback for later years, counting."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from approval_core.calendar import WorkCalendar, load_calendar, statutory_holidays
from approval_core.calendar.statutory import qingming

RULES = Path(__file__).resolve().parents[2] / "rules"


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return load_calendar(RULES)


def days(*texts: str) -> set[date]:
    return {date.fromisoformat(t) for t in texts}


def test_shipped_file_covers_through_2026_only(calendar: WorkCalendar) -> None:
    assert not calendar.is_provisional_year(2004)
    assert not calendar.is_provisional_year(2025)
    assert not calendar.is_provisional_year(2026)
    assert calendar.is_provisional_year(2027)
    assert calendar.is_provisional_year(2030)
    assert re.fullmatch(r"chinesecalendar-1\.11\.0\+calendar\.yaml-[0-9a-f]{12}", calendar.version)


def test_2025_and_2026_follow_chinesecalendar(calendar: WorkCalendar) -> None:
    day = date(2025, 1, 1)
    while day <= date(2026, 12, 31):
        assert calendar.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_2026_make_up_days_are_workdays(calendar: WorkCalendar) -> None:
    for text in (
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    ):
        assert calendar.is_workday(date.fromisoformat(text)), text


def test_fallback_2027_matches_the_banfa() -> None:
    # 元旦 Fri 1/1. 春节: 除夕 Fri 2/5, 初一 Sat 2/6 (known date), 初二 Sun 2/7, 初三 Mon 2/8;
    # Sat and Sun give 补假 Tue 2/9, Wed 2/10. 清明 Mon 4/5. 劳动节 Sat 5/1, Sun 5/2 -> 补假
    # Mon 5/3, Tue 5/4. 端午 (五月初五) Wed 6/9. 中秋 (八月十五) Wed 9/15. 国庆 Fri 10/1,
    # Sat 10/2, Sun 10/3 -> 补假 Mon 10/4, Tue 10/5.
    assert set(statutory_holidays(2027)) == days(
        "2027-01-01",
        "2027-02-05",
        "2027-02-06",
        "2027-02-07",
        "2027-02-08",
        "2027-02-09",
        "2027-02-10",
        "2027-04-05",
        "2027-05-01",
        "2027-05-02",
        "2027-05-03",
        "2027-05-04",
        "2027-06-09",
        "2027-09-15",
        "2027-10-01",
        "2027-10-02",
        "2027-10-03",
        "2027-10-04",
        "2027-10-05",
    )
    names = statutory_holidays(2027)
    assert names[date(2027, 2, 5)] == "春节"
    assert names[date(2027, 2, 9)] == "春节（补假）"


def test_fallback_2030_matches_the_banfa() -> None:
    # 元旦 Tue 1/1. 春节: 除夕 Sat 2/2, 初一 Sun 2/3, 初二 Mon 2/4, 初三 Tue 2/5 -> 补假 Wed 2/6,
    # Thu 2/7. 清明 Fri 4/5. 劳动节 Wed 5/1, Thu 5/2. 端午 Wed 6/5. 中秋 Thu 9/12. 国庆 Tue-Thu.
    assert set(statutory_holidays(2030)) == days(
        "2030-01-01",
        "2030-02-02",
        "2030-02-03",
        "2030-02-04",
        "2030-02-05",
        "2030-02-06",
        "2030-02-07",
        "2030-04-05",
        "2030-05-01",
        "2030-05-02",
        "2030-06-05",
        "2030-09-12",
        "2030-10-01",
        "2030-10-02",
        "2030-10-03",
    )


def test_compensatory_day_skips_holidays_and_weekends() -> None:
    # 2028: 国庆 Sun 10/1, Mon 10/2, Tue 10/3 (also 中秋): the Sunday's 补假 is Wed 10/4, not a
    # day already off; the overlap of 中秋 and 国庆 gives no extra day.
    holidays_2028 = statutory_holidays(2028)
    assert holidays_2028[date(2028, 10, 4)] == "国庆节（补假）"
    assert date(2028, 10, 5) not in holidays_2028
    # 2031: 初三 Sat 1/25 -> 补假 Mon 1/27 (Sun 1/26 is a weekend, not a holiday).
    assert statutory_holidays(2031)[date(2031, 1, 27)] == "春节（补假）"


def test_qingming_known_years() -> None:
    assert qingming(2025) == date(2025, 4, 4)
    assert qingming(2026) == date(2026, 4, 5)


@pytest.mark.parametrize("year", [2025, 2026])
def test_fallback_reproduces_chinesecalendar_holidays(year: int) -> None:
    """Every statutory holiday (and 补假) the 办法 gives is a rest day in the official notice."""
    produced = statutory_holidays(year)
    assert len(produced) >= 13
    for day in produced:
        assert not chinese_calendar.is_workday(day), (day, produced[day])


def test_fallback_lunar_dates_match_chinesecalendar() -> None:
    names = {**statutory_holidays(2025), **statutory_holidays(2026)}
    assert names[date(2025, 1, 29)] == "春节"
    assert names[date(2025, 1, 28)] == "春节"  # 除夕
    assert names[date(2025, 5, 31)] == "端午节"
    assert names[date(2025, 10, 6)] == "中秋节"
    assert names[date(2026, 2, 17)] == "春节"
    assert names[date(2026, 2, 16)] == "春节"  # 除夕
    assert names[date(2026, 6, 19)] == "端午节"
    assert names[date(2026, 9, 25)] == "中秋节"


def test_fallback_year_has_no_make_up_workdays(calendar: WorkCalendar) -> None:
    day = date(2027, 1, 1)
    while day.year == 2027:
        if day.weekday() >= 5:
            assert not calendar.is_workday(day), day
        day += timedelta(days=1)
    assert not calendar.is_workday(date(2027, 2, 10))
    assert calendar.is_workday(date(2027, 2, 11))


def test_counting_helpers(calendar: WorkCalendar) -> None:
    # 2025-01-27 (Mon) .. 2025-02-08: workdays 2/5, 2/6, 2/7, 2/8 (Sat make-up).
    assert calendar.workdays_in(date(2025, 1, 27), date(2025, 2, 8)) == 4
    assert calendar.workdays_in(date(2025, 2, 8), date(2025, 1, 27)) == 0
    assert calendar.add_workdays(date(2025, 1, 27), 4) == date(2025, 2, 8)
    assert calendar.add_workdays(date(2025, 1, 27), 0) == date(2025, 1, 27)
    # Across years: 2026-12-31 (Thu) -> 2027 fallback: 1/1 rest, 1/4 is the first.
    assert calendar.add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert calendar.workdays_in(date(2026, 12, 30), date(2027, 1, 4)) == 2
    with pytest.raises(ValueError, match="forward"):
        calendar.add_workdays(date(2025, 1, 1), -1)


def test_counting_matches_a_day_by_day_loop(calendar: WorkCalendar) -> None:
    start = date(2024, 11, 20)
    for span in (0, 1, 7, 45, 400, 800):
        end = start + timedelta(days=span)
        naive = sum(calendar.is_workday(start + timedelta(days=i)) for i in range(1, span + 1))
        assert calendar.workdays_in(start, end) == naive


def test_provisional_years_between(calendar: WorkCalendar) -> None:
    assert calendar.provisional_years(date(2025, 12, 1), date(2028, 1, 5)) == (2027, 2028)
    assert calendar.provisional_years(date(2025, 12, 1), date(2026, 1, 5)) == ()
