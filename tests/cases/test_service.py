"""Case services on a real database: records, facts, refusals that write nothing, replay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from approval_core.cases.models import Case
from approval_core.cases.replay import replay
from approval_core.cases.snapshot import clock_of
from approval_core.context import CoreDeps
from approval_core.errors import DomainError, Forbidden, IllegalTransition, InvalidInput, NotFound
from approval_core.outbox.models import Fact
from approval_core.records.models import CaseRecord
from approval_core.records.service import records_of
from approval_core.records.verify import verify_records
from tests.conftest import KEY, FrozenClock, People
from tests.support import act, bj, counts, full_run, item_in, submit


@pytest.fixture
def item(core: CoreDeps, people: People) -> str:
    return item_in(core, people.department)


def test_a_full_run_records_every_action_and_emits_facts(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock, item: str
) -> None:
    case_id = full_run(sessions, core, people, clock, item)
    with sessions() as session:
        records = records_of(session, case_id)
        facts = list(session.scalars(select(Fact).where(Fact.case_id == case_id).order_by(Fact.id)))
        case = session.get(Case, case_id)
    assert case is not None
    assert [r.action for r in records] == [
        "submit",
        "register",
        "accept",
        "assign",
        "stop",
        "resume",
        "handle",
        "review",
        "conclude",
    ]
    assert [f.kind for f in facts] == [f"case.{r.action}" for r in records]
    assert facts[-1].payload["case"]["state"] == "concluded"
    assert facts[-1].payload["case"]["handler_id"] == people.actors["handler"].user_id
    assert case.state == "concluded"
    assert case.decision == "approved"
    # accepted Tue 03-03; counted: 03-04, 03-05, (stop 03-05 -> 03-10 excludes 06, 09, 10),
    # 03-11, 03-12, 03-13, 03-16 => 6 days; 3 excluded.
    assert case.clock_elapsed == 6
    assert case.clock_started_on is not None
    assert case.clock_started_on.isoformat() == "2026-03-03"
    assert records[4].documents_out == ["special_procedure_notice"]


def test_replay_equals_the_stored_case(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock, item: str
) -> None:
    case_id = full_run(sessions, core, people, clock, item)
    with sessions() as session:
        case = session.get(Case, case_id)
        assert case is not None
        records = records_of(session, case_id)
        replayed = replay(records)
        assert case.clock_computed_at is not None
        _, clock_result = clock_of(core, case.item_code, records, case.clock_computed_at)
    assert replayed.mismatches == []
    assert replayed.state.state == case.state
    assert replayed.step == case.step
    assert replayed.handler_id == case.handler_id
    assert replayed.reviewer_id == case.reviewer_id
    assert (clock_result.due_date, clock_result.elapsed, clock_result.started_on) == (
        case.clock_due_date,
        case.clock_elapsed,
        case.clock_started_on,
    )


def test_the_chain_detects_tampering(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock, item: str
) -> None:
    case_id = full_run(sessions, core, people, clock, item)
    with sessions() as session:
        clean = verify_records(session, KEY)
    assert (clean.cases, clean.records) == (1, 9)
    assert clean.findings == []
    with sessions() as session, session.begin():
        session.execute(
            update(CaseRecord)
            .where(CaseRecord.case_id == case_id, CaseRecord.seq == 4)
            .values(actor_name="someone else")
        )
    with sessions() as session:
        breaks = verify_records(session, KEY).findings
    assert [(b.seq, b.problem) for b in breaks] == [(4, "content does not match hash")]
    with sessions() as session, session.begin():
        session.execute(
            delete(CaseRecord).where(CaseRecord.case_id == case_id, CaseRecord.seq == 6)
        )
    with sessions() as session:
        breaks = verify_records(session, KEY).findings
    assert {b.seq for b in breaks} >= {4, 7}


def test_a_refused_action_writes_nothing(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock, item: str
) -> None:
    a = people.actors
    case_id, _, _ = submit(sessions, core, a["clerk"], item, clock() - timedelta(hours=2))
    before = counts(sessions, case_id)
    with pytest.raises(IllegalTransition):
        act(sessions, core, a["clerk"], case_id, "accept", clock())
    with pytest.raises(InvalidInput) as err:
        act(sessions, core, a["clerk"], case_id, "register", clock() + timedelta(minutes=1))
    assert err.value.field == "at"
    with pytest.raises(InvalidInput) as err:
        act(sessions, core, a["clerk"], case_id, "register", clock() - timedelta(hours=3))
    assert err.value.field == "at"
    with pytest.raises(NotFound):
        act(sessions, core, a["other_clerk"], case_id, "register", clock())
    assert counts(sessions, case_id) == before


@pytest.mark.parametrize(
    ("action", "fields", "field"),
    [
        ("stop", {"stop_type": "picnic", "expected_days": 3}, "stop_type"),
        ("stop", {"stop_type": "expert_review"}, "expected_days"),
        ("stop", {"stop_type": "supplement", "expected_days": 3}, "stop_type"),
        ("request_supplement", {"materials": ["NOT_A_MATERIAL"]}, "materials"),
        ("assign", {"assignee": 999_999}, "assignee"),  # (a negative id is refused earlier)
        ("return", {"to_step": "review"}, "to_step"),
    ],
)
def test_bad_action_data_names_the_field(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    item: str,
    action: str,
    fields: dict[str, object],
    field: str,
) -> None:
    a = people.actors
    case_id, _, _ = submit(sessions, core, a["clerk"], item, clock() - timedelta(days=2))
    act(sessions, core, a["clerk"], case_id, "register", clock() - timedelta(days=2))
    act(sessions, core, a["clerk"], case_id, "accept", clock() - timedelta(days=1))
    act(
        sessions,
        core,
        a["clerk"],
        case_id,
        "assign",
        clock() - timedelta(days=1),
        assignee=a["handler"].user_id,
    )
    before = counts(sessions, case_id)
    with pytest.raises(DomainError) as err:
        act(sessions, core, a["head"], case_id, action, clock(), **fields)
    assert err.value.field == field
    assert counts(sessions, case_id) == before


def test_assign_to_another_departments_handler_is_refused(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock, item: str
) -> None:
    a = people.actors
    case_id, _, _ = submit(sessions, core, a["clerk"], item, clock() - timedelta(days=2))
    act(sessions, core, a["clerk"], case_id, "register", clock() - timedelta(days=2))
    act(sessions, core, a["clerk"], case_id, "accept", clock() - timedelta(days=1))
    with pytest.raises(InvalidInput) as err:
        act(
            sessions,
            core,
            a["clerk"],
            case_id,
            "assign",
            clock(),
            assignee=a["other_handler"].user_id,
        )
    assert err.value.field == "assignee"


def test_admin_import_records_the_real_actor(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, item: str
) -> None:
    a = people.actors
    case_id, _, _ = submit(sessions, core, a["admin"], item, bj(2026, 2, 2, 9))
    act(
        sessions,
        core,
        a["admin"],
        case_id,
        "register",
        bj(2026, 2, 2, 10),
        actor=a["clerk"].user_id,
    )
    with sessions() as session:
        record = records_of(session, case_id)[-1]
    assert (record.actor_id, record.actor_role) == (a["clerk"].user_id, "clerk")
    assert record.recorded_by == a["admin"].name
    with pytest.raises(Forbidden):  # a handler may not accept, even through an import
        act(
            sessions,
            core,
            a["admin"],
            case_id,
            "accept",
            bj(2026, 2, 3, 10),
            actor=a["handler"].user_id,
        )
    with pytest.raises(Forbidden) as err:  # only an admin records on behalf of others
        act(
            sessions,
            core,
            a["clerk"],
            case_id,
            "accept",
            bj(2026, 2, 3, 10),
            actor=a["head"].user_id,
        )
    assert err.value.field == "actor"


def test_deemed_acceptance_is_visible_on_the_stored_case(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock, item: str
) -> None:
    a = people.actors
    policy = core.catalogue.clock_policy(item)
    # Filed Mon 2026-03-02; nothing done within the window; accepted late on 03-16.
    clock.set(bj(2026, 3, 16, 12))
    case_id, _, _ = submit(sessions, core, a["clerk"], item, bj(2026, 3, 2, 9))
    act(sessions, core, a["clerk"], case_id, "register", bj(2026, 3, 2, 10))
    act(sessions, core, a["clerk"], case_id, "accept", bj(2026, 3, 16, 11))
    with sessions() as session:
        case = session.get(Case, case_id)
    assert case is not None
    assert policy.acceptance_window == 5
    assert case.clock_deemed_accepted is True
    assert case.clock_started_on is not None
    assert case.clock_started_on.isoformat() == "2026-03-02"
    # Working days 03-03..03-16: 3,4,5,6,9,10,11,12,13,16 = 10.
    assert case.clock_elapsed == 10
