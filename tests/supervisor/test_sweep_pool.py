"""The sweep over worker processes gives exactly what the one-process sweep gives.

Two databases (SQLite files, or two PostgreSQL databases beside the test one) receive the same
cases through the real services; one is swept in this process, the other through a pool of
worker processes, at the same moments; alerts, their history, notifications and the cases'
figures must be the same (case ids and tracking numbers, which are random, compared by the
order the cases were filed). Also: a change made while a chunk is being judged makes the chunk
be judged again under the lock, with the outcome of a sweep that saw the change; a worker that
dies leaves the rest of the sweep to the calling process.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, select
from sqlalchemy.orm import Session, sessionmaker

from api.app import build_state, create_app
from approval_core.cases.models import Case
from approval_core.context import Actor, CoreDeps
from approval_core.db import make_engine, make_session_factory
from approval_core.migrations import upgrade
from approval_core.settings import Settings
from approval_core.users.service import add_user
from supervisor.alerts import service as alerts
from supervisor.alerts.models import Alert, AlertEvent
from supervisor.notify.models import InboxMessage, NotifyTimer
from supervisor.policy.versions import activate, store_version
from supervisor.processing import process_pending
from supervisor.runtime import Supervisor
from supervisor.sweep import sweep
from supervisor.sweep_pool import SweepPool, WorkerConfig, _due_ids, sweep_chunk
from tests.conftest import KEY, RULES, FrozenClock, People
from tests.support import act, bj, mandatory_materials, submit

SWEEPS = (bj(2026, 3, 24, 10), bj(2026, 4, 9, 16), bj(2026, 4, 21, 9), bj(2026, 5, 8, 11))


@dataclass
class Twin:
    """One of the two databases, with the cases filed into it (in filing order)."""

    url: str
    sessions: sessionmaker[Session]
    people: dict[str, Actor]
    cases: list[str]
    tracking: list[str]


@pytest.fixture
def twin_urls(db_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'a.sqlite3'}", f"sqlite:///{tmp_path / 'b.sqlite3'}"
        return
    base = make_url(db_url)
    names = [f"{base.database}_pool_a", f"{base.database}_pool_b"]
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")

    def drop() -> None:
        with admin.connect() as conn:
            for name in names:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    drop()
    with admin.connect() as conn:
        for name in names:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    a, b = (base.set(database=n).render_as_string(hide_password=False) for n in names)
    yield a, b
    drop()
    admin.dispose()


def _file_cases(url: str, core: CoreDeps, sup: Supervisor, clock: FrozenClock) -> Twin:
    """The same people and cases in a fresh database, facts judged."""
    upgrade(url)
    sessions = make_session_factory(make_engine(url))
    departments = list(core.catalogue.departments)[:2]
    people: dict[str, Actor] = {}
    with sessions() as session, session.begin():
        for dept in departments:
            for role in ("clerk", "handler", "head"):
                user, _ = add_user(
                    session,
                    name=f"{role} {dept}",
                    role=role,
                    department=dept,
                    now=core.now(),
                    known_departments=set(core.catalogue.departments),
                )
                people[f"{role}:{dept}"] = Actor(user.id, user.name, role, dept)
        user, _ = add_user(
            session,
            name="监察员",
            role="supervisor",
            department=None,
            now=core.now(),
            known_departments=set(),
        )
        people["supervisor"] = Actor(user.id, user.name, "supervisor", None)
    items = [
        (code, item.department)
        for code, item in core.catalogue.items.items()
        if item.department in departments
    ]
    cases, tracking = [], []
    for n in range(36):
        item, dept = items[n % len(items)]
        clerk = people[f"clerk:{dept}"]
        filed = bj(2026, 3, 2 + n % 5, 9 + n % 7)
        clock.set(filed)
        materials = mandatory_materials(core, item)
        case_id, tracking_no, _ = submit(
            sessions, core, clerk, item, filed, materials if n % 6 else materials[:1]
        )
        act(sessions, core, clerk, case_id, "register", filed)
        act(sessions, core, clerk, case_id, "accept", filed)
        if n % 3:
            handler = people[f"handler:{dept}"].user_id
            act(sessions, core, clerk, case_id, "assign", filed, assignee=handler)
        cases.append(case_id)
        tracking.append(tracking_no)
    _judge_facts(sessions, core, sup)
    return Twin(url, sessions, people, cases, tracking)


def _judge_facts(sessions: sessionmaker[Session], core: CoreDeps, sup: Supervisor) -> None:
    while True:
        with sessions() as session, session.begin():
            if process_pending(session, core, sup) == 0:
                return


def _outcome(twin: Twin) -> Any:
    """Everything a sweep writes, with random ids replaced by the cases' filing order."""
    with twin.sessions() as s:
        cause = {row.id: row.cause for row in s.execute(select(Alert.id, Alert.cause))}
        found = {
            "alerts": [
                (a.cause, a.level, a.status, a.responsible_user_id, a.message_zh, a.message_en)
                + (a.fact, a.opened_at, a.updated_at, a.resolved_at, a.ruleset_version)
                for a in s.scalars(select(Alert))
            ],
            "history": [
                (cause[e.alert_id], e.action, e.from_status, e.to_status, e.at, e.note)
                for e in s.scalars(select(AlertEvent))
            ],
            "cases": [
                (c.id, c.next_due_at, c.clock_elapsed, c.clock_remaining, c.clock_overdue)
                + (c.clock_running, c.clock_computed_at, c.version)
                for c in s.scalars(select(Case))
            ],
            "inbox": [
                (m.user_id, m.kind, cause.get(m.alert_id or 0), m.subject, m.body)
                for m in s.scalars(select(InboxMessage))
            ],
            "timers": [
                (cause[t.alert_id], t.kind, t.route, t.step, t.due_at, t.done_at)
                for t in s.scalars(select(NotifyTimer))
            ],
        }
    text = json.dumps(found, default=str, ensure_ascii=False)
    for n, (case_id, tracking_no) in enumerate(zip(twin.cases, twin.tracking, strict=True)):
        text = text.replace(case_id, f"case#{n}").replace(tracking_no, f"no#{n}")
    return {key: sorted(map(json.dumps, rows)) for key, rows in json.loads(text).items()}


