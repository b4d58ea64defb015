"""Compiled rules: an engine-neutral condition tree that both evaluators run.

The YAML format policy staff edit is compiled into these frozen objects (parameters already
substituted); `supervisor/engine.py` turns them into durable-rules rulesets and
`supervisor/evaluator.py` runs the same tree in plain Python. Semantics shared by both:
a comparison on a field the fact lacks is false (also for `ne`); `exists` / `missing` test
presence; `in` / `not_in` take a list of literals; `contains` tests membership in a list field;
`other` compares with another field of the same fact instead of a literal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Op = Literal["eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "exists", "missing", "contains"]
Level = Literal["warning", "yellow", "red", "anomaly"]
LEVELS: tuple[Level, ...] = ("warning", "yellow", "red", "anomaly")
Concern = Literal["handler", "head", "supervisor"]


@dataclass(frozen=True)
class Compare:
    field: str
    op: Op
    value: Any = None  # a literal (a list for in / not_in; unused for exists / missing)
    other: str | None = None  # compare with this field instead of `value`


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]


Condition = Compare | AllOf | AnyOf


@dataclass(frozen=True)
class CompiledRule:
    id: str
    level: Level
    title_zh: str
    title_en: str
    legal_basis: str
    concerns: tuple[Concern, ...]
    condition: Condition
    # Text shown to people; {field} placeholders are filled from the fact.
    message_zh: str = ""
    message_en: str = ""
    # A fact field whose value is part of the alert's cause (e.g. "step": one per step).
    cause_field: str | None = None
    # Warnings resolve by themselves when the condition stops holding; cards stay on record.
    auto_resolve: bool = False
    # Working days a card may go without response (回告) before it escalates.
    response_days: int | None = None
    source: str = ""  # file:line of the rule, for messages and explain
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleSet:
    """What is in force: the rules and the version (content hash of the files) they came from."""

    version: str
    rules: tuple[CompiledRule, ...]

    def by_id(self) -> dict[str, CompiledRule]:
        return {r.id: r for r in self.rules}
