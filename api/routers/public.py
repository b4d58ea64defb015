"""The public endpoints: the applicant's query (tracking number + query code, no login, rate
limited) and the public statistics (数据统计: monthly aggregates per item, no personal data)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from sqlalchemy.orm import Session

from api.deps import Service, unit_of_work
from api.ratelimit import Slot
from api.receipt_response import Format, receipt_response
from approval_core.cases import queries
from approval_core.cases.models import Case
from approval_core.db import read_only
from approval_core.receipts.service import latest_receipt, receipts_of
from approval_core.timeutil import legal_date
from supervisor.evaluation.public import check_query, monthly

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
    return receipt_response(receipt, format)


@router.get("/statistics")
def public_statistics(
    service: Service,
    year: Annotated[int | None, Query(description="default: this year")] = None,
    item: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    """数据统计: for each month of `year` and each item (or one `item`): received, concluded,
    on-time rate and average working days. No personal data; no login; the answer is kept
    five minutes (a new case shows up within five minutes)."""
    now = service.now()
    core = service.core
    year = legal_date(now).year if year is None else year
    check_query(core, year, item, now)
    cache = service.public_statistics
    document = cache.get((year, item), now)
    if document is None:
        with unit_of_work(service) as session:
            read_only(session)
            document = monthly(session, core, year, item, now)
        cache.put((year, item), now, document)
    return document
