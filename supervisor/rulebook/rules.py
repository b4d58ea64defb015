"""Checks on a rule beyond its condition: message placeholders, cause field, response days.

Messages are shown to people with `{field}` placeholders filled from the fact, so a placeholder
must name a fact field; a typo would otherwise show up as a broken alert, not as a rule error.
"""

from __future__ import annotations

import string
from typing import Any

from approval_core.yamlsource import Loc
from supervisor.rulebook.conditions import ConditionCompiler

MESSAGE_KEYS = ("message_zh", "message_en")


def rule_problems(compiler: ConditionCompiler, raw: dict[Any, Any], loc: Loc) -> int | None:
    """Check `raw`'s texts, cause field and response days (faults go to `compiler.problems`);
    return the response days in working days when they are fine."""
    for key in MESSAGE_KEYS:
        if isinstance(raw.get(key), str):
            _placeholders(compiler, raw[key], (*loc, key))
    if raw.get("cause_field") is not None:
        compiler.known_field(raw["cause_field"], (*loc, "cause_field"))
    if raw.get("response_days") is None:
        return None
    return _response_days(compiler, raw, (*loc, "response_days"))


def _placeholders(compiler: ConditionCompiler, text: str, loc: Loc) -> None:
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:
        compiler.value_fault(
            loc,
            "消息模板的花括号不成对；要显示花括号本身请写 {{ 或 }}",
            "unbalanced braces in the message; write {{ or }} for a brace itself",
        )
        return
    for name in names:
        compiler.known_field(name, loc)


def _response_days(compiler: ConditionCompiler, raw: dict[Any, Any], loc: Loc) -> int | None:
    if raw.get("level") == "warning":
        compiler.key_fault(
            loc,
            "预警不设回告期限 response_days（黄牌、红牌、异常才需回告）",
            "a warning takes no response_days (yellow, red and anomaly cards do)",
        )
        return None
    value, where = raw["response_days"], loc
    if isinstance(value, dict):
        found = compiler.resolve_param(value, loc)
        if found is None:
            return None
        value, where = found[1].value, found[1].loc
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    compiler.value_fault(
        where,
        "回告期限 response_days 须为正整数（工作日）或 {param: 参数}",
        "response_days must be a positive whole number of working days, or {param: name}",
    )
    return None
