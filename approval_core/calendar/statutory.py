"""Statutory holidays of 《全国年节及纪念日放假办法》 (2024 revision), for years nobody has entered.

The State Council's yearly notice (放假安排) moves days around (调休) in ways that cannot be
computed, so for a year that neither chinesecalendar nor rules/calendar.yaml covers the clock falls
back to what the 办法 itself fixes, and every figure depending on it is marked provisional:

- Art. 2 全体公民放假的节日: 元旦 (Jan 1), 春节 4 days (农历除夕 and 正月初一 to 初三), 清明节
  (the day of the 清明 solar term), 劳动节 (May 1-2), 端午节 (农历五月初五), 中秋节 (农历八月十五),
  国庆节 (Oct 1-3).
- Art. 6 补假: a holiday of all citizens that falls on a Saturday or Sunday gets a compensatory day
  off on a working day; we take the next weekday that is not itself a holiday (or a compensatory
  day already given). No make-up working days (调休上班) are invented.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
from lunardate import LunarDate

# lunardate handles lunar years 1900-2099; 除夕 of lunar 1900 would need 1899.
MIN_YEAR = 1901
MAX_YEAR = 2099

COMPENSATORY_SUFFIX = "（补假）"


def _lunar(year: int, month: int, day: int) -> date:
    solar: date = LunarDate(year, month, day).to_solar_date()
    return solar


def qingming(year: int) -> date:
    """The date of the 清明 solar term in `year` (chinesecalendar's 寿星 formula with its fixes)."""
    terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 30))
    for day, name in terms:
        if name == "清明":
            found: date = day
            return found
    raise ValueError(f"no 清明 solar term found in April {year}")  # pragma: no cover


def _festival_days(year: int) -> list[tuple[date, str]]:
    """Art. 2: the holidays of all citizens, in calendar order (no compensatory days yet)."""
    spring = _lunar(year, 1, 1)
    days = [
        (date(year, 1, 1), "元旦"),
        (spring - timedelta(days=1), "春节"),  # 除夕: the day before 正月初一, whatever the month
        (spring, "春节"),
        (spring + timedelta(days=1), "春节"),
        (spring + timedelta(days=2), "春节"),
        (qingming(year), "清明节"),
        (date(year, 5, 1), "劳动节"),
        (date(year, 5, 2), "劳动节"),
        (_lunar(year, 5, 5), "端午节"),
        (_lunar(year, 8, 15), "中秋节"),
        (date(year, 10, 1), "国庆节"),
        (date(year, 10, 2), "国庆节"),
        (date(year, 10, 3), "国庆节"),
    ]
    return sorted(days, key=lambda pair: pair[0])


@lru_cache(maxsize=256)
def statutory_holidays(year: int) -> dict[date, str]:
    """Every rest day the 办法 fixes for `year` (festival days and 补假), mapped to its name.

    Compensatory days carry the festival's name plus "（补假）". When two festivals fall on the
    same date (e.g. 中秋节 on Oct 1) the 办法 gives no extra day, so neither do we; the date
    carries both names.
    """
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"statutory holidays are computable for {MIN_YEAR}-{MAX_YEAR}, not {year}")
    result: dict[date, str] = {}
    for day, name in _festival_days(year):
        previous = result.get(day)
        result[day] = name if previous is None else f"{previous}、{name}"
    festivals = sorted(result.items())
    for day, name in festivals:
        if day.weekday() < 5:
            continue
        substitute = day + timedelta(days=1)
        while substitute.weekday() >= 5 or substitute in result:
            substitute += timedelta(days=1)
        result[substitute] = name + COMPENSATORY_SUFFIX
    return dict(sorted(result.items()))


def is_statutory_workday(day: date) -> bool:
    """Fallback rule: Monday-Friday, unless a statutory holiday or compensatory day."""
    return day.weekday() < 5 and day not in statutory_holidays(day.year)
