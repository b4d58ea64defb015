"""Bad input of every class is a 422 problem naming the field, and writes nothing: ids out of
the database's range, moments without offset or outside the work calendar's years, strings
with NUL or other control characters (in path, query and body), a sweep in the future."""

from __future__ import annotations

import json
import pkgutil
from collections.abc import Sequence
from datetime import timedelta
from importlib import import_module
from typing import Annotated, Any, get_args, get_origin

import pytest
from click.testing import CliRunner
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api import routers
from api.cli import main
from approval_core.cases.models import Case
from approval_core.context import CoreDeps
from approval_core.inputs import FIRST_YEAR, LAST_YEAR, Line, Text
from approval_core.settings import get_settings
from approval_core.timeutil import utcnow
from tests.conftest import KEY, RULES, FrozenClock, People
from tests.security.support import BIG, assert_problem, file_case, nothing_written
from tests.support import item_in, mandatory_materials


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("get", f"/api/v1/alerts/{BIG}", "alert_id"),
        ("get", "/api/v1/alerts/-1", "alert_id"),
        ("get", "/api/v1/alerts/0", "alert_id"),
        ("post", f"/api/v1/alerts/{10**30}/ack", "alert_id"),
        ("get", f"/api/v1/complaints/{BIG}", "complaint_id"),
        ("get", f"/api/v1/users/{BIG}/contacts", "user_id"),
        ("delete", f"/api/v1/users/1/contacts/{BIG}", "contact_id"),
        ("post", f"/api/v1/inbox/{BIG}/read", "message_id"),
        ("post", f"/api/v1/notifications/deliveries/{BIG}/replay", "delivery_id"),
        ("get", f"/api/v1/notifications/deliveries?alert_id={BIG}", "alert_id"),
        ("get", f"/api/v1/cases?offset={BIG}", "offset"),
        ("get", "/api/v1/cases?offset=-1", "offset"),
    ],
)
def test_an_id_out_of_range_in_path_or_query(
    client: TestClient,
    people: People,
    sessions: sessionmaker[Session],
    method: str,
    path: str,
    field: str,
) -> None:
    with nothing_written(sessions):
        answer = client.request(method, path, headers=people.auth("admin"))
    problem = assert_problem(answer, 422, field)
    assert "超出范围" in problem["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "assign", "assignee": BIG}, "assignee"),
        ({"action": "assign", "assignee": -3}, "assignee"),
        ({"action": "register", "actor": 10**40}, "actor"),
    ],
)
def test_an_id_out_of_range_in_a_body(
    client: TestClient,
    people: People,
    core: CoreDeps,
    sessions: sessionmaker[Session],
    body: dict[str, Any],
    field: str,
) -> None:
    case = file_case(client, people, core)
    with nothing_written(sessions):
        answer = client.post(
            f"/api/v1/cases/{case['id']}/actions", json=body, headers=people.auth("admin")
        )
    assert_problem(answer, 422, field)
    remedy = {"outcome": "kept", "decided_on": "2026-03-01"}
    with nothing_written(sessions):
        answer = client.post(
            f"/api/v1/cases/{case['id']}/remedies/{BIG}/outcome",
            json=remedy,
            headers=people.auth("admin"),
        )
    assert_problem(answer, 422, "remedy_id")


OUT_OF_CALENDAR = [
    "0001-01-01T00:00:00+00:00",
    "9999-12-31T23:59:59-12:00",
    f"{FIRST_YEAR - 1}-12-31T12:00:00+08:00",
    f"{LAST_YEAR + 1}-01-01T00:00:00+08:00",
    f"{LAST_YEAR}-12-31T20:00:00-08:00",  # a legal (Beijing) date in the year after
]


