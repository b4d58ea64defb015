"""The issue's end-to-end test: a case goes overdue; the handler's mailbox and webhook receive
the yellow card in Chinese with the case, deadline and legal basis, and so does the head (the
card concerns both); a warning nobody acknowledges is escalated to the head a working day
later; the daily digest groups the rest."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from supervisor.notify.deliver import Deliverer
from supervisor.notify.timers import run_timers, send_digests
from supervisor.policy.value import policy_of
from tests.conftest import FrozenClock, People
from tests.notify.peers import WEBHOOK_SECRET, Mailbox, Receiver
from tests.support import bj, mandatory_materials, settle

ITEM = "LAWYER-PRACTICE"  # 30 working days


def _post(client: TestClient, people: People, who: str, url: str, **body: Any) -> Any:
    response = client.post(url, json=body, headers=people.auth(who))
    assert response.status_code in (200, 201), response.text
    settle(client)  # the alerts as the judge leaves them moments after the commit
    return response.json()


def _file(client: TestClient, people: People, core: CoreDeps, clock: FrozenClock) -> str:
    """A case filed, accepted and assigned to the handler at the clock's moment."""
    body = {
        "item": ITEM,
        "applicant": {"name": "张三", "id_number": "36010219900101123X"},
        "materials": mandatory_materials(core, ITEM),
    }
    case = _post(client, people, "applicant", "/api/v1/cases", **body)
    url = f"/api/v1/cases/{case['id']}/actions"
    assignee = people.actors["handler"].user_id
    for action, extra in (("register", {}), ("accept", {}), ("assign", {"assignee": assignee})):
        clock.advance(minutes=10)
        _post(client, people, "clerk", url, action=action, **extra)
    return str(case["tracking_no"])


def _contacts(client: TestClient, people: People, receiver: Receiver) -> None:
    for who, channel, address, secret in (
        ("handler", "email", "handler@example.gov.cn", None),
        ("handler", "webhook", receiver.url("/webhook"), WEBHOOK_SECRET),
        ("head", "email", "head@example.gov.cn", None),
    ):
        user_id = people.actors[who].user_id
        body = {"channel": channel, "address": address, "secret": secret}
        _post(client, people, who, f"/api/v1/users/{user_id}/contacts", **body)


def _tick(sessions: sessionmaker[Session], core: CoreDeps, now: datetime) -> None:
    with sessions() as session, session.begin():
        hours = policy_of(core).hours  # the routing and calendar of the policy in force
        run_timers(session, hours, now)
        send_digests(session, core, hours, now)


