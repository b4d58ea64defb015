"""The runtime's memo: verdicts depend only on the fields the rules read, per rule set."""

from __future__ import annotations

from typing import Any

from supervisor.evaluator import evaluate_python
from supervisor.policy.value import load_policy
from supervisor.runtime import Supervisor
from tests.conftest import RULES


class Counting(Supervisor):
    calls = 0

    def __init__(self) -> None:
        super().__init__(load_policy(RULES, "durable"), RULES)
        engine = self.policy.verdicts.engine
        assert engine is not None
        inner = engine.evaluate

        def counted(fact: Any) -> list[str]:
            self.calls += 1
            return inner(fact)

        engine.evaluate = counted  # type: ignore[method-assign]


FACT: dict[str, Any] = {
    "subject": "case",
    "event": "sweep",
    "item": "LAWYER-PRACTICE",
    "state": "handling",
    "running": True,
    "remaining": 2,
    "overdue": 0,
    "step_over": 0,
    "yellow_unanswered_days": 0,
    "missing_materials": [],
}


def test_alike_facts_are_judged_once_and_rightly() -> None:
    sup = Counting()
    first = sup.evaluate(FACT)
    assert first == evaluate_python(sup.ruleset, FACT) == ["TIME-WARNING"]
    # Another case, same figures: a field no rule reads differs, the verdict is reused.
    assert sup.evaluate({**FACT, "tracking_no": "SL2026"}) == first
    assert sup.calls == 1
    # A figure the rules read differs: the engine is asked again.
    later = {**FACT, "remaining": -1, "overdue": 1}
    assert sup.evaluate(later) == evaluate_python(sup.ruleset, later) == ["TIME-YELLOW"]
    assert sup.calls == 2
    # True and 1 are different values to the rules, and to the memo.
    assert sup.evaluate({**FACT, "running": 1}) == evaluate_python(
        sup.ruleset, {**FACT, "running": 1}
    )
    assert sup.calls == 3
