"""The watch screens see the notifier: backlog and dead letters from the outbox, and the
process's sent / failed counters by channel."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.deps import ServiceState
from supervisor.notify.deliver import Deliverer
from tests.conftest import FrozenClock, People
from tests.metrics.support import scrape, value
from tests.notify.conftest import queue
from tests.notify.peers import WEBHOOK_SECRET, Receiver


def test_backlog_dead_letters_and_counters(
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    people: People,
    deliverer: Deliverer,
    receiver: Receiver,
    service: ServiceState,
    client: TestClient,
) -> None:
    user_id = people.actors["handler"].user_id
    assert user_id is not None
    queue(sessions, clock, user_id, "webhook", receiver.url("/webhook"), WEBHOOK_SECRET)
    text = scrape(client)
    assert value(text, "sunlight_notification_backlog") == 1
    assert value(text, "sunlight_notification_dead_letters") == 0
    metrics = service.supervisor.metrics
    before_failed = value(text, "sunlight_notifications_failed_total", channel="webhook")
    deliverer.on_attempt = metrics.count_delivery
    receiver.mode = "fail"
    for _ in range(deliverer.max_attempts):
        deliverer.run_once()
        clock.advance(hours=2)
    text = scrape(client)
    assert value(text, "sunlight_notification_backlog") == 0
    assert value(text, "sunlight_notification_dead_letters") == 1
    failed = value(text, "sunlight_notifications_failed_total", channel="webhook")
    assert failed - before_failed == deliverer.max_attempts