def test_overdue_case_reaches_handler_and_head_a_warning_escalates_and_the_digest(
    notify_client: TestClient,
    people: People,
    core: CoreDeps,
    clock: FrozenClock,
    sessions: sessionmaker[Session],
    deliverer: Deliverer,
    mailbox: tuple[Mailbox, int],
    receiver: Receiver,
) -> None:
    client, box = notify_client, mailbox[0]
    _contacts(client, people, receiver)
    clock.set(bj(2026, 3, 2, 9))
    overdue_no = _file(client, people, core, clock)  # due 4/14
    clock.set(bj(2026, 3, 5, 9))
    soon_no = _file(client, people, core, clock)  # due 4/17
    # 4/15 09:00: the first case is overdue by one working day: a yellow card to the handler
    # and the head; the second is due in 2 working days: a warning to the handler.
    clock.set(bj(2026, 4, 15, 9))
    _post(client, people, "admin", "/api/v1/supervision/sweep", as_of=clock().isoformat())
    deliverer.run_once()
    yellow = [m for m in box.to("handler@example.gov.cn") if "黄牌" in m["Subject"]]
    assert len(yellow) == 1
    assert overdue_no in yellow[0]["Subject"]
    text = yellow[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"案件编号：{overdue_no}" in text
    assert "办理期限：2026-04-14" in text
    assert "法律依据：" in text
    assert "行政许可法" in text
    hooks = [r.json()["data"] for r in receiver.at("/webhook")]
    card = next(h for h in hooks if h["alert"]["level"] == "yellow")
    assert (card["case"]["tracking_no"], card["case"]["due_date"]) == (overdue_no, "2026-04-14")
    assert receiver.problems == []
    (head_card,) = box.to("head@example.gov.cn")
    assert "【黄牌·告警】" in head_card["Subject"]
    assert overdue_no in head_card["Subject"]
    warned = [m for m in box.to("handler@example.gov.cn") if "预警" in m["Subject"]]
    assert [soon_no in m["Subject"] for m in warned] == [True]
    # Nobody acknowledges the warning: the same day nothing escalates; a working day later the
    # head is told. The yellow card does not escalate: the head has it already.
    clock.set(bj(2026, 4, 15, 16))
    _tick(sessions, core, clock())
    deliverer.run_once()
    assert len(box.to("head@example.gov.cn")) == 1
    clock.set(bj(2026, 4, 16, 9, 5))
    _tick(sessions, core, clock())
    deliverer.run_once()
    escalated = [m for m in box.to("head@example.gov.cn") if "升级提醒" in m["Subject"]]
    assert len(escalated) == 1
    assert "【预警·升级提醒】" in escalated[0]["Subject"]
    assert soon_no in escalated[0]["Subject"]
    # The digest: one message to the handler grouping the overdue and the due-soon case.
    digests = [
        m for m in box.to("handler@example.gov.cn") if "每日汇总】2026-04-16" in m["Subject"]
    ]
    assert len(digests) == 1
    body = digests[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "已超期 1 件，即将到期 1 件" in body
    assert overdue_no in body
    assert soon_no in body
    # Ticking again the same day sends no second digest and no second escalation.
    _tick(sessions, core, bj(2026, 4, 16, 11))
    deliverer.run_once()
    digest_subjects = [
        m["Subject"] for m in box.to("handler@example.gov.cn") if "汇总" in m["Subject"]
    ]
    assert len(digest_subjects) == 2  # one on 4/15 (after 08:30), one on 4/16
    assert len([m for m in box.to("head@example.gov.cn") if "升级" in m["Subject"]]) == 1
    # The handler's inbox holds a copy of each, and the log shows they were told (留痕).
    inbox = client.get("/api/v1/inbox", headers=people.auth("handler")).json()
    assert {m["kind"] for m in inbox} >= {"alert", "digest"}
    log = client.get(
        "/api/v1/notifications/deliveries?status=delivered", headers=people.auth("supervisor")
    ).json()
    handler = people.actors["handler"].user_id
    told = [d for d in log if d["user_id"] == handler and d["kind"] == "alert"]
    assert {d["channel"] for d in told} == {"email", "webhook"}
    assert all(d["history"][-1]["outcome"] == "delivered" for d in told)


def test_an_acknowledged_warning_does_not_escalate(
    notify_client: TestClient,
    people: People,
    core: CoreDeps,
    clock: FrozenClock,
    sessions: sessionmaker[Session],
    deliverer: Deliverer,
    mailbox: tuple[Mailbox, int],
    receiver: Receiver,
) -> None:
    client = notify_client
    _contacts(client, people, receiver)
    clock.set(bj(2026, 3, 2, 9))
    _file(client, people, core, clock)  # due 4/14
    clock.set(bj(2026, 3, 5, 9))
    _file(client, people, core, clock)  # due 4/17
    clock.set(bj(2026, 4, 15, 9))
    _post(client, people, "admin", "/api/v1/supervision/sweep", as_of=clock().isoformat())
    found = client.get("/api/v1/alerts?status=open", headers=people.auth("supervisor")).json()
    for rule in ("TIME-WARNING", "TIME-YELLOW"):
        (alert,) = [a for a in found if a["rule_id"] == rule]
        _post(client, people, "handler", f"/api/v1/alerts/{alert['id']}/ack")
    clock.set(bj(2026, 4, 16, 9, 5))
    _tick(sessions, core, clock())
    deliverer.run_once()
    heads = [m["Subject"] for m in mailbox[0].to("head@example.gov.cn")]
    assert not [s for s in heads if "升级" in s]
    # Acknowledged is still unresolved: two working days on, the handler is reminded.
    clock.set(bj(2026, 4, 17, 9, 5))
    _tick(sessions, core, clock())
    deliverer.run_once()
    mine = [m["Subject"] for m in mailbox[0].to("handler@example.gov.cn")]
    assert len([s for s in mine if "黄牌·重复提醒" in s]) == 1
