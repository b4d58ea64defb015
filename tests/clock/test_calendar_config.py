"""rules/calendar.yaml: entered years, overrides, validation with file:line:column, version."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from approval_core.calendar import WorkCalendar, load_calendar, parse_calendar
from approval_core.errors import ConfigError

GOOD = """\
# a comment
years:
  2027:
    source: 国办发明电〔2026〕99号（测试用）
    holidays:
      - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
      - name: 春节
        from: 2027-02-05
        to: 2027-02-14
      - {name: 清明节, from: 2027-04-05}
    workdays:
      - 2027-01-30
      - 2027-02-20
overrides:
  - date: 2026-05-08
    kind: holiday
    reason: 测试：临时放假
  - {date: 2027-04-10, kind: workday, reason: 测试}
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "calendar.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_calendar(write(tmp_path, text))
    return info.value.problems


def test_entered_year_and_overrides(tmp_path: Path) -> None:
    calendar = load_calendar(write(tmp_path, GOOD))
    assert not calendar.is_provisional_year(2027)
    assert calendar.is_provisional_year(2028)
    assert calendar.is_workday(date(2027, 1, 30))  # make-up Saturday
    assert not calendar.is_workday(date(2027, 2, 11))  # inside the 春节 span
    assert not calendar.is_workday(date(2027, 4, 5))  # single-day span
    assert calendar.is_workday(date(2027, 10, 4))  # entered year: no fallback 补假 (Mon)
    assert calendar.is_workday(date(2027, 4, 10))  # override: a Saturday made a workday
    assert not calendar.is_workday(date(2026, 5, 8))  # override on a chinesecalendar year
    assert calendar.workdays_in(date(2026, 5, 6), date(2026, 5, 11)) == 3  # 5/7, 5/9 Sat, 5/11


def test_version_changes_with_the_file(tmp_path: Path) -> None:
    first = load_calendar(write(tmp_path, GOOD)).version
    assert load_calendar(write(tmp_path, GOOD)).version == first
    second = load_calendar(write(tmp_path, GOOD + "# edited\n")).version
    assert second != first
    assert second.startswith("chinesecalendar-1.11.0+calendar.yaml-")


