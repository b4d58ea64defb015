"""No lost update: concurrent changes of one complaint, remedy, alert or rating have exactly one
winner; every loser is a 409 problem carrying the record as it stands, and writes no history.

Each contender is a real HTTP client of its own app, with its own engine and sessions (as
separate server processes would be), released together by a barrier. On PostgreSQL (READ
COMMITTED) the losers that read before the winner committed are caught by the version compare-
and-set; on SQLite writers are serialised and the losers see the winner's state. Both must give
the same answers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from api.app import create_app
from api.deps import ServiceState
from approval_core.aftercare.models import Complaint, Rating, Remedy
from approval_core.context import CoreDeps
from approval_core.db import make_engine, make_session_factory, read_only
from supervisor.alerts.models import Alert, AlertEvent
from supervisor.judging import Judge, Subject
from supervisor.runtime import Supervisor
from tests.conftest import FrozenClock, People
from tests.supervisor.test_alert_transitions import warning_alert
from tests.support import act, bj, item_in, submit

PROBLEM = "application/problem+json"
Call = Callable[[TestClient], httpx.Response]


@pytest.fixture
def race(service: ServiceState, db_url: str) -> Iterator[Callable[[list[Call]], list[Any]]]:
    """Run each call in its own thread, on its own app, engine and sessions, all at once."""
    engines = []

    def run(calls: list[Call]) -> list[httpx.Response]:
        clients = []
        for _ in calls:
            engine = make_engine(db_url)
            engines.append(engine)
            own = replace(service, engine=engine, sessions=make_session_factory(engine))
            clients.append(TestClient(create_app(own)))
        barrier = threading.Barrier(len(calls))
        answers: list[httpx.Response | BaseException | None] = [None] * len(calls)

        def contender(n: int) -> None:
            try:
                barrier.wait(timeout=30)
                answers[n] = calls[n](clients[n])
            except BaseException as exc:  # noqa: BLE001 (reported below, in the test thread)
                answers[n] = exc

        threads = [threading.Thread(target=contender, args=(n,)) for n in range(len(calls))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        for answer in answers:
            if not isinstance(answer, httpx.Response):
                raise AssertionError(f"a contender failed: {answer!r}")
        return [a for a in answers if isinstance(a, httpx.Response)]

    yield run
    for engine in engines:
        engine.dispose()


def _post(
    url: str,
    headers: dict[str, str],
    body: dict[str, Any] | None = None,
    params: dict[str, str] | None = None,
) -> Call:
    def call(client: TestClient) -> httpx.Response:
        response: httpx.Response = client.post(url, json=body, headers=headers, params=params)
        return response

    return call


def _one_winner(answers: list[httpx.Response], won: int = 200) -> tuple[int, dict[str, Any]]:
    """The index and body of the single success; every other answer a 409 problem."""
    winners = [n for n, a in enumerate(answers) if a.status_code == won]
    assert len(winners) == 1, [(a.status_code, a.text[:120]) for a in answers]
    for n, answer in enumerate(answers):
        if n != winners[0]:
            assert answer.status_code == 409, answer.text
            assert answer.headers["content-type"] == PROBLEM
    return winners[0], dict(answers[winners[0]].json())


def _losers_see(answers: list[httpx.Response], winner: int, current: dict[str, Any]) -> None:
    """Every loser's problem carries the record as it stands after the winner."""
    for n, answer in enumerate(answers):
        if n != winner:
            seen = answer.json()["current"]
            assert {k: seen[k] for k in current} == current, answer.text


def _complaint(client: TestClient, people: People) -> int:
    body = {
        "channel": "phone",
        "complainant": "李四",
        "content": "窗口拒收材料 / the window refused papers",
        "department": people.department,
    }
    filed = client.post("/api/v1/complaints", json=body, headers=people.auth("clerk"))
    assert filed.status_code == 201, filed.text
    return int(filed.json()["id"])


