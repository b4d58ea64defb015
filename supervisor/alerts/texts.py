"""Alert texts: the rule's message filled from the fact, headed by the tracking number, dated
when it quotes figures that change with time, and saying which cause applies.

An alert keeps the text it was opened with, so a figure in it ("2 working days overdue") is
only true on the day it was written: such texts end with （截至 YYYY-MM-DD） / (as of ...). A
rule whose condition is `any:` of several causes (the red card: long overdue, or a yellow card
unanswered) says which of them held, with their figures.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from supervisor.alerts.service import render
from supervisor.evaluator import holds
from supervisor.fields import BY_NAME
from supervisor.rulebook.compiled import AnyOf, Compare, CompiledRule, Condition

# Figures that change as days pass without anything happening to the case or complaint.
TIME_FIGURES = frozenset(
    {
        "remaining",
        "overdue",
        "elapsed",
        "stopped",
        "promised_remaining",
        "promised_overdue",
        "step_elapsed",
        "step_over",
        "yellow_unanswered_days",
        "complaint_overdue_days",
    }
)
# Figures of the case's own clock, counted in the item's unit (the others in working days).
CASE_FIGURES = TIME_FIGURES - {"yellow_unanswered_days", "complaint_overdue_days"}
_SYMBOLS = {"eq": "=", "ne": "≠", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥"}


def _placeholders(template: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}
    except ValueError:
        return set()


def _compares(condition: Condition) -> list[Compare]:
    if isinstance(condition, Compare):
        return [condition]
    return [c for part in condition.parts for c in _compares(part)]


def _describe(condition: Condition, fact: Mapping[str, Any], lang: str) -> str:
    """One cause as people read it: '超期日数 8（≥ 5）' / 'days overdue 8 (≥ 5)'."""
    parts = []
    for cmp in _compares(condition):
        known = BY_NAME.get(cmp.field)
        label = (known.zh if lang == "zh" else known.en) if known else cmp.field
        if cmp.field in CASE_FIGURES and fact.get("day_unit") == "natural_days":
            # The catalogue names the licensing unit; this case counts natural days.
            label = label.replace("工作日", "日").replace("working days", "days")
        limit = fact.get(cmp.other) if cmp.other else cmp.value
        symbol = _SYMBOLS.get(cmp.op)
        if symbol is None or isinstance(fact.get(cmp.field), bool):
            continue  # a flag or a membership test says nothing a reader needs here
        shown = f"{label} {fact.get(cmp.field)}"
        parts.append(
            f"{shown}（{symbol} {limit}）" if lang == "zh" else f"{shown} ({symbol} {limit})"
        )
    return ("且" if lang == "zh" else " and ").join(parts)


def causes(rule: CompiledRule, fact: Mapping[str, Any], lang: str) -> list[str]:
    """For a rule whose condition is `any:` of several causes, those that hold, described."""
    condition = rule.condition
    if not isinstance(condition, AnyOf) or len(condition.parts) < 2:
        return []
    found = [_describe(part, fact, lang) for part in condition.parts if holds(part, fact)]
    return [text for text in found if text]


def _dated(rule: CompiledRule, fact: Mapping[str, Any]) -> bool:
    """Whether the text quotes or rests on figures that change as days pass."""
    used = _placeholders(rule.message_zh) | _placeholders(rule.message_en)
    used |= {c.field for c in _compares(rule.condition)}
    return bool(used & TIME_FIGURES) and bool(fact.get("figures_on"))


def messages(rule: CompiledRule, fact: Mapping[str, Any]) -> tuple[str, str]:
    """(message_zh, message_en) of an alert opened by `rule` on `fact`."""
    zh = render(rule.message_zh or rule.title_zh, fact)
    en = render(rule.message_en or rule.title_en, fact)
    why_zh, why_en = causes(rule, fact, "zh"), causes(rule, fact, "en")
    if why_zh:
        zh += "。原因：" + "；".join(why_zh)
        en += ". Cause: " + "; ".join(why_en)
    if _dated(rule, fact):
        zh += f"（截至 {fact['figures_on']}）"
        en += f" (as of {fact['figures_on']})"
    number = fact.get("tracking_no")
    if number:
        zh, en = f"【{number}】{zh}", f"[{number}] {en}"
    return zh, en