@pytest.mark.parametrize("moment", OUT_OF_CALENDAR)
def test_a_moment_outside_the_calendar_in_a_query(
    client: TestClient,
    people: People,
    core: CoreDeps,
    sessions: sessionmaker[Session],
    moment: str,
) -> None:
    case = file_case(client, people, core)
    queries = [
        ("get", f"/api/v1/cases/{case['id']}", "as_of", "head"),
        ("get", "/api/v1/alerts", "since", "supervisor"),
        ("get", "/api/v1/alerts", "until", "supervisor"),
        ("post", "/api/v1/supervision/sweep", "as_of", "admin"),
    ]
    for method, path, field, who in queries:
        with nothing_written(sessions):
            answer = client.request(method, path, params={field: moment}, headers=people.auth(who))
        problem = assert_problem(answer, 422, field)
        assert problem["detail"] == f"{field} 的年份须在 {FIRST_YEAR}–{LAST_YEAR} 之间"


def test_the_calendar_edges_are_accepted(
    client: TestClient, people: People, core: CoreDeps
) -> None:
    case = file_case(client, people, core)
    first, last = f"{FIRST_YEAR}-01-01T00:00:00+08:00", f"{LAST_YEAR}-12-31T23:59:59+08:00"
    for path, field, moment, who in (
        (f"/api/v1/cases/{case['id']}", "as_of", last, "head"),
        ("/api/v1/alerts", "since", first, "supervisor"),
        ("/api/v1/alerts", "until", last, "supervisor"),
    ):
        answer = client.get(path, params={field: moment}, headers=people.auth(who))
        assert answer.status_code == 200, answer.text
    sweep = client.post(
        "/api/v1/supervision/sweep", params={"as_of": first}, headers=people.auth("admin")
    )
    assert sweep.status_code == 200, sweep.text


def test_a_moment_or_day_outside_the_calendar_in_a_body(
    client: TestClient, people: People, core: CoreDeps, sessions: sessionmaker[Session]
) -> None:
    item = item_in(core, people.department)
    submit = {
        "item": item,
        "applicant": {"name": "张三", "id_number": "36010219900101123X"},
        "materials": mandatory_materials(core, item),
        "submitted_at": "0001-01-01T00:00:00+08:00",
    }
    with nothing_written(sessions):
        answer = client.post("/api/v1/cases", json=submit, headers=people.auth("applicant"))
    assert_problem(answer, 422, "submitted_at")
    case = file_case(client, people, core)
    attempts = [
        (f"/api/v1/cases/{case['id']}/actions", {"action": "register", "at": OUT_OF_CALENDAR[1]}),
        (
            f"/api/v1/cases/{case['id']}/remedies",
            {"kind": "reconsideration", "reference": "赣司复〔2026〕1号", "body": "省政府"}
            | {"filed_on": "0001-01-01"},
        ),
        ("/api/v1/policy/backtest", {"from": "0001-01-01"}),
        ("/api/v1/policy/backtest", {"to": "9999-12-31"}),
    ]
    fields = ["at", "filed_on", "from", "to"]
    for (path, body), field in zip(attempts, fields, strict=True):
        with nothing_written(sessions):
            answer = client.post(path, json=body, headers=people.auth("admin"))
        assert_problem(answer, 422, field)


def test_a_moment_without_offset_in_a_body(
    client: TestClient, people: People, core: CoreDeps, sessions: sessionmaker[Session]
) -> None:
    case = file_case(client, people, core)
    with nothing_written(sessions):
        answer = client.post(
            f"/api/v1/cases/{case['id']}/actions",
            json={"action": "register", "at": "2026-03-02T09:00:00"},
            headers=people.auth("clerk"),
        )
    problem = assert_problem(answer, 422, "at")
    assert problem["detail"] == "at 必须带时区，例如 2026-03-02T09:00:00+08:00"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/cases/abc%00def", "case_id"),
        ("/api/v1/cases?state=%00", "state"),
        ("/api/v1/cases?item=A%09B", "item"),  # no free text in a query: a tab is refused too
        ("/api/v1/items/%01", "code"),
        ("/api/v1/public/cases/SL%00?code=1", "tracking_no"),
        ("/api/v1/public/cases/SL1?code=1%00", "code"),
        ("/api/v1/receipts/verify/AB%7FCD", "code"),
        ("/api/v1/policy/versions/v%00/files/a.yaml", "version"),
        ("/api/v1/alerts?level=%1B", "level"),
    ],
)
def test_a_control_character_in_path_or_query(
    client: TestClient, people: People, sessions: sessionmaker[Session], path: str, field: str
) -> None:
    with nothing_written(sessions):
        answer = client.get(path, headers=people.auth("admin"))
    problem = assert_problem(answer, 422, field)
    assert problem["detail"] == f"{field} 不能包含控制字符"


