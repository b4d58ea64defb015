"""Group commit (approval_core/group_commit.py): requests in flight together share a transaction,
and each still gets the answer it would have got alone.

The writer thread is held by a first unit until the others are queued, so the grouping is
certain, not left to timing.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.deps import ServiceState
from approval_core.cases.models import Case
from approval_core.context import CoreDeps
from approval_core.group_commit import GroupCommit, _Job
from approval_core.idempotency.models import RememberedAnswer
from approval_core.records.models import CaseRecord
from approval_core.records.service import records_of
from approval_core.records.verify import verify_records
from approval_core.users.models import User
from tests.conftest import KEY, People
from tests.support import act, bj, item_in, submit


@dataclass
class Held:
    """A unit that waits until released: while it runs, the units after it queue up."""

    running: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    rows: tuple[str, ...] = ()

    def together(self, session: Session) -> str:  # noqa: ARG002 (writes nothing)
        return self.alone()

    def alone(self) -> str:
        self.running.set()
        assert self.release.wait(30)
        return "held"


@dataclass
class Rename:
    """Renames a user; `fail` raises after the write, `spoil_commit` makes the group's commit
    fail (only when run together)."""

    sessions: sessionmaker[Session]
    user_id: int
    name: str
    fail: bool = False
    spoil_commit: bool = False
    runs: list[str] = field(default_factory=list)
    rows: tuple[str, ...] = ()

    def together(self, session: Session) -> str:
        self.runs.append("together")
        if self.spoil_commit:
            event.listen(session, "before_commit", _refuse, once=True)
        return self._rename(session)

    def alone(self) -> str:
        self.runs.append("alone")
        with self.sessions() as session, session.begin():
            return self._rename(session)

    def _rename(self, session: Session) -> str:
        user = session.get(User, self.user_id)
        assert user is not None
        user.name = self.name
        session.flush()  # written: a failure below must take it back
        if self.fail:
            raise ValueError(f"refused {self.name}")
        return self.name


def _refuse(session: Session) -> None:  # noqa: ARG001 (the event's signature)
    raise RuntimeError("the commit fails")


def grouped(commits: GroupCommit, units: list[Any]) -> Callable[[], Coroutine[Any, Any, list[Any]]]:
    """Run `units` as one group: a held unit occupies the writer while they are queued."""

    async def run() -> list[Any]:
        held = Held()
        first = asyncio.ensure_future(commits.run(held))
        await asyncio.to_thread(held.running.wait, 30)
        tasks = [asyncio.ensure_future(commits.run(unit)) for unit in units]
        while commits._queue.qsize() < len(units):  # noqa: SLF001 (all queued)
            await asyncio.sleep(0.001)
        held.release.set()
        assert await first == "held"
        return list(await asyncio.gather(*tasks, return_exceptions=True))

    return run


def user_ids(people: People, *who: str) -> list[int]:
    ids = [people.actors[w].user_id for w in who]
    return [i for i in ids if i is not None]


def names(sessions: sessionmaker[Session], ids: list[int]) -> list[str]:
    with sessions() as session:
        return [session.get_one(User, user_id).name for user_id in ids]


def test_units_in_flight_together_commit_in_one_transaction(
    sessions: sessionmaker[Session], people: People
) -> None:
    commits = GroupCommit(sessions)
    ids = user_ids(people, "clerk", "handler", "reviewer")
    units = [Rename(sessions, uid, f"改名{n}") for n, uid in enumerate(ids)]
    before = commits.transactions
    answers = asyncio.run(grouped(commits, units)())
    assert answers == ["改名0", "改名1", "改名2"]
    assert commits.transactions - before == 2  # the held one, then the three together
    assert all(unit.runs == ["together"] for unit in units)
    assert names(sessions, ids) == ["改名0", "改名1", "改名2"]


def test_a_refused_unit_keeps_nothing_and_the_others_keep_everything(
    sessions: sessionmaker[Session], people: People
) -> None:
    commits = GroupCommit(sessions)
    ids = user_ids(people, "clerk", "handler", "reviewer")
    old = names(sessions, ids)
    units = [
        Rename(sessions, ids[0], "甲"),
        Rename(sessions, ids[1], "乙", fail=True),
        Rename(sessions, ids[2], "丙"),
    ]
    answers = asyncio.run(grouped(commits, units)())
    assert answers[0] == "甲"
    assert answers[2] == "丙"
    assert isinstance(answers[1], ValueError)
    assert str(answers[1]) == "refused 乙"
    # the refused one was run again on its own (its own error), the others together again
    assert units[1].runs == ["together", "alone"]
    assert units[0].runs == ["together", "together"]
    assert units[2].runs == ["together"]
    assert names(sessions, ids) == ["甲", old[1], "丙"]


def test_a_failed_commit_runs_every_unit_again_on_its_own(
    sessions: sessionmaker[Session], people: People
) -> None:
    commits = GroupCommit(sessions)
    ids = user_ids(people, "clerk", "handler")
    units = [Rename(sessions, ids[0], "子", spoil_commit=True), Rename(sessions, ids[1], "丑")]
    answers = asyncio.run(grouped(commits, units)())
    assert answers == ["子", "丑"]
    assert all(unit.runs == ["together", "alone"] for unit in units)
    assert names(sessions, ids) == ["子", "丑"]


def test_the_writer_ends_when_idle_and_a_later_unit_starts_another(
    sessions: sessionmaker[Session], people: People
) -> None:
    commits = GroupCommit(sessions, idle_seconds=0.05)
    [user_id] = user_ids(people, "clerk")

    async def one(name: str) -> str:
        return await commits.run(Rename(sessions, user_id, name))

    assert asyncio.run(one("一")) == "一"
    first = commits._thread  # noqa: SLF001
    assert first is not None
    first.join(5)
    assert not first.is_alive()
    assert commits._thread is None  # noqa: SLF001
    assert asyncio.run(one("二")) == "二"
    assert names(sessions, [user_id]) == ["二"]


@pytest.fixture
def registered(sessions: sessionmaker[Session], core: CoreDeps, people: People) -> list[str]:
    item = item_in(core, people.department)
    ids = []
    for n in range(7):
        case_id, _, _ = submit(sessions, core, people.actors["clerk"], item, bj(2024, 3, 4))
        act(sessions, core, people.actors["clerk"], case_id, "register", bj(2024, 3, 4, 10, n))
        ids.append(case_id)
    return ids


def test_actions_through_the_api_in_one_group_answer_as_each_would_alone(
    service: ServiceState, sessions: sessionmaker[Session], people: People, registered: list[str]
) -> None:
    """Accepts of five cases, a conclusion by a clerk (refused), an accept
    and its retry under one Idempotency-Key, all in one group: each answered as if alone."""
    app = create_app(service)
    clerk = people.auth("clerk")
    keyed = {**clerk, "Idempotency-Key": "accept-once"}

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:

            def post(case_id: str, headers: dict[str, str], action: str = "accept") -> Any:
                return http.post(
                    f"/api/v1/cases/{case_id}/actions", json={"action": action}, headers=headers
                )

            held = Held()
            first = asyncio.ensure_future(service.commits.run(held))
            await asyncio.to_thread(held.running.wait, 30)
            requests = [
                *(asyncio.ensure_future(post(c, clerk)) for c in registered[:5]),
                asyncio.ensure_future(post(registered[6], clerk, "conclude")),
                asyncio.ensure_future(post(registered[5], keyed)),
                asyncio.ensure_future(post(registered[5], keyed)),
            ]
            while service.commits._queue.qsize() < len(requests):  # noqa: SLF001
                await asyncio.sleep(0.001)
            held.release.set()
            await first
            return list(await asyncio.gather(*requests))

    before, units_before = service.commits.transactions, service.commits.units
    answers = asyncio.run(run())
    assert [a.status_code for a in answers[:5]] == [200] * 5
    assert all(a.json()["state"] == "accepted" for a in answers[:5])
    assert answers[5].status_code == 403  # a clerk may not conclude: refused on its own too
    assert answers[5].headers["content-type"] == "application/problem+json"
    assert [a.status_code for a in answers[6:]] == [200, 200]
    assert answers[6].json() == answers[7].json()
    # (the second of the two in the group found the first's answer)
    replayed = [a.headers.get("Idempotent-Replayed") for a in answers[6:]]
    assert sorted(replayed, key=str) == [None, "true"]
    # the held one; the group, which the refused conclusion rolled back, again without it;
    # the refused conclusion on its own
    assert service.commits.transactions - before == 3
    assert service.commits.units - units_before == 1 + len(answers)
    scraped = TestClient(app).get("/metrics").text
    assert f"sunlight_group_commit_transactions_total {service.commits.transactions}.0" in scraped
    assert f"sunlight_group_commit_units_total {service.commits.units}.0" in scraped
    with sessions() as session:
        accepts = session.scalar(
            select(func.count()).select_from(CaseRecord).where(CaseRecord.action == "accept")
        )
        assert accepts == 6  # once per case: no action lost, none done twice
        assert session.scalar(select(func.count()).select_from(RememberedAnswer)) == 1
        for case_id in registered[:6]:
            case = session.get_one(Case, case_id)
            assert case.state == "accepted"
            assert case.record_count == len(records_of(session, case_id))
    with sessions() as session:
        assert verify_records(session, KEY).findings == []  # every chain holds


def test_an_action_on_a_row_held_elsewhere_waits_alone_and_holds_up_nobody(
    service: ServiceState,
    sessions: sessionmaker[Session],
    engine: Engine,
    people: People,
    registered: list[str],
) -> None:
    """PostgreSQL: while another transaction holds the first case's row (as the judge does
    while it judges the case), an action on it is taken out of the group and waits on its own;
    the action on the second case is answered meanwhile."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: no row is held by another writer")
    app = create_app(service)
    clerk = people.auth("clerk")

    async def run() -> tuple[int, int, str]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:

            def accept(case_id: str) -> Any:
                return http.post(
                    f"/api/v1/cases/{case_id}/actions", json={"action": "accept"}, headers=clerk
                )

            with sessions() as holder, holder.begin():
                holder.execute(select(Case).where(Case.id == registered[0]).with_for_update())
                waiting = asyncio.ensure_future(accept(registered[0]))
                other = await asyncio.wait_for(accept(registered[1]), 30)
                await asyncio.sleep(0.3)
                assert not waiting.done()  # it waits for the row, on its own
                states = holder.scalar(select(Case.state).where(Case.id == registered[0]))
            first = await asyncio.wait_for(waiting, 30)  # the row is free: it goes on
            return other.status_code, first.status_code, str(states)

    other, first, state_meanwhile = asyncio.run(run())
    assert (other, first) == (200, 200)
    assert state_meanwhile == "registered"
    with sessions() as session:
        assert session.get_one(Case, registered[0]).state == "accepted"
        assert session.get_one(Case, registered[1]).state == "accepted"


