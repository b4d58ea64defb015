"""End to end through the API: a legal-aid application counts natural days (due date, clock,
public query, receipt, cards), and a special procedure stopped without its Art. 45 written
notice raises PROC-STOP-NO-NOTICE while one with the notice does not."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from tests.conftest import FrozenClock, People
from tests.receipts.support import all_receipts, values
from tests.supervisor.test_anomalies_e2e import Case
from tests.support import bj, mandatory_materials, settle

AID = "LEGAL-AID-APPLICATION"  # 七日 from receipt (法律援助法 Art. 43), natural days


def _post(client: TestClient, people: People, who: str, url: str, **body: Any) -> Any:
    response = client.post(url, json=body, headers=people.auth(who))
    assert response.status_code in (200, 201), response.text
    settle(client)
    return response.json()


def _sweep(client: TestClient, people: People, clock: FrozenClock, *when: int) -> None:
    clock.set(bj(2026, *when))
    url = f"/api/v1/supervision/sweep?as_of={clock().isoformat().replace('+', '%2B')}"
    _post(client, people, "admin", url)


def _alerts(client: TestClient, people: People, case_id: str) -> dict[str, dict[str, Any]]:
    rows = client.get(f"/api/v1/alerts?case_id={case_id}", headers=people.auth("supervisor"))
    return {a["rule_id"]: a for a in rows.json()}


def test_a_legal_aid_application_counts_natural_days(
    client: TestClient,
    people: People,
    core: CoreDeps,
    clock: FrozenClock,
    sessions: sessionmaker[Session],
) -> None:
    clock.set(bj(2026, 9, 30, 10))
    body = {
        "item": AID,
        "applicant": {"name": "王五", "id_number": "36010219900101123X"},
        "materials": mandatory_materials(core, AID),
    }
    filed = _post(client, people, "applicant", "/api/v1/cases", **body)
    case_id, number = filed["id"], filed["tracking_no"]
    # Day 7 is 10/7, the last day of the National Day holiday: the period ends on 10/8 (seven
    # working days would have given 10/15).
    clock.set(bj(2026, 10, 2, 10))
    staff = client.get(f"/api/v1/cases/{case_id}", headers=people.auth("supervisor")).json()
    assert staff["clock"]["unit"] == "natural_days"
    assert (staff["clock"]["due_date"], staff["clock"]["elapsed"]) == ("2026-10-08", 2)
    public = client.get(f"/api/v1/public/cases/{number}", params={"code": filed["query_code"]})
    assert public.status_code == 200, public.text
    seen = public.json()
    assert (seen["clock"]["unit"], seen["clock"]["due_date"]) == ("natural_days", "2026-10-08")
    assert "自然日" in seen["unit_zh"]
    assert "next working day" in seen["unit_en"]
    receipt = values(all_receipts(sessions, core, case_id)[0])
    assert receipt["办理时限"].startswith("自收件之日起 7 日（自然日")
    # Not overdue on its due date; one day late on 10/9: a yellow card in days, headed by the
    # tracking number and dated.
    _sweep(client, people, clock, 10, 8, 20)
    assert "TIME-YELLOW" not in _alerts(client, people, case_id)
    _sweep(client, people, clock, 10, 9, 9)
    yellow = _alerts(client, people, case_id)["TIME-YELLOW"]
    assert yellow["message_zh"].startswith(f"【{number}】")
    assert "已超过办理时限 1 日" in yellow["message_zh"]
    assert yellow["message_zh"].endswith("（截至 2026-10-09）")
    assert yellow["message_en"].startswith(f"[{number}] ")
    # 10/9..10/13 = 5 days overdue: red, saying which cause applies, with its figures.
    _sweep(client, people, clock, 10, 13, 9)
    red = _alerts(client, people, case_id)["TIME-RED"]
    assert "原因：超期日 5（≥ 5）" in red["message_zh"]
    assert "黄牌" not in red["message_zh"].split("原因：")[1]  # the card was not that old
    assert "Cause: days overdue 5 (≥ 5)" in red["message_en"]


def test_a_stop_without_the_art_45_notice_is_an_anomaly(
    client: TestClient, people: People, core: CoreDeps, clock: FrozenClock
) -> None:
    silent = Case(client, people, core, clock).to_handling()
    silent.do("handler", "stop", stop_type="expert_review", notice_given=False)
    assert silent.rules() == {"PROC-STOP-NO-NOTICE"}
    records = client.get(
        f"/api/v1/cases/{silent.id}/records", headers=people.auth("supervisor")
    ).json()
    stop = next(r for r in records if r["action"] == "stop")
    assert stop["documents_out"] == []
    assert stop["payload"]["notice_given"] is False
    # With the written notice (expected duration given): no anomaly, the notice is issued.
    told = Case(client, people, core, clock).to_handling()
    told.do("handler", "stop", stop_type="expert_review", expected_days=10)
    assert told.rules() == set()
    records = client.get(f"/api/v1/cases/{told.id}/records", headers=people.auth("supervisor"))
    stop = next(r for r in records.json() if r["action"] == "stop")
    assert stop["documents_out"] == ["special_procedure_notice"]
    # An on-site inspection keeps the clock running (not Art. 45): no anomaly without notice.
    inspected = Case(client, people, core, clock).to_handling()
    inspected.do("handler", "stop", stop_type="inspection", notice_given=False)
    assert inspected.rules() == set()
    # Without notice_given: false, a stop still needs its expected duration (422 naming it).
    strict = Case(client, people, core, clock).to_handling()
    strict.do("handler", "stop", status=422, stop_type="expert_review")
