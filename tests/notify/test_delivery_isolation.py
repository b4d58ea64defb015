"""One delivery's error is that delivery's failed attempt (recorded, retried, dead-lettered),
never the run's: the deliveries queued behind it are sent. A malformed webhook secret is
refused when the contact point is added."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from supervisor.notify.deliver import Deliverer
from supervisor.notify.models import ContactPoint, Delivery, DeliveryAttempt
from tests.conftest import FrozenClock, People
from tests.notify.conftest import BOX, queue
from tests.notify.peers import WEBHOOK_SECRET, Receiver


def test_a_poisoned_delivery_is_dead_lettered_while_the_others_are_sent(
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    people: People,
    deliverer: Deliverer,
    receiver: Receiver,
) -> None:
    handler, head = people.actors["handler"].user_id, people.actors["head"].user_id
    assert handler is not None
    assert head is not None
    bad_url, good_url = receiver.url("/bad"), receiver.url("/good")
    queue(sessions, clock, handler, "webhook", bad_url, WEBHOOK_SECRET)
    queue(sessions, clock, head, "webhook", good_url, WEBHOOK_SECRET)
    with sessions() as session, session.begin():  # a secret stored before it was checked
        session.execute(
            update(Delivery).where(Delivery.address == bad_url).values(secret=BOX.seal("whsec_abc"))
        )
    assert deliverer.run_once() == 1  # the good one, in the same run
    for _ in range(deliverer.max_attempts):
        clock.advance(hours=2)
        deliverer.run_once()
    with sessions() as session:
        rows = {d.address: d for d in session.scalars(select(Delivery))}
        attempts = session.scalars(
            select(DeliveryAttempt.outcome, DeliveryAttempt.response)
            .join(Delivery, Delivery.id == DeliveryAttempt.delivery_id)
            .where(Delivery.address == bad_url)
            .order_by(DeliveryAttempt.id)
        ).all()
    assert (rows[good_url].status, rows[bad_url].status) == ("delivered", "dead")
    assert rows[bad_url].attempts == deliverer.max_attempts
    assert "Error" in (rows[bad_url].last_error or "")
    assert len(attempts) == deliverer.max_attempts
    assert [r.path for r in receiver.received] == ["/good"]
    assert clock() - rows[bad_url].created_at > timedelta(hours=1)


def test_a_malformed_webhook_secret_is_refused_naming_the_field(
    client: TestClient, people: People, sessions: sessionmaker[Session]
) -> None:
    handler = people.actors["handler"].user_id
    url = f"/api/v1/users/{handler}/contacts"
    for secret in ("whsec_abc", "abc", "whsec_" + "QUJD" * 4):
        body = {"channel": "webhook", "address": "https://hook.example.gov.cn/x", "secret": secret}
        answer = client.post(url, json=body, headers=people.auth("admin"))
        assert answer.status_code == 422, answer.text
        problem = answer.json()
        assert problem["errors"][0]["field"] == "secret"
        assert "whsec_" in problem["detail"]
    good = {
        "channel": "webhook",
        "address": "https://hook.example.gov.cn/x",
        "secret": WEBHOOK_SECRET,
    }
    assert client.post(url, json=good, headers=people.auth("admin")).status_code == 201
    with sessions() as session:
        stored = session.scalars(select(ContactPoint.secret)).all()
    assert len(stored) == 1
    assert stored[0] is not None
    assert BOX.open(stored[0]) == WEBHOOK_SECRET  # stored sealed (tests/security)
