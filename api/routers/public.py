"""The applicant's public query: tracking number + query code, no login, rate limited."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from sqlalchemy.orm import Session

from api.deps import Service, unit_of_work
from api.receipt_response import Format, receipt_response
from approval_core.cases import queries
from approval_core.cases.models import Case
from approval_core.receipts.service import latest_receipt, receipts_of

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
    """Progress, deadline, clock segments and the receipts to download. Wrong codes and
    unknown numbers get the same 404; repeated failures get 429."""
    with unit_of_work(service) as session:
        case = _find(session, request, service, tracking_no, code)
        view = queries.public_view(session, service.core, case)
        view["receipts"] = [r.summary() for r in receipts_of(session, service.core, case)]
        return view


def _find(
    session: Session, request: Request, service: Service, tracking_no: str, code: str
) -> Case:
    """The case for number + code; a wrong code counts as a failure for the rate limiter."""
    client = request.client.host if request.client else "unknown"
    if limiter.blocked(client):
        raise HTTPException(429, "too many failed look-ups; try again later")
    case = queries.find_public(session, service.core, tracking_no, code)
    if case is None:
        limiter.fail(client)
        raise HTTPException(404, "no case with this tracking number and query code")
    return case


@router.get("/cases/{tracking_no}/receipts")
def public_receipts(
    tracking_no: str, code: str, request: Request, service: Service
) -> list[dict[str, Any]]:
    """The receipts the applicant can download: kind, number, date, verification code."""
    with unit_of_work(service) as session:
        case = _find(session, request, service, tracking_no, code)
        return [r.summary() for r in receipts_of(session, service.core, case)]


@router.get("/cases/{tracking_no}/receipts/{kind}", response_model=None)
def public_receipt(
    tracking_no: str,
    kind: str,
    code: str,
    request: Request,
    service: Service,
    format: Format = "json",
) -> Any:
    """The latest receipt of `kind` for the applicant; `format` json (default), html or pdf."""
    with unit_of_work(service) as session:
        case = _find(session, request, service, tracking_no, code)
        receipt = latest_receipt(session, service.core, case, kind)
    return receipt_response(receipt, format)
