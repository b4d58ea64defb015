"""我的办件: the logged-in applicant's cases, one case's steps, legal clock and documents.

The list is `queries.list_cases` with the applicant's Actor (what the API lists for an
applicant token); a case is `scoped_case` (another applicant's case is 404, as in the API);
the documents are served by the API's own receipt function."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import Service
from api.portal.casefile import case_page, list_row, ratings_of
from api.portal.pages import render
from api.portal.security import RequiredApplicant, mark_page
from api.routers.materials import download_material
from api.routers.receipts import get_receipt
from approval_core.cases import queries
from approval_core.cases.service import scoped_case
from approval_core.db import read_only
from approval_core.materials import service as materials

router = APIRouter(prefix="/my/cases", include_in_schema=False, dependencies=[Depends(mark_page)])

PAGE_SIZE = 20
CaseId = Annotated[str, Path(max_length=64)]
# The notice shown on the case page after a form sent the applicant back to it.
NOTICES: dict[str, tuple[str, str]] = {
    "rated": ("感谢您的评价，评价已提交。", "Thank you: your rating has been recorded."),
    "complained": (
        "投诉已提交，受理情况将显示在本页。",
        "Your complaint has been filed; its progress is shown on this page.",
    ),
}


@router.get("", response_class=HTMLResponse)
def my_cases(
    request: Request,
    applicant: RequiredApplicant,
    service: Service,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
) -> Response:
    """The applicant's cases, newest first, with what each asks of them."""
    with service.sessions() as session:
        read_only(session)
        total, rows = queries.list_cases(
            session, applicant, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
        rated = ratings_of(session, [c.id for c in rows])
        items = [list_row(service.core, c, c.id in rated) for c in rows]
    pages = max(1, -(-total // PAGE_SIZE))
    context = {"items": items, "total": total, "page": page, "pages": pages}
    return render(request, "mycases/list.html", context)


@router.get("/{case_id}", response_class=HTMLResponse)
def my_case(
    request: Request,
    case_id: CaseId,
    applicant: RequiredApplicant,
    service: Service,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """One case: steps, clock, documents, rating and complaints; 404 if not the applicant's."""
    with service.sessions() as session:
        read_only(session)
        case = scoped_case(session, applicant, case_id)
        view = case_page(session, service.core, case)
        files = materials.files_of(session, applicant, case_id)
        names = {m.code: m for m in service.core.catalogue.get(case.item_code).materials}
    context: dict[str, Any] = {
        "case": view,
        "notice": NOTICES.get(done or ""),
        "files": files,
        "names": names,
    }
    return render(request, "mycases/case.html", context)


@router.get("/{case_id}/documents/{kind}", response_model=None)
def my_document(
    case_id: CaseId,
    kind: Annotated[str, Path(max_length=40)],
    applicant: RequiredApplicant,
    service: Service,
    format: Literal["pdf", "html"] = "pdf",
) -> Any:
    """The newest document of `kind` as a signed PDF (downloaded) or a printable page: the
    API's receipt function, so the owner gets exactly what the API gives them."""
    answer = get_receipt(case_id, kind, applicant, service, format)
    if format == "pdf" and isinstance(answer, Response):
        disposition = answer.headers["content-disposition"].replace("inline", "attachment", 1)
        answer.headers["content-disposition"] = disposition
    return answer


@router.get("/{case_id}/materials/{file_id}", response_model=None)
def my_material(
    case_id: CaseId,
    file_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    applicant: RequiredApplicant,
    service: Service,
) -> Response:
    """A file the applicant uploaded, as an attachment: the API's own download, so only the
    case's applicant (and, through the API, its department's staff) ever get it."""
    return download_material(case_id, file_id, applicant, service)
