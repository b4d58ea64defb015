"""The FastAPI application: routers, error mapping, input guard, security headers and the
service state."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI

from api import apidocs, errors, openapi, portal
from api.demo import demo_users_present
from api.deps import ServiceState, guard_parameters
from api.middleware import EdgeMiddleware
from api.routers import (
    aftercare,
    alerts,
    bulletins,
    cases,
    evaluations,
    items,
    materials,
    metrics,
    notifications,
    policy,
    public,
    receipts,
    register,
    statistics,
    supervision,
    system,
    users,
    verify_page,
)
from approval_core.db import make_engine, make_session_factory, read_only
from approval_core.errors import ConfigError
from approval_core.settings import Settings, get_settings
from approval_core.timeutil import Clock, utcnow
from supervisor.policy.reload import start_policy
from supervisor.sweep_pool import SweepPool, WorkerConfig

log = logging.getLogger("sunlight")


def build_state(settings: Settings, now: Clock = utcnow) -> ServiceState:
    """Connect to the database and put the policy in force: the files of rules/ when they are
    valid, else the last version in force (stored in the database) with the refusal reported.
    Fails only when neither exists (ConfigError listing every problem), or when a production
    database still has users with the published demo tokens."""
    for line in settings.startup_warnings():
        log.warning(line)
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    sessions = make_session_factory(engine)
    if settings.environment == "production":
        with sessions() as session:
            read_only(session)
            demo = demo_users_present(session)
        if demo:
            raise ConfigError(
                [
                    "production refuses to start while users hold published demo tokens "
                    f"({', '.join(demo)}): `sunlight users list`, then `sunlight users rotate "
                    "<id>` or `sunlight users disable <id>` for each"
                ]
            )
    supervisor, _ = start_policy(sessions, settings.rules_dir, settings.engine_mode, now())
    pool = None
    if settings.sweep_workers > 1:
        config = WorkerConfig(
            settings.database_url,
            settings.secret_key,
            settings.engine_mode,
            supervisor.policy.version,
        )
        pool = SweepPool(config, workers=settings.sweep_workers)  # started on the first sweep
    return ServiceState(
        settings=settings,
        engine=engine,
        sessions=sessions,
        supervisor=supervisor,
        now=now,
        sweep_pool=pool,
    )


def create_app(service: ServiceState | None = None) -> FastAPI:
    service = service or build_state(get_settings())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        service.judge.start()  # facts are judged off the request path, moments after commit
        yield
        service.judge.stop()
        # uvicorn ends the process with the signal that stopped it once this has run: the
        # sweep's worker processes are stopped here, not left to notice their parent is gone.
        if service.sweep_pool is not None:
            service.sweep_pool.close()

    app = FastAPI(
        title="Sunlight 网上审批与电子监察",
        version="0.1.0",
        description="Online approval and electronic supervision. Errors are problem+json.",
        lifespan=lifespan,
        dependencies=[Depends(guard_parameters)],
        docs_url=None,  # api/apidocs.py serves /docs and /redoc with their files offline
        redoc_url=None,
    )
    app.state.service = service
    errors.install(app)
    routers = (
        items,
        cases,
        materials,
        public,
        register,
        receipts,
        system,
        users,
        alerts,
        supervision,
        notifications,
        aftercare,
        policy,
        statistics,
        evaluations,
        verify_page,
        bulletins,
    )
    for module in routers:
        app.include_router(module.router)
    portal.install(app)  # the service hall's pages and their static files
    http_metrics = metrics.install(app, service)
    # Ours, outermost: correlation id, catch-all 500, security headers and request counters.
    app.add_middleware(EdgeMiddleware, metrics=http_metrics, trusted=service.limiter.trusted)
    openapi.install(app)
    apidocs.install(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, Any]:
        return {"status": "ok"}

    return app
