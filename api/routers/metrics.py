"""`GET /metrics` in the Prometheus text format 0.0.4, and the worker's own metrics endpoint.

Each app gets a registry of its own (`app.state.metrics`): the supervisor's counters, its rules
and calendar, HTTP counters, and the DB-derived gauges unless `SUNLIGHT_METRICS_DB=false`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, CollectorRegistry, generate_latest
from prometheus_client import start_http_server as _start_http_server
from prometheus_client.core import CounterMetricFamily, Metric

from api.deps import ServiceState
from api.middleware import HttpMetrics
from supervisor.metrics.registry import build_registry

router = APIRouter(tags=["metrics"])


def registry_for(service: ServiceState) -> CollectorRegistry:
    engine = service.engine if service.settings.metrics_db else None
    return build_registry(service.supervisor, service.now, engine)


def install(app: FastAPI, service: ServiceState) -> HttpMetrics:
    """Serve /metrics from this app's own registry; the request counters it returns are
    kept by `api/middleware.EdgeMiddleware`."""
    registry = registry_for(service)
    registry.register(GroupCommitCollector(service))
    app.state.metrics = registry
    app.include_router(router)
    return HttpMetrics(registry)


class GroupCommitCollector:
    """`sunlight_group_commit_*`: the filings and actions this process committed, and in how
    many transactions (approval_core/group_commit.py); their quotient is the mean group."""

    def __init__(self, service: ServiceState) -> None:
        self.service = service

    def describe(self) -> Iterator[Metric]:
        return self._families(filled=False)

    def collect(self) -> Iterator[Metric]:
        return self._families(filled=True)

    def _families(self, *, filled: bool) -> Iterator[Metric]:
        commits = self.service.commits
        units = CounterMetricFamily(
            "sunlight_group_commit_units",
            "Filings and actions run by this process's group commit",
        )
        transactions = CounterMetricFamily(
            "sunlight_group_commit_transactions",
            "Transactions they were run in (a group's, or one alone)",
        )
        if filled:
            units.add_metric([], commits.units)
            transactions.add_metric([], commits.transactions)
        yield units
        yield transactions


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    registry: CollectorRegistry = request.app.state.metrics
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_PLAIN_0_0_4)


def serve_metrics(service: ServiceState, host: str, port: int) -> Callable[[], None]:
    """The worker has no API: serve its registry on host:port in a background thread.

    Returns the function that stops it (the thread is a daemon: it also ends with the process).
    """
    server, thread = _start_http_server(port, addr=host, registry=registry_for(service))

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(5)

    return stop
