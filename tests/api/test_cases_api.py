"""The HTTP API end to end: file, act, read the clock, records, public query, errors."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from tests.conftest import FrozenClock, People
from tests.support import bj, counts, item_in, mandatory_materials

PROBLEM = "application/problem+json"


def _file(client: TestClient, people: People, core: CoreDeps, **extra: Any) -> dict[str, Any]:
    """File as the applicant, or as the clerk when recording a past submission time."""
    who = "clerk" if "submitted_at" in extra else "applicant"
    item = item_in(core, people.department)
    body = {
        "item": item,
        "applicant": {"name": "张三", "id_number": "36010219900101123X", "phone": "13800000000"},
        "materials": mandatory_materials(core, item),
        **extra,
    }
    response = client.post("/api/v1/cases", json=body, headers=people.auth(who))
    assert response.status_code == 201, response.text
    return dict(response.json())


def _act(client: TestClient, people: People, who: str, case_id: str, **body: Any) -> Any:
    return client.post(f"/api/v1/cases/{case_id}/actions", json=body, headers=people.auth(who))


def test_file_and_walk_a_case_through_every_step(
    client: TestClient, people: People, core: CoreDeps, clock: FrozenClock
) -> None:
    clock.set(bj(2026, 2, 2, 9))  # Monday
    created = _file(client, people, core)
    assert created["state"] == "submitted"
    assert len(created["query_code"]) == 8
    cid = created["id"]
    steps: list[tuple[str, dict[str, Any]]] = [
        ("clerk", {"action": "register"}),
        ("clerk", {"action": "accept"}),
        ("clerk", {"action": "assign", "assignee": people.actors["handler"].user_id}),
        ("handler", {"action": "handle"}),
        ("reviewer", {"action": "review"}),
        ("head", {"action": "conclude", "decision": "approved", "decision_no": "赣司〔2026〕7号"}),
    ]
    states: list[str] = []
    for who, body in steps:
        clock.advance(hours=1)
        response = _act(client, people, who, cid, **body)
        assert response.status_code == 200, response.text
        states.append(response.json()["state"])
    assert states == ["registered", "accepted", "handling", "reviewing", "reviewed", "concluded"]
    records = client.get(f"/api/v1/cases/{cid}/records", headers=people.auth("head")).json()
    assert [r["action"] for r in records] == ["submit"] + [b["action"] for _, b in steps]
    assert records[1]["prev_hash"] == records[0]["hash"]


def test_clock_as_of_a_moment_in_the_past(
    client: TestClient, people: People, core: CoreDeps, clock: FrozenClock
) -> None:
    """Accepted Fri 2026-02-13; the 14th (Sat) is a make-up workday, then Spring Festival."""
    clock.set(bj(2026, 2, 13, 11))
    cid = _file(client, people, core, submitted_at="2026-02-13T09:00:00+08:00")["id"]
    for action, at in (("register", "09:10"), ("accept", "10:00")):
        response = _act(client, people, "clerk", cid, action=action, at=f"2026-02-13T{at}:00+08:00")
        assert response.status_code == 200, response.text
    clock.set(bj(2026, 3, 2, 12))
    h = people.auth("handler")
    past = client.get(f"/api/v1/cases/{cid}?as_of=2026-02-25T12:00:00%2B08:00", headers=h).json()
    # Counted: 02-14 (make-up Sat), holiday 02-15..02-23, 02-24, 02-25 => 3.
    assert past["clock"]["elapsed"] == 3
    assert past["clock"]["started_on"] == "2026-02-13"
    assert past["state"] == "accepted"
    now = client.get(f"/api/v1/cases/{cid}", headers=h).json()
    # ... + 02-26, 02-27, 02-28 (make-up Sat), 03-02 => 7.
    assert now["clock"]["elapsed"] == 7
    assert now["clock"]["remaining"] == now["clock"]["limit"] - 7
    before = client.get(f"/api/v1/cases/{cid}?as_of=2026-02-13T09:05:00%2B08:00", headers=h)
    assert before.json()["state"] == "submitted"
    too_early = client.get(f"/api/v1/cases/{cid}?as_of=2026-01-01T00:00:00%2B08:00", headers=h)
    assert too_early.status_code == 422
    assert too_early.json()["errors"][0]["field"] == "as_of"


def _assert_problem(response: Any, status: int, field: str | None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = dict(response.json())
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    if field is not None:
        assert field in [e["field"] for e in body["errors"]]
    return body


def test_errors_are_problems_and_write_nothing(
    client: TestClient,
    people: People,
    core: CoreDeps,
    sessions: sessionmaker[Session],
) -> None:
    cid = _file(client, people, core)["id"]
    before = counts(sessions, cid)
    url = f"/api/v1/cases/{cid}/actions"
    _assert_problem(_act(client, people, "clerk", cid, action="accept"), 409, "action")
    _assert_problem(_act(client, people, "handler", cid, action="register"), 403, "action")
    _assert_problem(_act(client, people, "clerk", cid, action="fly"), 422, "action")
    _assert_problem(
        _act(client, people, "clerk", cid, action="register", colour="red"), 422, "colour"
    )
    future = _act(client, people, "clerk", cid, action="register", at="2026-03-02T09:05:00+08:00")
    _assert_problem(future, 422, "at")
    past = _act(client, people, "clerk", cid, action="register", at="2026-03-01T09:00:00+08:00")
    _assert_problem(past, 422, "at")
    naive = _act(client, people, "clerk", cid, action="register", at="2026-03-02T08:00:00")
    _assert_problem(naive, 422, "at")
    bad_json = client.post(
        url,
        content=b"{not json",
        headers={**people.auth("clerk"), "Content-Type": "application/json"},
    )
    _assert_problem(bad_json, 400, None)
    other = _act(client, people, "other_clerk", cid, action="register")
    _assert_problem(other, 404, "case_id")
    _assert_problem(client.post(url, json={"action": "register"}), 401, None)
    bad_token = client.post(
        url, json={"action": "register"}, headers={"Authorization": "Bearer nope"}
    )
    _assert_problem(bad_token, 401, None)
    assert counts(sessions, cid) == before


def test_unknown_item_and_bad_applicant(client: TestClient, people: People, core: CoreDeps) -> None:
    applicant = {"name": "张三", "id_number": "36010219900101123X"}
    body = {"item": "NO-SUCH-ITEM", "applicant": applicant}
    response = client.post("/api/v1/cases", json=body, headers=people.auth("applicant"))
    problem = _assert_problem(response, 404, "item")
    assert "NO-SUCH-ITEM" in problem["detail"]
    english = client.post(
        "/api/v1/cases", json=body, headers={**people.auth("applicant"), "Accept-Language": "en"}
    )
    assert english.json()["detail"].startswith("no approval item")
    item = item_in(core, people.department)
    body = {"item": item, "applicant": {"name": "", "id_number": "36010219900101123X"}}
    response = client.post("/api/v1/cases", json=body, headers=people.auth("applicant"))
    _assert_problem(response, 422, "applicant.name")
    body = {
        "item": item,
        "applicant": {"name": "张三", "id_number": "36010219900101123X"},
        "materials": ["NOT_THERE"],
    }
    response = client.post("/api/v1/cases", json=body, headers=people.auth("applicant"))
    _assert_problem(response, 422, "materials")
    listing = client.get("/api/v1/cases", headers=people.auth("admin")).json()
    assert listing["total"] == 0


def test_applicants_cannot_backdate_a_submission(
    client: TestClient, people: People, core: CoreDeps
) -> None:
    item = item_in(core, people.department)
    body = {
        "item": item,
        "applicant": {"name": "张三", "id_number": "36010219900101123X"},
        "submitted_at": "2026-01-05T09:00:00+08:00",
    }
    response = client.post("/api/v1/cases", json=body, headers=people.auth("applicant"))
    _assert_problem(response, 403, "submitted_at")


def test_applicants_see_only_their_own_cases(
    client: TestClient, people: People, core: CoreDeps
) -> None:
    mine = _file(client, people, core)["id"]
    _file(client, people, core, submitted_at="2026-03-02T08:00:00+08:00")  # a paper filing
    listing = client.get("/api/v1/cases", headers=people.auth("applicant")).json()
    assert [c["id"] for c in listing["items"]] == [mine]


def test_handlers_see_only_their_department(
    client: TestClient, people: People, core: CoreDeps
) -> None:
    cid = _file(client, people, core)["id"]
    mine = client.get("/api/v1/cases", headers=people.auth("handler")).json()
    theirs = client.get("/api/v1/cases", headers=people.auth("other_handler")).json()
    assert [c["id"] for c in mine["items"]] == [cid]
    assert theirs["total"] == 0
    response = client.get(f"/api/v1/cases/{cid}", headers=people.auth("other_handler"))
    _assert_problem(response, 404, "case_id")
    assert client.get(f"/api/v1/cases/{cid}", headers=people.auth("supervisor")).status_code == 200


def test_public_query_with_code_and_rate_limit(
    client: TestClient, people: People, core: CoreDeps, clock: FrozenClock
) -> None:
    created = _file(client, people, core)
    clock.advance(hours=1)
    _act(client, people, "clerk", created["id"], action="register")
    url = f"/api/v1/public/cases/{created['tracking_no']}"
    view = client.get(url, params={"code": created["query_code"].lower()})
    assert view.status_code == 200
    body = view.json()
    assert body["state"] == "registered"
    assert [s["action"] for s in body["steps"]] == ["submit", "register"]
    assert "actor" not in body["steps"][0]
    wrong = client.get(url, params={"code": "WRONG123"})
    unknown = client.get("/api/v1/public/cases/SL000", params={"code": created["query_code"]})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json()["detail"] == unknown.json()["detail"]
    for _ in range(10):
        client.get(url, params={"code": "WRONG123"})
    limited = client.get(url, params={"code": created["query_code"]})
    assert limited.status_code == 429


def test_items_catalogue_is_public(client: TestClient, core: CoreDeps) -> None:
    items = client.get("/api/v1/items").json()
    assert [i["code"] for i in items] == list(core.catalogue.items)
    first = items[0]
    one = client.get(f"/api/v1/items/{first['code']}").json()
    assert one == first
    for field in (
        "legal_basis",
        "materials",
        "flow",
        "time_limits",
        "fee",
        "department",
        "contact_phone",
        "supervision_phone",
    ):
        assert one[field], field
    _assert_problem(client.get("/api/v1/items/NOPE"), 404, "item")


def test_openapi_docs(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/api/v1/cases/{case_id}/actions" in spec["paths"]


@pytest.mark.parametrize("role", ["handler", "applicant"])
def test_system_endpoints_need_staff_roles(client: TestClient, people: People, role: str) -> None:
    _assert_problem(client.get("/api/v1/system/calendar", headers=people.auth(role)), 403, None)


def test_users_listing_and_creation(client: TestClient, people: People) -> None:
    handlers = client.get("/api/v1/users?role=handler", headers=people.auth("clerk")).json()
    assert {u["id"] for u in handlers} == {
        people.actors["handler"].user_id,
        people.actors["handler2"].user_id,
    }
    created = client.post(
        "/api/v1/users",
        json={"name": "新承办", "role": "handler", "department": people.department},
        headers=people.auth("admin"),
    )
    assert created.status_code == 201
    token = created.json()["token"]
    assert (
        client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )
    bad = client.post(
        "/api/v1/users",
        json={"name": "某人", "role": "wizard"},
        headers=people.auth("admin"),
    )
    _assert_problem(bad, 422, "role")
    _assert_problem(
        client.post(
            "/api/v1/users", json={"name": "x", "role": "admin"}, headers=people.auth("head")
        ),
        403,
        None,
    )
