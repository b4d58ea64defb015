"""The durable-rules adapter: registers compiled rule sets with durable and evaluates facts.

The only module that imports durable; `supervisor/durable_compile.py` turns rule sets into
durable JSON and facts into messages, and models durable's limits. Safe pattern of
docs/RULES_ENGINE.md: one Host per process, rule sets given as data under versioned names, a fixed
session id per engine, and per snapshot `assert_fact` (unique `snapshot_id`, tag
`t: "snapshot"`), the actions that ran, `retract_fact`. A catch-all rule makes every snapshot run
an action, which also proves durable saw it. The Host's timer threads ran actions on another
thread (14 in 1.5 million snapshots), racing our collection: `_run` is overridden to start none
(no timers, nothing queued here).
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import logging
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

import durable_rules_engine
from durable.engine import Host

from supervisor.durable_compile import (
    CATCH_ALL,
    MAX_RULES,
    SAFE_INT,
    EngineError,
    FieldPlan,
    Json,
    compile_ruleset,
    encode_fact,
)
from supervisor.rulebook.compiled import RuleSet

__all__ = ["MAX_RULES", "SAFE_INT", "DurableEngine", "EngineError", "compile_ruleset"]

log = logging.getLogger("sunlight.engine")


class _Host(Host):  # type: ignore[misc]  # durable has no type hints
    """The process's one Host: an action records its name in `fired`; no background threads."""

    def __init__(self) -> None:
        self.fired: list[str] = []
        super().__init__()

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        def action(_closure: Any) -> None:
            self.fired.append(action_name)

        return action

    def _run(self) -> None:
        """Start no dispatch / timer threads: they would run our actions on another thread."""

    def drop(self, name: str) -> None:
        """Unregister and free a rule set (durable has no public call for it)."""
        ruleset = self._ruleset_directory.pop(name, None)
        if ruleset is not None:
            self._ruleset_list.remove(ruleset)
            durable_rules_engine.delete_ruleset(ruleset._handle)


# The C binding never releases the GIL and is not safe to call concurrently: every call into
# durable, from any engine of the process, holds this lock.
_LOCK = threading.RLock()
_HOSTS: list[_Host] = []
_ENGINES, _LOADS, _SNAPSHOTS = itertools.count(1), itertools.count(1), itertools.count(1)


def _host() -> _Host:
    with _LOCK:
        if not _HOSTS:
            _HOSTS.append(_Host())
        return _HOSTS[0]


@dataclasses.dataclass(frozen=True)
class _Active:
    ruleset: RuleSet
    names: tuple[str, ...]  # the durable rule sets (shards) registered for it
    plan: tuple[FieldPlan, ...]


_HINTS = {  # durable's error codes (rules.h) that its plain message leaves unexplained
    "113": "a rule needs over 32 expressions: 2 per all / any / in group, 1 per field pair",
    "303": "more tests matched one fact than durable's stack of 64 holds",
}


def _detail(exc: BaseException) -> str:
    # durable's own exceptions keep their text in `message` and have an empty str()
    text = str(getattr(exc, "message", "") or exc) or type(exc).__name__
    code = re.search(r"error code: (\d+)", text)
    hint = _HINTS.get(code.group(1)) if code else None
    return f"{text} ({hint})" if hint else text


