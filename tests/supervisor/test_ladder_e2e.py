"""End to end through the API: a case goes warning -> yellow -> red as time passes (as-of
sweeps), each card naming the right people; both evaluators judge every fact and agree."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from approval_core.cases.models import Case
from approval_core.context import CoreDeps
from tests.conftest import FrozenClock, People
from tests.support import bj, mandatory_materials, settle

ITEM = "LAWYER-PRACTICE"  # 30 working days; handle step 20


def _post(
    client: TestClient, people: People, who: str, url: str, params: Any = None, **body: Any
) -> Any:
    response = client.post(url, json=body, params=params, headers=people.auth(who))
    assert response.status_code in (200, 201), response.text
    settle(client)  # the alerts as the judge leaves them moments after the commit
    return response.json()


def _alerts(client: TestClient, people: People, case_id: str) -> dict[str, dict[str, Any]]:
    rows = client.get(f"/api/v1/alerts?case_id={case_id}", headers=people.auth("supervisor"))
    return {a["rule_id"]: a for a in rows.json()}


def _sweep(client: TestClient, people: People, clock: FrozenClock, *when: int) -> None:
    clock.set(bj(2026, *when))
    _post(client, people, "admin", "/api/v1/supervision/sweep", {"as_of": clock().isoformat()})


def _filed_case(client: TestClient, people: People, core: CoreDeps, clock: FrozenClock) -> str:
    """Filed and accepted Mon 2026-03-02, assigned the same day."""
    clock.set(bj(2026, 3, 2, 9))
    body = {
        "item": ITEM,
        "applicant": {"name": "张三", "id_number": "36010219900101123X"},
        "materials": mandatory_materials(core, ITEM),
    }
    case_id = str(_post(client, people, "applicant", "/api/v1/cases", **body)["id"])
    url = f"/api/v1/cases/{case_id}/actions"
    for action, extra in (
        ("register", {}),
        ("accept", {}),
        ("assign", {"assignee": people.actors["handler"].user_id}),
    ):
        clock.advance(minutes=10)
        _post(client, people, "clerk", url, action=action, **extra)
    return case_id


def test_warning_then_yellow_then_red(
    client: TestClient, people: People, core: CoreDeps, clock: FrozenClock
) -> None:
    case_id = _filed_case(client, people, core, clock)
    handler, head = people.actors["handler"].user_id, people.actors["head"].user_id
    # Counted from 3/3: 3/31 is day 21; April (4/4-6 Qingming) 1,2,3,7,8 -> 26; 4/9 -> 27.
    _sweep(client, people, clock, 4, 8, 12)
    alerts = _alerts(client, people, case_id)
    assert "TIME-WARNING" not in alerts  # remaining 4
    step_over = alerts["TIME-STEP-OVER"]
    assert step_over["status"] == "open"  # handle step: 26 > 20
    handle = next(s for s in core.catalogue.get(ITEM).flow if s.code == "handle")
    assert f"「{handle.name_zh}」" in step_over["message_zh"]
    _sweep(client, people, clock, 4, 9, 12)
    warning = _alerts(client, people, case_id)["TIME-WARNING"]
    assert (warning["level"], warning["status"]) == ("warning", "open")
    assert warning["responsible_user_id"] == handler
    assert "3" in warning["message_zh"]
    # Due 4/14 (day 30); 4/15 is overdue 1: a yellow card, and the warning's cause is gone.
    _sweep(client, people, clock, 4, 14, 23)
    assert "TIME-YELLOW" not in _alerts(client, people, case_id)
    _sweep(client, people, clock, 4, 15, 9)
    alerts = _alerts(client, people, case_id)
    yellow = alerts["TIME-YELLOW"]
    assert (yellow["level"], yellow["status"], yellow["concerns"]) == (
        "yellow",
        "open",
        ["handler", "head"],
    )
    assert yellow["responsible_user_id"] == handler
    assert alerts["TIME-WARNING"]["status"] == "resolved"
    # The handler responds (回告); overdue reaches 5 on 4/21 (16, 17, 20, 21): red to the head.
    _post(
        client,
        people,
        "handler",
        f"/api/v1/alerts/{yellow['id']}/respond",
        response="专家意见未返回，正在催办",
    )
    _sweep(client, people, clock, 4, 20, 12)
    assert "TIME-RED" not in _alerts(client, people, case_id)
    _sweep(client, people, clock, 4, 21, 9)
    alerts = _alerts(client, people, case_id)
    red = alerts["TIME-RED"]
    assert (red["level"], red["status"], red["responsible_user_id"]) == ("red", "open", head)
    assert alerts["TIME-YELLOW"]["status"] == "responded"  # cards stay on record
    # Sweeping again opens nothing new: one cause, one alert.
    count = len(
        client.get(f"/api/v1/alerts?case_id={case_id}", headers=people.auth("supervisor")).json()
    )
    _sweep(client, people, clock, 4, 22, 9)
    assert (
        len(
            client.get(
                f"/api/v1/alerts?case_id={case_id}", headers=people.auth("supervisor")
            ).json()
        )
        == count
    )


def test_unanswered_yellow_card_turns_red(
    client: TestClient, people: People, core: CoreDeps, clock: FrozenClock
) -> None:
    case_id = _filed_case(client, people, core, clock)
    _sweep(client, people, clock, 4, 15, 9)  # overdue 1: yellow
    assert _alerts(client, people, case_id)["TIME-YELLOW"]["status"] == "open"
    # An expert review stops the clock on 4/16 (overdue stays 2); nobody answers the card.
    clock.set(bj(2026, 4, 16, 10))
    _post(
        client,
        people,
        "handler",
        f"/api/v1/cases/{case_id}/actions",
        action="stop",
        stop_type="expert_review",
        expected_days=10,
        legal_basis="行政许可法第四十五条",
    )
    _sweep(client, people, clock, 4, 20, 12)  # opened 4/15: 3 working days (16, 17, 20)
    assert "TIME-RED" not in _alerts(client, people, case_id)
    _sweep(client, people, clock, 4, 21, 12)  # 4 days (16, 17, 20, 21) > 3
    red = _alerts(client, people, case_id)["TIME-RED"]
    assert red["status"] == "open"
    detail = client.get(f"/api/v1/alerts/{red['id']}", headers=people.auth("supervisor")).json()
    assert detail["fact"]["overdue"] == 2
    assert detail["fact"]["yellow_unanswered_days"] == 4
    assert [h["action"] for h in detail["history"]] == ["open"]


def test_cards_need_a_supervisor_to_remove(
    client: TestClient, people: People, core: CoreDeps, clock: FrozenClock
) -> None:
    case_id = _filed_case(client, people, core, clock)
    _sweep(client, people, clock, 4, 15, 9)
    yellow = _alerts(client, people, case_id)["TIME-YELLOW"]
    url = f"/api/v1/alerts/{yellow['id']}"
    _post(client, people, "handler", f"{url}/ack")
    refused = client.post(f"{url}/remove", json={"reason": "已办结"}, headers=people.auth("head"))
    assert refused.status_code == 403
    # Concluding the case does not take the card away.
    clock.set(bj(2026, 4, 16, 10))
    case_url = f"/api/v1/cases/{case_id}/actions"
    _post(client, people, "handler", case_url, action="handle")
    _post(client, people, "reviewer", case_url, action="review")
    _post(client, people, "head", case_url, action="conclude", decision="approved")
    assert _alerts(client, people, case_id)["TIME-YELLOW"]["status"] == "acknowledged"
    _post(client, people, "supervisor", f"{url}/remove", reason="已办结并说明超期原因")
    detail = client.get(url, headers=people.auth("supervisor")).json()
    assert detail["status"] == "removed"
    assert detail["removal_reason"] == "已办结并说明超期原因"
    assert [h["action"] for h in detail["history"]] == ["open", "acknowledge", "remove"]
    other = client.get(url, headers=people.auth("other_handler"))
    assert other.status_code == 404


def test_alert_filters(
    client: TestClient, people: People, core: CoreDeps, clock: FrozenClock
) -> None:
    case_id = _filed_case(client, people, core, clock)
    _sweep(client, people, clock, 4, 9, 12)  # warning and step over
    _sweep(client, people, clock, 4, 15, 9)  # yellow; the warning resolves
    auth = people.auth("supervisor")

    def ids(**params: str) -> set[str]:
        rows = client.get("/api/v1/alerts", params=params, headers=auth).json()
        return {a["rule_id"] for a in rows}

    assert ids(case_id=case_id) == {"TIME-STEP-OVER", "TIME-YELLOW", "TIME-WARNING"}
    assert ids(level="yellow") == {"TIME-YELLOW"}
    assert ids(status="resolved") == {"TIME-WARNING"}
    assert ids(department=people.other_department) == set()
    assert ids(item="LAWYER-PRACTICE", status="open") == {"TIME-STEP-OVER", "TIME-YELLOW"}
    assert ids(since=bj(2026, 4, 15, 0).isoformat()) == {"TIME-YELLOW"}
    assert ids(until=bj(2026, 4, 15, 0).isoformat()) == {"TIME-STEP-OVER", "TIME-WARNING"}
    mine = client.get("/api/v1/alerts", headers=people.auth("other_handler")).json()
    assert mine == []


def test_the_sweep_keeps_the_stored_clock_current(
    client: TestClient,
    people: People,
    core: CoreDeps,
    clock: FrozenClock,
    sessions: sessionmaker[Session],
) -> None:
    case_id = _filed_case(client, people, core, clock)
    _sweep(client, people, clock, 4, 16, 9)  # due 4/14: 4/15, 4/16 overdue
    with sessions() as session:
        case = session.get(Case, case_id)
        assert case is not None
        assert (case.clock_overdue, case.clock_remaining, case.clock_running) == (2, -2, True)
