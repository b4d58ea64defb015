"""事后监察 through the API: ratings with follow-up, complaints that escalate, remedies."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from approval_core.aftercare.models import Complaint, Rating, Remedy
from approval_core.context import CoreDeps
from tests.conftest import FrozenClock, People
from tests.metrics.support import scrape, value
from tests.support import bj, item_in, mandatory_materials

PROBLEM = "application/problem+json"
_WALK: list[tuple[str, dict[str, Any]]] = [
    ("clerk", {"action": "register"}),
    ("clerk", {"action": "accept"}),
    ("clerk", {"action": "assign"}),
    ("handler", {"action": "handle"}),
    ("reviewer", {"action": "review"}),
    ("head", {"action": "conclude", "decision": "approved", "decision_no": "赣司〔2026〕9号"}),
]


def _file(client: TestClient, people: People, core: CoreDeps) -> dict[str, Any]:
    item = item_in(core, people.department)
    body = {
        "item": item,
        "applicant": {"name": "张三", "id_number": "36010219900101123X", "phone": "13800000000"},
        "materials": mandatory_materials(core, item),
    }
    response = client.post("/api/v1/cases", json=body, headers=people.auth("applicant"))
    assert response.status_code == 201, response.text
    return dict(response.json())


def _conclude(client: TestClient, people: People, clock: FrozenClock, case_id: str) -> None:
    for who, body in _WALK:
        clock.advance(hours=1)
        if body["action"] == "assign":
            body = {**body, "assignee": people.actors["handler"].user_id}
        url = f"/api/v1/cases/{case_id}/actions"
        response = client.post(url, json=body, headers=people.auth(who))
        assert response.status_code == 200, response.text


def _count(sessions: sessionmaker[Session], model: Any) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _alerts(client: TestClient, people: People, **query: str) -> list[dict[str, Any]]:
    response = client.get("/api/v1/alerts", params=query, headers=people.auth("supervisor"))
    assert response.status_code == 200, response.text
    return list(response.json())


def test_negative_rating_opens_a_follow_up_that_is_answered(
    client: TestClient, people: People, core: CoreDeps, clock: FrozenClock
) -> None:
    clock.set(bj(2026, 3, 2, 9))  # Monday
    created = _file(client, people, core)
    cid, number, code = created["id"], created["tracking_no"], created["query_code"]
    url = f"/api/v1/public/cases/{number}/rating"
    early = client.post(url, params={"code": code}, json={"level": "满意"})
    assert early.status_code == 409, early.text  # not concluded yet
    _conclude(client, people, clock, cid)
    rated = client.post(url, params={"code": code}, json={"level": "不满意", "comment": "太慢"})
    assert rated.status_code == 201, rated.text
    assert rated.json()["negative"] is True
    assert rated.json()["follow_up"] is True
    follow = [
        a for a in _alerts(client, people, case_id=cid) if a["rule_id"] == "POST-RATING-NEGATIVE"
    ]
    assert len(follow) == 1
    assert follow[0]["status"] == "open"
    assert follow[0]["level"] == "anomaly"
    by_rule = value(
        scrape(client), "sunlight_open_alerts_by_rule", rule="POST-RATING-NEGATIVE", level="anomaly"
    )
    assert by_rule == 1.0
    again = client.post(url, params={"code": code}, json={"level": "非常满意"})
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM
    assert again.json()["errors"][0]["field"] == "case_id"
    answer = {"response": "已回访申请人，整改窗口流程 / called the applicant back, fixed the flow"}
    responded = client.post(
        f"/api/v1/alerts/{follow[0]['id']}/respond", json=answer, headers=people.auth("head")
    )
    assert responded.status_code == 200, responded.text
    assert responded.json()["status"] == "responded"
    aftercare = client.get(f"/api/v1/cases/{cid}/aftercare", headers=people.auth("head")).json()
    assert aftercare["rating"]["level"] == "不满意"


def test_satisfied_rating_by_token_opens_nothing_and_bad_level_writes_nothing(
    client: TestClient,
    people: People,
    core: CoreDeps,
    clock: FrozenClock,
    sessions: sessionmaker[Session],
) -> None:
    clock.set(bj(2026, 3, 2, 9))
    cid = _file(client, people, core)["id"]
    _conclude(client, people, clock, cid)
    url = f"/api/v1/cases/{cid}/rating"
    bad = client.post(url, json={"level": "还行"}, headers=people.auth("applicant"))
    assert bad.status_code == 422
    assert bad.headers["content-type"] == PROBLEM
    assert [e["field"] for e in bad.json()["errors"]] == ["level"]
    assert _count(sessions, Rating) == 0
    staff = client.post(url, json={"level": "满意"}, headers=people.auth("head"))
    assert staff.status_code == 403
    good = client.post(url, json={"level": "非常满意"}, headers=people.auth("applicant"))
    assert good.status_code == 201, good.text
    assert good.json()["follow_up"] is False
    rules = {a["rule_id"] for a in _alerts(client, people, case_id=cid)}
    assert "POST-RATING-NEGATIVE" not in rules


def test_complaint_past_its_limit_escalates_across_the_labour_day_holiday(
    client: TestClient, people: People, clock: FrozenClock
) -> None:
    """Received Wed 2026-04-29 (not counted): Thu 30 is day 1, 1-5 May is the holiday, Wed 6,
    Thu 7, Fri 8 are days 2-4 and Sat 9 (a make-up workday) is day 5, the last day. Sun 10 is
    off, so the first overdue working day is Mon 11 May."""
    clock.set(bj(2026, 4, 29, 10))
    body = {
        "channel": "phone",
        "complainant": "李四",
        "contact": "13900000000",
        "content": "窗口拒收材料未说明理由 / the window refused papers without reason",
        "department": people.department,
    }
    filed = client.post("/api/v1/complaints", json=body, headers=people.auth("clerk"))
    assert filed.status_code == 201, filed.text
    complaint = filed.json()
    assert complaint["accept_due"] == "2026-05-09"
    assert complaint["status"] == "registered"
    rules = [a["rule_id"] for a in _alerts(client, people, department=people.department)]
    assert "POST-COMPLAINT-RECEIVED" in rules
    check = "/api/v1/complaints/check"
    for moment in (bj(2026, 5, 9, 17), bj(2026, 5, 10, 17)):
        clock.set(moment)
        assert client.post(check, headers=people.auth("supervisor")).status_code == 200
        assert not _alerts(client, people, level="red")
    clock.set(bj(2026, 5, 11, 9))
    assert client.post(check, headers=people.auth("supervisor")).json()["matched"] == 1
    red = _alerts(client, people, level="red")
    assert [a["rule_id"] for a in red] == ["POST-COMPLAINT-OVERDUE"]
    assert "超过受理期限 1 个工作日" in red[0]["message_zh"]
    client.post(check, headers=people.auth("supervisor"))
    assert len(_alerts(client, people, level="red")) == 1  # one cause, one card
    seen = client.get(f"/api/v1/complaints/{complaint['id']}", headers=people.auth("head"))
    assert seen.json()["overdue_days"] == 1


def test_refused_complaints_write_nothing(
    client: TestClient,
    people: People,
    core: CoreDeps,
    clock: FrozenClock,
    sessions: sessionmaker[Session],
) -> None:
    clock.set(bj(2026, 3, 2, 9))
    cid = _file(client, people, core)["id"]
    online = {"channel": "online", "complainant": "张三", "content": "办理太慢", "case_id": cid}
    letter = {**online, "channel": "letter"}
    refused = client.post("/api/v1/complaints", json=letter, headers=people.auth("applicant"))
    assert refused.status_code == 403  # letters are recorded by staff
    fax = {**online, "channel": "fax"}
    bad = client.post("/api/v1/complaints", json=fax, headers=people.auth("applicant"))
    assert bad.status_code == 422
    assert bad.headers["content-type"] == PROBLEM
    assert [e["field"] for e in bad.json()["errors"]] == ["channel"]
    nowhere = {**online, "case_id": None, "department": "NO-SUCH-DIV"}
    unknown = client.post("/api/v1/complaints", json=nowhere, headers=people.auth("clerk"))
    assert unknown.json()["errors"][0]["field"] == "department"
    assert _count(sessions, Complaint) == 0


def test_complaint_steps_are_recorded(
    client: TestClient, people: People, core: CoreDeps, clock: FrozenClock
) -> None:
    clock.set(bj(2026, 3, 2, 9))
    cid = _file(client, people, core)["id"]
    online = {"channel": "online", "complainant": "张三", "content": "办理太慢", "case_id": cid}
    filed = client.post("/api/v1/complaints", json=online, headers=people.auth("applicant"))
    assert filed.status_code == 201, filed.text
    url = f"/api/v1/complaints/{filed.json()['id']}/steps"
    early = client.post(url, json={"action": "conclude"}, headers=people.auth("head"))
    assert early.status_code == 409  # not accepted yet
    for body in ({"action": "accept"}, {"action": "handle", "note": "调阅卷宗"}):
        assert client.post(url, json=body, headers=people.auth("head")).status_code == 200
    missing = client.post(url, json={"action": "conclude"}, headers=people.auth("head"))
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "outcome"
    outcome = {"action": "conclude", "outcome": "情况属实，已督促整改"}
    done = client.post(url, json=outcome, headers=people.auth("head"))
    assert done.status_code == 200
    steps = [s["action"] for s in done.json()["steps"]]
    assert steps == ["register", "accept", "handle", "conclude"]
    listed = client.get(f"/api/v1/cases/{cid}/aftercare", headers=people.auth("head")).json()
    assert listed["complaints"][0]["status"] == "concluded"


_REVIEW = {
    "kind": "reconsideration",
    "reference": "赣府复〔2026〕3号",
    "body": "江西省人民政府",
    "filed_on": "2026-03-10",
}
_SUIT = {**_REVIEW, "kind": "litigation", "reference": "(2026)赣01行初5号", "body": "南昌中院"}
_PAY = {**_REVIEW, "kind": "compensation", "reference": "赔〔2026〕1号", "body": "省司法厅"}


def _concluded_case(client: TestClient, people: People, core: CoreDeps, clock: FrozenClock) -> str:
    clock.set(bj(2026, 3, 2, 9))
    cid = str(_file(client, people, core)["id"])
    _conclude(client, people, clock, cid)
    return cid


def test_reconsideration_litigation_and_compensation_records(
    client: TestClient, people: People, core: CoreDeps, clock: FrozenClock
) -> None:
    url = f"/api/v1/cases/{_concluded_case(client, people, core, clock)}/remedies"
    made = client.post(url, json=_REVIEW, headers=people.auth("supervisor"))
    assert made.status_code == 201, made.text
    decided = client.post(
        f"{url}/{made.json()['id']}/outcome",
        json={"outcome": "revoked", "decided_on": "2026-05-06"},
        headers=people.auth("supervisor"),
    )
    assert decided.status_code == 200, decided.text
    suit = {**_SUIT, "outcome": "confirmed_illegal", "decided_on": "2026-06-01"}
    assert client.post(url, json=suit, headers=people.auth("head")).status_code == 201
    pay = {**_PAY, "outcome": "compensated", "decided_on": "2026-06-20", "amount": "12000.50"}
    assert client.post(url, json=pay, headers=people.auth("head")).status_code == 201
    listed = client.get(url.replace("remedies", "aftercare"), headers=people.auth("head")).json()
    outcomes = [(r["kind"], r["outcome"], r["amount"]) for r in listed["remedies"]]
    assert outcomes == [
        ("reconsideration", "revoked", None),
        ("litigation", "confirmed_illegal", None),
        ("compensation", "compensated", "12000.50"),
    ]


def test_refused_remedies_name_the_field_and_write_nothing(
    client: TestClient,
    people: People,
    core: CoreDeps,
    clock: FrozenClock,
    sessions: sessionmaker[Session],
) -> None:
    url = f"/api/v1/cases/{_concluded_case(client, people, core, clock)}/remedies"
    pay = {**_PAY, "outcome": "compensated", "decided_on": "2026-06-20"}
    no_amount = client.post(url, json=pay, headers=people.auth("head"))
    assert no_amount.status_code == 422
    assert no_amount.headers["content-type"] == PROBLEM
    assert no_amount.json()["errors"][0]["field"] == "amount"
    backwards = {**_SUIT, "outcome": "kept", "decided_on": "2026-01-01"}
    early = client.post(url, json=backwards, headers=people.auth("head"))
    assert early.json()["errors"][0]["field"] == "decided_on"
    bad_kind = client.post(url, json={**_REVIEW, "kind": "appeal"}, headers=people.auth("head"))
    assert [e["field"] for e in bad_kind.json()["errors"]] == ["kind"]
    handler = client.post(url, json=_REVIEW, headers=people.auth("handler"))
    assert handler.status_code == 403
    assert _count(sessions, Remedy) == 0
