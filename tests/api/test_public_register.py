"""The public register (行政许可法 Art. 40) through the API, without a token: licences granted
and their holders, searchable and paginated; no identity numbers; service items never listed."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from approval_core.cases import service as cases
from approval_core.cases.schemas import Applicant, SubmitCommand
from approval_core.context import CoreDeps
from tests.conftest import FrozenClock, People
from tests.support import act, bj, mandatory_materials

LAWYER = "LAWYER-PRACTICE"
FIRM = "LAWFIRM-ESTABLISH"
# Valid GB 11643 numbers (check digits computed by the standard's weights).
ID_NUMBERS = {
    "赵一": "36010219900101123X",
    "钱二": "11010119900307707X",
    "孙三": "11010119900307977X",
    "李四": "110101199003073933",
    "江西明理律师事务所": "110101199003071292",
}
ZHAO_NO = "赣司律〔2026〕1号"
DENY = {"reason": "不符合条件", "legal_basis": "《中华人民共和国律师法》第七条"}


def _decide(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    item: str,
    name: str,
    day: int,
    decision: str = "approved",
    **fields: Any,
) -> str:
    """A case of `item` filed by `name`, accepted and decided on 2026-03-`day` at 10:00."""
    admin = people.actors["admin"]
    command = SubmitCommand(
        item=item,
        applicant=Applicant(name=name, id_number=ID_NUMBERS[name], phone="13800000000"),
        materials=mandatory_materials(core, item),
        submitted_at=bj(2026, 3, 2, 9),
    )
    with sessions() as session, session.begin():
        case, _ = cases.submit(session, core, admin, command)
        case_id, tracking_no = case.id, case.tracking_no
    act(sessions, core, admin, case_id, "register", bj(2026, 3, 2, 10))
    act(sessions, core, admin, case_id, "accept", bj(2026, 3, 2, 11))
    extra = DENY if decision == "denied" else {}
    act(
        sessions,
        core,
        admin,
        case_id,
        "conclude",
        bj(2026, 3, day, 10),
        decision=decision,
        **extra,
        **fields,
    )
    return tracking_no


def _history(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> dict[str, str]:
    clock.set(bj(2026, 3, 31, 9))
    return {
        "zhao": _decide(
            sessions, core, people, LAWYER, "赵一", 10, decision_no="赣司律〔2026〕1号"
        ),
        "qian": _decide(sessions, core, people, LAWYER, "钱二", 11),
        "sun_denied": _decide(sessions, core, people, LAWYER, "孙三", 12, decision="denied"),
        "firm": _decide(sessions, core, people, FIRM, "江西明理律师事务所", 13),
        "aid": _decide(sessions, core, people, "LEGAL-AID-APPLICATION", "李四", 16),
    }


def test_decisions_list_granted_licences_only_newest_first(
    client: TestClient,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
) -> None:
    numbers = _history(sessions, core, people, clock)
    answer = client.get("/api/v1/public/decisions")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["total"] == 3  # the denial and the legal-aid grant are not listed
    holders = [row["holder"] for row in body["items"]]
    assert holders == ["江西明理律师事务所", "钱二", "赵一"]
    zhao = body["items"][2]
    assert zhao == {
        "item": {"code": LAWYER, "name_zh": "律师执业许可", "name_en": zhao["item"]["name_en"]},
        "holder": "赵一",
        "decision_no": ZHAO_NO,
        "decided_on": "2026-03-10",
        "issued_by": {
            "name_zh": "江西省司法厅",
            "name_en": "Jiangxi Provincial Department of Justice",
        },
    }
    # A grant given no number carries the one the system gave it.
    assert body["items"][1]["decision_no"] == f"赣司许〔2026〕{numbers['qian'][2:]}号"
    text = json.dumps(body, ensure_ascii=False)
    for private in ("36010219900101123", "13800000000", "李四", "孙三", "tracking_no"):
        assert private not in text


def test_search_filter_and_pages(
    client: TestClient,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
) -> None:
    _history(sessions, core, people, clock)
    by_name = client.get("/api/v1/public/decisions", params={"q": "钱"}).json()
    assert [row["holder"] for row in by_name["items"]] == ["钱二"]
    by_number = client.get("/api/v1/public/decisions", params={"q": "律〔2026〕1"}).json()
    assert [row["holder"] for row in by_number["items"]] == ["赵一"]
    wildcard = client.get("/api/v1/public/decisions", params={"q": "%"}).json()
    assert wildcard["total"] == 0  # a LIKE wildcard is searched for as itself
    firms = client.get("/api/v1/public/decisions", params={"item": FIRM}).json()
    assert [row["holder"] for row in firms["items"]] == ["江西明理律师事务所"]
    first = client.get("/api/v1/public/decisions", params={"per_page": 2}).json()
    second = client.get("/api/v1/public/decisions", params={"per_page": 2, "page": 2}).json()
    assert (first["total"], len(first["items"]), len(second["items"])) == (3, 2, 1)
    assert second["items"][0]["holder"] == "赵一"


def test_the_register_of_an_item_lists_each_holder_once(
    client: TestClient,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
) -> None:
    _history(sessions, core, people, clock)
    again = _decide(sessions, core, people, LAWYER, "赵一", 20, decision_no="赣司律〔2026〕9号")
    assert again
    answer = client.get(f"/api/v1/public/register/{LAWYER}").json()
    assert answer["register"]["name_zh"] == "律师执业许可"
    rows = {row["holder"]: row["decision_no"] for row in answer["items"]}
    assert rows == {"赵一": "赣司律〔2026〕9号", "钱二": rows["钱二"]}
    assert answer["total"] == 2


def test_service_items_and_bad_pages_are_refused_naming_the_field(client: TestClient) -> None:
    for url, params, field in (
        ("/api/v1/public/register/LEGAL-AID-APPLICATION", {}, "item"),
        ("/api/v1/public/decisions", {"item": "LEGAL-AID-APPLICATION"}, "item"),
        ("/api/v1/public/register/NO-SUCH-ITEM", {}, "item"),
        ("/api/v1/public/decisions", {"page": "0"}, "page"),
        ("/api/v1/public/decisions", {"per_page": "101"}, "per_page"),
    ):
        answer = client.get(url, params=params)
        assert answer.status_code in (404, 422), (url, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert field in [error["field"] for error in answer.json().get("errors", [])] or (
            answer.json().get("field") == field
        ), answer.text
