"""Verdicts of one compiled rule set: its own durable-rules registration and its own memo.

Each policy has one `Verdicts`; a verdict cached for one policy can therefore never be
returned for another. Production evaluates with durable-rules (the design's engine);
`mode="dual"` also runs the plain-Python evaluator and refuses to go on if they disagree
(tests and end-to-end checks); `mode="python"` uses the plain evaluator only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, Literal

from supervisor.engine import DurableEngine
from supervisor.evaluator import evaluate_python
from supervisor.rulebook.compiled import Compare, Condition, RuleSet
from supervisor.timing import Thresholds, thresholds

MEMO_SIZE = 4096
_MISSING = object()
Mode = Literal["durable", "python", "dual"]


class EvaluatorMismatch(Exception):  # noqa: N818 (a finding, not a failure to retry)
    """The two evaluators disagreed on a fact: a bug to report, never to paper over.

    Not an EngineError on purpose: nothing retries or parks it; it fails the caller loudly.
    """


def fields_read(ruleset: RuleSet) -> tuple[str, ...]:
    """Every fact field any rule of the set reads (compared, or compared with)."""
    names: set[str] = set()
    stack: list[Condition] = [rule.condition for rule in ruleset.rules]
    while stack:
        node = stack.pop()
        if isinstance(node, Compare):
            names.add(node.field)
            if node.other:
                names.add(node.other)
        else:
            stack.extend(node.parts)
    return tuple(sorted(names))


def _memo_key(fact: Mapping[str, Any], names: tuple[str, ...]) -> tuple[Any, ...]:
    """The projection of `fact` on `names`, typed (1, 1.0 and True are different facts to the
    rules); lists become tuples."""
    values = tuple([fact.get(name, _MISSING) for name in names])
    if any(type(value) is list for value in values):
        values = tuple(tuple(v) if type(v) is list else v for v in values)
    return (values, tuple(map(type, values)))


class Verdicts:
    """Evaluates facts against one rule set; thread-safe. Raises EngineError (durable failed)
    or EvaluatorMismatch (dual mode, the evaluators disagree)."""

    def __init__(self, ruleset: RuleSet, mode: Mode = "durable") -> None:
        self.ruleset = ruleset
        self.mode = mode
        self.engine = DurableEngine() if mode != "python" else None
        if self.engine is not None:
            self.engine.load(ruleset)
        self.thresholds: Thresholds = thresholds(ruleset)
        self._read = fields_read(ruleset)
        self._memo: OrderedDict[tuple[Any, ...], tuple[str, ...]] = OrderedDict()
        self._memo_lock = threading.Lock()

    def evaluate(self, fact: Mapping[str, Any]) -> list[str]:
        """Rule ids whose condition holds for `fact`, in rule order.

        The verdict depends only on the fields the rules read, so in durable mode it is
        memoised on that projection of the fact (a sweep judges many cases that look alike to
        the rules); dual mode always asks both evaluators.
        """
        if self.engine is None:
            return evaluate_python(self.ruleset, fact)
        key = None
        if self.mode == "durable":
            key = _memo_key(fact, self._read)
            with self._memo_lock:
                cached = self._memo.get(key)
                if cached is not None:
                    self._memo.move_to_end(key)
                    return list(cached)
        found = self.engine.evaluate(fact)
        if key is not None:
            with self._memo_lock:
                self._memo[key] = tuple(found)
                if len(self._memo) > MEMO_SIZE:
                    self._memo.popitem(last=False)
        if self.mode == "dual":
            expected = evaluate_python(self.ruleset, fact)
            if found != expected:
                raise EvaluatorMismatch(
                    f"durable-rules {found} != python {expected} for fact {dict(fact)}"
                )
        return found

    def close(self) -> None:
        """Free this rule set in durable-rules (the policy is retired)."""
        if self.engine is not None:
            self.engine.close()
