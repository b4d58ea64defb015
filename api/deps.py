"""Request-scoped pieces: the service state, the caller (bearer token), transactions and the
guard every route's path and query values pass."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.ratelimit import PublicLimiter
from approval_core.cases.labels import ROLE_LABELS, zh
from approval_core.cases.rows import lock_cases
from approval_core.context import Actor, CoreDeps
from approval_core.db import read_only
from approval_core.errors import Forbidden, InvalidInput
from approval_core.group_commit import GroupCommit
from approval_core.inputs import control_character
from approval_core.receipts.documents import ReceiptDocuments
from approval_core.receipts.signing import signer_from_settings
from approval_core.settings import Settings
from approval_core.timeutil import Clock, utcnow
from approval_core.users.cache import TokenCache
from approval_core.users.service import token_digest, user_by_token
from supervisor.evaluation.public import PublicStatisticsCache
from supervisor.judge_loop import JudgeLoop
from supervisor.runtime import Supervisor
from supervisor.sweep_pool import SweepPool


@dataclass
class ServiceState:
    """What the app holds for its lifetime; tests build their own."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    supervisor: Supervisor  # holds the policy in force
    now: Clock = utcnow
    sweep_pool: SweepPool | None = None  # SUNLIGHT_SWEEP_WORKERS > 1
    # From the settings: token look-ups cached for a few seconds (this process), and the
    # public look-up's rate limit (in the database, shared by processes).
    tokens: TokenCache = field(init=False)
    limiter: PublicLimiter = field(init=False)
    judge: JudgeLoop = field(init=False)  # judges facts off the request path
    commits: GroupCommit = field(init=False)  # filings and actions, committed in groups
    documents: ReceiptDocuments = field(init=False)  # signed PDFs (SUNLIGHT_SIGNING_*)
    # the public statistics, kept five minutes in this process
    public_statistics: PublicStatisticsCache = field(default_factory=PublicStatisticsCache)

    def __post_init__(self) -> None:
        self.tokens = TokenCache(self.settings.token_cache_seconds)
        self.supervisor.public_url = self.settings.public_url  # links in applicant messages
        if self.settings.sms_gateway_url:
            self.supervisor.sms_enabled = True
        self.limiter = PublicLimiter.from_settings(self.sessions, self.settings)
        self.commits = GroupCommit(self.sessions, prepare=lock_cases)
        self.judge = JudgeLoop(self.sessions, self.supervisor, self.settings.secret_key, self.now)
        signer = signer_from_settings(self.settings)
        self.documents = ReceiptDocuments(signer, self.settings.public_url)

    @property
    def core(self) -> CoreDeps:
        """The core's dependencies from the policy in force now: take them once per request
        (a reload in between gives the next request the new policy, never a mix)."""
        return self.supervisor.deps(self.settings.secret_key, self.now, self.settings.record_mac)


# The dependencies below that do no blocking I/O are `async def`: FastAPI runs a plain `def`
# dependency in the thread pool, a hop per dependency per request (issue 12: most of the
# request's cost besides the database was such hops).


async def state(request: Request) -> ServiceState:
    service: ServiceState = request.app.state.service
    return service


@contextmanager
def unit_of_work(service: ServiceState) -> Iterator[Session]:
    """One use case, one transaction: committed before the response is built."""
    with service.sessions() as session, session.begin():
        yield session


_bearer = HTTPBearer(auto_error=False)


async def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """The caller: from this process's token cache when it holds the token (no I/O, on the
    event loop), else looked up in the database in the thread pool."""
    if credentials is None:
        raise HTTPException(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    service: ServiceState = request.app.state.service
    digest, now = token_digest(credentials.credentials), service.now()
    actor = service.tokens.get(digest, now)
    if actor is not None:
        return actor
    return await run_in_threadpool(_actor_from_database, service, credentials.credentials, now)


def _actor_from_database(service: ServiceState, token: str, now: datetime) -> Actor:
    digest = token_digest(token)
    with service.sessions() as session:
        read_only(session)
        user = user_by_token(session, token, now)
    if user is None:
        raise HTTPException(
            401, "invalid, expired or revoked token", headers={"WWW-Authenticate": "Bearer"}
        )
    actor = Actor(user.id, user.name, user.role, user.department_code)
    service.tokens.put(digest, actor, user.token_expires_at)
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
Service = Annotated[ServiceState, Depends(state)]


async def guard_parameters(request: Request) -> None:
    """Every route's first dependency: no path or query value may carry a control character
    (a NUL cannot even be stored on PostgreSQL); 422 naming the parameter. Ids, moments and
    bodies are checked by their types (`approval_core/inputs.py`)."""
    values = [*request.path_params.items(), *request.query_params.multi_items()]
    for name, value in values:
        if isinstance(value, str) and control_character(value) is not None:
            raise InvalidInput(
                f"{name} must not contain control characters",
                detail_zh=f"{name} 不能包含控制字符",
                field=name,
            )


_MAX_VERSION = 2**31 - 1


async def expected_version(
    if_match: Annotated[
        str | None,
        Header(
            description="The record's `version` the client read (as its GET shows it): the "
            "change is made only if the record is still at that version, else 409 with the "
            "current state. Optional: without it the version the server reads is compared."
        ),
    ] = None,
) -> int | None:
    """`If-Match: 3` (or an ETag-style `"3"` / `W/"3"`; `*` is any version)."""
    if if_match is None or if_match.strip() == "*":
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit() or not 1 <= int(raw) <= _MAX_VERSION:
        raise InvalidInput(
            "If-Match must be the record's version, a positive integer",
            detail_zh="If-Match 须为记录的版本号（正整数）",
            field="If-Match",
        )
    return int(raw)


ExpectedVersion = Annotated[int | None, Depends(expected_version)]


def require_role(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise Forbidden(
            f"this needs one of the roles: {', '.join(roles)}",
            detail_zh=f"需要以下角色之一：{'、'.join(zh(ROLE_LABELS, r) for r in roles)}",
        )
