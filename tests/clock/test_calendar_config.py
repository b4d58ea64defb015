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
    ("text", "where", "what"),
    [
        pytest.param(
            "years:\n  2027:\n    source: x\n    workdays: [2027-02-30]\n",
            ":4:16:",
            "bad date",
            id="bad-date",
        ),
        pytest.param(
            "overrides:\n  - {date: 2027-01-09, kind: rest, reason: x}\n",
            ":2:30:",
            "unknown kind 'rest'",
            id="unknown-kind",
        ),
        pytest.param(
            "years:\n  2027:\n    source: x\n    holidays:\n"
            "      - {name: 元旦, from: 2027-01-03, to: 2027-01-01}\n",
            ":5:42:",
            "from 2027-01-03 is after to 2027-01-01",
            id="from-after-to",
        ),
        pytest.param(
            "years:\n  2027:\n    source: x\n  2027:\n    source: y\n",
            ":4:3:",
            "'2027' given twice",
            id="year-twice",
        ),
        pytest.param(
            "years:\n  2027:\n    source: x\n    holidays:\n"
            "      - {name: 春节, from: 2027-02-05, to: 2027-02-14}\n"
            "    workdays: [2027-02-13]\n",
            ":6:16:",
            "workday 2027-02-13 is also a holiday (line 5)",
            id="workday-also-holiday",
        ),
        pytest.param(
            "years:\n  2027:\n    source: x\n    workdays: [2027-02-10]\n",
            ":4:16:",
            "is not a Saturday/Sunday",
            id="workday-on-weekday",
        ),
        pytest.param(
            "years:\n  2027:\n    holidays: []\n",
            ":3:5:",
            "needs `source`",
            id="missing-source",
        ),
        pytest.param(
            "years:\n  2027:\n    source: x\n    holiday: []\n",
            ":4:5:",
            "unknown field 'holiday'",
            id="unknown-field",
        ),
        pytest.param(
            "years:\n  2027:\n    source: x\n    workdays: [2028-06-03]\n",
            ":4:16:",
            "outside year 2027",
            id="date-outside-year",
        ),
        pytest.param(
            "years:\n  twenty:\n    source: x\n",
            ":2:3:",
            "bad year",
            id="bad-year",
        ),
        pytest.param(
            "overrides:\n  - {date: 2027-01-09, kind: holiday}\n",
            ":2:5:",
            "needs reason",
            id="override-without-reason",
        ),
        pytest.param(
            "overrides:\n  - {date: 2027-01-09, kind: holiday, reason: a}\n"
            "  - {date: 2027-01-09, kind: workday, reason: b}\n",
            ":3:5:",
            "given twice",
            id="override-twice",
        ),
        pytest.param(
            "years:\n  2027:\n    source: [x\n",
            ":4:1:",
            "syntax error",
            id="yaml-syntax",
        ),
    ],
)
def test_errors_name_file_line_column(tmp_path: Path, text: str, where: str, what: str) -> None:
    found = problems(tmp_path, text)
    assert len(found) == 1, found
    assert found[0].startswith(str(tmp_path / "calendar.yaml") + where), found
    assert what in found[0]


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    text = (
        "years:\n  2027:\n    source: x\n    workdays: [2027-13-01, 2027-02-10]\n"
        "overrides:\n  - {date: 2027-01-09, kind: maybe, reason: x}\n"
    )
    assert len(problems(tmp_path, text)) == 3
