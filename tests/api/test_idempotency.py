"""Idempotency-Key: a retried action or filing returns its first answer and acts once, even
when the retries race each other; the same key for another request is refused."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from approval_core.cases.models import Case
from approval_core.context import CoreDeps
from approval_core.idempotency.models import RememberedAnswer
from approval_core.idempotency.service import prune
from approval_core.records.models import CaseRecord
from tests.conftest import People
from tests.support import item_in, mandatory_materials

FEE = {"action": "charge_fee", "amount": "20.00", "fee_code": "CERT_FEE"}


def _case(client: TestClient, people: People, core: CoreDeps) -> str:
    item = item_in(core, people.department)
    body = {
        "item": item,
        "applicant": {"name": "赵六", "id_number": "36010219900101123X"},
        "materials": mandatory_materials(core, item),
    }
    case_id = str(
        client.post("/api/v1/cases", json=body, headers=people.auth("applicant")).json()["id"]
    )
    for action in ("register", "accept"):
        answer = client.post(
            f"/api/v1/cases/{case_id}/actions",
            json={"action": action},
            headers=people.auth("clerk"),
        )
        assert answer.status_code == 200, answer.text
    return case_id


def _fees(sessions: sessionmaker[Session], case_id: str) -> int:
    with sessions() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(CaseRecord)
                .where(CaseRecord.case_id == case_id, CaseRecord.action == "charge_fee")
            )
            or 0
        )


def _charge(client: TestClient, people: People, case_id: str, key: str | None) -> httpx.Response:
    headers = people.auth("clerk") | ({"Idempotency-Key": key} if key else {})
    answer: httpx.Response = client.post(
        f"/api/v1/cases/{case_id}/actions", json=FEE, headers=headers
    )
    return answer


def test_a_retried_fee_is_charged_once(
    client: TestClient, people: People, core: CoreDeps, sessions: sessionmaker[Session]
) -> None:
    case_id = _case(client, people, core)
    first = _charge(client, people, case_id, "fee-1")
    again = _charge(client, people, case_id, "fee-1")
    assert first.status_code == again.status_code == 200, again.text
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _fees(sessions, case_id) == 1
    # Without a key (or with another one) a second fee is a second fee.
    assert _charge(client, people, case_id, None).status_code == 200
    assert _charge(client, people, case_id, "fee-2").status_code == 200
    assert _fees(sessions, case_id) == 3


def test_the_same_key_for_another_request_is_refused(
    client: TestClient, people: People, core: CoreDeps, sessions: sessionmaker[Session]
) -> None:
    case_id = _case(client, people, core)
    assert _charge(client, people, case_id, "k").status_code == 200
    other = client.post(
        f"/api/v1/cases/{case_id}/actions",
        json={**FEE, "amount": "30.00"},
        headers=people.auth("clerk") | {"Idempotency-Key": "k"},
    )
    assert other.status_code == 422
    assert other.headers["content-type"].startswith("application/problem+json")
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert _fees(sessions, case_id) == 1
    # Keys are per caller: the head may use the same words for their own request.
    mine = client.post(
        f"/api/v1/cases/{case_id}/actions",
        json=FEE,
        headers=people.auth("head") | {"Idempotency-Key": "k"},
    )
    assert mine.status_code in (200, 403), mine.text  # never a replay of the clerk's answer
    assert "Idempotent-Replayed" not in mine.headers


def test_racing_retries_act_once(
    client: TestClient, people: People, core: CoreDeps, sessions: sessionmaker[Session]
) -> None:
    case_id = _case(client, people, core)
    answers: list[httpx.Response] = []
    start = threading.Barrier(6)

    def retry() -> None:
        start.wait()
        answers.append(_charge(client, people, case_id, "race"))

    threads = [threading.Thread(target=retry) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _fees(sessions, case_id) == 1
    ok = [a for a in answers if a.status_code == 200]
    assert ok, [a.text for a in answers]
    assert all(a.json() == ok[0].json() for a in ok)
    # A loser of the race on the case's version may answer 409; retried, it replays.
    assert {a.status_code for a in answers} <= {200, 409}
    assert _charge(client, people, case_id, "race").headers["Idempotent-Replayed"] == "true"


def test_a_retried_filing_files_one_case(
    client: TestClient, people: People, core: CoreDeps, sessions: sessionmaker[Session]
) -> None:
    item = item_in(core, people.department)
    body: dict[str, Any] = {
        "item": item,
        "applicant": {"name": "钱七", "id_number": "36010219900101123X"},
        "materials": mandatory_materials(core, item),
    }
    headers = people.auth("applicant") | {"Idempotency-Key": "file-once"}
    first = client.post("/api/v1/cases", json=body, headers=headers)
    again = client.post("/api/v1/cases", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()  # the query code too: it was shown once, it is shown again
    assert again.headers["Location"] == first.headers["Location"]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1


def test_a_malformed_key_is_a_problem(client: TestClient, people: People, core: CoreDeps) -> None:
    case_id = _case(client, people, core)
    answer = _charge(client, people, case_id, "x" * 201)
    assert answer.status_code == 422
    assert "Idempotency-Key" in answer.text


def test_keys_are_kept_for_a_day(
    client: TestClient, people: People, core: CoreDeps, sessions: sessionmaker[Session]
) -> None:
    case_id = _case(client, people, core)
    assert _charge(client, people, case_id, "old").status_code == 200
    with sessions() as session, session.begin():
        assert prune(session, core.now() + timedelta(hours=23)) == 0
        assert prune(session, core.now() + timedelta(hours=25)) == 1
        assert session.scalar(select(func.count()).select_from(RememberedAnswer)) == 0
