"""Receipts: list and download a case's receipts (staff, scoped), and verify a printed one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from api.deps import CurrentActor, Service, unit_of_work
from api.receipt_response import Format, receipt_response
from approval_core.cases import service as cases
from approval_core.receipts.service import latest_receipt, receipts_of
from approval_core.receipts.verify import verification_view, verify_code

router = APIRouter(prefix="/api/v1", tags=["receipts"])


@router.get("/cases/{case_id}/receipts")
def list_receipts(case_id: str, actor: CurrentActor, service: Service) -> list[dict[str, Any]]:
    """Every receipt the case has issued, oldest first: kind, number, date, verification code."""
    with unit_of_work(service) as session:
        case = cases.scoped_case(session, actor, case_id)
        return [r.summary() for r in receipts_of(session, service.core, case)]


@router.get("/cases/{case_id}/receipts/{kind}", response_model=None)
def get_receipt(
    case_id: str, kind: str, actor: CurrentActor, service: Service, format: Format = "json"
) -> Any:
    """The latest receipt of `kind`; `format` json (default), html or pdf."""
    with unit_of_work(service) as session:
        case = cases.scoped_case(session, actor, case_id)
        receipt = latest_receipt(session, service.core, case, kind)
    return receipt_response(receipt, format, service.documents)


@router.get("/receipts/verify/{code}")
def verify_receipt(code: str, request: Request, service: Service) -> dict[str, Any]:
    """Anyone may check a printed code: unknown or altered receipts get 404, repeated misses 429
    (the public look-up's limit, api/ratelimit.py)."""
    with service.limiter.attempt(request, service.now()) as slot, unit_of_work(service) as session:
        found = verify_code(session, service.core, code)
        if found is None:
            raise HTTPException(404, "no genuine receipt with this verification code")
        slot.found()
        return verification_view(*found)
