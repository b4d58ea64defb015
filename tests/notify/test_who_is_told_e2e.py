"""Issue 10, point 5, end to end through the services: a fee anomaly reaches the handler, the
head and the supervision office (the rule's `concerns:`); a step over its limit is told to the
handler only in the daily digest."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from supervisor.notify.deliver import Deliverer
from supervisor.runtime import Supervisor
from supervisor.scheduler import Jobs
from tests.conftest import FrozenClock, People
from tests.notify.peers import Mailbox
from tests.support import bj, mandatory_materials, settle

ITEM = "LAWYER-PRACTICE"  # free of charge; 30 working days, handle step 20


def _post(client: TestClient, people: People, who: str, url: str, **body: Any) -> Any:
    response = client.post(url, json=body, headers=people.auth(who))
    assert response.status_code in (200, 201), response.text
    settle(client)  # the alerts as the judge leaves them moments after the commit
    return response.json()


def _handled_case(
    client: TestClient, people: People, core: CoreDeps, clock: FrozenClock
) -> tuple[str, str]:
    """Filed Mon 2026-03-02 09:00, accepted and assigned to the handler: (id, tracking no)."""
    clock.set(bj(2026, 3, 2, 9))
    body = {
        "item": ITEM,
        "applicant": {"name": "王五", "id_number": "36010219900101123X"},
        "materials": mandatory_materials(core, ITEM),
    }
    case = _post(client, people, "applicant", "/api/v1/cases", **body)
    assignee = people.actors["handler"].user_id
    for action, extra in (("register", {}), ("accept", {}), ("assign", {"assignee": assignee})):
        clock.advance(minutes=10)
        _post(
            client, people, "clerk", f"/api/v1/cases/{case['id']}/actions", action=action, **extra
        )
    return str(case["id"]), str(case["tracking_no"])


def _inbox(client: TestClient, people: People, who: str) -> list[dict[str, Any]]:
    response = client.get("/api/v1/inbox", headers=people.auth(who))
    assert response.status_code == 200, response.text
    return list(response.json())


def test_a_fee_on_a_free_item_reaches_handler_head_and_supervision_office(
    notify_client: TestClient,
    people: People,
    core: CoreDeps,
    clock: FrozenClock,
    deliverer: Deliverer,
    mailbox: tuple[Mailbox, int],
) -> None:
    client = notify_client
    supervisor_id = people.actors["supervisor"].user_id
    _post(
        client,
        people,
        "admin",
        f"/api/v1/users/{supervisor_id}/contacts",
        channel="email",
        address="jianchashi@example.gov.cn",
    )
    case_id, tracking_no = _handled_case(client, people, core, clock)
    clock.advance(minutes=10)  # Monday 09:40: within working hours, sent at once
    url = f"/api/v1/cases/{case_id}/actions"
    _post(client, people, "clerk", url, action="charge_fee", amount="200.00", fee_code="CERT")
    alerts = client.get(f"/api/v1/alerts?case_id={case_id}", headers=people.auth("supervisor"))
    (fee,) = [a for a in alerts.json() if a["rule_id"] == "FEE-FREE-ITEM-CHARGED"]
    for who in ("handler", "head", "supervisor"):
        copies = [m for m in _inbox(client, people, who) if m["alert_id"] == fee["id"]]
        assert len(copies) == 1, who
        assert copies[0]["subject"].startswith(
            f"【异常·告警】不收费事项收取费用 案件 {tracking_no}"
        )
        assert "200" in copies[0]["body"]
    for who in ("clerk", "reviewer", "other_handler"):
        assert [m for m in _inbox(client, people, who) if m["alert_id"] == fee["id"]] == []
    deliverer.run_once()
    (mail,) = mailbox[0].to("jianchashi@example.gov.cn")
    assert "不收费事项收取费用" in mail["Subject"]


def test_a_step_over_its_limit_is_in_the_handler_digest_only(
    notify_client: TestClient,
    people: People,
    core: CoreDeps,
    clock: FrozenClock,
    sessions: sessionmaker[Session],
    supervisor: Supervisor,
) -> None:
    client = notify_client
    case_id, tracking_no = _handled_case(client, people, core, clock)
    # Wed 4/8 12:00: the handle step (20 working days) is 6 days over; 4 days remain (no
    # warning, not due soon), so only the step-over alert can put the case in a digest.
    clock.set(bj(2026, 4, 8, 12))
    _post(client, people, "admin", "/api/v1/supervision/sweep", as_of=clock().isoformat())
    alerts = client.get(f"/api/v1/alerts?case_id={case_id}", headers=people.auth("supervisor"))
    (step,) = [a for a in alerts.json() if a["rule_id"] == "TIME-STEP-OVER"]
    assert step["status"] == "open"
    assert [m for m in _inbox(client, people, "handler") if m["alert_id"] == step["id"]] == []
    assert Jobs(sessions, core, supervisor, holder="test").notify_if_leader() >= 0
    (digest,) = [m for m in _inbox(client, people, "handler") if m["kind"] == "digest"]
    assert digest["subject"].startswith(
        "【每日汇总】2026-04-08 已超期 0 件，即将到期 0 件，提醒 1 条"
    )
    # The alert text is headed by the tracking number itself (not repeated by the digest).
    assert step["message_zh"].startswith(f"【{tracking_no}】")
    assert f"预警：{step['message_zh']}" in digest["body"]
    for who in ("head", "supervisor", "handler2"):
        assert [m for m in _inbox(client, people, who) if m["kind"] == "digest"] == [], who
    # The same day, no second digest; the next working day the step is still over: listed again.
    Jobs(sessions, core, supervisor, holder="test").notify_if_leader()
    assert len([m for m in _inbox(client, people, "handler") if m["kind"] == "digest"]) == 1
    clock.set(bj(2026, 4, 9, 9))
    Jobs(sessions, core, supervisor, holder="test").notify_if_leader()
    digests = [m for m in _inbox(client, people, "handler") if m["kind"] == "digest"]
    days = [d["subject"].split(" ")[0] for d in digests]  # the newest first
    assert days == ["【每日汇总】2026-04-09", "【每日汇总】2026-04-08"]
    assert f"预警：【{tracking_no}】" in digests[0]["body"]