def test_an_answer_nobody_waits_for_any_more_stops_nothing(
    sessions: sessionmaker[Session], people: People
) -> None:
    """A request whose event loop is gone (its server stopping) still has its unit committed,
    and the writer goes on with the next."""
    commits = GroupCommit(sessions)
    first, second = user_ids(people, "clerk", "handler")
    gone = asyncio.new_event_loop()
    orphan = _Job(Rename(sessions, first, "无人等"), gone, gone.create_future())
    gone.close()
    commits._queue.put(orphan)  # noqa: SLF001
    later = commits.run(Rename(sessions, second, "后来者"))
    assert asyncio.run(asyncio.wait_for(later, 30)) == "后来者"
    assert names(sessions, [first, second]) == ["无人等", "后来者"]


def test_a_group_reads_and_locks_its_cases_with_one_statement(
    service: ServiceState, engine: Engine, people: People, registered: list[str]
) -> None:
    app = create_app(service)
    clerk = people.auth("clerk")
    reads: list[str] = []

    def note(*args: Any) -> None:
        statement = " ".join(str(args[2]).split())
        if statement.startswith("SELECT") and "FROM cases" in statement:
            reads.append(statement)

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            held = Held()
            first = asyncio.ensure_future(service.commits.run(held))
            await asyncio.to_thread(held.running.wait, 30)
            requests = [
                asyncio.ensure_future(
                    http.post(
                        f"/api/v1/cases/{case_id}/actions",
                        json={"action": "accept"},
                        headers=clerk,
                    )
                )
                for case_id in registered[:3]
            ]
            while service.commits._queue.qsize() < len(requests):  # noqa: SLF001
                await asyncio.sleep(0.001)
            event.listen(engine, "before_cursor_execute", note)
            held.release.set()
            await first
            return list(await asyncio.gather(*requests))

    try:
        answers = asyncio.run(run())
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len(reads) == 1, reads
    assert " IN (" in reads[0]
    if engine.dialect.name == "postgresql":
        assert reads[0].endswith("FOR UPDATE SKIP LOCKED")
