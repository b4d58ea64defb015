"""Background jobs: one sweep leader by a lease row; judging a fact twice changes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from approval_core.outbox.models import Fact
from supervisor.alerts.models import Alert, AlertEvent
from supervisor.processing import process_pending
from supervisor.runtime import Supervisor
from supervisor.scheduler import LEADER, Jobs, try_lease
from tests.conftest import FrozenClock, People
from tests.support import act, item_in, mandatory_materials, submit


def test_one_leader_at_a_time(sessions: sessionmaker[Session], core: CoreDeps) -> None:
    now, ttl = core.now(), timedelta(seconds=60)
    assert try_lease(sessions, LEADER, "worker-a", now, ttl) is True
    assert try_lease(sessions, LEADER, "worker-b", now, ttl) is False
    assert try_lease(sessions, LEADER, "worker-a", now + timedelta(seconds=30), ttl) is True
    # a leader that stops renewing loses the lease when it expires
    assert try_lease(sessions, LEADER, "worker-b", now + timedelta(seconds=89), ttl) is False
    assert try_lease(sessions, LEADER, "worker-b", now + timedelta(seconds=91), ttl) is True
    assert try_lease(sessions, LEADER, "worker-a", now + timedelta(seconds=92), ttl) is False


def test_only_the_leader_sweeps(
    sessions: sessionmaker[Session], core: CoreDeps, supervisor: Supervisor
) -> None:
    a = Jobs(sessions, core, supervisor, holder="a")
    b = Jobs(sessions, core, supervisor, holder="b")
    assert a.sweep_if_leader() is not None
    assert b.sweep_if_leader() is None


def _counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as session:
        alerts = session.scalar(select(func.count()).select_from(Alert)) or 0
        events = session.scalar(select(func.count()).select_from(AlertEvent)) or 0
    return alerts, events


def test_judging_the_same_facts_twice_changes_nothing(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, supervisor: Supervisor
) -> None:
    a = people.actors
    item = item_in(core, people.department)
    case_id, _, _ = submit(
        sessions, core, a["clerk"], item, core.now(), materials=mandatory_materials(core, item)[:1]
    )
    act(sessions, core, a["clerk"], case_id, "register", core.now())
    act(sessions, core, a["clerk"], case_id, "accept", core.now())
    with sessions() as session, session.begin():
        assert process_pending(session, core, supervisor) == 3
    first = _counts(sessions)
    assert first[0] >= 1  # accepted without all materials
    with sessions() as session, session.begin():  # as if another worker got them again
        session.execute(update(Fact).values(processed_at=None))
    with sessions() as session, session.begin():
        assert process_pending(session, core, supervisor) == 3
    assert _counts(sessions) == first


def test_the_leader_also_checks_complaints(
    sessions: sessionmaker[Session], core: CoreDeps, supervisor: Supervisor
) -> None:
    """A complaint not accepted within its 5 working days is found by the leader's sweep job."""
    from approval_core.aftercare.complaints import file_complaint
    from approval_core.aftercare.schemas import ComplaintIn
    from approval_core.context import Actor

    staff = Actor(None, "窗口", "admin", None)
    with sessions() as session, session.begin():
        body = ComplaintIn(
            channel="phone",
            department=next(iter(core.catalogue.departments)),
            content="办理拖延",
            complainant="王五",
        )
        file_complaint(session, core, staff, body)
    assert isinstance(core.now, FrozenClock)
    core.now.advance(days=10)
    Jobs(sessions, core, supervisor, holder="a").sweep_if_leader()
    with sessions() as session:
        rules = set(session.scalars(select(Alert.rule_id)))
    assert "POST-COMPLAINT-OVERDUE" in rules
