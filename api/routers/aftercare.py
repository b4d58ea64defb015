"""事后监察: complaints (投诉), reconsideration/litigation/compensation, 好差评 ratings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select

from api.deps import CurrentActor, ExpectedVersion, Service, require_role, unit_of_work
from api.routers.public import _find
from approval_core.aftercare import complaints, remedies
from approval_core.aftercare.models import Complaint
from approval_core.aftercare.schemas import (
    ComplaintIn,
    ComplaintStepIn,
    RatingIn,
    RemedyIn,
    RemedyOutcomeIn,
)
from approval_core.cases import service as cases
from approval_core.cases.models import Case
from approval_core.errors import Forbidden
from approval_core.inputs import Id
from approval_core.timeutil import legal_date
from supervisor.aftercare import check_complaints, judge_complaints, judge_rating

router = APIRouter(prefix="/api/v1", tags=["aftercare"])


def _view(service: Service, complaint: Complaint) -> dict[str, Any]:
    today = legal_date(service.core.now())
    return complaints.view(complaint, service.core.calendar, today, service.core.catalogue.clock)


@router.post("/complaints", status_code=201)
def file_complaint(body: ComplaintIn, actor: CurrentActor, service: Service) -> dict[str, Any]:
    """投诉: online by the applicant; letters, visits and calls recorded by staff."""
    with unit_of_work(service) as session:
        complaint = complaints.file_complaint(session, service.core, actor, body)
        judge_complaints(session, service.core, service.supervisor, [complaint], "complaint")
        return _view(service, complaint)


@router.get("/complaints")
def list_complaints(actor: CurrentActor, service: Service) -> list[dict[str, Any]]:
    """Complaints this actor may see (own department; supervisors all), newest first."""
    require_role(actor, *complaints.STAFF, "policy")
    with unit_of_work(service) as session:
        stmt = select(Complaint).order_by(Complaint.id.desc())
        if actor.role not in ("supervisor", "admin", "policy"):
            stmt = stmt.where(Complaint.department_code == actor.department)
        return [_view(service, c) for c in session.scalars(stmt)]


@router.get("/complaints/{complaint_id}")
def get_complaint(complaint_id: Id, actor: CurrentActor, service: Service) -> dict[str, Any]:
    with unit_of_work(service) as session:
        return _view(service, complaints.get_complaint(session, actor, complaint_id))


@router.post("/complaints/{complaint_id}/steps")
def complaint_step(
    complaint_id: Id,
    body: ComplaintStepIn,
    actor: CurrentActor,
    service: Service,
    expected: ExpectedVersion,
) -> dict[str, Any]:
    """accept / reject (with reason) / handle / conclude (with outcome); `If-Match: <version>`
    optional. Of concurrent steps one wins; the others are 409 with the complaint's state."""
    with unit_of_work(service) as session:
        core = service.core
        complaint = complaints.take_step(session, core, actor, complaint_id, body, expected)
        judge_complaints(session, core, service.supervisor, [complaint], "complaint_check")
        return _view(service, complaint)


@router.post("/complaints/check")
def run_complaint_check(actor: CurrentActor, service: Service) -> dict[str, int]:
    """The escalation check over complaints not yet accepted (red card once past the limit)."""
    require_role(actor, "supervisor", "admin")
    with unit_of_work(service) as session:
        return {"matched": check_complaints(session, service.core, service.supervisor)}


@router.post("/cases/{case_id}/remedies", status_code=201)
def add_remedy(
    case_id: str, body: RemedyIn, actor: CurrentActor, service: Service
) -> dict[str, Any]:
    """行政复议 / 行政诉讼 / 行政赔偿 about the case, with its outcome when known."""
    with unit_of_work(service) as session:
        case = cases.scoped_case(session, actor, case_id)
        return remedies.remedy_view(remedies.add_remedy(session, service.core, actor, case, body))


@router.post("/cases/{case_id}/remedies/{remedy_id}/outcome")
def decide_remedy(
    case_id: str,
    remedy_id: Id,
    body: RemedyOutcomeIn,
    actor: CurrentActor,
    service: Service,
    expected: ExpectedVersion,
) -> dict[str, Any]:
    """The outcome, recorded once (`If-Match: <version>` optional; a loser gets 409)."""
    with unit_of_work(service) as session:
        case = cases.scoped_case(session, actor, case_id)
        remedy = remedies.decide_remedy(session, actor, case, remedy_id, body, expected)
        return remedies.remedy_view(remedy)


@router.get("/cases/{case_id}/aftercare")
def case_aftercare(case_id: str, actor: CurrentActor, service: Service) -> dict[str, Any]:
    """What came after the case: its rating, complaints and remedies."""
    with unit_of_work(service) as session:
        case = cases.scoped_case(session, actor, case_id)
        rating = remedies.rating_of(session, case.id)
        stmt = select(Complaint).where(Complaint.case_id == case.id).order_by(Complaint.id)
        return {
            "rating": remedies.rating_view(rating) if rating else None,
            "complaints": [_view(service, c) for c in session.scalars(stmt)],
            "remedies": [remedies.remedy_view(r) for r in remedies.remedies_of(session, case.id)],
        }


def _rate(service: Service, session: Any, case: Case, body: RatingIn) -> dict[str, Any]:
    rating = remedies.rate(session, service.core, case, body)
    matched = judge_rating(session, service.core, service.supervisor, case, rating)
    return {**remedies.rating_view(rating), "follow_up": bool(matched)}


@router.post("/cases/{case_id}/rating", status_code=201)
def rate_case(
    case_id: str, body: RatingIn, actor: CurrentActor, service: Service
) -> dict[str, Any]:
    """好差评 by the applicant (token); once per concluded case."""
    if actor.role != "applicant":
        raise Forbidden("only the applicant rates a case", detail_zh="只有申请人可以评价")
    with unit_of_work(service) as session:
        case = cases.scoped_case(session, actor, case_id, for_update=True)
        return _rate(service, session, case, body)


@router.post("/public/cases/{tracking_no}/rating", status_code=201)
def rate_public(
    tracking_no: str, code: str, body: RatingIn, request: Request, service: Service
) -> dict[str, Any]:
    """好差评 with tracking number + query code (no login); once per concluded case."""
    with service.limiter.attempt(request, service.now()) as slot, unit_of_work(service) as session:
        case = _find(session, slot, service, tracking_no, code)
        return _rate(service, session, case, body)
