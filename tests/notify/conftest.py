"""Fixtures of the notification tests: the real peers, a deliverer on the frozen clock, an API
client with the notification routes, and a queued message."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.deps import ServiceState
from approval_core.keys import SecretBox
from approval_core.settings import Settings
from supervisor.notify import service as notify
from supervisor.notify.channels import SmtpConfig, standard_channels
from supervisor.notify.deliver import Deliverer
from supervisor.notify.outbound import OutboundPolicy
from supervisor.notify.outbox import fan_out
from tests.conftest import KEY, FrozenClock
from tests.notify.peers import Mailbox, Receiver, http_receiver, smtp_server

# The keys and outbound policy of the test settings (tests/conftest.py test_settings).
TEST_SETTINGS = Settings(environment="test", secret_key=KEY, outbound_allow=["127.0.0.1"])
BOX = SecretBox(TEST_SETTINGS.data_key)
OUTBOUND = OutboundPolicy.from_settings(TEST_SETTINGS)


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    yield from smtp_server()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from http_receiver()


@pytest.fixture
def deliverer(
    sessions: sessionmaker[Session], clock: FrozenClock, mailbox: tuple[Mailbox, int]
) -> Deliverer:
    smtp = SmtpConfig(host="127.0.0.1", port=mailbox[1], sender="sunlight@example.gov.cn")
    return Deliverer(
        sessions,
        clock,
        standard_channels(smtp),
        max_attempts=3,
        rng=random.Random(7),
        claim_for=timedelta(minutes=5),
        box=BOX,
        outbound=OUTBOUND,
        smtp_host=smtp.host,
    )


@pytest.fixture
def notify_client(service: ServiceState) -> TestClient:
    return TestClient(create_app(service))


def sample_message() -> dict[str, Any]:
    return {
        "event": "alert.alert",
        "kind": "alert",
        "subject_zh": "【黄牌·告警】办理超期 案件 SL-1",
        "subject_en": "[yellow alert] Overdue",
        "text_zh": "【黄牌·告警】办理超期 案件 SL-1\n已超期 1 个工作日\n"
        "法律依据：行政许可法第四十二条",
        "text_en": "[yellow alert] Overdue\nOverdue by 1 working day",
        "alert": {"id": 1, "rule_id": "TIME-YELLOW", "level": "yellow"},
        "case": {"tracking_no": "SL-1"},
    }


def queue(
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    user_id: int,
    channel: str,
    address: str,
    secret: str | None = None,
    message: dict[str, Any] | None = None,
) -> None:
    """One contact point for `user_id` and one message fanned out to it."""
    with sessions() as session, session.begin():
        notify.add_contact(
            session,
            user_id,
            channel=channel,
            address=address,
            secret=secret,
            now=clock(),
            box=BOX,
            outbound=OUTBOUND,
        )
        fan_out(
            session,
            message or sample_message(),
            [user_id],
            [channel],
            send_at=clock(),
            now=clock(),
            alert_id=None,
            key=f"test:{channel}:{address}",
        )
