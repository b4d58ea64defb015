"""The policy in force in this process: one reference, swapped all or nothing.

Every unit of work (a request, a fact batch, a sweep chunk, a notification run) takes
`Supervisor.policy` once and uses only that value (its catalogue, calendar, rules, routing and
verdict cache). `install` swaps the reference; a policy that is no longer in force is closed
a few swaps later, when no unit of work can still hold it. Loading, checking, storing and
reporting a new policy is `supervisor/policy/reload.py`.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from approval_core.catalogue.service import Catalogue
from approval_core.context import CoreDeps
from approval_core.records.mac import DEFAULT_MAC, RecordMac
from approval_core.timeutil import Clock, utcnow
from supervisor.engine import EngineError
from supervisor.metrics.process import SupervisorMetrics
from supervisor.policy.value import Policy, load_policy
from supervisor.rulebook.compiled import RuleSet
from supervisor.timing import Thresholds
from supervisor.verdicts import EvaluatorMismatch, Mode

__all__ = ["EvaluatorMismatch", "Mode", "ReloadStatus", "Supervisor"]
log = logging.getLogger("sunlight.supervisor")
KEEP_RETIRED = 3  # policies kept open after they left force (units of work may still hold them)


@dataclass
class ReloadStatus:
    ok: bool
    version: str
    at: datetime | None
    problems: tuple[str, ...] = ()
    reloads: int = 0
    failures: int = 0


class Supervisor:
    """Holds the policy in force and the process's supervision counters; thread-safe."""

    def __init__(self, policy: Policy, rules_dir: Path | None = None) -> None:
        self.rules_dir = rules_dir  # where reloads read from (None: only from the database)
        # SUNLIGHT_PUBLIC_URL, for the links in messages to applicants (set by the service)
        self.public_url = ""
        self.sms_enabled = False  # an SMS gateway is configured (SUNLIGHT_SMS_GATEWAY_URL)
        self._policy = self._first = policy
        self._lock = threading.Lock()
        self._retired: deque[Policy] = deque()
        self.status = ReloadStatus(ok=True, version=policy.version, at=None)
        self.engine_errors = 0
        self.metrics = SupervisorMetrics()

    @classmethod
    def from_dir(cls, rules_dir: Path, mode: Mode = "durable") -> Supervisor:
        """The policy of the files in `rules_dir` in force (tests, tools)."""
        return cls(load_policy(rules_dir, mode), rules_dir)

    @property
    def policy(self) -> Policy:
        """The policy in force now: take it once per unit of work."""
        return self._policy

    @property
    def mode(self) -> Mode:
        return self._policy.verdicts.mode

    # Shorthands for the policy in force (status pages, metrics; not for units of work).
    @property
    def ruleset(self) -> RuleSet:
        return self._policy.ruleset

    @property
    def catalogue(self) -> Catalogue:
        return self._policy.catalogue

    @property
    def thresholds(self) -> Thresholds:
        return self._policy.verdicts.thresholds

    def policy_for(self, deps: CoreDeps) -> Policy:
        """The policy `deps` were taken from (the one in force for deps made otherwise)."""
        return deps.policy if isinstance(deps.policy, Policy) else self._policy

    def deps(
        self, record_key: str, now: Clock = utcnow, record_mac: RecordMac = DEFAULT_MAC
    ) -> CoreDeps:
        """CoreDeps of the policy in force now (one unit of work)."""
        return self._policy.deps(record_key, now, record_mac)

    def install(self, policy: Policy, now: datetime | None) -> None:
        """Put `policy` in force (it was checked, and stored by the caller)."""
        with self._lock:
            old, self._policy = self._policy, policy
            if old is not policy and old is not self._first:
                self._retired.append(old)  # (the first may be shared: it is never closed here)
            while len(self._retired) > KEEP_RETIRED:
                self._retired.popleft().close()
            self.status = ReloadStatus(
                True, policy.version, now, (), self.status.reloads + 1, self.status.failures
            )
        if gc.get_freeze_count():
            # `sunlight serve` set its start-up objects aside from the collector, the policy in
            # force among them: give them back, so the replaced one can be collected in time.
            gc.unfreeze()
        log.info("policy %s in force (was %s)", policy.version, old.version)

    def refused(self, problems: tuple[str, ...], now: datetime) -> ReloadStatus:
        """Note a refused policy: the one in force stays."""
        with self._lock:
            self.status = ReloadStatus(
                False,
                self._policy.version,
                now,
                problems,
                self.status.reloads,
                self.status.failures + 1,
            )
            return self.status

    def evaluate(self, fact: Mapping[str, Any], policy: Policy | None = None) -> list[str]:
        """Rule ids of `policy` (default: the one in force) whose condition holds for `fact`."""
        chosen = policy or self._policy
        with self.metrics.rule_evaluation_seconds.time():
            try:
                return chosen.verdicts.evaluate(fact)
            except (EngineError, EvaluatorMismatch):
                self.engine_errors += 1
                raise

    def close(self) -> None:
        """Free every policy's engine registration (shutdown, tests)."""
        with self._lock:
            while self._retired:
                self._retired.popleft().close()
            self._policy.close()
