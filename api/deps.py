"""Request-scoped pieces: the service state, the caller (bearer token), transactions and the
guard every route's path and query values pass."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import Actor, CoreDeps
from approval_core.errors import Forbidden, InvalidInput
from approval_core.inputs import control_character
from approval_core.settings import Settings
from approval_core.timeutil import Clock, utcnow
from approval_core.users.service import user_by_token
from supervisor.processing import process_pending
from supervisor.runtime import Supervisor
from supervisor.sweep_pool import SweepPool

log = logging.getLogger("sunlight.api")


@dataclass
class ServiceState:
    """What the app holds for its lifetime; tests build their own."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    supervisor: Supervisor  # holds the policy in force
    now: Clock = utcnow
    sweep_pool: SweepPool | None = None  # SUNLIGHT_SWEEP_WORKERS > 1

    @property
    def core(self) -> CoreDeps:
        """The core's dependencies from the policy in force now: take them once per request
        (a reload in between gives the next request the new policy, never a mix)."""
        return self.supervisor.deps(self.settings.secret_key, self.now)

    def judge_new_facts(self) -> None:
        """Right after a commit: judge the facts it wrote (the poller catches any left over).

        The action is committed already: whatever happens here never changes the answer to
        the request (a failure is logged; the fact stays for the poller, counted)."""
        try:
            with self.sessions() as session, session.begin():
                process_pending(session, self.core, self.supervisor)
        except Exception:  # noqa: BLE001 (the committed action's answer must stand)
            log.exception("judging after commit failed; the poller will retry")


def state(request: Request) -> ServiceState:
    service: ServiceState = request.app.state.service
    return service


@contextmanager
def unit_of_work(service: ServiceState) -> Iterator[Session]:
    """One use case, one transaction: committed before the response is built."""
    with service.sessions() as session, session.begin():
        yield session


_bearer = HTTPBearer(auto_error=False)


def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None:
        raise HTTPException(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    service = state(request)
    with service.sessions() as session:
        user = user_by_token(session, credentials.credentials)
    if user is None:
        raise HTTPException(401, "invalid token", headers={"WWW-Authenticate": "Bearer"})
    return Actor(user.id, user.name, user.role, user.department_code)


CurrentActor = Annotated[Actor, Depends(current_actor)]
Service = Annotated[ServiceState, Depends(state)]


def guard_parameters(request: Request) -> None:
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


def require_role(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise Forbidden(
            f"this needs one of the roles: {', '.join(roles)}",
            detail_zh=f"需要以下角色之一：{', '.join(roles)}",
        )
