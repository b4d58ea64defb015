"""Fixtures of the metrics tests: apps with counters of their own, and the demo data loaded."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.demo import load_demo
from api.deps import ServiceState
from supervisor.processing import process_pending
from supervisor.runtime import Supervisor
from tests.conftest import RULES


@pytest.fixture
def own_service(service: ServiceState) -> ServiceState:
    """The test service with a Supervisor of its own, so its counters start at 0."""
    sup = Supervisor.from_dir(RULES, mode="dual")
    return ServiceState(service.settings, service.engine, service.sessions, sup, service.now)


@pytest.fixture
def own_client(own_service: ServiceState) -> TestClient:
    return TestClient(create_app(own_service))


@pytest.fixture
def demo(service: ServiceState) -> ServiceState:
    """The demo cases of `make run` in the test database, their facts judged (alerts open)."""
    with service.sessions() as session, session.begin():
        load_demo(session, service.core, if_empty=False)
    while True:
        with service.sessions() as session, session.begin():
            if process_pending(session, service.core, service.supervisor) == 0:
                break
    return service
