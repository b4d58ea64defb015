"""The applicant's public query reads in Chinese: states, steps and actions carry their names
(with English); a case that has ended shows no days remaining."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from approval_core.context import CoreDeps
from tests.conftest import FrozenClock, People
from tests.support import bj, item_in, mandatory_materials


def _public(client: TestClient, filed: dict[str, Any]) -> dict[str, Any]:
    url = f"/api/v1/public/cases/{filed['tracking_no']}"
    answer = client.get(url, params={"code": filed["query_code"]})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_the_public_query_names_states_steps_and_actions(
    client: TestClient, people: People, core: CoreDeps, clock: FrozenClock
) -> None:
    clock.set(bj(2026, 3, 2, 9))
    item = item_in(core, people.department)
    body = {
        "item": item,
        "applicant": {"name": "张三", "id_number": "36010219900101123X"},
        "materials": mandatory_materials(core, item),
    }
    filed = client.post("/api/v1/cases", json=body, headers=people.auth("applicant")).json()
    fresh = _public(client, filed)
    assert fresh["state_label"] == {"zh": "已申报", "en": "submitted"}
    assert fresh["step_label"] == {"zh": "登记", "en": "registration"}
    assert fresh["steps"][0]["action_label"] == {"zh": "申报", "en": "submit"}
    assert "remaining" in fresh["clock"]

    steps: list[tuple[str, dict[str, Any]]] = [
        ("clerk", {"action": "register"}),
        ("clerk", {"action": "accept"}),
        ("clerk", {"action": "assign", "assignee": people.actors["handler"].user_id}),
        ("handler", {"action": "handle"}),
        ("reviewer", {"action": "review"}),
        ("head", {"action": "conclude", "decision": "approved", "decision_no": "赣司〔2026〕7号"}),
    ]
    for who, action in steps:
        clock.advance(hours=1)
        url = f"/api/v1/cases/{filed['id']}/actions"
        answer = client.post(url, json=action, headers=people.auth(who))
        assert answer.status_code == 200, answer.text
    done = _public(client, filed)
    assert done["state_label"] == {"zh": "已办结", "en": "concluded"}
    assert done["step_label"] == {"zh": "办结", "en": "concluded"}
    assert [s["action_label"]["zh"] for s in done["steps"]] == [
        "申报",
        "登记",
        "受理",
        "分办",
        "承办",
        "审核",
        "作出决定",
    ]
    assert [s["state_label"]["zh"] for s in done["steps"]][-1] == "已办结"
    assert "remaining" not in done["clock"]  # an ended case has no days left
    assert done["clock"]["elapsed"] >= 0
    staff = client.get(f"/api/v1/cases/{filed['id']}", headers=people.auth("head")).json()
    assert staff["state_label"]["zh"] == "已办结"
    assert "remaining" not in staff["clock"]
    listing = client.get("/api/v1/cases", headers=people.auth("head")).json()
    assert listing["items"][0]["step_label"]["zh"] == "办结"