def test_empty_file_is_valid() -> None:
    calendar = parse_calendar(b"# nothing yet\n", "calendar.yaml")
    assert isinstance(calendar, WorkCalendar)
    assert calendar.is_provisional_year(2027)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_calendar(tmp_path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "years:\n  2027:\n    source: x\n    workdays: [2027-02-30]\n",
            ":4:16: 字段 workdays[0] 的日期 2027-02-30 不存在 "
            "/ field workdays[0]: there is no date 2027-02-30",
            id="bad-date",
        ),
        pytest.param(
            "years:\n  2027:\n    source: x\n    workdays: [2027-01-30 10:00]\n",
            ":4:16: 字段 workdays[0] 必须是日期（YYYY-MM-DD） "
            "/ field workdays[0] must be a date (YYYY-MM-DD)",
            id="date-with-time",
        ),
        pytest.param(
            "overrides:\n  - {date: 2027-01-09, kind: rest, reason: x}\n",
            ":2:24: 字段 kind 必须是以下之一：'holiday', 'workday' "
            "/ field kind must be one of: 'holiday' or 'workday'",
            id="unknown-kind",
        ),
        pytest.param(
            "years:\n  2027:\n    source: x\n    holidays:\n"
            "      - {name: 元旦, from: 2027-01-03, to: 2027-01-01}\n",
            ":5:38: 起止颠倒：from 2027-01-03 晚于 to 2027-01-01 "
            "/ from 2027-01-03 is after to 2027-01-01",
            id="from-after-to",
        ),
        pytest.param(
            "years:\n  2027:\n    source: x\n  2027:\n    source: y\n",
            ":4:3: 键 2027 重复（首次出现在第 2 行） / duplicate key 2027 (first at line 2)",
            id="year-twice",
        ),
        pytest.param(
            "years:\n  2027:\n    source: x\n    holidays:\n"
            "      - {name: 春节, from: 2027-02-05, to: 2027-02-14}\n"
            "      - {name: 调整, from: 2027-02-14, to: 2027-02-15}\n",
            ":6:9: 放假日 2027-02-14 已在 2027 年春节的放假区间内 "
            "/ rest day 2027-02-14 is already in holiday 春节 (2027)",
            id="date-in-two-spans",
        ),
        pytest.param(
            "years:\n  2026:\n    source: x\n    holidays:\n"
            "      - {name: 元旦, from: 2026-12-31, to: 2027-01-02}\n"
            "  2027:\n    source: y\n    holidays:\n      - {name: 元旦, from: 2027-01-01}\n",
            ":9:9: 放假日 2027-01-01 已在 2026 年元旦的放假区间内 "
            "/ rest day 2027-01-01 is already in holiday 元旦 (2026)",
            id="date-in-spans-of-two-years",
        ),
        pytest.param(
            "years:\n  2027:\n    source: x\n    holidays:\n"
            "      - {name: 春节, from: 2027-02-05, to: 2027-02-14}\n"
            "    workdays: [2027-02-13]\n",
            ":6:16: 调休上班日 2027-02-13 已在 2027 年春节的放假区间内 "
            "/ make-up workday 2027-02-13 is already in holiday 春节 (2027)",
            id="workday-also-holiday",
        ),
        pytest.param(
            "years:\n  2027:\n    source: x\n    workdays: [2027-01-30, 2027-01-30]\n",
            ":4:28: 调休上班日 2027-01-30 重复（同 2027 年 workdays[0]） "
            "/ make-up workday 2027-01-30 listed twice (same as workdays[0] of 2027)",
            id="workday-twice",
        ),
        pytest.param(
            "years:\n  2027:\n    source: x\n    workdays: [2027-02-10]\n",
            ":4:16: 调休上班日 2027-02-10 应为周六或周日 "
            "/ make-up workday 2027-02-10 is not a Saturday/Sunday",
            id="workday-on-weekday",
        ),
        pytest.param(
            "years:\n  2027:\n    holidays: []\n",
            ":2:3: 缺少必填字段 source / required field source is missing",
            id="missing-source",
        ),
        pytest.param(
            "years:\n  2027:\n    source: x\n    holiday: []\n",
            ":4:5: 未知字段 holiday，是否应为 holidays？ "
            "/ unknown field holiday; did you mean holidays?",
            id="unknown-field",
        ),
        pytest.param(
            "years:\n  2027:\n    source: x\n    workdays: [2028-06-03]\n",
            ":4:16: 日期 2028-06-03 不属于 2027 年 / date 2028-06-03 is outside year 2027",
            id="date-outside-year",
        ),
        pytest.param(
            "years:\n  2027:\n    source: x\n    holidays:\n"
            "      - {name: 元旦, from: 2027-01-01, to: 2028-02-03}\n",
            ":5:38: 日期 2028-02-03 不属于 2027 年 / date 2028-02-03 is outside year 2027",
            id="span-outside-year",
        ),
        pytest.param(
            "years:\n  twenty:\n    source: x\n",
            ":2:3: 键 twenty 必须是整数 / key twenty must be an integer",
            id="bad-year",
        ),
        pytest.param(
            "years:\n  1800:\n    source: x\n",
            ":2:3: 键 1800 不能小于 1901 / key 1800 must be at least 1901",
            id="year-out-of-range",
        ),
        pytest.param(
            "overrides:\n  - {date: 2027-01-09, kind: holiday}\n",
            ":2:5: 缺少必填字段 reason / required field reason is missing",
            id="override-without-reason",
        ),
        pytest.param(
            "overrides:\n  - {date: 2027-01-09, kind: holiday, reason: ' '}\n",
            ":2:39: 字段 reason 不能为空 / field reason must not be empty",
            id="override-with-blank-reason",
        ),
        pytest.param(
            "overrides:\n  - {date: 2027-01-09, kind: holiday, reason: a}\n"
            "  - {date: 2027-01-09, kind: workday, reason: b}\n",
            ":3:5: 日期 2027-01-09 的更正重复（同 overrides[0]） "
            "/ override for 2027-01-09 given twice (same as overrides[0])",
            id="override-twice",
        ),
        pytest.param(
            "years:\n  2027:\n    source: [x\n",
            ":3:13: 第 3 行的“[”没有对应的“]”，请在末尾补上“]” "
            '/ the "[" on line 3 is never closed: add "]" at the end',
            id="yaml-syntax",
        ),
    ],
)
def test_errors_name_file_line_column(tmp_path: Path, text: str, expected: str) -> None:
    assert problems(tmp_path, text) == [str(tmp_path / "calendar.yaml") + expected]


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    text = (
        "years:\n  2027:\n    source: x\n    workdays: [2027-13-01, 2027-02-10]\n"
        "overrides:\n  - {date: 2027-01-09, kind: maybe, reason: x}\n"
    )
    found = [message.split(": ", 1)[0] for message in problems(tmp_path, text)]
    where = str(tmp_path / "calendar.yaml")
    assert found == [f"{where}:4:16", f"{where}:4:28", f"{where}:6:24"]


def test_dates_may_be_quoted_and_empty_lists_left_blank() -> None:
    text = (
        "years:\n  2027:\n    source: x\n    holidays:\n"
        "      - {name: 元旦, from: '2027-01-01', to: \"2027-01-02\"}\n"
        "    workdays:\n"
        "overrides:\n"
    )
    calendar = parse_calendar(text.encode(), "calendar.yaml")
    assert not calendar.is_provisional_year(2027)
    assert not calendar.is_workday(date(2027, 1, 1))
    assert not calendar.is_workday(date(2027, 1, 2))
    assert calendar.config.overrides == {}
