"""Delivery that survives failures: a receiver down then up, one always failing (dead letter,
replayed through the API), a sender killed mid-delivery; contact points and the inbox by API."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from approval_core.timeutil import utcnow
from supervisor.notify.deliver import Deliverer
from supervisor.notify.models import Delivery, DeliveryAttempt
from tests.conftest import REPO, FrozenClock, People
from tests.notify.conftest import queue
from tests.notify.peers import WEBHOOK_SECRET, Receiver


def _one(sessions: sessionmaker[Session]) -> Delivery:
    with sessions() as session:
        (row,) = session.scalars(select(Delivery)).all()
        return row


def _handler(people: People) -> int:
    user_id = people.actors["handler"].user_id
    assert user_id is not None
    return user_id


def test_receiver_down_then_up_is_delivered_after_a_retry(
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    people: People,
    deliverer: Deliverer,
    receiver: Receiver,
) -> None:
    queue(sessions, clock, _handler(people), "webhook", receiver.url("/webhook"), WEBHOOK_SECRET)
    receiver.mode = "fail"
    assert deliverer.run_once() == 0
    row = _one(sessions)
    assert (row.status, row.attempts) == ("pending", 1)
    # backoff: 30 s doubled per attempt, with jitter between half and all of it
    assert timedelta(seconds=15) <= row.next_attempt_at - clock() <= timedelta(seconds=30)
    assert deliverer.run_once() == 0  # not due yet: nothing is sent
    assert len(receiver.received) == 1
    receiver.mode = "ok"
    clock.advance(seconds=31)
    assert deliverer.run_once() == 1
    first, second = receiver.at("/webhook")
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == row.key
    assert receiver.problems == []
    with sessions() as session:
        outcomes = session.scalars(select(DeliveryAttempt.outcome).order_by(DeliveryAttempt.id))
        assert list(outcomes) == ["failed", "delivered"]


def test_always_failing_goes_dead_and_replay_delivers(
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    people: People,
    deliverer: Deliverer,
    receiver: Receiver,
    notify_client: TestClient,
) -> None:
    queue(sessions, clock, _handler(people), "webhook", receiver.url("/webhook"), WEBHOOK_SECRET)
    receiver.mode = "fail"
    for _ in range(3):  # max_attempts in the fixture
        deliverer.run_once()
        clock.advance(hours=1)
    assert _one(sessions).status == "dead"
    dead = notify_client.get(
        "/api/v1/notifications/deliveries?status=dead", headers=people.auth("supervisor")
    ).json()
    assert [d["status"] for d in dead] == ["dead"]
    assert [h["outcome"] for h in dead[0]["history"]] == ["failed", "failed", "dead"]
    assert "500" in dead[0]["last_error"]
    refused = notify_client.post(
        f"/api/v1/notifications/deliveries/{dead[0]['id']}/replay", headers=people.auth("handler")
    )
    assert refused.status_code == 403
    receiver.mode = "ok"
    replayed = notify_client.post(
        f"/api/v1/notifications/deliveries/{dead[0]['id']}/replay",
        headers=people.auth("supervisor"),
    )
    assert replayed.json()["status"] == "pending", replayed.text
    assert deliverer.run_once() == 1
    assert _one(sessions).status == "delivered"
    ids = {r.headers["webhook-id"] for r in receiver.at("/webhook")}
    assert ids == {dead[0]["key"]}  # every try, replay included, carries one idempotency key
    again = notify_client.post(
        f"/api/v1/notifications/deliveries/{dead[0]['id']}/replay",
        headers=people.auth("supervisor"),
    )
    assert again.status_code in (400, 409, 422)


def test_a_sender_killed_mid_delivery_loses_nothing(
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    people: People,
    deliverer: Deliverer,
    receiver: Receiver,
) -> None:
    queue(sessions, clock, _handler(people), "webhook", receiver.url("/webhook"), WEBHOOK_SECRET)
    claimed = deliverer._claim(10)  # the process claims it, then dies before sending
    assert len(claimed) == 1
    restarted = Deliverer(
        sessions,
        clock,
        deliverer.channels,
        box=deliverer.box,
        outbound=deliverer.outbound,
        smtp_host=deliverer.smtp_host,
    )
    assert restarted.run_once() == 0  # the claim still holds: no double send meanwhile
    clock.advance(minutes=6)  # the claim has expired
    assert restarted.run_once() == 1
    assert _one(sessions).status == "delivered"
    assert len(receiver.at("/webhook")) == 1


def test_contacts_and_inbox_through_the_api(
    notify_client: TestClient,
    people: People,
    sessions: sessionmaker[Session],
    clock: FrozenClock,
) -> None:
    handler = _handler(people)
    url = f"/api/v1/users/{handler}/contacts"
    made = notify_client.post(
        url,
        json={"channel": "email", "address": "h@example.gov.cn"},
        headers=people.auth("handler"),
    )
    assert made.status_code == 201, made.text
    bad = notify_client.post(
        url, json={"channel": "fax", "address": "1"}, headers=people.auth("handler")
    )
    assert bad.status_code == 422
    assert "fax" in bad.text
    other = notify_client.get(url, headers=people.auth("handler2"))
    assert other.status_code == 403
    listed = notify_client.get(url, headers=people.auth("admin")).json()
    assert [c["address"] for c in listed] == ["h@example.gov.cn"]
    queue(sessions, clock, handler, "webhook", "http://127.0.0.1:9/none")
    inbox = notify_client.get("/api/v1/inbox?unread=true", headers=people.auth("handler")).json()
    assert [m["subject"] for m in inbox] == [
        "【黄牌·告警】办理超期 案件 SL-1 / [yellow alert] Overdue"
    ]
    read = notify_client.post(
        f"/api/v1/inbox/{inbox[0]['id']}/read", headers=people.auth("handler")
    )
    assert read.json()["read_at"] is not None
    assert (
        notify_client.get("/api/v1/inbox?unread=true", headers=people.auth("handler")).json() == []
    )
    assert notify_client.get("/api/v1/inbox", headers=people.auth("handler2")).json() == []
    gone = notify_client.delete(f"{url}/{made.json()['id']}", headers=people.auth("handler"))
    assert gone.status_code == 204


_SENDER = """
import sys
from approval_core.db import make_engine, make_session_factory
from approval_core.settings import Settings
from approval_core.timeutil import utcnow
from supervisor.notify.deliver import Deliverer
settings = Settings(secret_key="test-secret-key")  # SUNLIGHT_ENVIRONMENT=test, from the suite
Deliverer.from_settings(make_session_factory(make_engine(sys.argv[1])), utcnow, settings).run_once()
"""


def test_a_sender_process_killed_while_sending_is_replaced_after_restart(
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    people: People,
    db_url: str,
    deliverer: Deliverer,
    receiver: Receiver,
) -> None:
    queue(sessions, clock, _handler(people), "webhook", receiver.url("/webhook"), WEBHOOK_SECRET)
    receiver.mode = "hang"
    sender = subprocess.Popen([sys.executable, "-c", _SENDER, db_url], cwd=REPO)
    try:
        for _ in range(200):
            if receiver.received:
                break
            time.sleep(0.05)
        assert len(receiver.received) == 1  # it is sending right now...
    finally:
        sender.kill()  # ...when the process dies
        sender.wait(timeout=10)
    row = _one(sessions)
    assert (row.status, row.attempts, row.claimed_until is not None) == ("pending", 0, True)
    receiver.mode = "ok"
    receiver.release.set()
    clock.set(utcnow() + timedelta(minutes=6))  # after the dead sender's claim ran out
    assert deliverer.run_once() == 1
    assert _one(sessions).status == "delivered"
    first, second = receiver.at("/webhook")
    assert first.headers["webhook-id"] == second.headers["webhook-id"]  # same key: dedupe-able
