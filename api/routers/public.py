"""The applicant's public query: tracking number + query code, no login, rate limited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from sqlalchemy.orm import Session

from api.deps import Service, unit_of_work
from api.ratelimit import Slot
from api.receipt_response import Format, receipt_response
from approval_core.cases import queries
from approval_core.cases.models import Case
from approval_core.receipts.service import latest_receipt, receipts_of

router = APIRouter(prefix="/api/v1/public", tags=["public"])


@router.get("/cases/{tracking_no}")
def public_case(tracking_no: str, code: str, request: Request, service: Service) -> dict[str, Any]:
    """Progress, deadline, clock segments and the receipts to download. Wrong codes and
    unknown numbers get the same 404; repeated failures get 429."""
    with service.limiter.attempt(request, service.now()) as slot, unit_of_work(service) as session:
        case = _find(session, slot, service, tracking_no, code)
        view = queries.public_view(session, service.core, case)
        view["receipts"] = [r.summary() for r in receipts_of(session, service.core, case)]
        return view


def _find(session: Session, slot: Slot, service: Service, tracking_no: str, code: str) -> Case:
    """The case for number + code; only a wrong number or code keeps its rate-limit slot
    (api/ratelimit.py: taken before the look-up, in the database, shared by processes)."""
    case = queries.find_public(session, service.core, tracking_no, code)
    if case is None:
        raise HTTPException(404, "no case with this tracking number and query code")
    slot.found()
    return case


@router.get("/cases/{tracking_no}/receipts")
def public_receipts(
    tracking_no: str, code: str, request: Request, service: Service
) -> list[dict[str, Any]]:
    """The receipts the applicant can download: kind, number, date, verification code."""
    with service.limiter.attempt(request, service.now()) as slot, unit_of_work(service) as session:
        case = _find(session, slot, service, tracking_no, code)
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
    with service.limiter.attempt(request, service.now()) as slot, unit_of_work(service) as session:
        case = _find(session, slot, service, tracking_no, code)
        receipt = latest_receipt(session, service.core, case, kind)
    return receipt_response(receipt, format, service.documents)
