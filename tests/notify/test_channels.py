"""Each channel against a real peer: the mail in Chinese over SMTP, the signed webhook, WeCom's
and DingTalk's formats (DingTalk signed), their size limits and errcode failures."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from supervisor.notify.channels import DINGTALK_LIMIT, WECOM_LIMIT
from supervisor.notify.deliver import Deliverer
from supervisor.notify.models import Delivery, DeliveryAttempt
from tests.conftest import FrozenClock, People
from tests.notify.conftest import queue, sample_message
from tests.notify.peers import DINGTALK_SECRET, WEBHOOK_SECRET, Mailbox, Receiver, alertmanager


def _statuses(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(Delivery.status).order_by(Delivery.id)))


def test_mail_arrives_in_chinese_with_text_and_html(
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    people: People,
    deliverer: Deliverer,
    mailbox: tuple[Mailbox, int],
) -> None:
    handler = people.actors["handler"].user_id
    assert handler is not None
    queue(sessions, clock, handler, "email", "handler@example.gov.cn")
    assert deliverer.run_once() == 1
    (mail,) = mailbox[0].to("handler@example.gov.cn")
    assert mail["Subject"].startswith("【黄牌·告警】办理超期")
    plain = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert plain is not None
    assert html is not None
    assert "法律依据：行政许可法第四十二条" in plain.get_content()
    assert "<h3>" in html.get_content()
    assert _statuses(sessions) == ["delivered"]


def test_webhook_is_signed_and_documented(
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    people: People,
    deliverer: Deliverer,
    receiver: Receiver,
) -> None:
    handler = people.actors["handler"].user_id
    assert handler is not None
    queue(sessions, clock, handler, "webhook", receiver.url("/webhook"), WEBHOOK_SECRET)
    assert deliverer.run_once() == 1
    (got,) = receiver.at("/webhook")
    assert receiver.problems == []
    assert got.headers["webhook-id"].startswith("msg_")
    assert got.headers["webhook-timestamp"] == str(int(clock().timestamp()))
    body = got.json()
    assert body["type"] == "alert.alert"
    assert body["data"]["case"]["tracking_no"] == "SL-1"


def test_a_bad_signature_is_refused_by_the_receiver(
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    people: People,
    deliverer: Deliverer,
    receiver: Receiver,
) -> None:
    handler = people.actors["handler"].user_id
    assert handler is not None
    wrong = "whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="
    queue(sessions, clock, handler, "webhook", receiver.url("/webhook"), wrong)
    # our receiver answers 200 + errcode on a bad signature; the webhook channel reads only the
    # HTTP status, so the proof here is the receiver's own check
    deliverer.run_once()
    assert receiver.problems == ["webhook signature does not verify"]


def test_wecom_markdown_is_cut_to_4096_bytes(
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    people: People,
    deliverer: Deliverer,
    receiver: Receiver,
) -> None:
    handler = people.actors["handler"].user_id
    assert handler is not None
    long = sample_message() | {"text_zh": "超期案件" * 2000}
    queue(sessions, clock, handler, "wecom", receiver.url("/wecom"), message=long)
    assert deliverer.run_once() == 1
    body = receiver.at("/wecom")[0].json()
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert len(content.encode("utf-8")) <= WECOM_LIMIT
    assert content.endswith("（已截断 / truncated）")


def test_dingtalk_is_signed_and_within_its_limit(
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    people: People,
    deliverer: Deliverer,
    receiver: Receiver,
) -> None:
    handler = people.actors["handler"].user_id
    assert handler is not None
    long = sample_message() | {"text_zh": "超期" * 12000}
    queue(
        sessions,
        clock,
        handler,
        "dingtalk",
        receiver.url("/dingtalk?access_token=t"),
        DINGTALK_SECRET,
        message=long,
    )
    assert deliverer.run_once() == 1
    (got,) = receiver.at("/dingtalk")
    assert receiver.problems == []
    assert got.query["access_token"] == "t"
    assert len(got.body) <= DINGTALK_LIMIT
    assert "黄牌" in json.loads(got.body)["markdown"]["title"]


def test_errcode_on_http_200_is_a_failure(
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    people: People,
    deliverer: Deliverer,
    receiver: Receiver,
) -> None:
    handler = people.actors["handler"].user_id
    assert handler is not None
    receiver.mode = "errcode"
    queue(sessions, clock, handler, "wecom", receiver.url("/wecom"))
    assert deliverer.run_once() == 0
    assert _statuses(sessions) == ["pending"]
    with sessions() as session:
        (attempt,) = session.scalars(select(DeliveryAttempt)).all()
    assert (attempt.outcome, attempt.channel) == ("failed", "wecom")
    assert attempt.response is not None
    assert "310000" in attempt.response


def test_a_real_alertmanager_receives_the_alert(
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    people: People,
    deliverer: Deliverer,
    tmp_path: Path,
) -> None:
    handler = people.actors["handler"].user_id
    assert handler is not None
    for url in alertmanager(tmp_path):
        queue(sessions, clock, handler, "alertmanager", url)
        assert deliverer.run_once() == 1
        alerts = httpx.get(f"{url}/api/v2/alerts", timeout=5).json()
        (alert,) = alerts
        assert alert["labels"]["alertname"] == "TIME-YELLOW"
        assert alert["labels"]["severity"] == "yellow"
        assert alert["labels"]["case"] == "SL-1"
        assert alert["annotations"]["summary"].startswith("【黄牌·告警】")