def _respond_to_first_yellow(twin: Twin, now: datetime) -> None:
    """The same person action in both databases: the handler answers one yellow card."""
    with twin.sessions() as session, session.begin():
        yellows = session.scalars(
            select(Alert).where(Alert.level == "yellow").order_by(Alert.opened_at, Alert.cause)
        ).all()
        first = min(yellows, key=lambda a: twin.cases.index(a.case_id or ""))
        who = next(a for a in twin.people.values() if a.user_id == first.responsible_user_id)
        alerts.respond(session, who, first.id, "已加快办理 / speeding up", now)


@pytest.fixture
def twins(
    twin_urls: tuple[str, str], core: CoreDeps, supervisor: Supervisor, clock: FrozenClock
) -> tuple[Twin, Twin]:
    clock.set(bj(2026, 3, 2))
    here, there = (_file_cases(url, core, supervisor, clock) for url in twin_urls)
    assert _outcome(here) == _outcome(there)  # the same start
    return here, there


def _store_policy(twin: Twin, supervisor: Supervisor, clock: FrozenClock) -> str:
    """Put the supervisor's policy in force in the twin's database (where workers read it)."""
    policy = supervisor.policy
    with twin.sessions() as session, session.begin():
        store_version(session, policy, "test", clock())
        activate(session, policy.version, by="test", now=clock())
    return policy.version


def _pool(twin: Twin, supervisor: Supervisor, clock: FrozenClock, workers: int = 2) -> SweepPool:
    version = _store_policy(twin, supervisor, clock)
    config = WorkerConfig(twin.url, KEY, "dual", version)
    pool = SweepPool(config, workers=workers, chunk=7)
    pool.start()
    return pool


def test_pool_sweeps_give_what_one_process_gives(
    twins: tuple[Twin, Twin], core: CoreDeps, supervisor: Supervisor, clock: FrozenClock
) -> None:
    here, there = twins
    pool = _pool(there, supervisor, clock)
    try:
        for n, as_of in enumerate(SWEEPS):
            one = sweep(here.sessions, core, supervisor, as_of)
            many = sweep(there.sessions, core, supervisor, as_of, pool=pool)
            assert (many.judged, many.alerts_matched) == (one.judged, one.alerts_matched)
            assert (many.workers, many.redone) == (2, 0)
            assert one.judged > 0
            if n == 1:
                for twin in twins:
                    _respond_to_first_yellow(twin, as_of)
            assert _outcome(here) == _outcome(there), f"after the sweep as of {as_of}"
    finally:
        pool.close()
    levels = {json.loads(row)[1] for row in _outcome(here)["alerts"]}
    assert {"warning", "yellow", "red", "anomaly"} <= levels  # the sweeps exercised the ladder


