"""The applicant's side end to end: file, receive the receipt, follow progress through a
supplement stop and an extension with the right deadline, rate negatively (a follow-up alert
opens), and a tampered receipt fails verification."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from approval_core.records.models import CaseRecord
from approval_core.users.service import add_user
from tests.conftest import FrozenClock, People
from tests.support import bj, mandatory_materials

ITEM = "APPRAISER-PRACTICE"  # 20 working days, extension up to 10 (Art. 42)


def _head(sessions: sessionmaker[Session], core: CoreDeps, department: str) -> str:
    with sessions() as session, session.begin():
        _, token = add_user(
            session,
            name="鉴定处 处长",
            role="head",
            department=department,
            now=core.now(),
            known_departments=set(core.catalogue.departments),
        )
    return token


def test_applicant_journey(
    client: TestClient,
    people: People,
    core: CoreDeps,
    clock: FrozenClock,
    sessions: sessionmaker[Session],
) -> None:
    department = core.catalogue.get(ITEM).department
    assert department == people.other_department  # the "other_*" staff work there
    head = {"Authorization": f"Bearer {_head(sessions, core, department)}"}
    clerk, handler = people.auth("other_clerk"), people.auth("other_handler")
    clock.set(bj(2026, 3, 2, 9))
    materials = mandatory_materials(core, ITEM)
    body = {
        "item": ITEM,
        "applicant": {"name": "赵六", "id_number": "36010219900101123X"},
        "materials": materials[:-1],
    }
    filed = client.post("/api/v1/cases", json=body, headers=people.auth("applicant")).json()
    public = f"/api/v1/public/cases/{filed['tracking_no']}"
    code = {"code": filed["query_code"]}
    receipt = client.get(f"{public}/receipts/receipt_of_materials", params=code).json()
    check = client.get(f"/api/v1/receipts/verify/{receipt['verification_code']}")
    assert check.status_code == 200

    def act(auth: dict[str, str], at: tuple[int, int, int], **fields: Any) -> None:
        clock.set(bj(2026, *at))
        url = f"/api/v1/cases/{filed['id']}/actions"
        response = client.post(url, json=fields, headers=auth)
        assert response.status_code == 200, response.text

    act(clerk, (3, 2, 10), action="register")
    act(clerk, (3, 2, 11), action="accept")
    act(clerk, (3, 2, 12), action="assign", assignee=people.actors["other_handler"].user_id)
    act(
        handler,
        (3, 4, 10),
        action="request_supplement",
        materials=materials[-1:],
        reason="缺少材料",
    )
    act(clerk, (3, 9, 10), action="supplement_received", materials=materials[-1:])
    act(handler, (3, 10, 10), action="extend", days=10, reason="需进一步核实执业经历")
    act(
        head,
        (3, 10, 15),
        action="approve_extension",
        days=10,
        reason="情况复杂",
        legal_basis="《中华人民共和国行政许可法》第四十二条",
    )
    clock.set(bj(2026, 3, 11, 12))
    view = client.get(public, params=code).json()
    clock_view = view["clock"]
    # Counted from 3/3: 3/3, 3/4; the supplement stop excludes 3/5, 3/6, 3/9; then 3/10 on.
    # 20 + 10 days: 3/10-13 (6), 16-20 (11), 23-27 (16), 30-31 (18), 4/1-3 (21), Qingming
    # 4/4-6, 4/7-10 (25), 4/13-17 (30): due Fri 2026-04-17.
    assert (clock_view["limit"], clock_view["extension"], clock_view["stopped"]) == (20, 10, 3)
    assert (clock_view["elapsed"], clock_view["due_date"]) == (4, "2026-04-17")
    stops = [s for s in clock_view["segments"] if s["kind"] == "stopped"]
    assert [(s["stop_type"], s["counted_days"]) for s in stops] == [("supplement", 3)]
    kinds = {r["kind"] for r in view["receipts"]}
    assert {"receipt_of_materials", "acceptance", "supplement_notice", "extension_notice"} <= kinds
    notice = client.get(f"{public}/receipts/extension_notice", params=code).json()
    assert "2026-04-17" in str(notice)
    act(handler, (3, 12, 10), action="handle")
    act(people.auth("admin"), (3, 13, 10), action="review")
    act(head, (3, 16, 10), action="conclude", decision="approved", decision_no="赣司鉴〔2026〕3号")
    rated = client.post(
        f"{public}/rating", params=code, json={"level": "不满意", "comment": "太慢"}
    )
    assert rated.status_code == 201, rated.text
    alerts = client.get(
        f"/api/v1/alerts?case_id={filed['id']}", headers=people.auth("supervisor")
    ).json()
    follow_up = [a for a in alerts if a["rule_id"] == "POST-RATING-NEGATIVE"]
    assert [a["status"] for a in follow_up] == ["open"]
    # A printed receipt whose record was altered afterwards is no longer genuine.
    with sessions() as session, session.begin():
        session.execute(
            update(CaseRecord)
            .where(CaseRecord.case_id == filed["id"], CaseRecord.seq == 1)
            .values(reason="篡改")
        )
    assert client.get(f"/api/v1/receipts/verify/{receipt['verification_code']}").status_code == 404