def _submit(core: CoreDeps, people: People, **applicant: str) -> dict[str, Any]:
    item = item_in(core, people.department)
    return {
        "item": item,
        "applicant": {"name": "张三", "id_number": "36010219900101123X"} | applicant,
        "materials": mandatory_materials(core, item),
    }


def test_a_control_character_in_a_body(
    client: TestClient, people: People, core: CoreDeps, sessions: sessionmaker[Session]
) -> None:
    case = file_case(client, people, core)
    complaint = {"channel": "phone", "complainant": "李四", "content": "…"}
    attempts: list[tuple[str, str, str, dict[str, Any]]] = [
        ("applicant", "/api/v1/cases", "applicant.name", _submit(core, people, name="张\x00三")),
        ("applicant", "/api/v1/cases", "applicant.name", _submit(core, people, name="张\n三")),
        ("applicant", "/api/v1/cases", "applicant.phone", _submit(core, people, phone="138\x07")),
        ("applicant", "/api/v1/cases", "item", {**_submit(core, people), "item": "A\x00"}),
        (
            "applicant",
            "/api/v1/cases",
            "materials.0",
            {**_submit(core, people), "materials": ["APPLICATION\x00"]},
        ),
        (
            "clerk",
            f"/api/v1/cases/{case['id']}/actions",
            "reason",
            {"action": "register", "reason": "a\x00b"},
        ),
        ("clerk", "/api/v1/complaints", "content", {**complaint, "content": "投诉\x1b[31m"}),
        ("clerk", "/api/v1/complaints", "complainant", {**complaint, "complainant": "李\t四"}),
        ("admin", "/api/v1/users", "name", {"name": "王\x00五", "role": "clerk"}),
        ("supervisor", "/api/v1/alerts/1/remove", "reason", {"reason": "\x00"}),
        ("admin", "/api/v1/policy/backtest", "rules_files", {"rules_files": {"a.yaml": "\x00"}}),
    ]
    for who, path, field, body in attempts:
        with nothing_written(sessions):
            answer = client.post(path, json=body, headers=people.auth(who))
        problem = assert_problem(answer, 422, field)
        assert "控制字符" in problem["detail"]


def test_a_lone_surrogate_is_refused_like_a_control_character(
    client: TestClient, people: People, core: CoreDeps, sessions: sessionmaker[Session]
) -> None:
    """JSON can carry "\\ud800", which no database encoding stores."""
    text = json.dumps(_submit(core, people), ensure_ascii=False)
    assert '"张三"' in text
    text = text.replace('"张三"', '"\\ud800"')
    headers = {**people.auth("applicant"), "Content-Type": "application/json"}
    with nothing_written(sessions):
        answer = client.post("/api/v1/cases", content=text.encode(), headers=headers)
    assert_problem(answer, 422, "applicant.name")


def test_free_text_keeps_its_line_breaks_and_tabs(
    client: TestClient, people: People, sessions: sessionmaker[Session]
) -> None:
    del sessions  # (clean-up)
    body = {"channel": "phone", "complainant": "李四", "content": "第一行\r\n\t第二行"}
    body |= {"department": people.department}
    answer = client.post("/api/v1/complaints", json=body, headers=people.auth("clerk"))
    assert answer.status_code == 201, answer.text
    stored = client.get(f"/api/v1/complaints/{answer.json()['id']}", headers=people.auth("head"))
    assert stored.json()["content"] == "第一行\r\n\t第二行"