def test_a_change_while_judging_is_judged_again_under_the_lock(
    twins: tuple[Twin, Twin], core: CoreDeps, supervisor: Supervisor, clock: FrozenClock
) -> None:
    here, there = twins
    clock.set(SWEEPS[1])
    for twin in twins:
        sweep(twin.sessions, core, supervisor, SWEEPS[0])
    as_of = SWEEPS[1]

    def change(twin: Twin) -> Callable[[], None]:
        def run() -> None:
            # the unassigned first case gets a handler, and its open anomaly is acknowledged
            with twin.sessions() as session:
                case = session.get(Case, twin.cases[0])
                assert case is not None
                assert case.assignee_id is None
                dept = case.department_code
            clerk, handler = twin.people[f"clerk:{dept}"], twin.people[f"handler:{dept}"]
            act(
                twin.sessions, core, clerk, twin.cases[0], "assign", as_of, assignee=handler.user_id
            )
            with twin.sessions() as session, session.begin():
                anomaly = session.scalars(
                    select(Alert).where(Alert.case_id == twin.cases[0], Alert.status == "open")
                ).first()
                assert anomaly is not None
                alerts.acknowledge(session, handler, anomaly.id, as_of)

        return run

    change(here)()
    sweep(here.sessions, core, supervisor, as_of)
    redone = 0
    for ids in _due_ids(there.sessions, as_of, 12):
        between = change(there) if there.cases[0] in ids else None
        result = sweep_chunk(there.sessions, core, supervisor, as_of, ids, between=between)
        redone += result.redone
    assert redone > 0
    # the assignment's own fact, judged after the sweep in both databases
    _judge_facts(here.sessions, core, supervisor)
    _judge_facts(there.sessions, core, supervisor)
    assert _outcome(here) == _outcome(there)


def test_a_dead_worker_leaves_the_rest_to_this_process(
    twins: tuple[Twin, Twin], core: CoreDeps, supervisor: Supervisor, clock: FrozenClock
) -> None:
    here, there = twins
    pool = _pool(there, supervisor, clock)
    try:
        executor = pool._executor  # noqa: SLF001 (reaching in to kill a worker)
        assert executor is not None
        victim = next(iter(executor._processes))  # noqa: SLF001
        os.kill(victim, signal.SIGKILL)
        one = sweep(here.sessions, core, supervisor, SWEEPS[1])
        many = sweep(there.sessions, core, supervisor, SWEEPS[1], pool=pool)
        assert many.judged == one.judged > 0
        assert _outcome(here) == _outcome(there)
        # the next sweep starts a fresh pool
        one = sweep(here.sessions, core, supervisor, SWEEPS[2])
        many = sweep(there.sessions, core, supervisor, SWEEPS[2], pool=pool)
        assert pool._executor is not None  # noqa: SLF001
        assert _outcome(here) == _outcome(there)
    finally:
        pool.close()


def test_the_service_sweeps_through_its_pool_when_configured(
    db_url: str, people: People, clock: FrozenClock
) -> None:
    settings = Settings(
        database_url=db_url, rules_dir=RULES, secret_key=KEY, environment="test", sweep_workers=2
    )
    state = build_state(settings, now=clock)
    assert state.sweep_pool is not None
    try:
        client = TestClient(create_app(state))
        clock.set(SWEEPS[0])  # a sweep never runs ahead of now
        as_of = SWEEPS[0].isoformat()
        response = client.post(
            "/api/v1/supervision/sweep", params={"as_of": as_of}, headers=people.auth("admin")
        )
        assert response.status_code == 200, response.text
        assert response.json()["workers"] == 2
    finally:
        state.sweep_pool.close()
        state.engine.dispose()
    with pytest.raises(ValueError, match="sweep_workers"):
        Settings(database_url=db_url, sweep_workers=0)


@pytest.mark.parametrize("stored", ["none", "other"])
def test_what_workers_cannot_load_is_judged_here(
    twins: tuple[Twin, Twin],
    core: CoreDeps,
    supervisor: Supervisor,
    tmp_path: Path,
    clock: FrozenClock,
    stored: str,
) -> None:
    """Workers load the leader's policy version from the database, never files on disk: when
    the database does not hold that version (none stored, or only another one), the leader
    judges in its own process, with the policy in force."""
    here, there = twins
    if stored == "other":
        rules = tmp_path / "rules"
        shutil.copytree(RULES, rules)
        with (rules / "items.yaml").open("a", encoding="utf-8") as f:
            f.write("# another version\n")
        _store_policy(there, Supervisor.from_dir(rules, "python"), clock)
    pool = SweepPool(WorkerConfig(there.url, KEY, "dual"), workers=2, chunk=7)
    try:
        one = sweep(here.sessions, core, supervisor, SWEEPS[1])
        many = sweep(there.sessions, core, supervisor, SWEEPS[1], pool=pool)
        assert many.judged == one.judged > 0
        assert _outcome(here) == _outcome(there)
    finally:
        pool.close()
