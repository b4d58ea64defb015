"""Identity numbers and phone numbers as the standards define them: 居民身份证号 (GB 11643),
统一社会信用代码 (GB 32100) and mainland phone numbers.

Each check returns None for a valid value or the reason it is refused, as (error type,
Chinese, English); `approval_core/inputs.py` turns these into pydantic errors and
`api/field_errors.py` into a 422 naming the field. Whether a birth date lies in the future
depends on "now", which pydantic does not have: the case service checks that with its own clock
(`birth_date_problem`).
"""

from __future__ import annotations

import re
from datetime import date

Problem = tuple[str, str, str]

# GB 11643-1999: 6-digit address code, 8-digit birth date, 3-digit sequence, check character.
# The check character is ISO 7064 MOD 11-2: weight of position i (1-based, left to right) is
# 2**(18-i) mod 11; the sum mod 11 indexes "10X98765432".
ID_WEIGHTS = tuple(2 ** (17 - i) % 11 for i in range(17))
ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"\d{17}[\dX]")
# The first two digits of the address code (GB/T 2260): provinces, autonomous regions and
# municipalities; 71 Taiwan, 81 Hong Kong, 82 Macao, 83 the Taiwan residents' residence permit.
PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)

# GB 32100-2015: 18 characters from 31 (digits and capitals without I, O, Z, S, V); the check
# character is 31 - (sum of value * weight mod 31), 31 standing for 0.
CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_SHAPE = re.compile(rf"[{CREDIT_CHARSET}]{{2}}\d{{6}}[{CREDIT_CHARSET}]{{10}}")

# Mobile: 11 digits from 13x-19x, with an optional +86 / 86 prefix. Landline: an area code of 3
# or 4 digits starting with 0, a 7- or 8-digit number, an optional extension.
_MOBILE = re.compile(r"(?:\+?86[- ]?)?1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}[- ]?[2-9]\d{6,7}(?:[- ]?(?:转|ext\.?|x)?[- ]?\d{1,6})?")


def id_check_character(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def birth_date(id_number: str) -> date | None:
    """The birth date an 18-character identity number carries, or None if it is no date."""
    try:
        return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def id_number_problem(value: str) -> Problem | None:
    """Why `value` (upper-cased) is no 居民身份证号, or None."""
    if not _ID_SHAPE.fullmatch(value):
        return (
            "id_number_format",
            "应为 18 位居民身份证号（17 位数字加 1 位数字或 X）",
            "must be an 18-character resident identity number (17 digits, then a digit or X)",
        )
    if int(value[:2]) not in PROVINCES:
        return (
            "id_number_region",
            f"前两位 {value[:2]} 不是有效的省级行政区划代码",
            f"the first two digits {value[:2]} are no province code",
        )
    born = birth_date(value)
    if born is None or born.year < 1900:
        return (
            "id_number_birth_date",
            f"第 7–14 位 {value[6:14]} 不是有效的出生日期",
            f"digits 7-14 ({value[6:14]}) are no valid birth date",
        )
    expected = id_check_character(value[:17])
    if value[17] != expected:
        return (
            "id_number_check_digit",
            f"校验位应为 {expected}，而不是 {value[17]}，请核对号码",
            f"the check character should be {expected}, not {value[17]}: check the number",
        )
    return None


def birth_date_problem(value: str, today: date) -> Problem | None:
    """A well-formed identity number whose birth date lies after `today`."""
    born = birth_date(value)
    if born is not None and born > today:
        return (
            "id_number_birth_date",
            f"出生日期 {born.isoformat()} 晚于今天",
            f"the birth date {born.isoformat()} is after today",
        )
    return None


def credit_check_character(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters."""
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def credit_code_problem(value: str) -> Problem | None:
    """Why `value` (upper-cased) is no 统一社会信用代码, or None."""
    if not _CREDIT_SHAPE.fullmatch(value):
        return (
            "credit_code_format",
            "应为 18 位统一社会信用代码"
            "（数字和大写字母，不含 I、O、Z、S、V；第 3–8 位为行政区划码）",
            "must be an 18-character unified social credit code (digits and capitals without "
            "I, O, Z, S, V; characters 3-8 a region code)",
        )
    expected = credit_check_character(value[:17])
    if value[17] != expected:
        return (
            "credit_code_check_digit",
            f"校验位应为 {expected}，而不是 {value[17]}，请核对代码",
            f"the check character should be {expected}, not {value[17]}: check the code",
        )
    return None


def phone_problem(value: str) -> Problem | None:
    """Why `value` is no mainland mobile or landline number, or None."""
    if _MOBILE.fullmatch(value) or _LANDLINE.fullmatch(value):
        return None
    return (
        "phone_format",
        "应为手机号（11 位，如 13800138000）或座机号（区号加号码，如 0791-86123456）",
        "must be a mobile number (11 digits, e.g. 13800138000) or a landline with its area "
        "code (e.g. 0791-86123456)",
    )
