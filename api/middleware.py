"""The one ASGI middleware of ours around every request (`EdgeMiddleware`): correlation id and
catch-all 500 (`api/correlation.py`), security headers (`api/headers.py`) and the HTTP request
counters by route template (never the raw path: ids would explode the series).

These were three middlewares; one layer does the same with one wrapped `send` per request
(issue 12: every layer is a coroutine and a closure on the hot path). It lets the request
through, then reads the route Starlette matched (`scope["route"]`, set by the router on the
shared scope) and the status it sent.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.correlation import REQUEST_ID_HEADER, request_id_of
from api.errors import unexpected
from api.headers import DEFAULT_CSP, HSTS, came_over_tls, is_personal
from api.ratelimit import Network

UNMATCHED = "unmatched"  # a path no route knows (404): one series for all of them


class HttpMetrics:
    """`sunlight_http_requests_total` and `sunlight_http_request_duration_seconds`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "sunlight_http_requests",
            "HTTP requests by route template, method and status",
            ["route", "method", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            "sunlight_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template",
            ["route"],
            registry=registry,
        )

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.duration.labels(route).observe(seconds)


def route_template(scope: Scope) -> str:
    """The matched route's template, e.g. /api/v1/cases/{case_id}."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else UNMATCHED


class EdgeMiddleware:
    """Outermost: every answer, errors and the catch-all's 500 included, carries the request
    id and the security headers, and is counted."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics, trusted: Sequence[Network] = ()) -> None:
        self.app = app
        self.metrics = metrics
        self.trusted = tuple(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        clock_started = time.perf_counter()
        request_id = request_id_of(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        personal, tls = is_personal(scope), came_over_tls(scope, self.trusted)
        status = 500  # what the client gets if the app raises before answering
        started = False

        async def sending(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = int(message["status"])
                headers = MutableHeaders(scope=message)
                headers[REQUEST_ID_HEADER] = request_id
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
                headers["Referrer-Policy"] = "no-referrer"
                headers.setdefault("Content-Security-Policy", DEFAULT_CSP)
                if personal:
                    headers["Cache-Control"] = "no-store"
                if tls:
                    headers["Strict-Transport-Security"] = HSTS
            await send(message)

        try:
            try:
                await self.app(scope, receive, sending)
            finally:  # counted as the app answered (500 if it raised), before any catch-all
                seconds = time.perf_counter() - clock_started
                self.metrics.observe(route_template(scope), scope["method"], status, seconds)
        except Exception as exc:
            if started:  # the answer is already on its way: only the server can log it
                raise
            await unexpected(Request(scope), exc)(scope, receive, sending)
