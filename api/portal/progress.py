"""进度查询 without an account: tracking number + query code, answered with the public view of
the API's `GET /api/v1/public/cases/{tracking_no}?code=` by calling that very function, so the
page shares its rate limit (api/ratelimit.py: failed look-ups per client are counted in the
database, 429 beyond the limit) and cannot be used to guess codes any faster than the API.

The code travels in a POST body (with the CSRF field), never in the page's address."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import Service
from api.portal.casefile import readable
from api.portal.pages import render
from api.portal.security import mark_page, verify_csrf
from api.routers.public import public_case
from approval_core.errors import InvalidInput, NotFound
from approval_core.inputs import control_character

router = APIRouter(prefix="/progress", include_in_schema=False, dependencies=[Depends(mark_page)])

NO_SUCH_CASE = NotFound(
    "no case has this tracking number and query code: check both and try again",
    detail_zh="没有与该受理编号和查询码对应的案件，请核对后重试",
    field="code",
)


@router.get("", response_class=HTMLResponse)
def progress_form(request: Request) -> Response:
    return render(request, "progress/form.html", {"tracking_no": ""})


def newest_documents(receipts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The newest receipt of each kind (what the public download of a kind serves)."""
    newest = {r["kind"]: r for r in receipts}
    return sorted(newest.values(), key=lambda r: (r["date"], r["record_seq"]))


def _refused(number: str, secret: str) -> InvalidInput | None:
    """Both filled in, as plain text (a NUL cannot even be looked up on PostgreSQL)."""
    for field, value in (("tracking_no", number), ("code", secret)):
        if not value or control_character(value) is not None:
            return InvalidInput(
                "enter the tracking number and the query code as printed on the receipt",
                detail_zh="请按凭证上印的内容填写受理编号和查询码",
                field=field,
            )
    return None


@router.post("", dependencies=[Depends(verify_csrf)], response_class=HTMLResponse)
def progress(
    request: Request,
    service: Service,
    tracking_no: Annotated[str, Form(max_length=64)] = "",
    code: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """The case's progress; a wrong number or code is the form again with the error (404)."""
    number, secret = tracking_no.strip(), code.strip()
    refused = _refused(number, secret)
    if refused is not None:
        context: dict[str, Any] = {"tracking_no": "" if refused.field == "tracking_no" else number}
        return render(request, "progress/form.html", context | {"error": refused}, status=422)
    try:
        view = public_case(number, secret, request, service)
    except HTTPException as exc:
        if exc.status_code != 404:
            raise  # 429: too many failed look-ups, an error page with Retry-After
        context = {"tracking_no": number, "error": NO_SUCH_CASE}
        return render(request, "progress/form.html", context, status=404)
    view = readable(service.core, view)
    catalogue = service.core.catalogue
    view["department"] = catalogue.departments[catalogue.get(view["item"]["code"]).department]
    view["documents"] = newest_documents(view["receipts"])
    context = {"case": view, "code": secret}
    return render(request, "progress/result.html", context)
