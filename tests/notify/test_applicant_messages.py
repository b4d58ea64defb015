"""Messages to applicants (issue 14 part 4): each document issued is told by SMS (a real local
fake gateway) and e-mail (aiosmtpd) with the tracking number, what happened and the public
link, exactly once even when a fact is judged again; opt-outs stop them, at queueing and at
sending; a failing gateway is retried then dead-lettered; a bad `applicant_routes` entry is
refused in place."""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from approval_core.outbox.models import Fact
from approval_core.settings import Settings
from supervisor.notify.channels import SmsConfig, SmtpConfig, standard_channels
from supervisor.notify.deliver import Deliverer
from supervisor.notify.models import Delivery, DeliveryAttempt
from supervisor.notify.routing import check_routing
from supervisor.processing import process_pending
from supervisor.runtime import Supervisor
from tests.conftest import RULES, FrozenClock, People
from tests.notify.conftest import BOX, OUTBOUND
from tests.notify.peers import Mailbox
from tests.notify.sms_gateway import ACCESS_KEY, SECRET, SIGN_NAME, Gateway, sms_gateway
from tests.support import bj, mandatory_materials, settle

ITEM = "LAWYER-PRACTICE"
PHONE = "13912345678"
MAILBOX = "zhangsan@example.cn"
ACCEPTED, DECIDED = "SMS_SUNLIGHT_ACCEPTED", "SMS_SUNLIGHT_DECIDED"


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    yield from sms_gateway()


@pytest.fixture
def sender(
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    mailbox: tuple[Mailbox, int],
    gateway: Gateway,
) -> Deliverer:
    smtp = SmtpConfig(host="127.0.0.1", port=mailbox[1], sender="sunlight@example.gov.cn")
    sms = SmsConfig(gateway.url, ACCESS_KEY, SECRET, SIGN_NAME)
    return Deliverer(
        sessions,
        clock,
        standard_channels(smtp, sms),
        max_attempts=3,
        rng=random.Random(7),
        box=BOX,
        outbound=OUTBOUND,
        smtp_host=smtp.host,
        sms_host="127.0.0.1",
    )


def _post(client: TestClient, people: People, who: str, url: str, **body: Any) -> Any:
    response = client.post(url, json=body, headers=people.auth(who))
    assert response.status_code in (200, 201), response.text
    settle(client)
    return response.json()


def _file(client: TestClient, people: People, core: CoreDeps, **contact: str) -> dict[str, Any]:
    applicant = {"name": "张三", "id_number": "36010219900101123X", **contact}
    body = {"item": ITEM, "applicant": applicant, "materials": mandatory_materials(core, ITEM)}
    return dict(_post(client, people, "applicant", "/api/v1/cases", **body))


def _act(client: TestClient, people: People, case: dict[str, Any], *steps: str) -> None:
    url = f"/api/v1/cases/{case['id']}/actions"
    extra: dict[str, dict[str, Any]] = {
        "assign": {"assignee": people.actors["handler"].user_id},
        "conclude": {"decision": "approved", "decision_no": "赣司许〔2026〕7号"},
    }
    who = {"handle": "handler", "review": "reviewer", "conclude": "head"}
    for action in steps:
        _post(client, people, who.get(action, "clerk"), url, action=action, **extra.get(action, {}))


