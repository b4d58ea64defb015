"""A reload landing while facts are judged cannot mix versions: a batch is judged wholly
with the policy it took (its verdicts, its memo, its version on every alert), and the next
batch takes the new one."""

from __future__ import annotations

import gc
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from supervisor.alerts.models import Alert
from supervisor.policy.value import Policy, load_policy
from supervisor.processing import process_pending
from supervisor.runtime import Supervisor
from tests.conftest import RULES, FrozenClock, People
from tests.support import act, item_in, mandatory_materials, submit

RULE = "PROC-ACCEPT-INCOMPLETE"


class ReloadMidway(Supervisor):
    """Puts `later` in force right after the first verdict of a batch (a concurrent reload)."""

    later: Policy | None = None

    def evaluate(self, fact: Mapping[str, Any], policy: Policy | None = None) -> list[str]:
        found = super().evaluate(fact, policy)
        if self.later is not None:
            later, self.later = self.later, None
            self.install(later, None)
        return found


def _incomplete(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> str:
    item = item_in(core, people.department)
    clerk = people.actors["clerk"]
    case_id, _, _ = submit(
        sessions, core, clerk, item, clock(), materials=mandatory_materials(core, item)[:-1]
    )
    act(sessions, core, clerk, case_id, "register", clock())
    act(sessions, core, clerk, case_id, "accept", clock())
    return case_id


def test_a_reload_during_judging_cannot_mix_versions(
    sessions: sessionmaker[Session],
    people: People,
    clock: FrozenClock,
    tmp_path: Path,
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    path = rules / "procedure.yaml"
    text = path.read_text(encoding="utf-8")
    old_condition = "{field: missing_materials_count, gt: 0}"
    path.write_text(text.replace(old_condition, "{field: missing_materials_count, gt: 10}", 1))
    first, later = load_policy(RULES, "durable"), load_policy(rules, "durable")
    sup = ReloadMidway(first, RULES)
    core = sup.deps("key", clock)  # the batch's policy, taken once
    cases = [_incomplete(sessions, core, people, clock) for _ in range(2)]
    sup.later = later
    with sessions() as session, session.begin():
        assert process_pending(session, core, sup) == 6  # submit, register, accept ×2
    assert sup.policy is later  # the reload happened during the batch
    with sessions() as session:
        found = {
            (a.case_id, a.ruleset_version)
            for a in session.scalars(select(Alert).where(Alert.rule_id == RULE))
        }
    # Both cases were judged with the policy the batch took, and say so.
    assert found == {(case_id, first.version) for case_id in cases}

    # The next unit of work takes the new policy: no anomaly for the same situation.
    core = sup.deps("key", clock)
    third = _incomplete(sessions, core, people, clock)
    with sessions() as session, session.begin():
        assert process_pending(session, core, sup) == 3
    with sessions() as session:
        alerts = session.scalars(select(Alert).where(Alert.case_id == third)).all()
    assert RULE not in {a.rule_id for a in alerts}
    assert {a.ruleset_version for a in alerts} <= {later.version}


def test_a_policy_put_in_force_gives_the_frozen_start_up_objects_back_to_the_collector(
    tmp_path: Path,
) -> None:
    """`sunlight serve` sets its start-up objects aside from the garbage collector
    (`gc.freeze`); the policy in force is among them, so a new policy hands them back, or the
    replaced policy's reference cycles could never be collected."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    first, later = load_policy(RULES, "durable"), load_policy(rules, "durable")
    sup = Supervisor(first, RULES)
    gc.collect()
    gc.freeze()
    try:
        assert gc.get_freeze_count() > 0
        sup.install(later, None)
        assert gc.get_freeze_count() == 0
        assert sup.policy is later
    finally:
        gc.unfreeze()
        sup.close()
