"""Helpers for engine tests: rules built by hand, and evaluation through both evaluators."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from supervisor.engine import DurableEngine
from supervisor.evaluator import evaluate_python
from supervisor.rulebook.compiled import CompiledRule, Condition, RuleSet


def rule(rule_id: str, condition: Condition) -> CompiledRule:
    return CompiledRule(
        id=rule_id,
        level="warning",
        title_zh=rule_id,
        title_en=rule_id,
        legal_basis="",
        concerns=("handler",),
        condition=condition,
    )


def ruleset(*rules: CompiledRule, version: str = "test") -> RuleSet:
    return RuleSet(version=version, rules=rules)


def single(condition: Condition, version: str = "test") -> RuleSet:
    return ruleset(rule("R", condition), version=version)


def both(engine: DurableEngine, fact: Mapping[str, Any]) -> list[str]:
    """The ids durable-rules finds for `fact`, asserted equal to the plain-Python ones."""
    assert engine.ruleset is not None
    expected = evaluate_python(engine.ruleset, fact)
    found = engine.evaluate(fact)
    assert found == expected, f"durable {found} != python {expected} for {dict(fact)}"
    return found