def _choose(client: TestClient, case: dict[str, Any], **body: Any) -> Any:
    url = f"/api/v1/public/cases/{case['tracking_no']}/notifications"
    response = client.post(url, params={"code": case["query_code"]}, json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_acceptance_and_decision_reach_the_applicant_once_by_sms_and_email(
    notify_client: TestClient,
    people: People,
    core: CoreDeps,
    clock: FrozenClock,
    sessions: sessionmaker[Session],
    supervisor: Supervisor,
    sender: Deliverer,
    gateway: Gateway,
    mailbox: tuple[Mailbox, int],
) -> None:
    client = notify_client
    clock.set(bj(2026, 3, 2, 9))
    case = _file(client, people, core, phone=PHONE, email=MAILBOX)
    no = case["tracking_no"]
    _act(client, people, case, "register", "accept", "assign", "handle", "review", "conclude")
    sender.run_once()
    # Every fact judged again (as after a crash between judging and marking): nothing more.
    with sessions() as session, session.begin():
        session.execute(update(Fact).values(processed_at=None))
    with sessions() as session, session.begin():
        process_pending(session, core, supervisor)
    sender.run_once()
    link = f"http://127.0.0.1:8000/api/v1/public/cases/{no}"
    for template in (ACCEPTED, DECIDED):
        (sms,) = gateway.with_template(template)
        assert sms["phone"] == PHONE
        assert sms["sign_name"] == SIGN_NAME
        assert sms["params"] == {"number": no, "link": link}
        assert sms["request_id"].startswith("applicant_")
    assert gateway.problems == []
    mails = mailbox[0].to(MAILBOX)
    subjects = [m["Subject"] for m in mails]
    assert len([s for s in subjects if "已受理" in s]) == 1
    decided = [m for m in mails if "已作出决定" in m["Subject"]]
    assert len(decided) == 1
    body = decided[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert no in body
    assert link in body
    assert "has been decided" in body
    assert len(mails) == 3  # receipt of materials, acceptance, decision


def test_opting_out_stops_messages_when_queued_and_when_sent(
    notify_client: TestClient,
    people: People,
    core: CoreDeps,
    clock: FrozenClock,
    sessions: sessionmaker[Session],
    sender: Deliverer,
    gateway: Gateway,
    mailbox: tuple[Mailbox, int],
) -> None:
    client = notify_client
    clock.set(bj(2026, 3, 2, 9))
    case = _file(client, people, core, phone=PHONE, email=MAILBOX)
    choices = _choose(client, case, channel="sms", receive=False)
    assert choices["channels"]["sms"] == {"address": "139****5678", "receive": False}
    assert choices["channels"]["email"]["receive"] is True
    _act(client, people, case, "register", "accept")  # queued by e-mail only
    # The e-mail was queued; the applicant opts out before it goes: it is cancelled.
    _choose(client, case, channel="all", receive=False)
    sender.run_once()
    assert gateway.requests == 0
    assert [m["Subject"] for m in mailbox[0].to(MAILBOX)] == []
    with sessions() as session:
        statuses = {d.channel: d.status for d in session.scalars(select(Delivery))}
        outcomes = set(session.scalars(select(DeliveryAttempt.outcome)))
    assert statuses == {"email": "cancelled"}  # no SMS was ever queued
    assert outcomes == {"cancelled"}
    # Back in for SMS: the decision reaches the phone.
    assert _choose(client, case, channel="sms", receive=True)["channels"]["sms"]["receive"]
    _act(client, people, case, "assign", "handle", "review", "conclude")
    sender.run_once()
    assert [m["template"] for m in gateway.messages] == [DECIDED]
    assert mailbox[0].to(MAILBOX) == []


def test_opt_out_needs_the_query_code_and_a_known_channel(
    notify_client: TestClient, people: People, core: CoreDeps, clock: FrozenClock
) -> None:
    clock.set(bj(2026, 3, 2, 9))
    case = _file(notify_client, people, core, phone=PHONE)
    url = f"/api/v1/public/cases/{case['tracking_no']}/notifications"
    wrong = notify_client.post(
        url, params={"code": "WRONG1"}, json={"channel": "sms"} | {"receive": False}
    )
    assert wrong.status_code == 404
    bad = notify_client.post(
        url, params={"code": case["query_code"]}, json={"channel": "fax", "receive": False}
    )
    assert bad.status_code == 422
    assert "channel" in bad.text


def test_a_failing_gateway_is_retried_then_dead_lettered(
    notify_client: TestClient,
    people: People,
    core: CoreDeps,
    clock: FrozenClock,
    sessions: sessionmaker[Session],
    sender: Deliverer,
    gateway: Gateway,
) -> None:
    clock.set(bj(2026, 3, 2, 9))
    case = _file(notify_client, people, core, phone=PHONE)
    gateway.mode = "fail"
    _act(notify_client, people, case, "register", "accept")
    for _ in range(3):
        sender.run_once()
        clock.advance(hours=2)
    with sessions() as session:
        (row,) = session.scalars(select(Delivery).where(Delivery.channel == "sms"))
        outcomes = list(
            session.scalars(
                select(DeliveryAttempt.outcome)
                .where(DeliveryAttempt.delivery_id == row.id)
                .order_by(DeliveryAttempt.id)
            )
        )
    assert (row.status, row.attempts) == ("dead", 3)
    assert outcomes == ["failed", "failed", "dead"]
    assert "503" in (row.last_error or "")
    assert gateway.requests == 3
    assert gateway.messages == []


def test_a_refusing_gateway_answer_is_a_failed_attempt(
    notify_client: TestClient,
    people: People,
    core: CoreDeps,
    clock: FrozenClock,
    sessions: sessionmaker[Session],
    sender: Deliverer,
    gateway: Gateway,
) -> None:
    clock.set(bj(2026, 3, 2, 9))
    case = _file(notify_client, people, core, phone=PHONE)
    gateway.mode = "refuse"  # HTTP 200, but the provider's code is not OK
    _act(notify_client, people, case, "register", "accept")
    assert sender.run_once() == 0
    with sessions() as session:
        (row,) = session.scalars(select(Delivery).where(Delivery.channel == "sms"))
    assert (row.status, row.attempts) == ("pending", 1)
    assert "BUSINESS_LIMIT_CONTROL" in (row.last_error or "")
    gateway.mode = "ok"
    clock.advance(minutes=5)
    assert sender.run_once() == 1
    assert [m["template"] for m in gateway.messages] == [ACCEPTED]


def test_messages_wait_for_the_end_of_quiet_hours(
    notify_client: TestClient,
    people: People,
    core: CoreDeps,
    clock: FrozenClock,
    sender: Deliverer,
    gateway: Gateway,
) -> None:
    clock.set(bj(2026, 3, 2, 23))
    case = _file(notify_client, people, core, phone=PHONE)
    _act(notify_client, people, case, "register", "accept")
    sender.run_once()
    assert gateway.messages == []
    clock.set(bj(2026, 3, 3, 7) + timedelta(minutes=1))
    sender.run_once()
    assert [m["template"] for m in gateway.messages] == [ACCEPTED]


def _rules_with(tmp_path: Path, extra: str) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    text = (RULES / "notifications.yaml").read_text(encoding="utf-8")
    start = text.index("applicant_routes:")
    (folder / "notifications.yaml").write_text(text[:start] + extra, encoding="utf-8")
    return folder


def test_a_bad_applicant_route_is_refused_in_place(tmp_path: Path) -> None:
    folder = _rules_with(
        tmp_path,
        "applicant_routes:\n"
        "  - document: acceptanse\n"
        "    what_zh: 已受理\n"
        "    what_en: accepted\n"
        "    channels: [email]\n"
        "    text_zh: 编号 {tracking_number}\n",
    )
    problems = check_routing(folder)
    line = len((folder / "notifications.yaml").read_text(encoding="utf-8").splitlines()) - 4
    assert any(
        f"notifications.yaml:{line}:5: 未知的文书类型 acceptanse（是否想写 acceptance？）" in p
        for p in problems
    ), problems
    assert any(
        f"notifications.yaml:{line + 4}:5: 未知的参数 tracking_number" in p for p in problems
    ), problems


def test_an_sms_route_without_template_is_refused(tmp_path: Path) -> None:
    folder = _rules_with(
        tmp_path,
        "applicant_routes:\n"
        "  - document: acceptance\n"
        "    what_zh: 已受理\n"
        "    what_en: accepted\n"
        "    channels: [sms]\n",
    )
    (problem,) = check_routing(folder)
    line = len((folder / "notifications.yaml").read_text(encoding="utf-8").splitlines())
    assert f"notifications.yaml:{line}:5:" in problem
    assert "sms: {template" in problem


def test_the_gateway_url_is_an_http_address() -> None:
    with pytest.raises(ValueError, match="SUNLIGHT_SMS_GATEWAY_URL"):
        Settings(environment="test", sms_gateway_url="sms.example.cn")
    url = "https://sms.example.cn/send"
    assert Settings(environment="test", sms_gateway_url=url).sms_gateway_url == url
