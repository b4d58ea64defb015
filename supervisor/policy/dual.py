"""Both evaluators on every fact, with what each said kept, and rule coverage over those facts.

Rule tests run every fact through durable-rules and the plain-Python evaluator (every rule
test runs through both and they must agree: docs/RULES_ENGINE.md). Unlike the "dual" mode, which
raises on a disagreement (and the fact processor would then retry the fact quietly), this keeps
going and records each verdict, so that the test that caused a disagreement fails with it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from supervisor.engine import EngineError
from supervisor.evaluator import evaluate_python
from supervisor.policy.value import Policy
from supervisor.rulebook.compiled import AllOf, AnyOf, Compare, CompiledRule, Condition, RuleSet
from supervisor.runtime import Supervisor

# Fields nearly every fact carries: a fact that only shares these with a rule says little about it.
_GENERAL_FIELDS = frozenset({"subject", "event"})


@dataclass(frozen=True)
class Verdict:
    """What the two evaluators made of one fact."""

    fact: dict[str, Any]
    python: tuple[str, ...]
    durable: tuple[str, ...]
    engine_error: str | None = None

    @property
    def agree(self) -> bool:
        return self.engine_error is None and self.python == self.durable

    def disagreement(self) -> str:
        """The disagreement in words (Chinese, then English)."""
        event = self.fact.get("event", "?")
        if self.engine_error is not None:
            return f"规则引擎出错 / durable-rules failed (event {event}): {self.engine_error}"
        return (
            f"两个求值器结果不一致 / the evaluators disagree (event {event}): "
            f"durable-rules {list(self.durable)} ≠ Python {list(self.python)}"
        )


class DualSupervisor(Supervisor):
    """A policy judged by both evaluators; verdicts accumulate in `verdicts`."""

    def __init__(self, policy: Policy) -> None:
        super().__init__(policy)
        self.verdicts: list[Verdict] = []

    def both(self, fact: Mapping[str, Any]) -> Verdict:
        python = evaluate_python(self.ruleset, fact)
        engine = self.policy.verdicts.engine
        assert engine is not None  # mode "dual" always has one
        try:
            durable, error = engine.evaluate(fact), None
        except EngineError as exc:
            durable, error = [], str(exc)
        verdict = Verdict(dict(fact), tuple(python), tuple(durable), error)
        self.verdicts.append(verdict)
        return verdict

    def evaluate(self, fact: Mapping[str, Any], policy: Policy | None = None) -> list[str]:  # noqa: ARG002
        """The Python verdict (the reference); a disagreement is recorded, not raised."""
        return list(self.both(fact).python)


def condition_fields(condition: Condition) -> Iterator[str]:
    """Every fact field the condition reads."""
    if isinstance(condition, Compare):
        yield condition.field
        if condition.other is not None:
            yield condition.other
    elif isinstance(condition, AllOf | AnyOf):
        for part in condition.parts:
            yield from condition_fields(part)


def _telling_fields(rule: CompiledRule) -> frozenset[str]:
    found = frozenset(condition_fields(rule.condition))
    return (found - _GENERAL_FIELDS) or found


@dataclass
class Coverage:
    """Per rule: facts it fired on, and facts it stayed silent on that were about it.

    A silent fact counts only when it gives a value to a field the rule reads besides `subject`
    and `event` (or when the test says the rule must not fire): a fee fact proves nothing about
    the warning rule. Both counts must be at least 1 for every rule.
    """

    rules: tuple[CompiledRule, ...]
    fired: Counter[str] = field(default_factory=Counter)
    silent: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._fields = {rule.id: _telling_fields(rule) for rule in self.rules}

    @classmethod
    def of(cls, ruleset: RuleSet) -> Coverage:
        return cls(ruleset.rules)

    def add(
        self, fact: Mapping[str, Any], matched: Iterable[str], must_not: Iterable[str] = ()
    ) -> None:
        hits, absent = set(matched), set(must_not)
        for rule in self.rules:
            if rule.id in hits:
                self.fired[rule.id] += 1
            elif rule.id in absent or any(fact.get(f) is not None for f in self._fields[rule.id]):
                self.silent[rule.id] += 1

    def gaps(self) -> list[str]:
        """Rule ids that never fired or were never silent."""
        return [r.id for r in self.rules if not self.fired[r.id] or not self.silent[r.id]]
