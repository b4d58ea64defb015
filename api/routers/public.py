"""The applicant's public query: tracking number + query code, no login, rate limited."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from api.deps import Service, unit_of_work
from approval_core.cases import queries

router = APIRouter(prefix="/api/v1/public", tags=["public"])


class FailureLimiter:
    """At most `limit` failed look-ups per client address within `window` seconds."""

    def __init__(self, limit: int = 10, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, client: str) -> bool:
        with self._lock:
            recent = self._failures.get(client)
            if not recent:
                return False
            cutoff = time.monotonic() - self.window
            while recent and recent[0] < cutoff:
                recent.popleft()
            return len(recent) >= self.limit

    def fail(self, client: str) -> None:
        with self._lock:
            self._failures.setdefault(client, deque()).append(time.monotonic())


limiter = FailureLimiter()


@router.get("/cases/{tracking_no}")
def public_case(tracking_no: str, code: str, request: Request, service: Service) -> dict[str, Any]:
    """Wrong codes and unknown numbers get the same 404; repeated failures get 429."""
    client = request.client.host if request.client else "unknown"
    if limiter.blocked(client):
        raise HTTPException(429, "too many failed look-ups; try again later")
    with unit_of_work(service) as session:
        case = queries.find_public(session, service.core, tracking_no, code)
        if case is None:
            limiter.fail(client)
            raise HTTPException(404, "no case with this tracking number and query code")
        return queries.public_view(session, service.core, case)