def _next_looks(sessions: sessionmaker[Session]) -> list[Any]:
    with sessions() as session:
        return list(session.scalars(select(Case.next_due_at).order_by(Case.id)))


def test_a_sweep_in_the_future_is_refused_and_writes_nothing(
    client: TestClient,
    people: People,
    core: CoreDeps,
    clock: FrozenClock,
    sessions: sessionmaker[Session],
) -> None:
    file_case(client, people, core)
    looks = _next_looks(sessions)
    ahead = (clock() + timedelta(days=40)).isoformat()  # the case would be long overdue
    with nothing_written(sessions):
        answer = client.post(
            "/api/v1/supervision/sweep", params={"as_of": ahead}, headers=people.auth("admin")
        )
    problem = assert_problem(answer, 422, "as_of")
    assert "as_of" in problem["detail"]
    assert _next_looks(sessions) == looks
    now = client.post(
        "/api/v1/supervision/sweep",
        params={"as_of": clock().isoformat()},
        headers=people.auth("admin"),
    )
    assert now.status_code == 200, now.text


def test_the_cli_sweep_refuses_the_future_and_sweeps_the_past(
    monkeypatch: pytest.MonkeyPatch, db_url: str, sessions: sessionmaker[Session]
) -> None:
    for name, value in {
        "SUNLIGHT_DATABASE_URL": db_url,
        "SUNLIGHT_SECRET_KEY": KEY,
        "SUNLIGHT_RULES_DIR": str(RULES),
        "SUNLIGHT_ENGINE_MODE": "python",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        ahead = (utcnow() + timedelta(days=1)).isoformat()
        with nothing_written(sessions):
            refused = runner.invoke(main, ["sweep", "--as-of", ahead])
        assert refused.exit_code == 2, refused.output
        assert "as_of" in refused.output
        assert "--as-of" in refused.output
        beyond = runner.invoke(main, ["sweep", "--as-of", f"{LAST_YEAR + 1}-01-01T00:00"])
        assert beyond.exit_code == 2
        assert f"{FIRST_YEAR} and {LAST_YEAR}" in beyond.output
        past = runner.invoke(main, ["sweep", "--as-of", "2026-03-02T09:00:00+08:00"])
        assert past.exit_code == 0, past.output
        assert json.loads(past.output.splitlines()[-1])["judged"] == 0
    finally:
        get_settings.cache_clear()


def _unguarded(annotation: Any, metadata: Sequence[Any], where: str) -> list[str]:
    """The places under `annotation` where a string is taken without `Line` or `Text`."""
    if get_origin(annotation) is Annotated:
        inner, *extra = get_args(annotation)
        return _unguarded(inner, [*metadata, *extra], where)
    if annotation is str:
        guarded = any(getattr(m, "func", None) in GUARDS for m in metadata)
        return [] if guarded else [where]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [
            place
            for name, info in annotation.model_fields.items()
            for place in _unguarded(info.annotation, info.metadata, f"{annotation.__name__}.{name}")
        ]
    return [place for arg in get_args(annotation) for place in _unguarded(arg, [], where)]


GUARDS = {get_args(Line)[1].func, get_args(Text)[1].func}


def test_every_string_of_every_body_is_line_or_text() -> None:
    """A new field typed `str` would let a NUL through to the database: use `Line` or `Text`."""
    modules = [
        import_module(f"api.routers.{m.name}") for m in pkgutil.iter_modules(routers.__path__)
    ]
    routes = [r for m in modules if hasattr(m, "router") for r in m.router.routes]
    bodies = [r.body_field for r in routes if isinstance(r, APIRoute) and r.body_field]
    assert len(bodies) >= 12
    found = [p for b in bodies for p in _unguarded(b.field_info.annotation, [], b.name)]
    assert found == []
