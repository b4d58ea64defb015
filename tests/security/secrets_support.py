"""Helpers of the secrets, tokens, contact-point and rate-limit tests: a service (and its app)
with settings of the test's own, on the test database."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.deps import ServiceState
from approval_core.db import make_engine, make_session_factory
from supervisor.runtime import Supervisor
from tests.conftest import FrozenClock, test_settings


def service_with(
    db_url: str,
    sessions: sessionmaker[Session],
    supervisor: Supervisor,
    clock: FrozenClock,
    *,
    own_engine: bool = False,
    **overrides: object,
) -> ServiceState:
    """A service on the test database with some settings changed; `own_engine`: its own
    connections, as a second process (or the same one restarted) would have."""
    settings = test_settings(db_url, **overrides)
    if own_engine:
        engine = make_engine(db_url)
        sessions = make_session_factory(engine)
    else:
        engine = sessions.kw["bind"]
    return ServiceState(
        settings=settings, engine=engine, sessions=sessions, supervisor=supervisor, now=clock
    )


def client_of(service: ServiceState, peer: str = "testclient") -> TestClient:
    return TestClient(create_app(service), client=(peer, 40000))