def test_accepts_against_rejects_of_one_complaint(
    client: TestClient, people: People, race: Callable[[list[Call]], list[httpx.Response]]
) -> None:
    complaint_id = _complaint(client, people)
    url = f"/api/v1/complaints/{complaint_id}/steps"
    accept = {"action": "accept"}
    reject = {"action": "reject", "note": "不属于受理范围 / not ours to accept"}
    calls = [
        _post(url, people.auth(("head", "supervisor")[n // 2 % 2]), (accept, reject)[n % 2])
        for n in range(20)
    ]
    answers = race(calls)
    winner, won = _one_winner(answers)
    target = "accepted" if winner % 2 == 0 else "rejected"
    assert (won["status"], won["version"]) == (target, 2)
    _losers_see(answers, winner, {"id": complaint_id, "status": target, "version": 2})
    seen = client.get(f"/api/v1/complaints/{complaint_id}", headers=people.auth("head")).json()
    assert (seen["status"], seen["version"]) == (target, 2)
    step = "accept" if target == "accepted" else "reject"
    assert [s["action"] for s in seen["steps"]] == ["register", step]  # the winner's only


def test_concurrent_remedy_outcomes_keep_one(
    client: TestClient,
    people: People,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    race: Callable[[list[Call]], list[httpx.Response]],
) -> None:
    case_id, _, _ = submit(sessions, core, people.actors["clerk"], _item(core, people), core.now())
    filed = client.post(
        f"/api/v1/cases/{case_id}/remedies",
        json={
            "kind": "reconsideration",
            "reference": "赣司复〔2026〕1号",
            "body": "省政府",
            "filed_on": "2026-03-02",
        },
        headers=people.auth("clerk"),
    )
    assert filed.status_code == 201, filed.text
    assert filed.json()["version"] == 1
    url = f"/api/v1/cases/{case_id}/remedies/{filed.json()['id']}/outcome"
    outcomes = ["kept", "changed", "revoked", "dismissed", "withdrawn"]
    calls = [
        _post(url, people.auth(who), {"outcome": o, "decided_on": "2026-03-20"})
        for o, who in zip(outcomes, ["clerk", "head", "supervisor", "admin", "clerk"], strict=True)
    ]
    answers = race(calls)
    winner, won = _one_winner(answers)
    assert (won["outcome"], won["version"]) == (outcomes[winner], 2)
    _losers_see(answers, winner, {"status": "decided", "outcome": outcomes[winner], "version": 2})
    with sessions() as session:
        kept = session.scalars(select(Remedy)).one()
        assert (kept.outcome, kept.version) == (outcomes[winner], 2)


def _item(core: CoreDeps, people: People) -> str:
    return item_in(core, people.department)


def _alert_of(sessions: sessionmaker[Session], rule_id: str) -> Alert:
    with sessions() as session:
        return session.scalars(select(Alert).where(Alert.rule_id == rule_id)).one()


def _events(sessions: sessionmaker[Session], alert_id: int, action: str) -> int:
    with sessions() as session:
        stmt = select(func.count()).where(
            AlertEvent.alert_id == alert_id, AlertEvent.action == action
        )
        return int(session.scalar(stmt) or 0)


def test_twenty_acknowledgements_of_one_alert(
    client: TestClient,
    people: People,
    sessions: sessionmaker[Session],
    race: Callable[[list[Call]], list[httpx.Response]],
) -> None:
    _complaint(client, people)
    alert = _alert_of(sessions, "POST-COMPLAINT-RECEIVED")
    assert (alert.status, alert.version, alert.subject) == ("open", 1, alert.cause.split("|")[1])
    url = f"/api/v1/alerts/{alert.id}/ack"
    staff = ["clerk", "handler", "handler2", "reviewer", "head"]
    calls = [_post(url, people.auth(who)) for who in staff * 4]
    answers = race(calls)
    winner, won = _one_winner(answers)
    assert (won["status"], won["version"]) == ("acknowledged", 2)
    assert won["acknowledged_by"] == people.actors[staff[winner % 5]].user_id
    _losers_see(answers, winner, {"id": alert.id, "status": "acknowledged", "version": 2})
    assert _events(sessions, alert.id, "acknowledge") == 1


def test_concurrent_removals_and_responses(
    client: TestClient,
    people: People,
    sessions: sessionmaker[Session],
    race: Callable[[list[Call]], list[httpx.Response]],
) -> None:
    """Six removals of one card: one removal row. Then, on another card, responses against
    removals: whichever wins, the other kind is refused and leaves no row."""
    _complaint(client, people)
    alert = _alert_of(sessions, "POST-COMPLAINT-RECEIVED")
    url = f"/api/v1/alerts/{alert.id}"
    removal = {"reason": "已核实 / verified"}
    calls = [
        _post(f"{url}/remove", people.auth(who), removal) for who in ["supervisor", "admin"] * 3
    ]
    answers = race(calls)
    winner, won = _one_winner(answers)
    assert (won["status"], won["version"]) == ("removed", 2)
    _losers_see(answers, winner, {"status": "removed", "version": 2})
    assert _events(sessions, alert.id, "remove") == 1
    seen = client.get(url, headers=people.auth("supervisor")).json()
    assert [h["action"] for h in seen["history"]] == ["open", "remove"]
    assert seen["version"] == 2


def test_respond_against_remove(
    client: TestClient,
    people: People,
    sessions: sessionmaker[Session],
    race: Callable[[list[Call]], list[httpx.Response]],
) -> None:
    _complaint(client, people)
    alert = _alert_of(sessions, "POST-COMPLAINT-RECEIVED")
    url = f"/api/v1/alerts/{alert.id}"
    answer = {"response": "已联系投诉人 / called back"}
    removal = {"reason": "已核实 / verified"}
    calls = [
        _post(f"{url}/respond", people.auth("head"), answer),
        _post(f"{url}/remove", people.auth("supervisor"), removal),
    ] * 4
    answers = race(calls)
    successes = [a for a in answers if a.status_code == 200]
    # a response may be followed by one removal (by someone else); a removal ends it all
    statuses = sorted(a.json()["status"] for a in successes)
    assert statuses in (["removed"], ["removed", "responded"], ["responded"]), statuses
    assert all(a.status_code in (200, 409) for a in answers)
    assert _events(sessions, alert.id, "respond") == statuses.count("responded")
    assert _events(sessions, alert.id, "remove") == statuses.count("removed")
    final = _alert_of(sessions, "POST-COMPLAINT-RECEIVED")
    assert final.version == 1 + len(successes)
    for loser in (a for a in answers if a.status_code == 409):
        assert loser.json()["current"]["status"] in ("responded", "removed")


def _concluded(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> tuple[str, str, str]:
    clock.set(bj(2026, 3, 2, 9))
    case_id, number, code = submit(
        sessions, core, people.actors["clerk"], _item(core, people), clock()
    )
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("clerk", "register", {}),
        ("clerk", "accept", {}),
        ("clerk", "assign", {"assignee": people.actors["handler"].user_id}),
        ("handler", "handle", {}),
        ("reviewer", "review", {}),
        ("head", "conclude", {"decision": "approved", "decision_no": "赣司〔2026〕9号"}),
    ]
    for who, action, fields in steps:
        clock.advance(hours=1)
        act(sessions, core, people.actors[who], case_id, action, clock(), **fields)
    return case_id, number, code


def test_concurrent_ratings_of_one_case(
    people: People,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    clock: FrozenClock,
    race: Callable[[list[Call]], list[httpx.Response]],
) -> None:
    _, number, code = _concluded(sessions, core, people, clock)
    url = f"/api/v1/public/cases/{number}/rating"
    levels = ["非常满意", "满意", "不满意", "非常不满意", "基本满意"]
    calls = [_post(url, {}, {"level": lv}, params={"code": code}) for lv in levels]
    answers = race(calls)
    winner, won = _one_winner(answers, won=201)
    assert (won["level"], won["version"]) == (levels[winner], 1)
    _losers_see(answers, winner, {"status": "rated", "level": levels[winner], "version": 1})
    with sessions() as session:
        assert session.scalars(select(Rating)).one().level == levels[winner]
        follow_ups = select(func.count()).where(Alert.rule_id == "POST-RATING-NEGATIVE")
        assert session.scalar(follow_ups) == (
            1 if levels[winner] in ("不满意", "非常不满意") else 0
        )


def test_if_match_states_the_version_the_client_read(
    client: TestClient, people: People, sessions: sessionmaker[Session]
) -> None:
    complaint_id = _complaint(client, people)
    url = f"/api/v1/complaints/{complaint_id}"
    assert client.get(url, headers=people.auth("head")).json()["version"] == 1
    accept, head = {"action": "accept"}, people.auth("head")
    stale = client.post(f"{url}/steps", json=accept, headers={**head, "If-Match": "7"})
    assert stale.status_code == 409
    assert stale.headers["content-type"] == PROBLEM
    assert stale.json()["type"].endswith("/version-conflict")
    assert stale.json()["current"] == {"id": complaint_id, "status": "registered", "version": 1}
    bad = client.post(f"{url}/steps", json=accept, headers={**head, "If-Match": "v1"})
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "If-Match")
    with sessions() as session:
        complaint = session.get(Complaint, complaint_id)
        assert complaint is not None
        assert (complaint.status, complaint.version, len(complaint.steps)) == ("registered", 1, 1)
    done = client.post(f"{url}/steps", json=accept, headers={**head, "If-Match": '"1"'})
    assert (done.status_code, done.json()["version"]) == (200, 2), done.text
    alert = _alert_of(sessions, "POST-COMPLAINT-RECEIVED")
    ack = f"/api/v1/alerts/{alert.id}/ack"
    assert client.post(ack, headers={**head, "If-Match": "2"}).status_code == 409
    assert _events(sessions, alert.id, "acknowledge") == 0
    acked = client.post(ack, headers={**head, "If-Match": str(alert.version)})
    assert (acked.status_code, acked.json()["version"]) == (200, alert.version + 1)


def test_the_judge_does_not_overwrite_a_concurrent_acknowledgement(
    client: TestClient,
    people: People,
    sessions: sessionmaker[Session],
    supervisor: Supervisor,
    clock: FrozenClock,
) -> None:
    """The Judge's writes are compare-and-sets too: judging that read an alert before a person
    acknowledged it fails whole (to be judged again) rather than resolving over the answer."""
    alert_id = warning_alert(sessions, supervisor, "open", "case-3", people.department, clock)
    with sessions() as judging:
        with judging.begin():
            read_only(judging)
            judge = Judge.for_subjects(judging, supervisor, clock(), ["case-3"])
        acked = client.post(f"/api/v1/alerts/{alert_id}/ack", headers=people.auth("head"))
        assert (acked.status_code, acked.json()["version"]) == (200, 2)
        judge.apply(Subject("case-3", None, None), {"department": people.department}, [])
        with pytest.raises(StaleDataError):
            judge.finish()  # would resolve the warning: its cause is gone
        judging.rollback()
    with sessions() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        assert (alert.status, alert.version) == ("acknowledged", 2)
        actions = session.scalars(select(AlertEvent.action).where(AlertEvent.alert_id == alert_id))
        assert list(actions) == ["acknowledge"]
