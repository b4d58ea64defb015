"""Every error answer is a problem+json document with a correlation id: the catch-all's 500
(logged with its traceback under that id, nothing of the error shown), an integrity race's
409, and the framework's own 404, 405, 401, 403, 422 and 400. The OpenAPI document declares
them."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.deps import ServiceState
from approval_core.aftercare.models import Rating
from approval_core.context import CoreDeps
from tests.conftest import FrozenClock, People
from tests.security.support import PROBLEM, assert_problem, file_case

SECRET = "password=hunter2 at db.internal:5432"


@pytest.fixture
def boom_app(service: ServiceState) -> FastAPI:
    """The real app with one more route that fails as nothing foreseen would."""
    app = create_app(service)

    def boom() -> dict[str, Any]:
        raise RuntimeError(SECRET)

    app.add_api_route("/api/v1/test-boom", boom, methods=["GET"])
    return app


def test_an_unexpected_error_is_a_logged_problem_with_a_correlation_id(
    boom_app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(boom_app)
    with caplog.at_level(logging.ERROR, logger="sunlight.api"):
        answer = client.get("/api/v1/test-boom", headers={"Accept-Language": "en"})
    problem = assert_problem(answer, 500)
    request_id = problem["request_id"]
    assert len(request_id) == 32
    assert problem["title"] == "Internal server error"
    assert request_id in problem["detail_zh"]
    assert request_id in problem["detail_en"]
    for leak in ("hunter2", "RuntimeError", "Traceback", "db.internal"):
        assert leak not in answer.text
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert len(logged) == 1
    assert logged[0].exc_info is not None
    assert logged[0].exc_info[0] is RuntimeError
    assert "/api/v1/test-boom" in logged[0].getMessage()
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_a_well_formed_client_request_id_is_kept_and_a_bad_one_replaced(
    boom_app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(boom_app)
    with caplog.at_level(logging.ERROR, logger="sunlight.api"):
        kept = client.get("/api/v1/test-boom", headers={"X-Request-ID": "trace-42.a:b_c"})
    assert kept.headers["x-request-id"] == "trace-42.a:b_c"
    assert kept.json()["request_id"] == "trace-42.a:b_c"
    assert any("trace-42.a:b_c" in r.getMessage() for r in caplog.records)
    replaced = client.get("/api/v1/items", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert replaced.status_code == 200
    assert len(replaced.headers["x-request-id"]) == 32
    assert "script" not in replaced.headers["x-request-id"]


def _kinds_of_error(client: TestClient, people: People, core: CoreDeps) -> list[Any]:
    case = file_case(client, people, core)
    actions = f"/api/v1/cases/{case['id']}/actions"
    json_headers = {**people.auth("clerk"), "Content-Type": "application/json"}
    return [
        (client.get("/api/v1/no-such-thing"), 404),
        (client.delete("/api/v1/items"), 405),
        (client.get("/api/v1/cases"), 401),
        (client.get("/api/v1/cases", headers={"Authorization": "Bearer nope"}), 401),
        (client.post("/api/v1/users", json={}, headers=people.auth("handler")), 422),
        (client.get("/api/v1/system/alerts", headers=people.auth("handler")), 403),
        (client.get("/api/v1/cases?limit=0", headers=people.auth("clerk")), 422),
        (client.post(actions, content=b"{not json", headers=json_headers), 400),
        (client.post(actions, json={"action": "conclude"}, headers=people.auth("head")), 409),
        (client.get("/api/v1/cases/no-such-case", headers=people.auth("head")), 404),
        (client.get("/api/v1/public/cases/SL-NONE?code=0000"), 404),
    ]


def test_every_error_answer_is_problem_json(
    client: TestClient, people: People, core: CoreDeps
) -> None:
    for answer, status in _kinds_of_error(client, people, core):
        assert_problem(answer, status)


def _conclude(client: TestClient, people: People, clock: FrozenClock, case_id: str) -> None:
    walk = [
        ("clerk", {"action": "register"}),
        ("clerk", {"action": "accept"}),
        ("clerk", {"action": "assign", "assignee": people.actors["handler"].user_id}),
        ("handler", {"action": "handle"}),
        ("reviewer", {"action": "review"}),
        ("head", {"action": "conclude", "decision": "approved", "decision_no": "赣司〔2026〕9号"}),
    ]
    for who, body in walk:
        clock.advance(hours=1)
        answer = client.post(
            f"/api/v1/cases/{case_id}/actions", json=body, headers=people.auth(who)
        )
        assert answer.status_code == 200, answer.text


def _ratings(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Rating)) or 0)


def test_an_integrity_race_is_a_409_and_writes_nothing_of_the_loser(
    client: TestClient,
    people: People,
    core: CoreDeps,
    clock: FrozenClock,
    service: ServiceState,
    sessions: sessionmaker[Session],
) -> None:
    """Two ratings of one case: the service finds none, then, before it writes, another rating
    lands (on PostgreSQL from another committed transaction; SQLite serialises writers, so
    there it is written in the same transaction). The unique constraint refuses the second."""
    case = file_case(client, people, core)
    _conclude(client, people, clock, case["id"])
    competitor = {"case_id": case["id"], "level": "满意", "created_at": clock()}
    postgres = service.engine.dialect.name == "postgresql"

    def compete(session: Session, *_: Any) -> None:
        if not any(isinstance(o, Rating) for o in session.new):
            return
        if postgres:
            with service.engine.begin() as other:
                other.execute(insert(Rating), competitor)
        else:
            session.connection().execute(insert(Rating), competitor)

    event.listen(service.sessions, "before_flush", compete)
    try:
        answer = client.post(
            f"/api/v1/public/cases/{case['tracking_no']}/rating",
            params={"code": case["query_code"]},
            json={"level": "非常满意"},
        )
    finally:
        event.remove(service.sessions, "before_flush", compete)
    problem = assert_problem(answer, 409)
    # The ratings' own compare-and-set names the rating that won (see test_lost_updates);
    # whichever answers, it is a 409 that shows nothing of the database error.
    assert "同时修改或创建" in problem["detail_zh"] or "已评价" in problem["detail_zh"]
    assert "IntegrityError" not in answer.text
    assert _ratings(sessions) == (1 if postgres else 0)
    again = client.post(
        f"/api/v1/public/cases/{case['tracking_no']}/rating",
        params={"code": case["query_code"]},
        json={"level": "非常满意"},
    )
    assert again.status_code == (409 if postgres else 201), again.text


def test_the_openapi_document_declares_the_error_answers(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert "Problem" in doc["components"]["schemas"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    ref = {"$ref": "#/components/schemas/Problem"}
    operations = [
        (path, method, op) for path, ops in doc["paths"].items() for method, op in ops.items()
    ]
    assert len(operations) > 40
    for path, method, op in operations:
        answers = op["responses"]
        for status in ("422", "500"):
            assert answers[status]["content"] == {PROBLEM: {"schema": ref}}, (path, method)
        if op.get("security"):
            assert {"401", "403"} <= answers.keys(), (path, method)
        if "requestBody" in op:
            assert "400" in answers
    public = doc["paths"]["/api/v1/public/cases/{tracking_no}"]["get"]["responses"]
    assert {"404", "429"} <= public.keys()
    assert "401" not in public
    action = doc["paths"]["/api/v1/cases/{case_id}/actions"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409", "422", "500"} <= action.keys()
