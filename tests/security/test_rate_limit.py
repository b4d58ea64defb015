"""The public look-up's rate limit lives in the database: shared by app instances, kept across
a restart, keyed by the real client (X-Forwarded-For only from a trusted proxy), never passed
by a parallel burst, answered with 429 problem+json and Retry-After; old windows pruned."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from approval_core.system.models import RateCounter
from supervisor.runtime import Supervisor
from tests.conftest import FrozenClock, People
from tests.security.secrets_support import client_of, service_with
from tests.support import item_in, submit

LIMIT = 3


def _case(sessions: sessionmaker[Session], core: CoreDeps, people: People) -> tuple[str, str]:
    item = item_in(core, people.department)
    _, tracking_no, code = submit(sessions, core, people.actors["clerk"], item, core.now())
    return f"/api/v1/public/cases/{tracking_no}", code


def _wrong(client: TestClient, url: str, **headers: str) -> int:
    status: int = client.get(url, params={"code": "WRONG123"}, headers=headers).status_code
    return status


def test_two_instances_share_the_limit_and_a_restart_keeps_it(
    db_url: str,
    sessions: sessionmaker[Session],
    supervisor: Supervisor,
    clock: FrozenClock,
    core: CoreDeps,
    people: People,
) -> None:
    url, code = _case(sessions, core, people)
    a = client_of(service_with(db_url, sessions, supervisor, clock, public_lookup_limit=LIMIT))
    b_service = service_with(
        db_url, sessions, supervisor, clock, own_engine=True, public_lookup_limit=LIMIT
    )
    b = client_of(b_service)
    assert [_wrong(a, url), _wrong(b, url), _wrong(a, url)] == [404, 404, 404]
    refused = b.get(url, params={"code": code})  # even the right code: the client is blocked
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "60"  # the clock stands at a window's start
    assert refused.json()["status"] == 429
    b_service.engine.dispose()
    restarted = client_of(
        service_with(db_url, sessions, supervisor, clock, own_engine=True, public_lookup_limit=3)
    )
    clock.advance(seconds=15)
    again = restarted.get(url, params={"code": code})
    assert (again.status_code, again.headers["retry-after"]) == (429, "45")
    clock.advance(seconds=45)  # the next window
    assert restarted.get(url, params={"code": code}).status_code == 200
    with sessions() as session:  # the finished window was pruned when the new one began
        windows = session.scalars(select(RateCounter.window_start)).all()
    assert len(windows) == 1


def test_found_look_ups_give_their_slot_back(
    db_url: str,
    sessions: sessionmaker[Session],
    supervisor: Supervisor,
    clock: FrozenClock,
    core: CoreDeps,
    people: People,
) -> None:
    url, code = _case(sessions, core, people)
    client = client_of(service_with(db_url, sessions, supervisor, clock, public_lookup_limit=LIMIT))
    assert _wrong(client, url) == 404
    for _ in range(LIMIT * 3):
        assert client.get(url, params={"code": code}).status_code == 200
    assert [_wrong(client, url) for _ in range(LIMIT)] == [404, 404, 429]


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(
    db_url: str,
    sessions: sessionmaker[Session],
    supervisor: Supervisor,
    clock: FrozenClock,
    core: CoreDeps,
    people: People,
) -> None:
    url, _ = _case(sessions, core, people)
    service = service_with(
        db_url,
        sessions,
        supervisor,
        clock,
        public_lookup_limit=LIMIT,
        trusted_proxies=["10.0.0.0/8"],
    )
    attacker = client_of(service, peer="203.0.113.5")
    spoofed = [_wrong(attacker, url, **{"X-Forwarded-For": f"198.51.100.{i}"}) for i in range(5)]
    assert spoofed == [404, 404, 404, 429, 429]  # one client, whatever it claims
    proxy = client_of(service, peer="10.0.0.2")
    first = [_wrong(proxy, url, **{"X-Forwarded-For": "198.51.100.7"}) for _ in range(4)]
    assert first == [404, 404, 404, 429]
    # another client behind the same proxy has its own count; a forged entry on the left of
    # the chain is not the client (the proxy appends the address it saw)
    other = _wrong(proxy, url, **{"X-Forwarded-For": "198.51.100.7, 198.51.100.8"})
    assert other == 404
    with sessions() as session:
        keys = set(session.scalars(select(RateCounter.key)))
    assert keys == {
        "public-lookup:203.0.113.5",
        "public-lookup:198.51.100.7",
        "public-lookup:198.51.100.8",
    }


def test_a_parallel_burst_never_passes_the_limit(
    db_url: str,
    sessions: sessionmaker[Session],
    supervisor: Supervisor,
    clock: FrozenClock,
    core: CoreDeps,
    people: People,
) -> None:
    url, _ = _case(sessions, core, people)
    limit, burst = 5, 24
    services = [
        service_with(
            db_url, sessions, supervisor, clock, own_engine=True, public_lookup_limit=limit
        )
        for _ in range(2)
    ]
    clients = [client_of(services[i % 2]) for i in range(burst)]
    start = threading.Barrier(burst)
    answers: list[int] = []
    lock = threading.Lock()

    def hit(client: TestClient) -> None:
        start.wait()
        status = _wrong(client, url)
        with lock:
            answers.append(status)

    threads = [threading.Thread(target=hit, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for service in services:
        service.engine.dispose()
    assert sorted(answers) == [404] * limit + [429] * (burst - limit)
    with sessions() as session:
        counted = session.scalar(select(func.sum(RateCounter.count)))
    assert counted == burst
