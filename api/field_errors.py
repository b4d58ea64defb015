"""Field errors people can act on: every pydantic error type as a Chinese and an English text
that names the field and says what is expected (`api/errors.py` picks one per Accept-Language).

A type missing here still gets a Chinese text naming the field (and pydantic's English);
tests/api/test_error_language.py sends a sample of bad requests and reads both languages.
"""

from __future__ import annotations

from typing import Any

from approval_core.inputs import FIRST_YEAR, LAST_YEAR, control_character

_MOMENT = (
    "{field} 必须带时区，例如 2026-03-02T09:00:00+08:00",
    "{field} must be a date and time with its offset, e.g. 2026-03-02T09:00:00+08:00",
)
_DAY = ("{field} 应为日期，如 2026-03-02", "{field} must be a date, e.g. 2026-03-02")
_INTEGER = ("{field} 应为整数", "{field} must be a whole number")
_NUMBER = ("{field} 应为数字", "{field} must be a number")
_AMOUNT = ("{field} 应为金额数字，如 10.00", "{field} must be an amount, e.g. 10.00")
_OBJECT = ("{field} 应为对象（JSON 对象，如 {{...}}）", "{field} must be an object ({{...}})")
_LIST = ("{field} 应为列表（JSON 数组，如 [...]）", "{field} must be a list ([...])")
_YEARS = (
    f"{{field}} 的年份须在 {FIRST_YEAR}–{LAST_YEAR} 之间",
    f"{{field}}: the year must be between {FIRST_YEAR} and {LAST_YEAR}",
)

TEXTS: dict[str, tuple[str, str]] = {
    "missing": ("缺少必填字段 {field}", "{field} is required"),
    "extra_forbidden": (
        "不认识的字段 {field}，请删除或检查拼写",
        "{field} is not a known field: remove it or check its spelling",
    ),
    "string_type": ("{field} 应为文字（字符串）", "{field} must be a string"),
    "string_too_short": (
        "{field} 至少需 {min_length} 个字符",
        "{field} needs at least {min_length} characters",
    ),
    "string_too_long": (
        "{field} 最多 {max_length} 个字符",
        "{field} may have at most {max_length} characters",
    ),
    "string_pattern_mismatch": (
        "{field} 的格式不对（应符合 {pattern}）",
        "{field} must match {pattern}",
    ),
    "string_unicode": ("{field} 应为有效的 Unicode 文字", "{field} must be valid Unicode text"),
    "int_type": _INTEGER,
    "int_parsing": _INTEGER,
    "int_from_float": _INTEGER,
    "float_type": _NUMBER,
    "float_parsing": _NUMBER,
    "finite_number": ("{field} 应为有限的数字", "{field} must be a finite number"),
    "decimal_type": _AMOUNT,
    "decimal_parsing": _AMOUNT,
    "decimal_max_digits": (
        "{field} 最多 {max_digits} 位数字",
        "{field} may have at most {max_digits} digits",
    ),
    "decimal_max_places": (
        "{field} 最多 {decimal_places} 位小数",
        "{field} may have at most {decimal_places} decimal places",
    ),
    "decimal_whole_digits": (
        "{field} 的整数部分最多 {whole_digits} 位",
        "{field} may have at most {whole_digits} digits before the point",
    ),
    "greater_than": ("{field} 应大于 {gt}", "{field} must be greater than {gt}"),
    "greater_than_equal": ("{field} 超出范围：应不小于 {ge}", "{field} must be at least {ge}"),
    "less_than": ("{field} 应小于 {lt}", "{field} must be less than {lt}"),
    "less_than_equal": ("{field} 超出范围：应不大于 {le}", "{field} must be at most {le}"),
    "multiple_of": (
        "{field} 应为 {multiple_of} 的倍数",
        "{field} must be a multiple of {multiple_of}",
    ),
    "bool_type": ("{field} 应为 true 或 false", "{field} must be true or false"),
    "bool_parsing": ("{field} 应为 true 或 false", "{field} must be true or false"),
    "literal_error": ("{field} 应为以下之一：{expected_zh}", "{field} must be one of {expected}"),
    "enum": ("{field} 应为以下之一：{expected_zh}", "{field} must be one of {expected}"),
    "list_type": _LIST,
    "tuple_type": _LIST,
    "set_type": _LIST,
    "too_short": (
        "{field} 至少需 {min_length} 项",
        "{field} needs at least {min_length} entries",
    ),
    "too_long": ("{field} 最多 {max_length} 项", "{field} may have at most {max_length} entries"),
    "dict_type": _OBJECT,
    "model_type": _OBJECT,
    "model_attributes_type": _OBJECT,
    "datetime_type": _MOMENT,
    "datetime_parsing": _MOMENT,
    "datetime_from_date_parsing": _MOMENT,
    "datetime_object_invalid": _MOMENT,
    "timezone_aware": _MOMENT,
    "naive_moment": _MOMENT,
    "date_type": _DAY,
    "date_parsing": _DAY,
    "date_from_datetime_parsing": _DAY,
    "date_from_datetime_inexact": _DAY,
    "year_out_of_range": _YEARS,
    "uuid_type": ("{field} 应为 UUID", "{field} must be a UUID"),
    "uuid_parsing": ("{field} 应为 UUID", "{field} must be a UUID"),
    "url_parsing": ("{field} 应为网址，如 https://example.cn/", "{field} must be a URL"),
    "url_scheme": (
        "{field} 的网址须以 {expected_schemes} 开头",
        "{field} must use {expected_schemes}",
    ),
    "control_character": (
        "{field} 不能包含控制字符（第 {position} 个字符 U+{code}）",
        "{field} must not contain control characters (U+{code} at position {position})",
    ),
    "email": (
        "{field} 应为有效的电子邮箱地址，如 zhang.san@example.cn",
        "{field} must be a valid e-mail address, e.g. zhang.san@example.cn",
    ),
}
# Checks by a standard (approval_core/identity.py) carry their own Chinese text.
_WITH_OWN_TEXT = (
    "id_number_format",
    "id_number_region",
    "id_number_birth_date",
    "id_number_check_digit",
    "credit_code_format",
    "credit_code_check_digit",
    "phone_format",
)
TEXTS.update(dict.fromkeys(_WITH_OWN_TEXT, ("{field}：{zh}", "{field}: {msg}")))
_FALLBACK = ("{field} 的值无效（{type}）", "{field}: {msg}")


