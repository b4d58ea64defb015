"""Contact points: secrets stored sealed with the data key and opened only to send (never in an
answer); destinations limited by the outbound allow-list, at add time (422 naming `address`)
and again before every attempt (a name resolving to a forbidden address: a failed attempt)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from approval_core.keys import SecretBox
from supervisor.notify.deliver import Deliverer
from supervisor.notify.models import ContactPoint, Delivery, DeliveryAttempt
from supervisor.notify.outbox import fan_out
from supervisor.runtime import Supervisor
from tests.conftest import FrozenClock, People
from tests.notify.conftest import sample_message
from tests.notify.peers import DINGTALK_SECRET, WEBHOOK_SECRET, Receiver, http_receiver
from tests.security.secrets_support import client_of, service_with


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from http_receiver()


def _contacts_url(people: People) -> str:
    return f"/api/v1/users/{people.actors['handler'].user_id}/contacts"


def _fan_out(sessions: sessionmaker[Session], clock: FrozenClock, people: People) -> None:
    handler = people.actors["handler"].user_id
    assert handler is not None
    with sessions() as session, session.begin():
        fan_out(
            session,
            sample_message(),
            [handler],
            ["webhook", "dingtalk", "email"],
            send_at=clock(),
            now=clock(),
            alert_id=None,
            key="security-test",
        )


def test_secrets_are_sealed_never_shown_and_opened_to_send(
    db_url: str,
    sessions: sessionmaker[Session],
    supervisor: Supervisor,
    clock: FrozenClock,
    people: People,
    receiver: Receiver,
) -> None:
    service = service_with(db_url, sessions, supervisor, clock)
    client = client_of(service)
    url = _contacts_url(people)
    hooks = [
        {"channel": "webhook", "address": receiver.url("/webhook"), "secret": WEBHOOK_SECRET},
        {
            "channel": "dingtalk",
            "address": receiver.url("/dingtalk?access_token=robot-token-123"),
            "secret": DINGTALK_SECRET,
        },
    ]
    for body in hooks:
        made = client.post(url, json=body, headers=people.auth("admin"))
        assert made.status_code == 201, made.text
    listed = client.get(url, headers=people.auth("handler"))
    for secret in (WEBHOOK_SECRET, DINGTALK_SECRET, "robot-token-123"):
        assert secret not in listed.text
    assert [c["signed"] for c in listed.json()] == [True, True]
    box = SecretBox(service.settings.data_key)
    with sessions() as session:
        stored = session.scalars(select(ContactPoint.secret).order_by(ContactPoint.id)).all()
    assert all(s is not None and s not in (WEBHOOK_SECRET, DINGTALK_SECRET) for s in stored)
    assert [box.open(s or "") for s in stored] == [WEBHOOK_SECRET, DINGTALK_SECRET]
    _fan_out(sessions, clock, people)
    deliverer = Deliverer.from_settings(sessions, clock, service.settings)
    assert deliverer.run_once() == 2
    assert receiver.problems == []  # both signatures verify: the secrets were opened
    log = client.get("/api/v1/notifications/deliveries", headers=people.auth("admin"))
    assert "robot-token-123" not in log.text
    assert WEBHOOK_SECRET not in log.text


def test_a_secret_sealed_with_another_key_is_a_failed_attempt(
    db_url: str,
    sessions: sessionmaker[Session],
    supervisor: Supervisor,
    clock: FrozenClock,
    people: People,
    receiver: Receiver,
) -> None:
    service = service_with(db_url, sessions, supervisor, clock)
    client = client_of(service)
    body = {"channel": "webhook", "address": receiver.url("/webhook"), "secret": WEBHOOK_SECRET}
    assert client.post(_contacts_url(people), json=body, headers=people.auth("admin")).is_success
    _fan_out(sessions, clock, people)
    other = service_with(db_url, sessions, supervisor, clock, secret_key="another-test-key")
    assert Deliverer.from_settings(sessions, clock, other.settings).run_once() == 0
    with sessions() as session:
        attempt = session.scalars(select(DeliveryAttempt)).one()
    assert attempt.outcome == "failed"
    assert "SUNLIGHT_DATA_KEY" in (attempt.response or "")
    assert receiver.received == []


@pytest.mark.parametrize(
    "address",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost:9/hook",
        "http://[::1]:9/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://0.0.0.0/hook",
        "ftp://hook.example.gov.cn/x",
    ],
)
def test_non_public_destinations_are_refused_when_added(
    address: str,
    db_url: str,
    sessions: sessionmaker[Session],
    supervisor: Supervisor,
    clock: FrozenClock,
    people: People,
) -> None:
    client = client_of(service_with(db_url, sessions, supervisor, clock, outbound_allow=[]))
    body = {"channel": "webhook", "address": address}
    refused = client.post(_contacts_url(people), json=body, headers=people.auth("admin"))
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "address"
    public = {"channel": "webhook", "address": "https://hook.example.gov.cn/x"}
    assert client.post(_contacts_url(people), json=public, headers=people.auth("admin")).is_success
    with sessions() as session:
        kept = session.scalars(select(ContactPoint.address)).all()
    assert kept == ["https://hook.example.gov.cn/x"]


def test_the_allow_list_admits_a_network(
    db_url: str,
    sessions: sessionmaker[Session],
    supervisor: Supervisor,
    clock: FrozenClock,
    people: People,
) -> None:
    service = service_with(db_url, sessions, supervisor, clock, outbound_allow=["10.1.0.0/16"])
    client = client_of(service)
    inside = {"channel": "webhook", "address": "http://10.1.2.3/hook"}
    outside = {"channel": "webhook", "address": "http://10.2.0.1/hook"}
    url = _contacts_url(people)
    assert client.post(url, json=inside, headers=people.auth("admin")).status_code == 201
    assert client.post(url, json=outside, headers=people.auth("admin")).status_code == 422


def _resolves_to_non_public(name: str) -> bool:
    try:
        found = {info[4][0] for info in socket.getaddrinfo(name, None)}
    except OSError:
        return False
    return bool(found) and not any(ipaddress.ip_address(str(a)).is_global for a in found)


def test_send_time_refuses_a_name_resolving_inward_and_a_narrowed_allow_list(
    db_url: str,
    sessions: sessionmaker[Session],
    supervisor: Supervisor,
    clock: FrozenClock,
    people: People,
    receiver: Receiver,
) -> None:
    name = socket.gethostname()  # a DNS name (from /etc/hosts here) for a local address
    if not _resolves_to_non_public(name):
        pytest.skip(f"{name} does not resolve to a non-public address on this machine")
    strict = service_with(db_url, sessions, supervisor, clock, outbound_allow=[])
    url = _contacts_url(people)
    by_name = {"channel": "webhook", "address": f"http://{name}:{receiver.port}/webhook"}
    added = client_of(strict).post(url, json=by_name, headers=people.auth("admin"))
    assert added.status_code == 201, added.text  # a name passes; it is resolved to send
    loose = service_with(db_url, sessions, supervisor, clock)  # 127.0.0.1 allowed
    by_ip = {"channel": "webhook", "address": receiver.url("/webhook")}
    assert client_of(loose).post(url, json=by_ip, headers=people.auth("admin")).is_success
    _fan_out(sessions, clock, people)
    assert Deliverer.from_settings(sessions, clock, strict.settings).run_once() == 0
    with sessions() as session:
        rows = session.scalars(select(Delivery).order_by(Delivery.id)).all()
        attempts = session.scalars(select(DeliveryAttempt)).all()
    assert [r.status for r in rows] == ["pending", "pending"]
    assert [r.attempts for r in rows] == [1, 1]
    assert [a.outcome for a in attempts] == ["failed", "failed"]
    assert all("destination refused" in (a.response or "") for a in attempts)
    assert f"{name} resolves to 127.0.0.1" in (rows[0].last_error or "")
    assert receiver.received == []
