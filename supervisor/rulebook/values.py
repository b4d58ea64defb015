"""Literal values in rule conditions checked against a fact field: type, range and known values.

Each check returns None when the value is fine, else the fault in Chinese and English, so that the
caller decides where to point (at the literal, or at the parameter that holds it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from approval_core.yamlsource import suggest
from supervisor.fields import FactField, FieldType

ORDER_OPS = ("eq", "ne", "lt", "lte", "gt", "gte")
OPS_FOR_TYPE: dict[FieldType, tuple[str, ...]] = {
    "int": (*ORDER_OPS, "in", "not_in", "exists", "missing"),
    "number": (*ORDER_OPS, "in", "not_in", "exists", "missing"),
    "bool": ("eq", "ne", "exists", "missing"),
    "str": ("eq", "ne", "in", "not_in", "exists", "missing"),
    "list": ("contains", "exists", "missing"),
}
TYPE_WORDS: dict[FieldType, tuple[str, str]] = {
    "int": ("整数", "an integer"),
    "number": ("数字", "a number"),
    "bool": ("布尔值", "true or false"),
    "str": ("文本", "text"),
    "list": ("列表", "a list"),
}


def choice_fault(
    fact: FactField, value: Any, codes: Mapping[str, frozenset[str]]
) -> tuple[str, str] | None:
    """A fault when `value` is not a known value of a str field with choices ("@items" and
    "@departments" are looked up in `codes`; a name missing there is not checked)."""
    choices = fact.choices
    if fact.type != "str" or choices is None:
        return None
    known = codes.get(choices) if isinstance(choices, str) else frozenset(choices)
    if known is None or value in known:
        return None
    ordered = sorted(known) if isinstance(choices, str) else list(choices)
    hint = suggest(value, ordered)
    zh, en = f"字段 {fact.name} 没有取值 {value}", f"field {fact.name} has no value {value}"
    if hint:
        return f"{zh}，是否应为 {hint}？", f"{en}; did you mean {hint}?"
    return f"{zh}（可用：{', '.join(ordered)}）", f"{en} (known: {', '.join(ordered)})"


def type_fault(fact: FactField, value: Any) -> tuple[str, str] | None:
    """A fault when `value` is not of the field's type (an int field takes no 3.5 and no true)."""
    kind = "str" if fact.type == "list" else fact.type  # a list field holds codes (contains)
    if kind in ("int", "number"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        ok = ok and (kind == "number" or isinstance(value, int))
    elif kind == "bool":
        ok = isinstance(value, bool)
    else:
        ok = isinstance(value, str)
    if ok:
        return None
    zh, en = _describe(value, kind)
    want_zh, want_en = TYPE_WORDS[kind]
    want_zh = "布尔值（true 或 false）" if kind == "bool" else want_zh
    return (
        f"字段 {fact.name} 应为{want_zh}，这里写的是{zh}",
        f"field {fact.name} takes {want_en}, not {en}",
    )


def _describe(value: Any, wanted: FieldType) -> tuple[str, str]:
    if isinstance(value, bool):
        text = str(value).lower()
        if wanted == "str":
            return (
                f"布尔值 {text}（yes/no/on/off 会被 YAML 读作布尔值，请加引号）",
                f"the boolean {text} (YAML reads yes/no/on/off as booleans: quote them)",
            )
        return f"布尔值 {text}", f"the boolean {text}"
    if isinstance(value, str):
        if wanted in ("int", "number"):
            return f'文本 "{value}"（数字不要加引号）', f'the text "{value}" (no quotes on numbers)'
        return f'文本 "{value}"', f'the text "{value}"'
    if isinstance(value, int | float):
        return f"数字 {value}", f"the number {value}"
    if isinstance(value, list):
        return "列表", "a list"
    if isinstance(value, dict):
        return "映射", "a mapping"
    return "空值（null）", "null"


def range_fault(fact: FactField, value: Any) -> tuple[str, str] | None:
    """A fault when a number lies outside the field's bounds (FactField.minimum / maximum)."""
    if fact.type not in ("int", "number"):
        return None
    low, high = fact.minimum, fact.maximum
    if (low is None or value >= low) and (high is None or value <= high):
        return None
    bounds = f"[{_number(low, '-∞')}, {_number(high, '∞')}]"
    return (
        f"值 {value} 超出字段 {fact.name}（{fact.zh}）的范围 {bounds}",
        f"value {value} is outside the range of field {fact.name} ({fact.en}) {bounds}",
    )


def _number(bound: float | None, unbounded: str) -> str:
    if bound is None:
        return unbounded
    return str(int(bound)) if float(bound).is_integer() else str(bound)
