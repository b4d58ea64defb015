"""好差评 and 在线投诉 from the service hall: the applicant rates a concluded case (once) and
files a complaint about their case. Each form calls the API's own function for the same
action (`api/routers/aftercare.py`: `rate_case`, `file_complaint`), so the page applies the
same rules, records and supervision as a client of the API; a refusal is shown on the form.

There is no anonymous complaint form: the API takes complaints from an applicant's account
or from staff recording a letter, visit or call, never from an unidentified client."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from api.deps import Service
from api.portal.pages import render
from api.portal.security import RequiredApplicant, mark_page, verify_csrf
from api.routers.aftercare import file_complaint, rate_case
from approval_core.accounts.service import account_of
from approval_core.aftercare.kinds import RATING_LEVELS
from approval_core.aftercare.remedies import RATEABLE, rating_of
from approval_core.aftercare.schemas import ComplaintIn, RatingIn
from approval_core.cases.labels import STATE_LABELS
from approval_core.cases.models import Case
from approval_core.cases.service import scoped_case
from approval_core.catalogue.service import Catalogue
from approval_core.context import Actor
from approval_core.db import read_only
from approval_core.errors import Conflict, DomainError, IllegalTransition, InvalidInput

router = APIRouter(prefix="/my/cases", include_in_schema=False, dependencies=[Depends(mark_page)])

CaseId = Annotated[str, Path(max_length=64)]
# The forms' fields as people read them (for the messages of refused input).
FIELDS: dict[str, tuple[str, str]] = {
    "level": ("评价等级", "a rating"),
    "comment": ("评价意见", "the comment"),
    "complainant": ("投诉人姓名", "your name"),
    "contact": ("联系方式", "the contact"),
    "content": ("投诉内容", "the complaint"),
}
REFUSALS = (InvalidInput, IllegalTransition, Conflict)
M = TypeVar("M", bound=BaseModel)


def parsed(model: type[M], values: dict[str, Any]) -> M:
    """The form's values as the API's input model; a refused value is an InvalidInput naming
    its field in words (the browser's own checks catch most of these first)."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        zh, en = FIELDS.get(field, (field, field))
        limit = (error.get("ctx") or {}).get("max_length")
        if error["type"] == "literal_error":
            raise InvalidInput(f"choose {en}", detail_zh=f"请选择{zh}", field=field) from None
        if limit is not None:
            raise InvalidInput(
                f"{en} may have at most {limit} characters",
                detail_zh=f"{zh}最多 {limit} 个字",
                field=field,
            ) from None
        raise InvalidInput(
            f"please fill in {en} (plain text)",
            detail_zh=f"请填写{zh}（纯文字）",
            field=field,
        ) from None


def _status(refused: DomainError) -> int:
    return 422 if isinstance(refused, InvalidInput) else 409


def _case_head(case: Case, catalogue: Catalogue) -> dict[str, Any]:
    item = catalogue.get(case.item_code)
    zh, en = STATE_LABELS.get(case.state, (case.state, case.state))
    return {
        "id": case.id,
        "tracking_no": case.tracking_no,
        "item": (item.name_zh, item.name_en),
        "state": case.state,
        "state_label": (zh, en),
    }


def _rating_page(service: Service, applicant: Actor, case_id: str) -> dict[str, Any]:
    with service.sessions() as session:
        read_only(session)
        case = scoped_case(session, applicant, case_id)
        rating = rating_of(session, case.id)
        return {
            "case": _case_head(case, service.core.catalogue),
            "rating": rating,
            "rateable": case.state in RATEABLE,
            "levels": RATING_LEVELS,
        }


@router.get("/{case_id}/rating", response_class=HTMLResponse)
def rating_form(
    request: Request, case_id: CaseId, applicant: RequiredApplicant, service: Service
) -> Response:
    context = _rating_page(service, applicant, case_id)
    return render(request, "mycases/rating.html", {**context, "level": "", "comment": ""})


@router.post("/{case_id}/rating", dependencies=[Depends(verify_csrf)], response_class=HTMLResponse)
def rate(
    request: Request,
    case_id: CaseId,
    applicant: RequiredApplicant,
    service: Service,
    level: Annotated[str, Form(max_length=20)] = "",
    comment: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """好差评: `rate_case` of the API (once, only after conclusion); back to the case."""
    try:
        body = parsed(RatingIn, {"level": level, "comment": comment.strip() or None})
        rate_case(case_id, body, applicant, service)
    except REFUSALS as refused:
        context = _rating_page(service, applicant, case_id)
        context |= {"level": level, "comment": comment, "error": refused}
        return render(request, "mycases/rating.html", context, status=_status(refused))
    return RedirectResponse(f"/my/cases/{case_id}?done=rated#rating", status_code=303)


def _complaint_page(service: Service, applicant: Actor, case_id: str) -> dict[str, Any]:
    with service.sessions() as session:
        read_only(session)
        case = scoped_case(session, applicant, case_id)
        account = account_of(session, applicant.user_id) if applicant.user_id else None
        return {
            "case": _case_head(case, service.core.catalogue),
            "complainant": applicant.name,
            "contact": (account.phone or account.email or "") if account else "",
            "content": "",
        }


@router.get("/{case_id}/complaint", response_class=HTMLResponse)
def complaint_form(
    request: Request, case_id: CaseId, applicant: RequiredApplicant, service: Service
) -> Response:
    context = _complaint_page(service, applicant, case_id)
    return render(request, "mycases/complaint.html", context)


@router.post(
    "/{case_id}/complaint", dependencies=[Depends(verify_csrf)], response_class=HTMLResponse
)
def complain(
    request: Request,
    case_id: CaseId,
    applicant: RequiredApplicant,
    service: Service,
    complainant: Annotated[str, Form(max_length=400)] = "",
    contact: Annotated[str, Form(max_length=400)] = "",
    content: Annotated[str, Form(max_length=10000)] = "",
) -> Response:
    """在线投诉 about the case: `file_complaint` of the API (channel online); back to the case."""
    values = {
        "channel": "online",
        "complainant": complainant,
        "contact": contact.strip() or None,
        "content": content,
        "case_id": case_id,
    }
    try:
        file_complaint(parsed(ComplaintIn, values), applicant, service)
    except REFUSALS as refused:
        context = _complaint_page(service, applicant, case_id)
        context |= {"complainant": complainant, "contact": contact, "content": content}
        context["error"] = refused
        return render(request, "mycases/complaint.html", context, status=_status(refused))
    return RedirectResponse(f"/my/cases/{case_id}?done=complained#complaints", status_code=303)
