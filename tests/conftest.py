"""Shared fixtures: a real database (SQLite, or PostgreSQL via SUNLIGHT_TEST_DATABASE_URL),
a frozen clock, the real rules/ files, users per role and an API client."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

import supervisor.models  # noqa: F401  (all tables on Base.metadata for clean-up)
from api.app import create_app
from api.deps import ServiceState
from approval_core.context import Actor, CoreDeps
from approval_core.db import Base, make_engine, make_session_factory
from approval_core.migrations import upgrade
from approval_core.settings import Settings, get_settings
from approval_core.timeutil import LEGAL_TZ
from approval_core.users.service import add_user
from supervisor.policy.value import Policy, load_policy
from supervisor.runtime import Supervisor

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "rules"
KEY = "test-secret-key"
# The suite runs in the explicit test environment (weak keys accepted, said loudly), for the
# settings it builds and for every CLI call and subprocess; it sends notifications to real
# peers on loopback, which must therefore be allowed explicitly.
os.environ["SUNLIGHT_ENVIRONMENT"] = "test"
os.environ["SUNLIGHT_OUTBOUND_ALLOW"] = "127.0.0.1"


_FIGURES: list[str] = []


@pytest.fixture
def figures() -> list[str]:
    """Lines a test reports (counts of what it checked), shown at the end of the run."""
    return _FIGURES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _FIGURES:
        terminalreporter.write_sep("=", "figures")
        for line in _FIGURES:
            terminalreporter.write_line(line)


@dataclass
class FrozenClock:
    """The one `now()` of a test; move it explicitly."""

    moment: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 9, 0, tzinfo=LEGAL_TZ))

    def __call__(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = moment

    def advance(self, **kwargs: float) -> None:
        self.moment = self.moment + timedelta(**kwargs)


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("SUNLIGHT_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def _drop_everything(engine: Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            for table in [*reversed(Base.metadata.sorted_tables)]:
                conn.execute(text(f'DROP TABLE IF EXISTS "{table.name}" CASCADE'))
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    """The schema is built by the real migrations, once per run."""
    eng = make_engine(db_url)
    _drop_everything(eng)
    upgrade(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> Iterator[sessionmaker[Session]]:
    yield make_session_factory(engine)
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture(scope="session", name="policy")
def policy_fixture() -> Policy:
    """The shipped rules/ as one policy, judged by durable-rules and plain Python side by side
    (they must agree)."""
    return load_policy(RULES, mode="dual")


@pytest.fixture(name="supervisor")
def supervisor_fixture(policy: Policy) -> Supervisor:
    return Supervisor(policy, RULES)


@pytest.fixture
def core(clock: FrozenClock, supervisor: Supervisor) -> CoreDeps:
    return supervisor.deps(KEY, clock)


@pytest.fixture
def service(
    engine: Engine,
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    db_url: str,
    supervisor: Supervisor,
    tmp_path: Path,
) -> ServiceState:
    settings = test_settings(db_url, upload_dir=tmp_path / "uploads")
    return ServiceState(
        settings=settings, engine=engine, sessions=sessions, supervisor=supervisor, now=clock
    )


def test_settings(db_url: str, **overrides: object) -> Settings:
    """The settings of the test service (environment test, loopback allowed outbound)."""
    values: dict[str, object] = {
        "database_url": db_url,
        "rules_dir": RULES,
        "secret_key": KEY,
        "environment": "test",
        "outbound_allow": ["127.0.0.1"],
    }
    return Settings(**(values | overrides))  # type: ignore[arg-type]


@pytest.fixture
def client(service: ServiceState) -> TestClient:
    return TestClient(create_app(service))


@dataclass
class People:
    """One user per role (department roles in `department`), with tokens and actors."""

    tokens: dict[str, str]
    actors: dict[str, Actor]
    department: str
    other_department: str

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture
def people(sessions: sessionmaker[Session], core: CoreDeps) -> People:
    departments = list(core.catalogue.departments)
    dept, other = departments[0], departments[1]
    specs = {
        "applicant": ("applicant", None),
        "clerk": ("clerk", dept),
        "handler": ("handler", dept),
        "handler2": ("handler", dept),
        "reviewer": ("reviewer", dept),
        "head": ("head", dept),
        "supervisor": ("supervisor", None),
        "policy": ("policy", None),
        "admin": ("admin", None),
        "other_handler": ("handler", other),
        "other_clerk": ("clerk", other),
    }
    tokens: dict[str, str] = {}
    actors: dict[str, Actor] = {}
    with sessions() as session, session.begin():
        for who, (role, department) in specs.items():
            user, token = add_user(
                session,
                name=f"{who} 测试",
                role=role,
                department=department,
                now=core.now(),
                known_departments=set(departments),
                token_lifetime=None,  # tests move the clock by months; expiry: tests/security
            )
            tokens[who] = token
            actors[who] = Actor(user.id, user.name, role, department)
    return People(tokens, actors, dept, other)


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch, db_url: str, sessions: sessionmaker[Session]
) -> Iterator[CliRunner]:
    """The `sunlight` command line on the test database, rules and key."""
    del sessions  # requested for its clean-up of the tables after the test
    monkeypatch.setenv("SUNLIGHT_DATABASE_URL", db_url)
    monkeypatch.setenv("SUNLIGHT_SECRET_KEY", KEY)
    monkeypatch.setenv("SUNLIGHT_RULES_DIR", str(RULES))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


@dataclass(frozen=True)
class ApplicantLogin:
    """A registered applicant of the service hall: the account's actor and its log-in."""

    actor: Actor
    login: str
    password: str


@pytest.fixture
def applicant_account(sessions: sessionmaker[Session], core: CoreDeps) -> ApplicantLogin:
    """A person's account (password log-in) in the service hall."""
    from approval_core.accounts.service import create_account
    from approval_core.cases.schemas import Applicant

    applicant = Applicant(name="赵申请", id_number="36010219900101123X", phone="13912345678")
    password = "correct-horse-42"
    with sessions() as session, session.begin():
        account = create_account(
            session, core.now(), login="13912345678", password=password, applicant=applicant
        )
        actor = Actor(account.user_id, account.name, "applicant", None)
    return ApplicantLogin(actor, "13912345678", password)