def _printable(text: str) -> str:
    """A field name as it can be shown: a dict key may carry the very character refused."""
    return "".join("?" if control_character(ch) is not None else ch for ch in text)


def field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = (str(p) for p in loc if p not in ("body", "query", "path", "header"))
    return ".".join(_printable(p) for p in parts) or "body"


def _kind(error: dict[str, Any], field: str) -> str:
    kind = str(error["type"])
    if kind == "value_error" and field.rsplit(".", 1)[-1] == "email":
        return "email"  # EmailStr reports a plain value_error
    return kind


def field_error(error: dict[str, Any]) -> dict[str, Any]:
    """One pydantic error as {field, type, message_zh, message_en}."""
    field = field_name(error["loc"])
    kind = _kind(error, field)
    context = {str(k): v for k, v in (error.get("ctx") or {}).items()}
    expected = str(context.get("expected", ""))
    values = {
        **context,
        "field": field,
        "type": kind,
        "msg": error.get("msg", ""),
        "expected_zh": expected.replace(" or ", "、").replace(", ", "、"),
    }
    zh, en = TEXTS.get(kind, _FALLBACK)
    try:
        texts = zh.format(**values), en.format(**values)
    except (KeyError, IndexError, ValueError):  # a context pydantic did not give
        texts = _FALLBACK[0].format(**values), _FALLBACK[1].format(**values)
    return {"field": field, "type": kind, "message_zh": texts[0], "message_en": texts[1]}


def summary(errors: list[dict[str, Any]]) -> tuple[str, str]:
    """The problem's detail: the one error itself, or every error in turn."""
    if len(errors) == 1:
        return errors[0]["message_zh"], errors[0]["message_en"]
    return (
        f"{len(errors)} 处输入有误：" + "；".join(e["message_zh"] for e in errors),
        f"{len(errors)} invalid fields: " + "; ".join(e["message_en"] for e in errors),
    )
