"""An engine failure never loses a fact: it stays unprocessed, is counted, and the
administrators are told; once the engine works again the fact is judged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from approval_core.outbox.models import Fact
from approval_core.system.models import SystemAlert
from supervisor.engine import EngineError
from supervisor.policy.value import Policy, load_policy
from supervisor.processing import process_pending
from supervisor.runtime import Supervisor
from tests.conftest import RULES, People
from tests.support import act, item_in, submit


class Broken(Supervisor):
    """The shipped rules with an engine that fails while `broken` is set."""

    broken = True

    def evaluate(self, fact: Mapping[str, Any], policy: Policy | None = None) -> list[str]:
        if self.broken:
            raise EngineError("simulated failure in durable-rules", "evaluate")
        return super().evaluate(fact, policy)


def test_a_failing_engine_keeps_the_fact_and_tells_the_admins(
    sessions: sessionmaker[Session], core: CoreDeps, people: People
) -> None:
    sup = Broken(load_policy(RULES, "python"), RULES)
    a = people.actors
    case_id, _, _ = submit(sessions, core, a["clerk"], item_in(core, people.department), core.now())
    act(sessions, core, a["clerk"], case_id, "register", core.now())
    with sessions() as session, session.begin():
        assert process_pending(session, core, sup) == 0
    with sessions() as session:
        facts = list(session.scalars(select(Fact).where(Fact.case_id == case_id)))
        alerts = list(session.scalars(select(SystemAlert)))
    assert [(f.processed_at, f.attempts) for f in facts] == [(None, 1), (None, 1)]
    assert [(x.kind, x.resolved_at) for x in alerts] == [("engine_error", None)]
    assert "simulated failure" in alerts[0].message_en
    sup.broken = False
    with sessions() as session, session.begin():
        assert process_pending(session, core, sup) == 2
    with sessions() as session:
        assert all(f.processed_at is not None for f in session.scalars(select(Fact)))
        alert = session.scalars(select(SystemAlert)).one()
    assert alert.resolved_at is not None  # the engine works again


def test_a_fact_that_always_fails_is_parked_not_dropped(
    sessions: sessionmaker[Session], core: CoreDeps, people: People
) -> None:
    sup = Broken(load_policy(RULES, "python"), RULES)
    a = people.actors
    submit(sessions, core, a["clerk"], item_in(core, people.department), core.now())
    for _ in range(7):
        with sessions() as session, session.begin():
            process_pending(session, core, sup)
    with sessions() as session:
        fact = session.scalars(select(Fact)).one()
    assert (fact.processed_at, fact.attempts) == (None, 5)
