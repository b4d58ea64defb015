"""Input types every command and query shares: ids that fit the database, moments and days the
work calendar can count, text without control characters.

Identity and phone numbers follow their standards (`approval_core/identity.py`).
A value outside them is refused before anything is read or written: pydantic raises the error
types named here and `api/errors.py` turns them into a 422 problem naming the field (Chinese
and English texts by error type). Path and query strings are checked by the same function
(`control_character`) in `api/deps.py`; the CLI uses `moment_problem`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from annotated_types import Ge, Le
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from approval_core.calendar.statutory import MAX_YEAR, MIN_YEAR
from approval_core.identity import Problem, credit_code_problem, id_number_problem, phone_problem
from approval_core.timeutil import LEGAL_TZ

# Ids and counts are INTEGER columns (4 bytes on PostgreSQL): anything larger can name nothing.
DB_INT_MAX = 2**31 - 1
# The calendar counts working days in MIN_YEAR..MAX_YEAR; a moment of the last year could have
# a deadline in the year after, so input stops one year earlier.
FIRST_YEAR, LAST_YEAR = MIN_YEAR, MAX_YEAR - 1

# C0 and C1 controls, DEL and lone surrogates (which no database encoding accepts); free text
# keeps tab, line feed and carriage return.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def control_character(value: str, *, free_text: bool = False) -> int | None:
    """The position of the first character refused in `value`, or None when it is clean."""
    found = (_CONTROL_IN_TEXT if free_text else _CONTROL).search(value)
    return found.start() if found else None


def _refuse_control(value: str, free_text: bool) -> str:
    position = control_character(value, free_text=free_text)
    if position is not None:
        raise PydanticCustomError(
            "control_character",
            "must not contain control characters (U+{code} at position {position})",
            {"code": f"{ord(value[position]):04X}", "position": position},
        )
    return value


def _line(value: str) -> str:
    return _refuse_control(value, free_text=False)


def _text(value: str) -> str:
    return _refuse_control(value, free_text=True)


def year_in_range(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


def moment_problem(value: datetime) -> tuple[str, str] | None:
    """Why a moment cannot be taken (error type, English text), or None."""
    if value.tzinfo is None or value.utcoffset() is None:
        return "naive_moment", "must include a time zone offset, e.g. 2026-03-02T09:00:00+08:00"
    try:
        legal_year = value.astimezone(LEGAL_TZ).year
    except OverflowError:  # year 1 or 9999 shifted past what datetime holds
        legal_year = value.year
    if not (year_in_range(value.year) and year_in_range(legal_year)):
        return "year_out_of_range", f"the year must be between {FIRST_YEAR} and {LAST_YEAR}"
    return None


def _moment(value: datetime) -> datetime:
    problem = moment_problem(value)
    if problem is not None:
        raise PydanticCustomError(problem[0], problem[1])
    return value


def _day(value: date) -> date:
    if not year_in_range(value.year):
        raise PydanticCustomError(
            "year_out_of_range", f"the year must be between {FIRST_YEAR} and {LAST_YEAR}"
        )
    return value


def _refuse(problem: Problem | None) -> None:
    """A standard's refusal as a pydantic error; its Chinese text rides in the context."""
    if problem is not None:
        kind, zh, en = problem
        raise PydanticCustomError(kind, en, {"zh": zh})


def _id_number(value: str) -> str:
    value = value.strip().upper()
    _refuse(id_number_problem(value))
    return value


def _credit_code(value: str) -> str:
    value = value.strip().upper()
    _refuse(credit_code_problem(value))
    return value


def _phone(value: str) -> str:
    value = value.strip()
    _refuse(phone_problem(value))
    return value


Id = Annotated[int, Ge(1), Le(DB_INT_MAX)]
"""A row id: 1 up to the largest database integer."""
Count = Annotated[int, Ge(0), Le(DB_INT_MAX)]
"""A count or offset: 0 up to the largest database integer."""
Line = Annotated[str, AfterValidator(_line)]
"""One line of text (names, codes, references): no control character at all."""
Text = Annotated[str, AfterValidator(_text)]
"""Free text (reasons, comments, file contents): tab and line breaks allowed, other controls not."""
Moment = Annotated[datetime, AfterValidator(_moment)]
"""A moment with its offset, in a year the work calendar counts."""
Day = Annotated[date, AfterValidator(_day)]
"""A date in a year the work calendar counts."""
IdNumber = Annotated[Line, AfterValidator(_id_number)]
"""居民身份证号 by GB 11643 (region, birth date, check character); a lower-case x is taken as X.
A birth date after today is refused by the service, which knows today."""
CreditCode = Annotated[Line, AfterValidator(_credit_code)]
"""统一社会信用代码 by GB 32100 (charset, region digits, check character), upper-cased."""
Phone = Annotated[Line, AfterValidator(_phone)]
"""A mainland mobile number or a landline with its area code."""
