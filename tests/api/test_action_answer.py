"""The answer to an action is built from the row the action's transaction left (no second read
and replay of the records): it must equal the case recomputed from its records at that moment,
at every step of a case's life, stops and resumptions included."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from approval_core.context import CoreDeps
from tests.conftest import FrozenClock, People
from tests.support import bj, item_in, mandatory_materials


def test_every_answer_equals_the_replayed_case(
    client: TestClient, people: People, core: CoreDeps, clock: FrozenClock
) -> None:
    clock.set(bj(2026, 3, 2, 9))
    item = item_in(core, people.department)
    body = {
        "item": item,
        "applicant": {"name": "周九", "id_number": "36010219900101123X"},
        "materials": mandatory_materials(core, item),
    }
    case_id = client.post("/api/v1/cases", json=body, headers=people.auth("applicant")).json()["id"]
    handler = people.actors["handler"].user_id
    steps: list[tuple[str, dict[str, Any]]] = [
        ("clerk", {"action": "register"}),
        ("clerk", {"action": "accept"}),
        ("clerk", {"action": "assign", "assignee": handler}),
        ("clerk", {"action": "charge_fee", "amount": "20.00", "fee_code": "CERT_FEE"}),
        (
            "handler",
            {
                "action": "stop",
                "stop_type": "expert_review",
                "expected_days": 5,
                "legal_basis": "行政许可法第四十五条",
            },
        ),
        ("handler", {"action": "resume"}),
        ("handler", {"action": "handle"}),
        ("reviewer", {"action": "review"}),
        ("head", {"action": "conclude", "decision": "approved", "decision_no": "赣司〔2026〕3号"}),
    ]
    states = []
    for who, action in steps:
        clock.advance(days=1, hours=2)
        answer = client.post(
            f"/api/v1/cases/{case_id}/actions", json=action, headers=people.auth(who)
        )
        assert answer.status_code == 200, answer.text
        replayed = client.get(f"/api/v1/cases/{case_id}", headers=people.auth("head"))
        assert answer.json() == replayed.json(), action["action"]
        states.append(answer.json()["state"])
    assert states[-1] == "concluded"
    assert len(set(states)) >= 6  # the walk went through the workflow, not around it
