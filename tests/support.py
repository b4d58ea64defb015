"""Test helpers: drive a case through the real services with explicit event times."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from approval_core.cases import service as cases
from approval_core.cases.models import Case
from approval_core.cases.schemas import ActionCommand, Applicant, SubmitCommand
from approval_core.context import Actor, CoreDeps
from approval_core.outbox.models import Fact
from approval_core.records.models import CaseRecord
from approval_core.timeutil import LEGAL_TZ
from tests.conftest import FrozenClock, People


def bj(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A Beijing-time moment."""
    return datetime(year, month, day, hour, minute, tzinfo=LEGAL_TZ)


def item_in(core: CoreDeps, department: str) -> str:
    """The first catalogue item handled by `department`."""
    for code, item in core.catalogue.items.items():
        if item.department == department:
            return code
    raise AssertionError(f"no item for {department}")


def mandatory_materials(core: CoreDeps, item: str) -> list[str]:
    return [m.code for m in core.catalogue.get(item).mandatory_materials]


def submit(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    actor: Actor,
    item: str,
    at: datetime,
    materials: list[str] | None = None,
) -> tuple[str, str, str]:
    """File a case; returns (id, tracking_no, query_code)."""
    command = SubmitCommand(
        item=item,
        applicant=Applicant(name="张三", id_number="36010219900101123X", phone="13800000000"),
        materials=mandatory_materials(core, item) if materials is None else materials,
        submitted_at=at,
    )
    with sessions() as session, session.begin():
        case, code = cases.submit(session, core, actor, command)
        return case.id, case.tracking_no, code


def act(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    who: Actor,
    case_id: str,
    action: str,
    at: datetime,
    **fields: Any,
) -> None:
    """One action by `who`, recorded at the moment it happens (recorded_at = at, unless `at`
    is after the test's now), as a live system records it; `fields` are the ActionCommand's
    (e.g. actor= for imports). Entries recorded later than they happened (补录) are tested
    through the API with the test's clock (tests/security/test_backdating.py)."""
    command = ActionCommand(action=action, at=at, **fields)
    recorded = min(at, core.now())
    live = replace(core, now=lambda: recorded)
    with sessions() as session, session.begin():
        cases.act(session, live, who, case_id, command)


def counts(sessions: sessionmaker[Session], case_id: str) -> tuple[int, int, int, str]:
    """(records, facts, case version, state): what a refused action must leave unchanged."""
    with sessions() as session:
        records = session.scalar(
            select(func.count()).select_from(CaseRecord).where(CaseRecord.case_id == case_id)
        )
        facts = session.scalar(
            select(func.count()).select_from(Fact).where(Fact.case_id == case_id)
        )
        case = session.get(Case, case_id)
        assert case is not None
        return records or 0, facts or 0, case.version, case.state


def settle(client: TestClient) -> None:
    """Wait on the judge until every fact committed so far is judged: requests only commit
    their facts (see supervisor/judge_loop.py), so a test that needs the alerts "now" asks."""
    service = client.app.state.service  # type: ignore[attr-defined]
    service.judge.settle()


def full_run(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock, item: str
) -> str:
    """Submit on Mon 2026-03-02 and take the case through every step to conclusion (9
    records: submit, register, accept, assign, stop, resume, handle, review, conclude)."""
    a = people.actors
    clock.set(bj(2026, 4, 30, 18))
    case_id, _, _ = submit(sessions, core, a["clerk"], item, bj(2026, 3, 2, 9))
    act(sessions, core, a["clerk"], case_id, "register", bj(2026, 3, 2, 10))
    act(sessions, core, a["clerk"], case_id, "accept", bj(2026, 3, 3, 10))
    act(
        sessions,
        core,
        a["clerk"],
        case_id,
        "assign",
        bj(2026, 3, 3, 11),
        assignee=a["handler"].user_id,
    )
    act(
        sessions,
        core,
        a["handler"],
        case_id,
        "stop",
        bj(2026, 3, 5, 15),
        stop_type="expert_review",
        expected_days=5,
        legal_basis="行政许可法第四十五条",
    )
    act(sessions, core, a["handler"], case_id, "resume", bj(2026, 3, 10, 9))
    act(sessions, core, a["handler"], case_id, "handle", bj(2026, 3, 12, 9))
    act(sessions, core, a["reviewer"], case_id, "review", bj(2026, 3, 13, 9))
    act(
        sessions,
        core,
        a["head"],
        case_id,
        "conclude",
        bj(2026, 3, 16, 9),
        decision="approved",
        decision_no="赣司许〔2026〕1号",
    )
    return case_id
