"""Errors people can act on: a sample of bad requests, each answered fully in Chinese by default
and fully in English with Accept-Language: en, naming the field and what is expected."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from approval_core.context import CoreDeps
from tests.conftest import FrozenClock, People
from tests.support import bj, item_in, mandatory_materials

CJK = re.compile("[\u4e00-\u9fff]")
# English words pydantic and the domain errors use; none may appear in a Chinese answer.
ENGLISH = re.compile(
    r"\b(field|required|must|should|input|valid|invalid|expected|allowed|may|not|the)\b", re.I
)
VALID_ID = "36010219900101123X"


def _person(**changes: Any) -> dict[str, Any]:
    return {"name": "张三", "id_number": VALID_ID, "phone": "13800000000", **changes}


def _organisation(**changes: Any) -> dict[str, Any]:
    return {
        "kind": "organisation",
        "name": "江西明理律师事务所",
        "credit_code": "31360000MD0100012R",
        "legal_representative": {"name": "郑明理", "id_number": VALID_ID},
        **changes,
    }


Send = Callable[[dict[str, str]], Response]


class Bad:
    """One bad request: how to send it, the field at fault, the status and texts expected."""

    def __init__(
        self, field: str, status: int, zh: str, en: str, send: Callable[..., Response]
    ) -> None:
        self.field, self.status, self.zh, self.en, self.send = field, status, zh, en, send


def _submit(client: TestClient, people: People, core: CoreDeps, **body: Any) -> Send:
    item = item_in(core, people.department)
    full = {"item": item, "materials": mandatory_materials(core, item), **body}

    def send(headers: dict[str, str]) -> Response:
        auth = {**people.auth("applicant"), **headers}
        answer: Response = client.post("/api/v1/cases", json=full, headers=auth)
        return answer

    return send


def _action(client: TestClient, people: People, case_id: str, who: str, **body: Any) -> Send:
    def send(headers: dict[str, str]) -> Response:
        url = f"/api/v1/cases/{case_id}/actions"
        answer: Response = client.post(url, json=body, headers={**people.auth(who), **headers})
        return answer

    return send


def _samples(client: TestClient, people: People, core: CoreDeps, case_id: str) -> list[Bad]:
    submit = _submit
    return [
        Bad(
            "applicant",
            422,
            "缺少必填字段 applicant",
            "applicant is required",
            submit(client, people, core),
        ),
        Bad(
            "expected_days",
            422,
            "expected_days 应为整数",
            "expected_days must be a whole number",
            _action(client, people, case_id, "handler", action="stop", expected_days="ten"),
        ),
        Bad(
            "at",
            422,
            "at 必须带时区，例如 2026-03-02T09:00:00+08:00",
            "at must be a date and time with its offset, e.g. 2026-03-02T09:00:00+08:00",
            _action(client, people, case_id, "clerk", action="register", at="2026-03-02T09:00:00"),
        ),
        Bad(
            "action",
            422,
            "action 应为以下之一：",
            "action must be one of 'register'",
            _action(client, people, case_id, "clerk", action="approve_everything"),
        ),
        Bad(
            "applicant.id_number",
            422,
            "applicant.id_number：校验位应为 X，而不是 4，请核对号码",
            "applicant.id_number: the check character should be X, not 4: check the number",
            submit(client, people, core, applicant=_person(id_number="360102199001011234")),
        ),
        Bad(
            "applicant.credit_code",
            422,
            "applicant.credit_code：校验位应为 R，而不是 T",
            "applicant.credit_code: the check character should be R, not T",
            submit(client, people, core, applicant=_organisation(credit_code="31360000MD0100012T")),
        ),
        Bad(
            "applicant.phone",
            422,
            "applicant.phone：应为手机号（11 位，如 13800138000）或座机号",
            "applicant.phone: must be a mobile number (11 digits, e.g. 13800138000)",
            submit(client, people, core, applicant=_person(phone="1380013800")),
        ),
        Bad(
            "applicant.legal_representative",
            422,
            "单位申请须填写 applicant.legal_representative",
            "applicant.legal_representative is required for an organisation",
            submit(client, people, core, applicant=_organisation(legal_representative=None)),
        ),
        Bad(
            "action",
            403,
            "角色 承办人（handler） 无权执行操作 登记（register）；可执行的角色："
            "窗口受理人员（clerk）、系统管理员（admin）",
            "role 'handler' may not register; allowed: clerk, admin",
            _action(client, people, case_id, "handler", action="register"),
        ),
        Bad(
            "materials",
            422,
            "materials 应为列表（JSON 数组，如 [...]）",
            "materials must be a list ([...])",
            submit(client, people, core, applicant=_person(), materials="APPLICATION"),
        ),
    ]


def _problem(answer: Response, bad: Bad) -> dict[str, Any]:
    assert answer.status_code == bad.status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = answer.json()
    assert [e["field"] for e in problem["errors"]] == [bad.field], problem
    return problem


def _no_english(text: str) -> None:
    assert CJK.search(text), text
    assert not ENGLISH.search(text), text


@pytest.mark.parametrize("index", range(10))
def test_a_bad_request_is_answered_in_chinese_by_default_and_in_english_on_request(
    client: TestClient, people: People, core: CoreDeps, clock: FrozenClock, index: int
) -> None:
    clock.set(bj(2026, 3, 2, 9))
    item = item_in(core, people.department)
    body = {"item": item, "applicant": _person(), "materials": mandatory_materials(core, item)}
    filed = client.post("/api/v1/cases", json=body, headers=people.auth("applicant"))
    assert filed.status_code == 201, filed.text
    bad = _samples(client, people, core, filed.json()["id"])[index]

    chinese = _problem(bad.send({}), bad)
    assert bad.zh in chinese["detail"]
    if bad.status == 422:  # a refusal for the role names the role and the action instead
        assert bad.field in chinese["detail"]
    for text in (chinese["title"], chinese["detail"], chinese["errors"][0]["message"]):
        _no_english(text)
    assert chinese["errors"][0]["message"] == chinese["errors"][0]["message_zh"]

    english = _problem(bad.send({"Accept-Language": "en"}), bad)
    assert bad.en in english["detail"]
    if bad.status == 422:
        assert bad.field in english["detail"]
    for text in (english["title"], english["detail"], english["errors"][0]["message"]):
        assert not CJK.search(text), text
    assert english["errors"][0]["message"] == english["errors"][0]["message_en"]
    assert english["errors"][0]["message_zh"] == chinese["errors"][0]["message_zh"]


def test_several_errors_are_each_named_in_the_detail(
    client: TestClient, people: People, core: CoreDeps
) -> None:
    body = {"item": item_in(core, people.department), "applicant": {"phone": "12"}}
    answer = client.post("/api/v1/cases", json=body, headers=people.auth("applicant"))
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert {e["field"] for e in problem["errors"]} == {"applicant.name", "applicant.phone"}
    assert problem["detail"].startswith("2 处输入有误：")
    assert "缺少必填字段 applicant.name" in problem["detail"]
    assert "applicant.phone：应为手机号" in problem["detail"]
    _no_english(problem["detail"])


def test_the_framework_and_router_texts_are_chinese_too(client: TestClient) -> None:
    answer = client.get("/api/v1/public/cases/SL000?code=WRONG")
    assert answer.status_code == 404
    assert answer.json()["detail"] == "没有与该受理编号和查询码对应的案件，请核对后重试"
    no_token = client.get("/api/v1/cases").json()
    assert no_token["detail"].startswith("未登录")
    english = client.get("/api/v1/cases", headers={"Accept-Language": "en"}).json()
    assert english["detail"] == "missing bearer token"


def test_an_e_mail_address_and_an_unknown_field_are_explained_in_chinese(
    client: TestClient, people: People, core: CoreDeps
) -> None:
    send = _submit(client, people, core, applicant=_person(email="zhangsan"), extra=1)
    problem = send({}).json()
    messages = {e["field"]: e["message"] for e in problem["errors"]}
    assert messages == {
        "applicant.email": "applicant.email 应为有效的电子邮箱地址，如 zhang.san@example.cn",
        "extra": "不认识的字段 extra，请删除或检查拼写",
    }
    english = send({"Accept-Language": "en"}).json()
    assert {e["field"]: e["message"] for e in english["errors"]} == {
        "applicant.email": "applicant.email must be a valid e-mail address, e.g. "
        "zhang.san@example.cn",
        "extra": "extra is not a known field: remove it or check its spelling",
    }
