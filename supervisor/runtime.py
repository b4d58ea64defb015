"""The rules in force in this process: load, reload (all or nothing) and evaluate facts.

Production evaluates with durable-rules (the design's engine); `mode="dual"` also runs the
plain-Python evaluator and refuses to go on if they disagree (tests and end-to-end checks).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from approval_core.catalogue.service import Catalogue
from approval_core.errors import ConfigError
from supervisor.engine import DurableEngine, EngineError
from supervisor.evaluator import evaluate_python
from supervisor.metrics.process import SupervisorMetrics
from supervisor.rulebook import load_rulebook
from supervisor.rulebook.compiled import Compare, Condition, RuleSet
from supervisor.timing import Thresholds, thresholds

log = logging.getLogger("sunlight.supervisor")
MEMO_SIZE = 4096
_MISSING = object()


def _fields_read(ruleset: RuleSet) -> tuple[str, ...]:
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


Mode = Literal["durable", "python", "dual"]


class EvaluatorMismatch(Exception):  # noqa: N818 (a finding, not a failure to retry)
    """The two evaluators disagreed on a fact: a bug to report, never to paper over.

    Not an EngineError on purpose: nothing retries or parks it; it fails the caller loudly.
    """


@dataclass
class ReloadStatus:
    ok: bool
    version: str
    at: datetime | None
    problems: tuple[str, ...] = ()
    reloads: int = 0
    failures: int = 0


class Supervisor:
    """Holds the compiled rule set and its engine; safe to share between threads."""

    def __init__(self, rules_dir: Path, catalogue: Catalogue, mode: Mode = "durable") -> None:
        self.rules_dir = rules_dir
        self.catalogue = catalogue
        self.mode = mode
        self._lock = threading.Lock()
        self._memo_lock = threading.Lock()
        self.engine = DurableEngine() if mode != "python" else None
        self.ruleset = self._install(load_rulebook(rules_dir, catalogue))
        self.status = ReloadStatus(ok=True, version=self.ruleset.version, at=None)
        self.engine_errors = 0
        self.metrics = SupervisorMetrics()

    def _install(self, ruleset: RuleSet) -> RuleSet:
        if self.engine is not None:
            self.engine.load(ruleset)
        self.thresholds: Thresholds = thresholds(ruleset)
        self._read = _fields_read(ruleset)
        self._memo: OrderedDict[tuple[Any, ...], tuple[str, ...]] = OrderedDict()
        return ruleset

    def reload(self, now: datetime) -> ReloadStatus:
        """Load the rule files again; any failure keeps the rules in force and is reported."""
        with self._lock:
            try:
                new = load_rulebook(self.rules_dir, self.catalogue)
                if new.version != self.ruleset.version:
                    self.ruleset = self._install(new)
            except (ConfigError, EngineError) as exc:
                problems = tuple(exc.problems) if isinstance(exc, ConfigError) else (str(exc),)
                log.error("rules reload refused, keeping %s: %s", self.ruleset.version, problems)
                self.status = ReloadStatus(
                    False,
                    self.ruleset.version,
                    now,
                    problems,
                    self.status.reloads,
                    self.status.failures + 1,
                )
                return self.status
            self.status = ReloadStatus(
                True, self.ruleset.version, now, (), self.status.reloads + 1, self.status.failures
            )
            return self.status

    def evaluate(self, fact: Mapping[str, Any]) -> list[str]:
        """Rule ids whose condition holds for `fact`, in rule order.

        The verdict depends only on the fields the rules read, so in durable mode it is
        memoised per rule set on that projection of the fact (a sweep judges many cases that
        look alike to the rules); dual mode always asks both evaluators.
        """
        with self.metrics.rule_evaluation_seconds.time():
            return self._evaluate(fact)

    def _evaluate(self, fact: Mapping[str, Any]) -> list[str]:
        ruleset = self.ruleset
        if self.engine is None:
            return evaluate_python(ruleset, fact)
        key = None
        if self.mode == "durable":
            key = _memo_key(fact, self._read)
            with self._memo_lock:
                cached = self._memo.get(key)
                if cached is not None:
                    self._memo.move_to_end(key)
                    return list(cached)
        try:
            found = self.engine.evaluate(fact)
        except EngineError:
            self.engine_errors += 1
            raise
        if key is not None:
            with self._memo_lock:
                self._memo[key] = tuple(found)
                if len(self._memo) > MEMO_SIZE:
                    self._memo.popitem(last=False)
        if self.mode == "dual":
            expected = evaluate_python(ruleset, fact)
            if found != expected:
                self.engine_errors += 1
                raise EvaluatorMismatch(
                    f"durable-rules {found} != python {expected} for fact {dict(fact)}"
                )
        return found