class DurableEngine:
    """Evaluates facts against the rule set in force with durable-rules; thread-safe.

    `load` swaps rule sets all or nothing; `evaluate` gives the ids `evaluate_python` gives.
    Every failure is raised as EngineError, logged ("sunlight.engine") and counted in
    `errors_total`; `last_load_ok` tells whether the last load succeeded.
    """

    def __init__(self) -> None:
        self.errors_total = 0
        self.last_load_ok: bool | None = None
        self._sid = f"sunlight-{next(_ENGINES)}"
        self._active: _Active | None = None

    @property
    def ruleset(self) -> RuleSet | None:
        """The rule set in force."""
        return self._active.ruleset if self._active is not None else None

    def load(self, ruleset: RuleSet) -> None:
        """Compile and put `ruleset` in force; on any failure the previous one stays in force."""
        try:
            definitions, plan = compile_ruleset(ruleset)
            with _LOCK:
                names = self._register(ruleset.version, definitions)
                old, self._active = self._active, _Active(ruleset, names, plan)
                self.last_load_ok = True
                if old is not None:
                    self._retire(old)
        except Exception as exc:
            self.last_load_ok = False
            error = self._failure(exc, "load", f"rule set {ruleset.version} refused")
            if error is exc:
                raise
            raise error from exc
        log.info("rule set %s in force (%d durable rule sets)", ruleset.version, len(names))

    def evaluate(self, fact: Mapping[str, Any]) -> list[str]:
        """Ids of the rules whose condition holds for `fact`, in rule order."""
        return self.evaluate_versioned(fact)[1]

    def evaluate_versioned(self, fact: Mapping[str, Any]) -> tuple[str, list[str]]:
        """(version of the rule set in force, ids of its rules that hold): one consistent pair."""
        with _LOCK:
            active = self._active
            try:
                if active is None:
                    raise EngineError("no rule set loaded")
                hits = self._run(active, fact)
            except Exception as exc:
                error = self._failure(exc, "evaluate", "evaluation failed")
                if error is exc:
                    raise
                raise error from exc
        rules = active.ruleset.rules
        return active.ruleset.version, [rules[index].id for index in sorted(hits)]

    def close(self) -> None:
        """Free the rule set in force in durable (shutdown, tests)."""
        with _LOCK:
            if self._active is not None:
                self._retire(self._active)
                self._active = None

    def _register(self, version: str, definitions: list[Json]) -> tuple[str, ...]:
        host, names = _host(), []
        tag = re.sub(r"[^A-Za-z0-9]", "", version)[:16] or "v"
        try:
            for definition in definitions:
                name = f"sunlight_{tag}_{next(_LOADS)}"
                # set_rulesets consumes its argument (deletes "run"): give it a copy
                host.set_rulesets({name: json.loads(json.dumps(definition))})
                names.append(name)
        except BaseException:
            for name in names:
                host.drop(name)
            raise
        return tuple(names)

    def _retire(self, active: _Active) -> None:
        for name in active.names:
            try:
                _host().drop(name)
            except Exception as exc:  # the new rules are in force: report, do not undo
                self._failure(exc, "load", f"could not free durable rule set {name}")

    def _run(self, active: _Active, fact: Mapping[str, Any]) -> set[int]:
        snapshot = next(_SNAPSHOTS)
        base = {"sid": self._sid, "t": "snapshot", "snapshot_id": snapshot}
        message = encode_fact(active.plan, fact, base)
        hits: set[int] = set()
        for name in active.names:
            fired = self._assert_retract(name, message)
            if CATCH_ALL not in fired:
                raise EngineError(f"snapshot {snapshot} ran no catch-all action in {name}")
            hits.update(int(action[1:]) for action in fired if action != CATCH_ALL)
        return hits

    def _assert_retract(self, name: str, message: Json) -> list[str]:
        host = _host()
        host.fired = []
        try:
            host.assert_fact(name, message)
        except BaseException:
            with contextlib.suppress(Exception):  # leave nothing behind in working memory
                host.retract_fact(name, message)
            raise
        fired = host.fired
        host.retract_fact(name, message)
        return fired

    def _failure(self, exc: Exception, stage: str, context: str) -> EngineError:
        """Count and log a failure; the EngineError to raise for it."""
        error = exc if isinstance(exc, EngineError) else EngineError(f"{context}: {_detail(exc)}")
        error.stage = stage
        with _LOCK:
            self.errors_total += 1
        in_force = self._active.ruleset.version if self._active is not None else None
        log.error("rules engine %s error (in force: %s): %s", stage, in_force, error, exc_info=exc)
        return error
