"""Concurrent writers keep the running totals equal to the rows (PostgreSQL: READ COMMITTED).

Four clients, each with its own engine (as separate processes would have), race through the
actions of the same cases; a fifth judges their facts (alerts opened and resolved) and a sixth
folds and reconciles the totals meanwhile. The reconciliation run under load must find no
drift, and at the end the totals equal the GROUP BY over the rows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from api.deps import ServiceState
from approval_core.context import CoreDeps
from approval_core.db import make_engine, make_session_factory
from approval_core.errors import DomainError
from supervisor.metrics.state import StateCollector
from supervisor.metrics.totals import compact_totals, reconcile
from supervisor.processing import process_pending
from tests.conftest import FrozenClock, People
from tests.support import act, bj, submit

LAWYER = "LAWYER-PRACTICE"
STEPS = ("register", "accept", "assign", "handle", "review", "conclude")


def _race(db_url: str, work: list[Callable[[sessionmaker[Session]], None]]) -> list[str]:
    """Run each piece of work in a thread with its own engine; the errors they raised."""
    errors: list[str] = []
    barrier = threading.Barrier(len(work))

    def run(job: Callable[[sessionmaker[Session]], None]) -> None:
        engine = make_engine(db_url)
        try:
            barrier.wait()
            job(make_session_factory(engine))
        except Exception as error:  # reported to the test, which fails on any
            errors.append(repr(error))
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return errors


def test_concurrent_actions_keep_the_totals_equal_to_the_rows(
    db_url: str, service: ServiceState, people: People, core: CoreDeps, clock: FrozenClock
) -> None:
    clock.set(bj(2026, 3, 2, 9))
    a = people.actors
    ids = [submit(service.sessions, core, a["clerk"], LAWYER, clock())[0] for _ in range(12)]
    who = {"register": "clerk", "accept": "clerk", "assign": "clerk", "handle": "handler"}
    done = threading.Event()

    def client(offset: int) -> Callable[[sessionmaker[Session]], None]:
        def job(sessions: sessionmaker[Session]) -> None:
            for step in STEPS:
                for case_id in ids[offset:] + ids[:offset]:
                    actor = a[who.get(step, "reviewer" if step == "review" else "head")]
                    extra: dict[str, object] = {}
                    if step == "assign":
                        extra = {"assignee": a["handler"].user_id}
                    elif step == "conclude":
                        extra = {"decision": "approved"}
                    try:
                        act(sessions, core, actor, case_id, step, clock(), **extra)
                    except DomainError:
                        pass  # another client took this step first

        return job

    def judge(sessions: sessionmaker[Session]) -> None:
        while not done.is_set():
            with sessions() as session, session.begin():
                process_pending(session, core, service.supervisor)

    drift: list[object] = []

    def keeper(sessions: sessionmaker[Session]) -> None:
        while not done.is_set():
            compact_totals(sessions)
            result = reconcile(sessions)
            if not result.ok:
                drift.append(result.drift)

    clients = [client(n * 3) for n in range(4)]

    def last_client(sessions: sessionmaker[Session]) -> None:
        try:
            clients[0](sessions)
        finally:
            done.set()

    errors = _race(db_url, [last_client, *clients[1:], judge, keeper])
    assert errors == []
    assert drift == []
    while True:
        with service.sessions() as session, session.begin():
            if process_pending(session, core, service.supervisor) == 0:
                break
    by_totals = StateCollector(service.engine, service.supervisor, "totals").read()
    by_rows = StateCollector(service.engine, service.supervisor, "rows").read()
    assert by_totals == by_rows
    assert sum(by_totals.concluded.values()) + sum(by_totals.open_cases.values()) == 12
    assert reconcile(service.sessions).ok
