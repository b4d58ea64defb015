"""Identity numbers by their standards: 居民身份证号 (GB 11643), 统一社会信用代码 (GB 32100),
phone numbers. Expected check characters are computed here from the standards' own tables."""

from __future__ import annotations

from datetime import date

import pytest

from approval_core.cases.labels import ACTION_LABELS, ROLE_LABELS, STATE_LABELS, STEP_LABELS
from approval_core.cases.workflow import ACTIONS, STATES, STEP_OF_STATE
from approval_core.identity import (
    birth_date_problem,
    credit_code_problem,
    id_number_problem,
    phone_problem,
)
from approval_core.users.service import ROLES

# GB 11643-1999 Table 1 (weights W_i for positions 1..17) and the check character for
# (sum mod 11) = 0..10.
GB11643_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
GB11643_CHECK = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]
# GB 32100-2015: the 31 characters with their values 0..30, and the weights of positions 1..17.
GB32100_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
GB32100_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def with_id_check(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, GB11643_WEIGHTS, strict=True))
    return first17 + GB11643_CHECK[total % 11]


def with_credit_check(first17: str) -> str:
    total = sum(GB32100_CHARS.index(c) * w for c, w in zip(first17, GB32100_WEIGHTS, strict=True))
    return first17 + GB32100_CHARS[(31 - total % 31) % 31]


def wrong_last(number: str, alphabet: str) -> str:
    return number[:17] + next(c for c in alphabet if c != number[17])


def test_the_standards_published_examples() -> None:
    # GB 11643's own example and the example code printed in GB 32100 explanations
    assert with_id_check("11010519491231002") == "11010519491231002X"
    assert with_credit_check("91350100M000100Y4") == "91350100M000100Y43"
    assert with_id_check("36010219900101123") == "36010219900101123X"


VALID_IDS = [
    with_id_check(f)
    for f in (
        "36010219900101123",
        "11010519491231002",
        "44030419840229001",  # 29 February of a leap year
        "65010220001231999",
        "81000019991010000",
    )
]


@pytest.mark.parametrize("number", VALID_IDS)
def test_valid_identity_numbers_pass(number: str) -> None:
    assert id_number_problem(number) is None
    assert birth_date_problem(number, date(2026, 12, 3)) is None


@pytest.mark.parametrize(
    ("number", "kind"),
    [
        ("360102199001011234", "id_number_check_digit"),  # the number old tests used
        *[(wrong_last(n, "0123456789X"), "id_number_check_digit") for n in VALID_IDS],
        (with_id_check("00010219900101123"), "id_number_region"),
        (with_id_check("99010219900101123"), "id_number_region"),
        (with_id_check("36010219900230123"), "id_number_birth_date"),  # 30 February
        (with_id_check("36010219851301123"), "id_number_birth_date"),  # month 13
        (with_id_check("36010218991231123"), "id_number_birth_date"),  # before 1900
        ("36010219900101123", "id_number_format"),  # 17 characters
        ("3601021990010112345", "id_number_format"),
        ("36010219900101123Y", "id_number_format"),
        ("360102900101123", "id_number_format"),  # the old 15-digit form is no longer valid
    ],
)
def test_invalid_identity_numbers_are_refused(number: str, kind: str) -> None:
    problem = id_number_problem(number)
    assert problem is not None
    assert problem[0] == kind


def test_a_birth_date_after_today_is_refused() -> None:
    number = with_id_check("36010220270101123")
    assert id_number_problem(number) is None  # well formed ...
    problem = birth_date_problem(number, date(2026, 12, 3))
    assert problem is not None  # ... but not born yet
    assert "2027-01-01" in problem[1]
    assert birth_date_problem(number, date(2027, 1, 1)) is None


VALID_CODES = [
    with_credit_check(f)
    for f in ("91350100M000100Y4", "31360000MD0100012", "91110000100000000", "12100000400000001")
]


@pytest.mark.parametrize("code", VALID_CODES)
def test_valid_credit_codes_pass(code: str) -> None:
    assert credit_code_problem(code) is None


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        *[(wrong_last(c, GB32100_CHARS), "credit_code_check_digit") for c in VALID_CODES],
        ("91350100M000100Y4", "credit_code_format"),  # 17 characters
        ("91350100M000100I43", "credit_code_format"),  # I is not in the charset
        ("9135A100M000100Y43", "credit_code_format"),  # characters 3-8 are a region code
        ("91350100M000100Y4S", "credit_code_format"),
    ],
)
def test_invalid_credit_codes_are_refused(code: str, kind: str) -> None:
    problem = credit_code_problem(code)
    assert problem is not None
    assert problem[0] == kind


@pytest.mark.parametrize(
    "phone",
    ["13800138000", "19912345678", "+8613800138000", "86 13800138000", "0791-86123456"]
    + ["010-62345678", "07918612345", "0791-86123456-801", "021 62345678"],
)
def test_valid_phone_numbers_pass(phone: str) -> None:
    assert phone_problem(phone) is None


@pytest.mark.parametrize(
    "phone",
    ["1380013800", "138001380001", "12800138000", "86123456", "0791-123", "010-12345678"]
    + ["phone", "+1 555 0100"],
)
def test_invalid_phone_numbers_are_refused(phone: str) -> None:
    problem = phone_problem(phone)
    assert problem is not None
    assert problem[0] == "phone_format"


def test_every_code_of_the_workflow_has_chinese_and_english_names() -> None:
    assert set(STATE_LABELS) == set(STATES)
    # a stopped case stays in its step, or is in "supplement" before acceptance
    assert set(STEP_OF_STATE.values()) | {"supplement"} == set(STEP_LABELS)
    assert set(ACTIONS) | {"submit"} == set(ACTION_LABELS)
    assert set(ROLES) == set(ROLE_LABELS)
    for table in (STATE_LABELS, STEP_LABELS, ACTION_LABELS, ROLE_LABELS):
        for code, (zh, en) in table.items():
            assert zh != code
            assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), code
            assert en.isascii()
